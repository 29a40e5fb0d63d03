// How JS values map onto Go's reflect kinds, which drive truthiness, printing,
// comparison and field lookup. undefined plays Go's "invalid" (missing) value,
// null plays nil; plain objects and Maps are Go maps, other class instances
// are structs.

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'func';

/**
 * Typed nils of Go structs decoded from JSON null: a nil slice or map acts
 * empty (len 0, prints [] or map[]) but marshals as null, as Go's do.
 */
const GO_NIL = Symbol('go-nil');
export function goNilSlice(): unknown[] {
  return Object.freeze(Object.assign([], { [GO_NIL]: true })) as unknown[];
}
export function goNilMap(): Record<string, unknown> {
  return Object.freeze(Object.assign(Object.create(null), { [GO_NIL]: true })) as Record<string, unknown>;
}
export function isGoNil(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[GO_NIL] === true;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export function isSlice(v: unknown): boolean {
  return Array.isArray(v) || v instanceof Set || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

export function toArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<unknown>);
  }
  return [];
}

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < 1e21 ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'symbol':
      return 'struct';
  }
  if (isSlice(v)) return 'slice';
  if (v instanceof Map || isPlainObject(v)) return 'map';
  return 'struct';
}

/** A Go-flavoured type name for error messages and %T. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return typeof v === 'bigint' ? 'int64' : 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'func':
      return 'func';
    case 'slice': {
      if (v instanceof Uint8Array) return '[]uint8';
      const a = toArray(v);
      return a.length > 0 && a.every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
    }
    case 'map': {
      const vals = v instanceof Map ? [...v.values()] : Object.values(v as object);
      return vals.length > 0 && vals.every((e) => typeof e === 'string') ? 'map[string]string' : 'map[string]interface {}';
    }
    case 'struct': {
      const name = (v as { constructor?: { name?: string } }).constructor?.name;
      return name ? name : 'struct';
    }
  }
}

/** Go's template truth: zero values and empty containers are false; structs are true. */
export function truth(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return v instanceof Set ? v.size > 0 : toArray(v).length > 0;
    case 'map':
      return v instanceof Map ? v.size > 0 : Object.keys(v as object).length > 0;
    default:
      return true;
  }
}

/** Compare strings by code point, which is also UTF-8 byte order (Go's string order). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after the rest of the BMP.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareStrings(String(a), String(b));
}

/** Map entries in Go's printing/range order (sorted keys). */
export function mapEntries(v: object): [unknown, unknown][] {
  const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return entries.sort((x, y) => compareKeys(x[0], y[0]));
}

/** Whether obj has a field or method named key, not counting Object.prototype's. */
export function hasField(obj: object, key: string): boolean {
  if (!(key in obj)) return false;
  if (!(key in Object.prototype)) return true;
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    if (Object.prototype.hasOwnProperty.call(o, key)) return true;
  }
  return false;
}

export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
