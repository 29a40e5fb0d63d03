// daemon.json's registry settings, checked the way dockerd checks them.
import { defaultRegistryConfig, type RegistryConfig } from '../registry/transport';

export function parseRegistryOptions(file: Record<string, unknown>, fail: (m: string) => Error): RegistryConfig {
  const cfg = defaultRegistryConfig();
  const int = (key: string, min: number): number | undefined => {
    const v = file[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw fail(`invalid ${key.replace(/-/g, ' ')}: ${JSON.stringify(v)}`);
    return v;
  };
  cfg.maxConcurrentDownloads = int('max-concurrent-downloads', 1) ?? cfg.maxConcurrentDownloads;
  cfg.maxConcurrentUploads = int('max-concurrent-uploads', 1) ?? cfg.maxConcurrentUploads;
  cfg.maxDownloadAttempts = int('max-download-attempts', 1) ?? cfg.maxDownloadAttempts;
  const list = (key: string): string[] => {
    const v = file[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw fail(`${key} must be a list of strings`);
    return v as string[];
  };
  cfg.mirrors = list('registry-mirrors').map((m) => {
    let u: URL;
    try {
      u = new URL(m);
    } catch {
      throw fail(`invalid mirror: "${m}" is not a valid URI`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw fail(`invalid mirror: unsupported scheme "${u.protocol.slice(0, -1)}" in "${m}"`);
    if (u.pathname !== '/' && u.pathname !== '') throw fail(`invalid mirror: path, query, or fragment at end of the URI "${m}"`);
    return `${u.protocol}//${u.host}`;
  });
  cfg.insecureRegistries = list('insecure-registries').map((r) => r.replace(/^https?:\/\//, '').replace(/\/$/, ''));
  const p = file.proxies as Record<string, string> | undefined;
  if (p !== undefined) {
    if (!p || typeof p !== 'object') throw fail('proxies must be an object');
    cfg.proxies = { httpProxy: p['http-proxy'] || undefined, httpsProxy: p['https-proxy'] || undefined, noProxy: p['no-proxy'] || undefined };
  }
  const chunk = file['upload-chunk-size'];
  if (typeof chunk === 'number' && Number.isInteger(chunk) && chunk > 0) cfg.uploadChunkSize = chunk;
  return cfg;
}
