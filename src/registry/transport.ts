// HTTP to registries over undici: pooled keep-alive connections, proxies,
// HTTPS with plain-HTTP fallback for insecure registries (127.0.0.0/8 by
// default, as Docker), the /v2/ ping that learns a host's auth challenge,
// authorization on every request, redirects and retries of transient errors.
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import type { Dispatcher } from 'undici';

// undici costs an idle daemon ~20 MiB: it loads with the first registry call
let undiciLib: typeof import('undici') | undefined;
export const undici = (): typeof import('undici') => (undiciLib ??= require('undici') as typeof import('undici'));
const request: typeof import('undici').request = (...args) => undici().request(...args);

let redirecting: Dispatcher | undefined;
/**
 * A plain GET that follows redirects (import from a URL, ADD <url>), on one
 * shared agent that loads undici only when first used.
 */
export function getFollowingRedirects(url: string | URL, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
  const { Agent, interceptors } = undici();
  redirecting ??= new Agent().compose(interceptors.redirect({ maxRedirections: 10 }));
  return request(url, { method: 'GET', dispatcher: redirecting, signal });
}
import { parseChallenges, TokenCache, basicCredentials, basicHeader, errorDetail, AuthError, type Challenge } from './auth';
import type { AuthConfig } from './types';

export interface RegistryConfig {
  /** registry-mirrors: base URLs tried for docker.io pulls before Docker Hub */
  mirrors: string[];
  /** insecure-registries: host[:port] names or CIDRs (plain HTTP or unverified TLS) */
  insecureRegistries: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  maxDownloadAttempts: number;
  proxies: { httpProxy?: string; httpsProxy?: string; noProxy?: string };
  /** push: PATCH blobs in pieces of this many bytes (0: one streamed PATCH) */
  uploadChunkSize: number;
}

export const defaultRegistryConfig = (p: Partial<RegistryConfig> = {}): RegistryConfig => ({
  mirrors: [],
  insecureRegistries: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
  maxDownloadAttempts: 5,
  proxies: {},
  uploadChunkSize: 0,
  ...p,
});

export const DEFAULT_DOMAIN = 'docker.io';
const HUB_API = 'registry-1.docker.io';

/** Where a registry's API answers. `name` is the registry as users write it (for credentials). */
export interface Endpoint {
  name: string;
  base: string;
  insecureTls: boolean;
  mirror: boolean;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface SendOptions {
  headers?: Record<string, string>;
  body?: Buffer | string | NodeJS.ReadableStream | null;
  /** token scopes this request needs */
  scopes?: string[];
  creds?: AuthConfig;
  /** statuses returned to the caller instead of followed (redirects) */
  noRedirect?: boolean;
  /** retry network errors and 5xx (only for bodies that can be sent again) */
  retry?: boolean;
}

interface HostState {
  scheme?: 'https' | 'http';
  challenge?: Challenge | null;
  checked?: number;
  probing?: Promise<void>;
}

const TRANSIENT = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
]);

export function isTransient(e: unknown): boolean {
  const c = (e as { code?: string })?.code;
  if (c && TRANSIENT.has(c)) return true;
  const cause = (e as { cause?: unknown })?.cause;
  return cause !== undefined && cause !== e && isTransient(cause);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsS] = cidr.split('/');
  const bits = Number(bitsS);
  if (!net.isIP(base) || !Number.isInteger(bits)) return false;
  if (net.isIPv4(ip) !== net.isIPv4(base)) return false;
  const toBig = (a: string): bigint => {
    if (net.isIPv4(a)) return a.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
    const full = a.includes('::') ? expand6(a) : a.split(':');
    return full.reduce((acc, h) => (acc << 16n) + BigInt(parseInt(h || '0', 16)), 0n);
  };
  const width = net.isIPv4(base) ? 32 : 128;
  const shift = BigInt(width - bits);
  return toBig(ip) >> shift === toBig(base) >> shift;
}

function expand6(a: string): string[] {
  const [l, r] = a.split('::');
  const left = l ? l.split(':') : [];
  const right = r ? r.split(':') : [];
  return [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
}

function hostOnly(hostport: string): string {
  if (hostport.startsWith('[')) return hostport.slice(1, hostport.indexOf(']'));
  const i = hostport.lastIndexOf(':');
  return i > 0 && hostport.indexOf(':') === i ? hostport.slice(0, i) : hostport;
}

export class Transport {
  private secureD?: Dispatcher;
  private insecureD?: Dispatcher;
  private readonly hosts = new Map<string, HostState>();
  readonly tokens: TokenCache;

  constructor(readonly cfg: RegistryConfig) {
    this.tokens = new TokenCache((url, init) => request(url, { ...init, dispatcher: this.secure }));
  }

  private makeDispatcher(rejectUnauthorized: boolean): Dispatcher {
    const { Agent, EnvHttpProxyAgent } = undici();
    const base = { connections: 32, keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 60_000 };
    const p = this.cfg.proxies;
    const useProxy = !!(p.httpProxy || p.httpsProxy || process.env.HTTP_PROXY || process.env.HTTPS_PROXY || process.env.http_proxy || process.env.https_proxy);
    return useProxy
      ? new EnvHttpProxyAgent({ ...base, httpProxy: p.httpProxy, httpsProxy: p.httpsProxy, noProxy: p.noProxy, connect: { rejectUnauthorized } })
      : new Agent({ ...base, connect: { rejectUnauthorized } });
  }

  private get secure(): Dispatcher {
    return (this.secureD ??= this.makeDispatcher(true));
  }

  private get insecure(): Dispatcher {
    return (this.insecureD ??= this.makeDispatcher(false));
  }

  close(): Promise<void> {
    return Promise.all([this.secureD?.close(), this.insecureD?.close()]).then(() => undefined);
  }

  /** Is this registry (host[:port]) served without verified TLS? */
  async isInsecure(name: string): Promise<boolean> {
    const host = hostOnly(name);
    const lists = this.cfg.insecureRegistries;
    if (lists.includes(name) || lists.includes(host)) return true;
    const cidrs = ['127.0.0.0/8', '::1/128', ...lists.filter((x) => x.includes('/'))];
    let ips: string[] = [];
    if (net.isIP(host)) ips = [host];
    else {
      try {
        ips = (await dns.lookup(host, { all: true })).map((a) => a.address);
      } catch {
        ips = [];
      }
    }
    return ips.some((ip) => cidrs.some((c) => ipInCidr(ip, c)));
  }

  /** The endpoints to try for a registry: mirrors first for Docker Hub pulls. */
  async endpoints(domain: string, forPull: boolean): Promise<Endpoint[]> {
    const out: Endpoint[] = [];
    if (domain === DEFAULT_DOMAIN && forPull) {
      for (const m of this.cfg.mirrors) {
        const u = new URL(m);
        out.push({ name: u.host, base: `${u.protocol}//${u.host}`, insecureTls: await this.isInsecure(u.host), mirror: true });
      }
    }
    const host = domain === DEFAULT_DOMAIN ? HUB_API : domain;
    out.push({ name: domain, base: `https://${host}`, insecureTls: await this.isInsecure(host), mirror: false });
    return out;
  }

  private state(ep: Endpoint): HostState {
    let s = this.hosts.get(ep.base);
    if (!s) this.hosts.set(ep.base, (s = {}));
    return s;
  }

  /** The base URL with the scheme that works (HTTPS, or HTTP for an insecure registry that has no TLS). */
  private baseOf(ep: Endpoint): string {
    const s = this.state(ep);
    return s.scheme === 'http' ? ep.base.replace(/^https:/, 'http:') : ep.base;
  }

  private dispatcherFor(url: string, ep: Endpoint): Dispatcher {
    return ep.insecureTls && url.startsWith('https:') ? this.insecure : this.secure;
  }

  /** GET /v2/: learns scheme and auth challenge (cached for a minute). Returns the status. */
  async ping(ep: Endpoint, force = false): Promise<{ status: number; challenge: Challenge | null }> {
    const s = this.state(ep);
    if (!force && s.checked && Date.now() - s.checked < 60_000 && s.challenge !== undefined) return { status: 0, challenge: s.challenge };
    let status = 0;
    const attempt = async (base: string): Promise<void> => {
      const res = await request(`${base}/v2/`, { method: 'GET', dispatcher: this.dispatcherFor(base, ep), headersTimeout: 15_000 });
      await res.body.dump();
      status = res.statusCode;
      const chs = parseChallenges(res.headers['www-authenticate']);
      s.challenge = res.statusCode === 401 ? (chs.find((c) => c.scheme === 'bearer') ?? chs.find((c) => c.scheme === 'basic') ?? null) : null;
      s.checked = Date.now();
    };
    const https = ep.base.replace(/^http:/, 'https:');
    try {
      if (ep.base.startsWith('http:')) throw Object.assign(new Error('plain http endpoint'), { plain: true });
      await attempt(https);
      s.scheme = 'https';
    } catch (e) {
      if (!ep.insecureTls && !(e as { plain?: boolean }).plain) throw connectError(https + '/v2/', e);
      try {
        await attempt(ep.base.replace(/^https:/, 'http:'));
        s.scheme = 'http';
      } catch (e2) {
        throw connectError(ep.base.replace(/^https:/, 'http:') + '/v2/', e2);
      }
    }
    return { status, challenge: s.challenge ?? null };
  }

  private async authorization(ep: Endpoint, scopes: string[], creds: AuthConfig | undefined): Promise<string | undefined> {
    const s = this.state(ep);
    if (s.challenge === undefined) await this.ping(ep);
    const ch = s.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const b = basicCredentials(creds);
      return b ? basicHeader(b) : undefined;
    }
    if (ch.scheme === 'bearer') {
      if (creds?.registrytoken) return `Bearer ${creds.registrytoken}`;
      return `Bearer ${await this.tokens.token(ch, scopes, creds)}`;
    }
    return undefined;
  }

  /** A request with exactly these headers (no auth handling): login's final check. */
  async plain(ep: Endpoint, method: string, url: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: { 'User-Agent': 'berth', ...headers },
        dispatcher: this.dispatcherFor(url, ep),
      });
    } catch (e) {
      throw connectError(url, e);
    }
  }

  /** The full URL for a path under the registry (absolute URLs, e.g. upload locations, pass through). */
  async url(ep: Endpoint, pathOrUrl: string): Promise<string> {
    if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl;
    if (this.state(ep).scheme === undefined) await this.ping(ep);
    return this.baseOf(ep) + pathOrUrl;
  }

  /**
   * Sends a request with authorization, following redirects (without the
   * Authorization header when they leave the registry's origin) and answering
   * one fresh 401 challenge. The caller must consume or dump the body.
   */
  async send(ep: Endpoint, method: string, pathOrUrl: string, o: SendOptions = {}): Promise<Dispatcher.ResponseData & { url: string }> {
    const attempts = o.retry ? Math.max(1, this.cfg.maxDownloadAttempts) : 1;
    for (let i = 1; ; i++) {
      try {
        const res = await this.sendOnce(ep, method, pathOrUrl, o);
        if (o.retry && i < attempts && (res.statusCode === 429 || res.statusCode === 502 || res.statusCode === 503 || res.statusCode === 504)) {
          await res.body.dump();
          await sleep(backoff(i, res.headers['retry-after']));
          continue;
        }
        return res;
      } catch (e) {
        if (!o.retry || i >= attempts || !isTransient(e)) throw e;
        await sleep(backoff(i));
      }
    }
  }

  private async sendOnce(ep: Endpoint, method: string, pathOrUrl: string, o: SendOptions): Promise<Dispatcher.ResponseData & { url: string }> {
    let url = await this.url(ep, pathOrUrl);
    const origin = new URL(url).origin;
    const scopes = o.scopes ?? [];
    let auth = await this.authorization(ep, scopes, o.creds);
    let retried401 = false;
    for (let hops = 0; hops < 10; hops++) {
      const headers: Record<string, string> = { 'User-Agent': 'berth', ...(o.headers ?? {}) };
      const sameOrigin = new URL(url).origin === origin;
      if (auth && sameOrigin) headers.Authorization = auth;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: method as Dispatcher.HttpMethod,
          headers,
          body: o.body as Dispatcher.DispatchOptions['body'],
          dispatcher: this.dispatcherFor(url, ep),
        });
      } catch (e) {
        throw connectError(url, e);
      }
      if (
        res.statusCode === 401 &&
        sameOrigin &&
        !retried401 &&
        (o.body === undefined || o.body === null || typeof o.body === 'string' || Buffer.isBuffer(o.body))
      ) {
        const chs = parseChallenges(res.headers['www-authenticate']);
        const ch = chs.find((c) => c.scheme === 'bearer') ?? chs.find((c) => c.scheme === 'basic');
        const text = await res.body.text();
        if (!ch) throw new RegistryError(errorDetail(text) || 'unauthorized', 401);
        retried401 = true;
        const s = this.state(ep);
        s.challenge = ch;
        if (ch.scheme === 'bearer') {
          this.tokens.invalidate(ch);
          const extra = ch.params.scope ? ch.params.scope.split(' ') : [];
          auth = o.creds?.registrytoken ? `Bearer ${o.creds.registrytoken}` : `Bearer ${await this.tokens.token(ch, [...scopes, ...extra], o.creds)}`;
        } else {
          const b = basicCredentials(o.creds);
          if (!b) throw new RegistryError('no basic auth credentials', 401);
          if (auth === basicHeader(b)) throw new RegistryError(errorDetail(text) || 'unauthorized: incorrect username or password', 401);
          auth = basicHeader(b);
        }
        continue;
      }
      if (!o.noRedirect && [301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location && (method === 'GET' || method === 'HEAD')) {
        await res.body.dump();
        url = new URL(String(res.headers.location), url).toString();
        continue;
      }
      return Object.assign(res, { url });
    }
    throw new RegistryError(`too many redirects for ${pathOrUrl}`, 502);
  }
}

function backoff(attempt: number, retryAfter?: string | string[]): number {
  const ra = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (Number.isFinite(ra) && ra > 0) return Math.min(ra * 1000, 10_000);
  return Math.min(250 * 2 ** (attempt - 1), 5_000);
}

/** A connection-level failure as Docker words it: `Get "url": <reason>`. */
export function connectError(url: string, e: unknown): Error {
  if (e instanceof RegistryError || e instanceof AuthError) return e;
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const c = err.cause ?? err;
  let why = c.message || String(c);
  if (c.code === 'ECONNREFUSED') why = `dial tcp ${new URL(url).host}: connect: connection refused`;
  else if (c.code === 'ENOTFOUND' || c.code === 'EAI_AGAIN') why = `dial tcp: lookup ${new URL(url).hostname}: no such host`;
  const out = new RegistryError(`Get "${url}": ${why}`, 500);
  (out as { code?: string }).code = c.code;
  (out as { cause?: unknown }).cause = e;
  return out;
}
