// Docker's list/prune filters (api/types/filters): a set of values per key,
// decoded once from the `filters` query parameter, with the matching rules
// every endpoint shares (exact, regexp, prefix, label lists, booleans, times).
import { badRequest } from '../util/errors';
import { parseGoDuration } from '../util/time';

export class Filters {
  private constructor(private readonly fields: Map<string, Set<string>>) {}

  static empty(): Filters {
    return new Filters(new Map());
  }

  static of(rec: Record<string, string[]>): Filters {
    const f = Filters.empty();
    for (const [k, vs] of Object.entries(rec)) {
      f.fields.set(k, new Set());
      for (const v of vs) f.add(k, v);
    }
    return f;
  }

  /**
   * The `filters` query parameter: {"k":{"v":true}}, or the legacy {"k":["v"]}.
   * Anything else is `invalid filter` (400), as Docker answers.
   */
  static fromJSON(raw: string | null | undefined): Filters {
    const f = Filters.empty();
    if (!raw) return f;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw badRequest('invalid filter');
    }
    if (parsed === null) return f; // Go's json.Unmarshal of null into a map: nothing
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('invalid filter');
    const entries = Object.entries(parsed as Record<string, unknown>);
    const isMap = entries.every(
      ([, v]) => v === null || (typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((b) => typeof b === 'boolean')),
    );
    const isList = entries.every(([, v]) => v === null || (Array.isArray(v) && v.every((s) => typeof s === 'string')));
    if (!isMap && !isList) throw badRequest('invalid filter');
    for (const [k, v] of entries) {
      f.fields.set(k, new Set());
      if (v === null) continue;
      // the map form keeps the key's value set as sent; Docker's Get lists every key of it
      if (Array.isArray(v)) for (const s of v) f.add(k, s as string);
      else for (const s of Object.keys(v as object)) f.add(k, s);
    }
    return f;
  }

  add(key: string, value: string): void {
    let s = this.fields.get(key);
    if (!s) this.fields.set(key, (s = new Set()));
    s.add(value);
  }

  /** Without the key: for endpoints that read one key themselves and pass the rest on. */
  without(...keys: string[]): Filters {
    const m = new Map(this.fields);
    for (const k of keys) m.delete(k);
    return new Filters(m);
  }

  keys(): string[] {
    return [...this.fields.keys()];
  }

  get size(): number {
    return this.fields.size;
  }

  /** The values of a key, in the order given ([] when absent). */
  get(key: string): string[] {
    return [...(this.fields.get(key) ?? [])];
  }

  /** Docker's Contains: the key was given, even with no values. */
  has(key: string): boolean {
    return this.fields.has(key);
  }

  /** Every key must be one the endpoint accepts. */
  validate(accepted: Iterable<string>): void {
    const ok = new Set(accepted);
    for (const k of this.fields.keys()) if (!ok.has(k)) throw invalidFilter(k);
  }

  /** True when the key is absent or empty, or one value equals the source. */
  exactMatch(key: string, source: string): boolean {
    const vs = this.fields.get(key);
    if (!vs || vs.size === 0) return true;
    return vs.has(source);
  }

  /** ExactMatch, or one value is a regular expression found in the source. */
  match(key: string, source: string): boolean {
    if (this.exactMatch(key, source)) return true;
    for (const v of this.fields.get(key)!) {
      const re = compile(v);
      if (re && re.test(source)) return true;
    }
    return false;
  }

  /** ExactMatch, or the source starts with one value. */
  fuzzyMatch(key: string, source: string): boolean {
    if (this.exactMatch(key, source)) return true;
    for (const v of this.fields.get(key)!) if (source.startsWith(v)) return true;
    return false;
  }

  /** Every "k" or "k=v" value is among the labels; true when the key has no values. */
  matchKVList(key: string, labels: Record<string, string> | null | undefined): boolean {
    const vs = this.fields.get(key);
    if (!vs || vs.size === 0) return true;
    if (!labels || Object.keys(labels).length === 0) return false;
    for (const v of vs) {
      const i = v.indexOf('=');
      const k = i < 0 ? v : v.slice(0, i);
      if (!Object.prototype.hasOwnProperty.call(labels, k)) return false;
      if (i >= 0 && labels[k] !== v.slice(i + 1)) return false;
    }
    return true;
  }

  /** The prune rule: `label` pairs must all be present and, when `label!` is given, not all of its pairs. */
  matchLabels(labels: Record<string, string> | null | undefined): boolean {
    if (!this.matchKVList('label', labels)) return false;
    if (this.has('label!') && this.matchKVList('label!', labels)) return false;
    return true;
  }

  /** GetBoolOrDefault: "1"/"true" or "0"/"false"; both or neither is `invalid filter 'k=[..]'`. */
  boolOrDefault(key: string, def: boolean): boolean {
    const vs = this.fields.get(key);
    if (!vs) return def;
    if (vs.size === 0) throw invalidFilter(key);
    const no = vs.has('0') || vs.has('false');
    const yes = vs.has('1') || vs.has('true');
    if (no === yes) throw invalidFilter(key, this.get(key));
    return yes;
  }

  /** The prunes' `until`: at most one value, a time or a duration before now; undefined when absent. */
  until(now = Date.now()): number | undefined {
    if (!this.has('until')) return undefined;
    const vs = this.get('until');
    if (vs.length > 1) throw badRequest('more than one until filter specified');
    return timestampMs(vs[0] ?? '', now);
  }

  toJSON(): Record<string, Record<string, boolean>> {
    const out: Record<string, Record<string, boolean>> = {};
    for (const [k, vs] of this.fields) out[k] = Object.fromEntries([...vs].map((v) => [v, true]));
    return out;
  }
}

/** `invalid filter 'k'` or `invalid filter 'k=[v1 v2]'` (Go's %s of a slice). */
export function invalidFilter(key: string, values?: string[] | string): Error {
  if (values === undefined) return badRequest(`invalid filter '${key}'`);
  return badRequest(`invalid filter '${key}=${Array.isArray(values) ? `[${values.join(' ')}]` : values}'`);
}

const reCache = new Map<string, RegExp | null>();
/** Go's regexp.MatchString: an unanchored search; a pattern that does not compile matches nothing. */
function compile(p: string): RegExp | null {
  let re = reCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p);
    } catch {
      re = null;
    }
    if (reCache.size > 256) reCache.clear();
    reCache.set(p, re);
  }
  return re;
}

/**
 * Docker's timetypes.GetTimestamp as milliseconds: a Go duration before `now`
 * (whole seconds, as Docker truncates), an RFC 3339 date or time (local when it
 * names no zone), or a Unix timestamp "s[.frac]".
 */
export function timestampMs(value: string, now = Date.now()): number {
  if (value !== '0') {
    const d = parseGoDuration(value);
    if (d !== undefined && /^[+-]?[\d.]/.test(value)) return Math.floor((now - d / 1e6) / 1000) * 1000;
  }
  if (value.includes('-')) {
    // JS reads a time without zone as local, as Docker does
    let v = value;
    if (/^\d{4}-\d{2}-\d{2}$/.test(v))
      v += 'T00:00:00'; // date only: midnight, local
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(v)) v += ':00';
    else if (/^\d{4}-\d{2}-\d{2}Z/.test(v) || /^\d{4}-\d{2}-\d{2}[+-]\d{2}:\d{2}$/.test(v)) v = v.slice(0, 10) + 'T00:00:00' + v.slice(10);
    const t = /^\d{4}-\d{2}-\d{2}T\d{2}(:\d{2}){1,2}(\.\d+)?([zZ]|[+-]\d{2}:\d{2})?$/.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(t)) throw badRequest(`parsing time "${value}": cannot parse as RFC 3339`);
    return t;
  }
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) throw badRequest(`failed to parse value as time or duration: "${value}"`);
  return Number(m[1]) * 1000 + (m[2] ? Number('0.' + m[2]) * 1000 : 0);
}
