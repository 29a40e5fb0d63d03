// Registry authentication: WWW-Authenticate challenges, Basic credentials and
// the Bearer token flow (realm, service, scope), with tokens cached per scope
// set until shortly before they expire.
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { AuthConfig } from './types';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header value (possibly several challenges). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (!header) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][A-Za-z0-9._~+/-]*)(?:\s+|$)/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) break;
    const ch: Challenge = { scheme: m[1].toLowerCase(), params: {} };
    i = re.lastIndex;
    // key=value or key="quoted", separated by commas, until the next scheme token
    const kv = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,)?/y;
    for (;;) {
      kv.lastIndex = i;
      const p = kv.exec(text);
      if (!p) break;
      ch.params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
      i = kv.lastIndex;
      if (!p[4]) break;
    }
    out.push(ch);
    while (i < text.length && (text[i] === ',' || text[i] === ' ')) i++;
  }
  return out;
}

/** username/password from an AuthConfig (the base64 `auth` field counts too). */
export function basicCredentials(a: AuthConfig | undefined): { username: string; password: string } | undefined {
  if (!a) return undefined;
  if (a.username || a.password) return { username: a.username ?? '', password: a.password ?? '' };
  if (a.auth) {
    const dec = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = dec.indexOf(':');
    if (i > 0) return { username: dec.slice(0, i), password: dec.slice(i + 1) };
  }
  return undefined;
}

export const basicHeader = (c: { username: string; password: string }): string => 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status = 401,
  ) {
    super(message);
  }
}

interface CachedToken {
  token: string;
  expires: number;
}

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Dispatcher.ResponseData>;

/** Tokens for one daemon: keyed by realm, service, account and the sorted scope set. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly fetch: Fetch) {}

  async token(ch: Challenge, scopes: string[], creds: AuthConfig | undefined, extra: Record<string, string> = {}): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw new AuthError('invalid bearer challenge: no realm');
    const basic = basicCredentials(creds);
    const sorted = [...new Set(scopes)].sort();
    // the secret is part of the key: other credentials for the same user must not reuse a token
    const secret = createHash('sha256')
      .update(`${basic?.password ?? ''}\0${creds?.identitytoken ?? ''}`)
      .digest('hex');
    const key = JSON.stringify([realm, ch.params.service ?? '', basic?.username ?? '', secret, sorted, extra]);
    const hit = this.tokens.get(key);
    if (hit && hit.expires > Date.now()) return hit.token;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchToken(realm, ch.params.service, sorted, creds, basic, extra).then(
        (t) => {
          this.tokens.set(key, { token: t.token, expires: Date.now() + Math.max(t.ttl - 10, 5) * 1000 });
          this.inflight.delete(key);
          return t.token;
        },
        (e) => {
          this.inflight.delete(key);
          throw e;
        },
      );
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Forgets tokens for a realm (after a 401 with a token that should have worked). */
  invalidate(ch: Challenge): void {
    for (const k of this.tokens.keys()) if (JSON.parse(k)[0] === ch.params.realm) this.tokens.delete(k);
  }

  private async fetchToken(
    realm: string,
    service: string | undefined,
    scopes: string[],
    creds: AuthConfig | undefined,
    basic: { username: string; password: string } | undefined,
    extra: Record<string, string>,
  ): Promise<{ token: string; ttl: number }> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new AuthError(`invalid token realm ${JSON.stringify(realm)}`);
    }
    let res: Dispatcher.ResponseData;
    if (creds?.identitytoken) {
      // OAuth2 refresh-token grant, as Docker does with identity tokens
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identitytoken, client_id: 'docker', access_type: 'offline' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.fetch(url.toString(), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (basic?.username) url.searchParams.set('account', basic.username);
      for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
      const headers: Record<string, string> = {};
      if (basic) headers.Authorization = basicHeader(basic);
      res = await this.fetch(url.toString(), { method: 'GET', headers });
    }
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new AuthError(
        `Get "${realm}": ${errorDetail(text) || (basic ? 'unauthorized: incorrect username or password' : 'unauthorized: authentication required')}`,
        401,
      );
    }
    if (res.statusCode >= 300)
      throw new AuthError(`Get "${realm}": token server answered ${res.statusCode}${text ? ': ' + text.slice(0, 200).trim() : ''}`, 500);
    let j: { token?: string; access_token?: string; expires_in?: number };
    try {
      j = JSON.parse(text);
    } catch {
      throw new AuthError(`Get "${realm}": the token server's answer is not JSON`, 500);
    }
    const token = j.token || j.access_token;
    if (!token) throw new AuthError(`Get "${realm}": the token server's answer has no token`, 500);
    return { token, ttl: j.expires_in && j.expires_in > 0 ? j.expires_in : 60 };
  }
}

/** The message a registry or token server puts in its error body. */
export function errorDetail(text: string): string {
  try {
    const j = JSON.parse(text);
    const e = j?.errors?.[0];
    if (e?.message)
      return `${String(e.code ?? '')
        .toLowerCase()
        .replace(/_/g, ' ')}: ${e.message}`.replace(/^: /, '');
    if (typeof j?.details === 'string') return j.details;
    if (typeof j?.message === 'string') return j.message;
    if (typeof j?.error === 'string') return j.error;
  } catch {
    /* not JSON */
  }
  return '';
}
