// The JSON-valued query parameters of POST /build, read as dockerd reads them
// (json.Unmarshal, then "error reading <what>: <Go's error>").
import type { Ulimit } from '../../container';
import { InvalidArgument } from '../../util/errors';
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

export function ulimitsParam(q: URLSearchParams): Ulimit[] | undefined {
  return param(q, 'ulimits', 'ulimit settings', list(ulimit, '[]*units.Ulimit'));
}
