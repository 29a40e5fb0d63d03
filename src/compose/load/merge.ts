// Merging several compose files (-f a.yaml -f b.yaml, overrides, extends) with
// Compose's rules: mappings merge key by key, sequences append, scalars are
// replaced; `command`, `entrypoint` and `healthcheck.test` are replaced whole;
// ports, volumes, secrets and configs are de-duplicated by target; the
// list-or-mapping keys (environment, labels, …) are made mappings first so
// `A=1` in one file and `A: 2` in the next meet. `!reset` drops what earlier
// files said, `!override` replaces instead of merging.
import { Tagged } from './yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tagged);

/** Keys of a service whose list form (`- A=1`) is turned into a mapping before merging. */
const LIST_OR_DICT = new Set(['environment', 'labels', 'annotations', 'sysctls', 'extra_hosts']);
/** Service keys replaced whole when set again. */
const REPLACE = new Set(['command', 'entrypoint']);
/** Service sequences de-duplicated by their target (the later file wins). */
const BY_TARGET = new Set(['ports', 'volumes', 'secrets', 'configs']);
/** Service sequences of plain strings kept unique. */
const UNIQUE = new Set([
  'dns',
  'dns_search',
  'dns_opt',
  'cap_add',
  'cap_drop',
  'security_opt',
  'expose',
  'profiles',
  'devices',
  'external_links',
  'links',
  'volumes_from',
  'device_cgroup_rules',
  'group_add',
  'env_file',
  'tmpfs',
]);

/** `- KEY=v` / `- KEY` lists as a mapping (`KEY: v` / `KEY: null`); extra_hosts splits on "=" or the first ":". */
export function listToDict(v: unknown, key: string): unknown {
  if (!Array.isArray(v)) return v;
  const out: Obj = {};
  for (const item of v) {
    const s = String(item);
    let i = s.indexOf('=');
    if (key === 'extra_hosts' && i < 0) i = s.indexOf(':');
    if (i < 0) out[s] = null;
    else out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

/** The target a port/volume/secret/config entry is keyed by (short or long form). */
function targetOf(key: string, v: unknown): string {
  if (isObj(v)) {
    if (key === 'ports') return `${v.host_ip ?? ''}:${v.published ?? ''}:${v.target}/${v.protocol ?? 'tcp'}`;
    if (key === 'secrets' || key === 'configs') return String(v.target ?? v.source);
    return String(v.target);
  }
  const s = String(v);
  if (key === 'volumes') {
    const parts = s.split(':');
    return parts.length === 1 ? parts[0] : parts[1];
  }
  if (key === 'ports') return s;
  return s;
}

function mergeSeq(key: string, base: unknown[], over: unknown[]): unknown[] {
  if (BY_TARGET.has(key)) {
    const m = new Map<string, unknown>();
    for (const x of [...base, ...over]) m.set(targetOf(key, x), x);
    return [...m.values()];
  }
  if (UNIQUE.has(key))
    return [...new Set([...base, ...over].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))))].map((x) => {
      try {
        return x.startsWith('{') || x.startsWith('[') ? JSON.parse(x) : x;
      } catch {
        return x;
      }
    });
  return [...base, ...over];
}

/** Merges `over` into `base` (neither is modified); path names where we are, for per-key rules. */
export function mergeValue(base: unknown, over: unknown, path: string[]): unknown {
  if (over instanceof Tagged) {
    if (over.tag === 'reset') return undefined;
    return stripTags(over.value);
  }
  const key = path[path.length - 1] ?? '';
  const inService = path.length >= 3 && path[0] === 'services';
  if (inService && path.length === 3 && LIST_OR_DICT.has(key)) {
    base = listToDict(base, key);
    over = listToDict(over, key);
  }
  if (inService && path.length === 3 && key === 'depends_on') {
    base = dependsToDict(base);
    over = dependsToDict(over);
  }
  if (inService && path.length === 3 && key === 'networks') {
    base = Array.isArray(base) ? Object.fromEntries(base.map((n) => [n, null])) : base;
    over = Array.isArray(over) ? Object.fromEntries(over.map((n) => [n, null])) : over;
  }
  if (inService && ((path.length === 3 && REPLACE.has(key)) || (path.length === 4 && path[2] === 'healthcheck' && key === 'test'))) return stripTags(over);
  if (base === undefined) return stripTags(over);
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const m = mergeValue(base[k], v, [...path, k]);
      if (m === undefined) delete out[k];
      else out[k] = m;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over))
    return inService && path.length === 3 ? mergeSeq(key, base, stripTags(over) as unknown[]) : [...base, ...(stripTags(over) as unknown[])];
  return stripTags(over);
}

export function dependsToDict(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return Object.fromEntries(v.map((s) => [String(s), { condition: 'service_started', required: true }]));
}

/** Removes Tagged wrappers (a !reset in a single file is just its value's absence). */
export function stripTags(v: unknown): unknown {
  if (v instanceof Tagged) return v.tag === 'reset' ? undefined : stripTags(v.value);
  if (Array.isArray(v)) return v.map(stripTags).filter((x) => x !== undefined);
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const s = stripTags(x);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return v;
}

export function mergeFiles(docs: Obj[]): Obj {
  let acc: unknown;
  for (const d of docs) acc = acc === undefined ? d : mergeValue(acc, d, []);
  return (stripTags(acc) as Obj) ?? {};
}
