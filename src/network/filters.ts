// Docker's `until` filter: a Unix timestamp, an RFC 3339 date or a Go duration ago.
import { badRequest } from '../util/errors';
import { parseGoDuration } from '../util/time';

export function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return parseFloat(v) * 1000;
  const d = parseGoDuration(v);
  if (d !== undefined) return Date.now() - d / 1e6;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw badRequest(`failed to parse value as time or duration: "${v}"`);
  return t;
}
