// The JSON-valued query parameters of POST /build, read as dockerd reads them
// (json.Unmarshal, then "error reading <what>: <Go's error>"), and berth's
// X-Build-Secrets / X-Build-Ssh headers.
import type { Ulimit } from '../../container/types';
import { InvalidArgument, badRequest } from '../../util/errors';
import { DecodeError, int64, list, map, ptr, slice, string, struct, type Codec } from './codec';
import { JsonSyntaxError, unmarshalGoJson } from './json';

const ulimit = struct<Ulimit>('units.Ulimit', { Name: string, Hard: int64, Soft: int64 }, () => ({ Name: '', Hard: 0, Soft: 0 }));

function param<T>(q: URLSearchParams, name: string, what: string, codec: Codec<T>): T | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  try {
    const v = unmarshalGoJson(raw);
    return v === null ? undefined : codec.decode(v, undefined);
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof DecodeError) throw new InvalidArgument(`error reading ${what}: ${e.message}`, name);
    throw e;
  }
}

export function buildArgsParam(q: URLSearchParams): Record<string, string | null> | undefined {
  return param(q, 'buildargs', 'build args', map(ptr(string))) ?? undefined;
}

export function labelsParam(q: URLSearchParams): Record<string, string> | undefined {
  return param(q, 'labels', 'labels', map(string)) ?? undefined;
}

export function cacheFromParam(q: URLSearchParams): string[] | undefined {
  return param(q, 'cachefrom', 'cache-from', slice(string)) ?? undefined;
}

/** berth's `buildcontexts`: JSON of name -> `docker-image://ref` or `context:<dir in the context tar>`. */
export function buildContextsParam(q: URLSearchParams): Record<string, string> | undefined {
  return param(q, 'buildcontexts', 'build contexts', map(string)) ?? undefined;
}

/** berth's `cacheto`: a JSON list of --cache-to values (`type=registry,ref=...,mode=max`). */
export function cacheToParam(q: URLSearchParams): string[] | undefined {
  return param(q, 'cacheto', 'cache-to', slice(string)) ?? undefined;
}

export function ulimitsParam(q: URLSearchParams): Ulimit[] | undefined {
  return param(q, 'ulimits', 'ulimit settings', list(ulimit, '[]*units.Ulimit'));
}

/** A berth build header holding base64 JSON of an object (secrets, ssh sockets). */
function base64JsonObject(h: string | string[] | undefined, what: string, header: string): Record<string, unknown> {
  const s = Array.isArray(h) ? h[0] : h;
  if (!s) return {};
  let j: unknown;
  try {
    j = JSON.parse(Buffer.from(s, 'base64').toString('utf8'));
  } catch {
    throw badRequest(`error reading build ${what}: invalid ${header} header`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw badRequest(`error reading build ${what}: expected a JSON object`);
  return j as Record<string, unknown>;
}

/**
 * X-Build-Secrets (berth's): base64 JSON of secret ID -> base64 value. A header,
 * not a query parameter, so a value never lands in a logged URL.
 */
export function buildSecretsHeader(h: string | string[] | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(base64JsonObject(h, 'secrets', 'X-Build-Secrets'))) {
    if (typeof v !== 'string') throw badRequest(`error reading build secrets: secret ${k}: expected a base64 string`);
    out[k] = Buffer.from(v, 'base64');
  }
  return out;
}

/** X-Build-Ssh (berth's): base64 JSON of ssh ID -> agent socket path on the daemon's host. */
export function buildSshHeader(h: string | string[] | undefined): Record<string, string> {
  const j = base64JsonObject(h, 'ssh', 'X-Build-Ssh');
  if (Object.values(j).some((v) => typeof v !== 'string')) throw badRequest('error reading build ssh: expected a JSON object of socket paths');
  return j as Record<string, string>;
}
