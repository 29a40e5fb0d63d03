// Records read back from disk are data, not trusted values: one that does not
// have the shape clients rely on is left out of every listing with a logged
// error, and never takes a listing (ps, images, volume ls, system df) down for
// everyone.
import { log } from './log';

/** A JSON object of string values (labels, options), or null. */
export function isStringMap(v: unknown, nullable = true): boolean {
  if (v === null || v === undefined) return nullable;
  return typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string');
}

export function isStringArray(v: unknown, nullable = true): boolean {
  if (v === null || v === undefined) return nullable;
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Projects every record for a listing; one that fails is skipped and logged. */
export function showEach<T, R>(items: Iterable<T>, what: string, idOf: (t: T) => string, project: (t: T) => R): R[] {
  const out: R[] = [];
  for (const it of items) {
    try {
      out.push(project(it));
    } catch (err) {
      let id = '?';
      try {
        id = idOf(it);
      } catch {
        /* the record has no usable ID either */
      }
      log().error({ err, id }, `${what} record cannot be shown; left out of the listing`);
    }
  }
  return out;
}
