// Typed decoders for request bodies, with Go's encoding/json rules (what
// dockerd's decoder does): a value of the wrong JSON type is refused with
// "json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type
// <Go type>", never coerced; unknown keys are ignored; keys match fields
// case-insensitively; null leaves a scalar as it was and empties a slice, map
// or pointer. A struct decoder is built from one table with an entry per
// field of its TypeScript type, so a field added to the type without a
// decoder entry does not compile.
import { InvalidArgument } from '../../util/errors';
import { JsonNumber, JsonObject, kindName, type Json } from './json';

/** Where a value sits: the innermost Go struct, and its field (with the fields above it) from the root. */
interface Where {
  struct: string;
  /** the JSON field name, prefixed with the embedded struct that holds it ("Resources.Memory") */
  field: string;
  up: Where | undefined;
}

function pathOf(at: Where): string {
  const parts: string[] = [];
  for (let w: Where | undefined = at; w; w = w.up) parts.push(w.field);
  return parts.reverse().join('.');
}

export class DecodeError extends InvalidArgument {}

/** Go's UnmarshalTypeError; `literal` is set for numbers out of the type's range ("number 1.5"). */
function refuse(at: Where | undefined, v: Json, goType: string, literal?: string): never {
  const what = literal ?? kindName(v);
  if (!at) throw new DecodeError(`json: cannot unmarshal ${what} into Go value of type ${goType}`);
  const field = pathOf(at);
  throw new DecodeError(`json: cannot unmarshal ${what} into Go struct field ${at.struct}.${field} of type ${goType}`, field);
}

export interface Codec<T> {
  /** the Go type dockerd decodes into, as Go prints it ("int64", "[]string", "container.RestartPolicy") */
  readonly goType: string;
  /** what null gives: `keep` leaves the field as it was (Go's scalars, structs and arrays) */
  readonly onNull: { value: T } | 'keep';
  /** Go's zero value (a null element of a slice or map) */
  zero(): T;
  decode(v: Exclude<Json, null>, at: Where | undefined, into?: T): T;
}

function scalar<T>(goType: string, zero: T, decode: (v: Exclude<Json, null>, at: Where | undefined) => T): Codec<T> {
  return { goType, onNull: 'keep', zero: () => zero, decode };
}

// ---- scalars ----

export const bool = scalar('bool', false, (v, at) => (typeof v === 'boolean' ? v : refuse(at, v, 'bool')));

export function str<T extends string = string>(goType = 'string'): Codec<T> {
  return scalar(goType, '' as T, (v, at) => (typeof v === 'string' ? (v as T) : refuse(at, v, goType)));
}
export const string = str();

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int: [-(1n << 63n), (1n << 63n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  uint16: [0n, (1n << 16n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
  uint: [0n, (1n << 64n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
  'fs.FileMode': [0n, (1n << 32n) - 1n],
};

/** An integer of a Go kind: a literal that ParseInt/ParseUint takes, in range. */
export function int(
  goType: keyof typeof INT_RANGE | 'time.Duration' = 'int64',
  kind: keyof typeof INT_RANGE = goType === 'time.Duration' ? 'int64' : (goType as keyof typeof INT_RANGE),
): Codec<number> {
  const [lo, hi] = INT_RANGE[kind];
  const [loN, hiN] = [Number(lo), Number(hi)];
  return scalar(goType, 0, (v, at) => {
    if (!(v instanceof JsonNumber)) return refuse(at, v, goType);
    // ParseInt / ParseUint: digits only, and no sign at all for unsigned kinds ("-0" included)
    if (!(lo < 0n ? /^-?\d+$/ : /^\d+$/).test(v.raw)) return refuse(at, v, goType, `number ${v.raw}`);
    // up to 15 digits a double is exact: no BigInt needed
    if (v.raw.length <= 15) {
      const n = Number(v.raw);
      if (n < loN || n > hiN) return refuse(at, v, goType, `number ${v.raw}`);
      return n;
    }
    const n = BigInt(v.raw);
    if (n < lo || n > hi) return refuse(at, v, goType, `number ${v.raw}`);
    return Number(n);
  });
}
export const int64 = int('int64');
export const duration = int('time.Duration');

export const float64 = scalar('float64', 0, (v, at) => {
  if (!(v instanceof JsonNumber)) return refuse(at, v, 'float64');
  const n = Number(v.raw);
  return Number.isFinite(n) ? n : refuse(at, v, 'float64', `number ${v.raw}`);
});

// ---- containers ----

/** Go pointer: null gives null. */
export function ptr<T>(c: Codec<T>): Codec<T | null> {
  return { goType: c.goType, onNull: { value: null }, zero: () => null, decode: (v, at, into) => c.decode(v, at, into ?? undefined) };
}

/** A field Go omits when empty: null gives undefined, and berth stores nothing. */
export function opt<T>(c: Codec<T>): Codec<NonNullable<T> | undefined> {
  return {
    goType: c.goType,
    onNull: { value: undefined },
    zero: () => undefined,
    decode: (v, at, into) => c.decode(v, at, into ?? undefined) as NonNullable<T>,
  };
}

/** []T: null gives null (Go's nil slice). */
export function slice<T>(elem: Codec<T>, goType = `[]${elem.goType}`): Codec<T[] | null> {
  return {
    goType,
    onNull: { value: null },
    zero: () => null,
    decode(v, at) {
      if (!Array.isArray(v)) return refuse(at, v, goType);
      const out: T[] = [];
      for (const x of v) out.push(x === null ? elem.zero() : elem.decode(x, at));
      return out;
    },
  };
}

/** A slice that is never null (berth keeps [] where Go would keep nil). */
export function list<T>(elem: Codec<T>, goType = `[]${elem.goType}`): Codec<T[]> {
  const s = slice(elem, goType);
  return { goType, onNull: { value: [] }, zero: () => [], decode: (v, at) => s.decode(v, at) ?? [] };
}

/** [n]T: extra elements are dropped, missing ones are zero, null changes nothing. */
export function fixed<T>(elem: Codec<T>, n: number, zero: T): Codec<T[]> {
  const goType = `[${n}]${elem.goType}`;
  return {
    goType,
    onNull: 'keep',
    zero: () => Array.from({ length: n }, () => zero),
    decode(v, at, into) {
      if (!Array.isArray(v)) return refuse(at, v, goType);
      const out = into ? [...into] : Array.from({ length: n }, () => zero);
      v.slice(0, n).forEach((x, i) => {
        if (x !== null) out[i] = elem.decode(x, at);
      });
      return out;
    },
  };
}

/** strslice.StrSlice: a string or an array of strings; any other value is refused as "of type string". */
export const strSlice: Codec<string[] | null> = {
  goType: 'strslice.StrSlice',
  onNull: { value: null },
  zero: () => null,
  decode(v, at) {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' || x === null)) return v.map((x) => (x === null ? '' : (x as string)));
    return refuse(at, v, 'string');
  },
};

function setKey<T>(o: Record<string, T>, k: string, v: T): void {
  // a "__proto__" key is data, not the prototype
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** map[string]T: null gives null (Go's nil map). */
export function map<T>(elem: Codec<T>, goType = `map[string]${elem.goType}`): Codec<Record<string, T> | null> {
  return {
    goType,
    onNull: { value: null },
    zero: () => null,
    decode(v, at) {
      if (!(v instanceof JsonObject)) return refuse(at, v, goType);
      const out: Record<string, T> = {};
      for (const [k, x] of v.entries) {
        if (x === null) setKey(out, k, elem.zero());
        else setKey(out, k, elem.decode(x, at, Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined));
      }
      return out;
    },
  };
}

/** struct{}: any object (its keys ignored), as Go's empty struct. */
export const empty: Codec<object> = {
  goType: 'struct {}',
  onNull: 'keep',
  zero: () => ({}),
  decode: (v, at) => (v instanceof JsonObject ? {} : refuse(at, v, 'struct {}')),
};

/** Any JSON (Go's interface{}): the value as plain JavaScript. */
export const any: Codec<unknown> = { goType: 'interface {}', onNull: { value: null }, zero: () => null, decode: (v) => toPlainValue(v) };

function toPlainValue(v: Json): unknown {
  if (v instanceof JsonNumber) return Number(v.raw);
  if (Array.isArray(v)) return v.map(toPlainValue);
  if (v instanceof JsonObject) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v.entries) setKey(o, k, toPlainValue(x));
    return o;
  }
  return v;
}

// ---- structs ----

/** One field: its decoder, and where Go finds it when its JSON name or path differs. */
export interface Field<V> {
  codec: Codec<V>;
  /** the JSON key when it is not the TypeScript name */
  json?: string;
  /** the embedded Go struct that holds it (e.g. "Resources" in HostConfig), for error paths */
  embedded?: string;
}

/** One entry for every field of T, each decoding to that field's type. */
export type Fields<T> = { [K in keyof T]-?: Codec<T[K]> | Field<T[K]> };

export interface StructCodec<T> extends Codec<T> {
  /** Go's struct name in error paths ("HostConfig") */
  readonly name: string;
  /** the JSON names of its fields */
  readonly fields: string[];
}

/**
 * A Go struct. `zero` gives the value an absent body field leaves: a field
 * decodes only when its key is present, onto what was there.
 */
export function struct<T extends object>(goType: string, fields: Fields<T>, zero: () => T): StructCodec<T> {
  const name = goType.slice(goType.lastIndexOf('.') + 1);
  type Entry = { key: keyof T; codec: Codec<unknown>; label: string };
  const byKey = new Map<string, Entry>();
  const byFold = new Map<string, Entry>();
  for (const key of Object.keys(fields) as Array<keyof T>) {
    const spec = fields[key] as Codec<unknown> | Field<unknown>;
    const f: Field<unknown> = 'codec' in spec ? spec : { codec: spec };
    const jsonName = f.json ?? String(key);
    const e: Entry = { key, codec: f.codec, label: f.embedded ? `${f.embedded}.${jsonName}` : jsonName };
    byKey.set(jsonName, e);
    byFold.set(jsonName.toLowerCase(), e);
  }
  const codec: StructCodec<T> = {
    goType,
    name,
    fields: [...byKey.keys()],
    onNull: 'keep',
    zero,
    decode(v, at, into) {
      if (!(v instanceof JsonObject)) return refuse(at, v, goType);
      const out = into ? { ...into } : zero();
      for (const [k, x] of v.entries) {
        // Go: an exact match first, then any field equal but for case
        const hit = byKey.get(k) ?? byFold.get(k.toLowerCase());
        if (!hit) continue;
        const rec = out as Record<keyof T, unknown>;
        if (x === null) {
          if (hit.codec.onNull !== 'keep') rec[hit.key] = hit.codec.onNull.value;
          continue;
        }
        rec[hit.key] = hit.codec.decode(x, { struct: name, field: hit.label, up: at }, rec[hit.key] as never);
      }
      return out;
    },
  };
  return codec;
}

/** A struct embedded in another (Go's promoted fields): the same table, with the embedded name on each error path. */
export function embed<T>(name: string, fields: Fields<T>): Fields<T> {
  const out = {} as Record<string, Field<unknown>>;
  for (const [k, spec] of Object.entries(fields) as Array<[string, Codec<unknown> | Field<unknown>]>) {
    const f: Field<unknown> = 'codec' in spec ? spec : { codec: spec };
    out[k] = { ...f, embedded: f.embedded ? `${name}.${f.embedded}` : name };
  }
  return out as Fields<T>;
}

/** Decodes a whole body value into T (the top level has no struct field to name). */
export function decodeRoot<T>(c: Codec<T>, v: Json, zero: T): T {
  if (v === null) return zero;
  return c.decode(v, undefined, zero);
}
