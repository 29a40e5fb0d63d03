// text/template's predefined functions. and/or are evaluated lazily by the
// executor; the rest are plain functions here.

import { ArgTypeError } from './errors';
import { formatValue, isPrint, sprint, sprintf, sprintln } from './fmt';
import { compareStrings, goTypeName, kindOf, toArray, truth } from './values';

export type Func = (...args: any[]) => unknown;

/** [min, max] argument counts, checked before calling (as Go checks signatures). */
export const arity = new WeakMap<Func, [number, number]>();

export function withArity<F extends Func>(fn: F, min: number, max = min): F {
  arity.set(fn, [min, max]);
  return fn;
}

/** Builtins that see a missing value (undefined) as such rather than as nil. */
export const RAW_ARGS = new Set(['and', 'or', 'not', 'len', 'index', 'slice', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'call']);

type BasicKind = 'bool' | 'number' | 'string' | 'nil' | 'other';

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    case 'invalid':
    case 'nil':
      return 'nil';
    default:
      return 'other';
  }
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new Error('missing argument for comparison');
  const ka = basicKind(a);
  for (const b of bs) {
    const kb = basicKind(b);
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new Error('incompatible types for comparison');
      continue;
    }
    switch (ka) {
      case 'nil':
        return true;
      case 'number':
        // == so that bigint and number compare by value
        if (a == b) return true;
        break;
      case 'other':
        if (kindOf(a) === 'slice' || kindOf(a) === 'map' || kindOf(b) === 'slice' || kindOf(b) === 'map') {
          throw new Error(`non-comparable type ${formatValue(b)}: ${goTypeName(b)}`);
        }
        if (a === b) return true;
        break;
      default:
        if (a === b) return true;
    }
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'nil' || ka === 'other' || kb === 'nil' || kb === 'other') throw new Error('invalid type for comparison');
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return compareStrings(a as string, b as string) < 0;
  return (a as number) < (b as number);
}

function indexArg(i: unknown, cap: number, isSliceOp: boolean): number {
  if (i == null) throw new Error('cannot index slice/array with nil');
  if (kindOf(i) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(i)}`);
  const x = Number(i);
  if (x < 0 || (isSliceOp ? x > cap : x >= cap)) throw new Error(`index out of range: ${x}`);
  return x;
}

/** Go's zero value for a missing map entry: "" for a map of strings, else no value. */
function zeroOf(m: object): unknown {
  const vals = m instanceof Map ? [...m.values()] : Object.values(m);
  return vals.every((v) => typeof v === 'string') ? '' : undefined;
}

function index(item: unknown, ...idx: unknown[]): unknown {
  if (item == null) throw new Error('index of untyped nil');
  let cur: unknown = item;
  for (const i of idx) {
    if (cur == null) throw new Error('index of nil pointer');
    const k = kindOf(cur);
    if (k === 'string') {
      const b = Buffer.from(cur as string, 'utf8');
      cur = b[indexArg(i, b.length, false)];
    } else if (k === 'slice') {
      const arr = toArray(cur);
      cur = arr[indexArg(i, arr.length, false)];
    } else if (k === 'map') {
      if (cur instanceof Map) cur = cur.has(i) ? cur.get(i) : zeroOf(cur);
      else {
        if (typeof i !== 'string') throw new Error(`value has type ${goTypeName(i)}; should be string`);
        const o = cur as Record<string, unknown>;
        cur = Object.prototype.hasOwnProperty.call(o, String(i)) ? o[String(i)] : zeroOf(o);
      }
    } else {
      throw new Error(`can't index item of type ${goTypeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (item == null) throw new Error('slice of untyped nil');
  if (idx.length > 3) throw new Error(`too many slice indexes: ${idx.length}`);
  const k = kindOf(item);
  if (k !== 'string' && k !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (k === 'string' && idx.length === 3) throw new Error('cannot 3-index slice a string');
  const seq = k === 'string' ? Buffer.from(item as string, 'utf8') : toArray(item);
  const bounds = [0, seq.length];
  idx.forEach((x, j) => (bounds[j] = indexArg(x, seq.length, true)));
  if (bounds[0] > bounds[1]) throw new Error(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (idx.length === 3 && bounds[1] > bounds[2]) throw new Error(`invalid slice index: ${bounds[1]} > ${bounds[2]}`);
  const part = seq.slice(bounds[0], bounds[1]);
  return Buffer.isBuffer(part) ? part.toString('utf8') : part;
}

function len(v: unknown): number {
  if (v == null) throw new Error('len of nil pointer');
  switch (kindOf(v)) {
    case 'string':
      return Buffer.byteLength(v as string, 'utf8');
    case 'slice':
      return toArray(v).length;
    case 'map':
      return v instanceof Map ? v.size : Object.keys(v as object).length;
    default:
      throw new Error(`len of type ${goTypeName(v)}`);
  }
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (fn == null) throw new Error('call of nil');
  if (typeof fn !== 'function') throw new Error(`non-function ${formatValue(fn)} of type ${goTypeName(fn)}`);
  return fn(...args.map((a) => (a === undefined ? null : a)));
}

/** Text of html/js/urlquery arguments, as Go's evalArgs builds it. */
function argText(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a == null ? '<no value>' : a)));
}

const HTML_ESC: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };

function html(...args: unknown[]): string {
  return argText(args).replace(/["'&<>\0]/g, (c) => HTML_ESC[c]);
}

function js(...args: unknown[]): string {
  let out = '';
  for (const ch of argText(args)) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || isPrint(cp)) out += ch;
    else out += '\\u' + Math.min(cp, 0xfffd).toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

function urlquery(...args: unknown[]): string {
  let out = '';
  for (const b of Buffer.from(argText(args), 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function printf(format: unknown, ...args: unknown[]): string {
  if (typeof format !== 'string') throw new ArgTypeError(0, 'string', goTypeName(format));
  return sprintf(format, args);
}

export const builtins: Record<string, Func> = {
  // and/or are placeholders; the executor short-circuits them.
  and: withArity(() => undefined, 1, Infinity),
  or: withArity(() => undefined, 1, Infinity),
  not: withArity((v: unknown) => !truth(v), 1),
  len: withArity(len, 1),
  index: withArity(index, 1, Infinity),
  slice: withArity(slice, 1, Infinity),
  eq: withArity(eq, 1, Infinity),
  ne: withArity((a: unknown, b: unknown) => !eq(a, b), 2),
  lt: withArity(lt, 2),
  le: withArity((a: unknown, b: unknown) => lt(a, b) || eq(a, b), 2),
  gt: withArity((a: unknown, b: unknown) => !(lt(a, b) || eq(a, b)), 2),
  ge: withArity((a: unknown, b: unknown) => !lt(a, b), 2),
  call: withArity(call, 1, Infinity),
  html,
  js,
  urlquery,
  print: (...args: unknown[]) => sprint(args),
  printf: withArity(printf, 1, Infinity),
  println: (...args: unknown[]) => sprintln(args),
};
