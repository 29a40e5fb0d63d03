// The registry client: any registry that speaks the OCI distribution spec /
// Docker's registry API v2 (Docker Hub, distribution, Harbor, GHCR, Quay).
import { basicCredentials, basicHeader, AuthError } from './auth';
import { Repository } from './client';
import { registryKey, HUB_AUTH_KEY } from '../common/credentials';
import { DEFAULT_DOMAIN, RegistryError, Transport, type Endpoint, type RegistryConfig } from './transport';
import type { AuthConfig } from './types';

export { Repository } from './client';
export {
  Transport,
  RegistryError,
  defaultRegistryConfig,
  isTransient,
  sleep,
  undici,
  getFollowingRedirects,
  DEFAULT_DOMAIN,
  type Endpoint,
  type RegistryConfig,
} from './transport';
export { AuthError, parseChallenges, type Challenge } from './auth';
export { CredentialFile, decodeAuthHeader, encodeAuthHeader, registryKey, defaultConfigPath, HUB_AUTH_KEY } from '../common/credentials';
export { parseManifest, buildManifest, ManifestError, Schema1Error, sha256, DIGEST_RE } from './manifest';
export { hostPlatform, detectedHostPlatform, imagePlatform, parsePlatform, formatPlatform, selectManifest, platformScore, PlatformError } from './platform';
export * from './types';

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

/** Docker Hub's domain for a config.json key or server address. */
export function domainOf(server: string | undefined): string {
  const k = registryKey(server);
  return k === HUB_AUTH_KEY ? DEFAULT_DOMAIN : k;
}

export class Registry {
  readonly transport: Transport;

  constructor(readonly cfg: RegistryConfig) {
    this.transport = new Transport(cfg);
  }

  endpoints(domain: string, forPull: boolean): Promise<Endpoint[]> {
    return this.transport.endpoints(domain, forPull);
  }

  repository(ep: Endpoint, path: string, creds: AuthConfig | undefined, push = false, extraScopes: string[] = []): Repository {
    return new Repository(this.transport, ep, path, creds, push, extraScopes);
  }

  /** Checks credentials against a registry as `docker login` does. */
  async login(creds: AuthConfig): Promise<{ Status: string; IdentityToken: string }> {
    const domain = domainOf(creds.serveraddress);
    const eps = await this.endpoints(domain, false);
    const ep = eps[eps.length - 1];
    const { challenge } = await this.transport.ping(ep, true);
    const url = await this.transport.url(ep, '/v2/');
    const fail = (status: number) =>
      new RegistryError(
        `login attempt to ${url} failed with status: ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : ''}`.trim(),
        401,
      );
    if (!challenge) return { Status: 'Login Succeeded', IdentityToken: '' };
    let auth: string;
    if (challenge.scheme === 'basic') {
      const b = basicCredentials(creds);
      if (!b) throw new RegistryError('no basic auth credentials', 401);
      auth = basicHeader(b);
    } else {
      try {
        auth = `Bearer ${await this.transport.tokens.token(challenge, [], creds, { offline_token: 'true', client_id: 'docker' })}`;
      } catch (e) {
        if (e instanceof AuthError) throw new RegistryError(e.message, e.status === 401 ? 401 : 500);
        throw e;
      }
    }
    const res = await this.transport.plain(ep, 'GET', url, { Authorization: auth });
    await res.body.dump();
    if (res.statusCode !== 200) throw fail(res.statusCode);
    return { Status: 'Login Succeeded', IdentityToken: '' };
  }

  /** The registry's v1 search API; a clear error where the registry has none. */
  async search(domain: string, term: string, limit: number, creds: AuthConfig | undefined): Promise<SearchResult[]> {
    const eps = await this.endpoints(domain, false);
    const ep = domain === DEFAULT_DOMAIN ? { ...eps[eps.length - 1], base: 'https://index.docker.io' } : eps[eps.length - 1];
    const res = await this.transport.send(ep, 'GET', `/v1/search?q=${encodeURIComponent(term)}&n=${limit}`, { creds, scopes: [], retry: true });
    const text = await res.body.text();
    if (res.statusCode === 404 || res.statusCode === 405)
      throw new RegistryError(
        `registry ${domain} does not support search: GET /v1/search answered ${res.statusCode} (registries that only speak the distribution API v2 have no search)`,
        404,
      );
    if (res.statusCode !== 200) throw new RegistryError(`searching ${domain}: unexpected status code ${res.statusCode}`, res.statusCode === 401 ? 401 : 500);
    let j: { results?: SearchResult[] };
    try {
      j = JSON.parse(text);
    } catch {
      throw new RegistryError(`searching ${domain}: the answer is not JSON`, 502);
    }
    return (j.results ?? []).map((r) => ({
      name: String(r.name ?? ''),
      description: String(r.description ?? ''),
      star_count: Number(r.star_count ?? 0),
      is_official: !!r.is_official,
      is_automated: !!r.is_automated,
    }));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
