// JSON encoding as Go's encoding/json does it for the values berth formats:
// no HTML escaping (docker's json func turns it off), maps with sorted keys,
// []byte as base64, objects that aren't plain marshalled by their exported
// (capitalised) fields and getters, like docker's formatter contexts.

import { formatValue } from './fmt';
import { compareStrings, isGoNil, isPlainObject, isSlice, mapEntries, toArray } from './values';

/** Exported fields of obj: capitalised own properties, getters and zero-arg methods, sorted by name. */
export function exportedFields(obj: object): [string, unknown][] {
  const seen = new Set<string>();
  const out: [string, unknown][] = [];
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (seen.has(key) || key === 'constructor') continue;
      seen.add(key);
      if (!/^\p{Lu}/u.test(key)) continue;
      const d = Object.getOwnPropertyDescriptor(o, key)!;
      if (o === obj && !d.enumerable) continue;
      let val: unknown;
      if (d.get) val = d.get.call(obj);
      else if ('value' in d) val = d.value;
      else continue;
      if (typeof val === 'function') {
        // Methods taking arguments (like a Label(name) lookup) are not fields.
        if (val.length > 0) continue;
        val = (val as () => unknown).call(obj);
      }
      out.push([key, val]);
    }
  }
  return out.sort((a, b) => compareStrings(a[0], b[0]));
}

export function quoteJSON(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi, '$1\\ufffd');
}

function object(entries: [unknown, unknown][], stack: Set<object>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) {
    const e = enc(v, stack);
    if (e !== undefined) parts.push(quoteJSON(String(k)) + ':' + e);
  }
  return '{' + parts.join(',') + '}';
}

function enc(v: unknown, stack: Set<object>): string | undefined {
  switch (typeof v) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'boolean':
      return String(v);
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${formatValue(v)}`);
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return quoteJSON(v);
  }
  if (v === null || isGoNil(v)) return 'null';
  const o = v as object;
  if (stack.has(o)) throw new Error('json: unsupported value: encountered a cycle');
  stack.add(o);
  try {
    if (o instanceof Uint8Array) return quoteJSON(Buffer.from(o).toString('base64'));
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return enc(toJSON.call(o), stack);
    if (isSlice(o))
      return (
        '[' +
        toArray(o)
          .map((e) => enc(e, stack) ?? 'null')
          .join(',') +
        ']'
      );
    if (o instanceof Map) return object(mapEntries(o), stack);
    if (isPlainObject(o)) return object(Object.entries(o), stack);
    if (o instanceof Error) return '{}';
    return escapeHTML(object(exportedFields(o), stack));
  } finally {
    stack.delete(o);
  }
}

/** Compact JSON for v; throws where Go's encoder would fail (NaN, cycles). */
export function marshal(v: unknown): string {
  return enc(v, new Set()) ?? 'null';
}

/**
 * A value marshalled as docker marshals a formatter context: its exported
 * fields, sorted, through its MarshalJSON, which json.Marshal HTML-escapes.
 */
export function marshalFields(obj: object): string {
  return escapeHTML(object(exportedFields(obj), new Set([obj])));
}

function escapeHTML(json: string): string {
  return json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}
