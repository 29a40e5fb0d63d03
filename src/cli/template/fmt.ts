// Go's fmt verbs (Sprint, Sprintln, Sprintf and %v printing) over JS values.
// Numbers are ints when integral (as they would be in the Go structs berth
// mirrors) and float64 otherwise.

import { goTypeName, isPlainObject, kindOf, mapEntries, runeCount, toArray } from './values';

interface Flags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  width?: number;
  prec?: number;
}

const NOFLAGS: Flags = { minus: false, plus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false };

/** fmt.Sprint of one value (what a template action prints). */
export function formatValue(v: unknown): string {
  return fmtArg(v, 'v', NOFLAGS);
}

/** fmt.Sprint: spaces only between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += fmtArg(a, 'v', NOFLAGS);
    prevString = isString;
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return args.map((a) => fmtArg(a, 'v', NOFLAGS)).join(' ') + '\n';
}

export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const n = format.length;
  // An explicit [n] argument index; returns false when malformed.
  const argIndex = (): boolean => {
    if (format[i] !== '[') return true;
    const close = format.indexOf(']', i);
    const idx = close < 0 ? NaN : Number(format.slice(i + 1, close));
    if (!Number.isInteger(idx) || idx < 1) {
      i = close < 0 ? n : close + 1;
      return false;
    }
    reordered = true;
    argNum = idx - 1;
    i = close + 1;
    return true;
  };
  const starArg = (): number | undefined => {
    const a = args[argNum++];
    return typeof a === 'number' && Number.isInteger(a) ? a : undefined;
  };
  const num = (): number | undefined => {
    const start = i;
    while (i < n && format[i] >= '0' && format[i] <= '9') i++;
    return i > start ? Number(format.slice(start, i)) : undefined;
  };
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...NOFLAGS };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let good = argIndex();
    if (format[i] === '*') {
      i++;
      const w = starArg();
      if (w === undefined) out += '%!(BADWIDTH)';
      else if (w < 0) Object.assign(f, { width: -w, minus: true, zero: false });
      else f.width = w;
    } else {
      f.width = num();
    }
    if (format[i] === '.') {
      i++;
      good = argIndex() && good;
      if (format[i] === '*') {
        i++;
        const p = starArg();
        if (p === undefined) out += '%!(BADPREC)';
        else if (p >= 0) f.prec = p;
      } else {
        f.prec = num() ?? 0;
      }
    }
    good = argIndex() && good;
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
    } else if (!good) {
      out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
    } else {
      // %+v and %#v select struct field names and Go syntax, not sign flags.
      const fl = verb === 'v' ? { ...f, plusV: f.plus, plus: false, sharpV: f.sharp, sharp: false } : f;
      out += fmtArg(args[argNum++], verb, fl);
    }
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (a == null ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function badVerb(verb: string, v: unknown): string {
  return v == null ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
}

function pad(s: string, f: Flags, zeroOK = true): string {
  if (f.width === undefined) return s;
  const w = f.width - runeCount(s);
  if (w <= 0) return s;
  if (f.minus) return s + ' '.repeat(w);
  return (f.zero && zeroOK ? '0' : ' ').repeat(w) + s;
}

function fmtArg(v: unknown, verb: string, f: Flags): string {
  if (verb === 'T') return pad(goTypeName(v), f);
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return verb === 'v' ? pad('<nil>', f) : badVerb(verb, v);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), f) : badVerb(verb, v);
    case 'int':
      return fmtInt(v as number | bigint, verb, f);
    case 'float':
      return fmtFloat(v as number, verb, f);
    case 'string':
      return fmtString(v as string, verb, f);
    case 'slice':
      if (v instanceof Uint8Array && 'sqxX'.includes(verb)) {
        return verb === 's' || verb === 'q' ? fmtString(Buffer.from(v).toString('utf8'), verb, f) : fmtBytesHex(Buffer.from(v), verb, f);
      }
      return (
        '[' +
        toArray(v)
          .map((e) => fmtArg(e, verb, f))
          .join(' ') +
        ']'
      );
    case 'map':
      return (
        'map[' +
        mapEntries(v as object)
          .map(([k, x]) => fmtArg(k, verb, f) + ':' + fmtArg(x, verb, f))
          .join(' ') +
        ']'
      );
    case 'func':
      return verb === 'v' ? pad('func', f) : badVerb(verb, v);
    case 'struct': {
      const s = stringer(v as object);
      if (s !== undefined && 'vsqxX'.includes(verb)) return fmtString(s, verb === 'v' ? 's' : verb, f);
      if (typeof v === 'symbol') return pad(String(v), f);
      const fields = Object.entries(v as object).map(([k, x]) => (f.plusV ? k + ':' : '') + fmtArg(x, verb, f));
      return '{' + fields.join(' ') + '}';
    }
  }
}

/** The analogue of Go's error and Stringer interfaces. */
function stringer(v: object): string | undefined {
  if (v instanceof Error) return v.message;
  if (v instanceof Date) return goTime(v);
  const ts = (v as { toString?: unknown }).toString;
  if (typeof ts === 'function' && ts !== Object.prototype.toString && !isPlainObject(v)) return String(ts.call(v));
  return undefined;
}

/** time.Time's String() layout, in UTC. */
function goTime(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'Invalid Date';
  const iso = d.toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC`;
}

function fmtInt(v: number | bigint, verb: string, f: Flags): string {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  switch (verb) {
    case 'v':
    case 'd':
      return fmtInteger(n, 10, verb, f);
    case 'b':
      return fmtInteger(n, 2, verb, f);
    case 'o':
    case 'O':
      return fmtInteger(n, 8, verb, f);
    case 'x':
    case 'X':
      return fmtInteger(n, 16, verb, f);
    case 'c':
      return pad(runeString(n), f);
    case 'q':
      return pad("'" + escapeRune(Number(n), "'") + "'", f);
    case 'U': {
      let s =
        'U+' +
        n
          .toString(16)
          .toUpperCase()
          .padStart(Math.max(f.prec ?? 4, 4), '0');
      if (f.sharp && isPrint(Number(n))) s += " '" + runeString(n) + "'";
      return pad(s, f);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      // Integral JS numbers may well be Go floats, so float verbs accept them.
      return fmtFloat(Number(v), verb, f);
    default:
      return badVerb(verb, v);
  }
}

function fmtInteger(n: bigint, base: number, verb: string, f: Flags): string {
  const neg = n < 0n;
  let digits = (neg ? -n : n).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = -1;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && n === 0n) digits = '';
  } else if (f.zero && f.width !== undefined && !f.minus) {
    prec = f.width - (neg || f.plus || f.space ? 1 : 0);
  }
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  let prefix = '';
  if (f.sharp) {
    if (base === 2) prefix = '0b';
    else if (base === 8 && digits[0] !== '0') prefix = '0';
    else if (base === 16) prefix = verb === 'X' ? '0X' : '0x';
  }
  if (verb === 'O') prefix = '0o';
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + prefix + digits, f, false);
}

function runeString(n: bigint): string {
  const cp = Number(n);
  const valid = n >= 0n && n <= 0x10ffffn && !(cp >= 0xd800 && cp <= 0xdfff);
  return String.fromCodePoint(valid ? cp : 0xfffd);
}

function fmtFloat(x: number, verb: string, f: Flags): string {
  if (!'eEfFgGv'.includes(verb)) return badVerb(verb, x);
  if (Number.isNaN(x)) return pad(f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN', f, false);
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  if (!Number.isFinite(x)) return pad((neg ? '-' : f.space && !f.plus ? ' ' : '+') + 'Inf', f, false);
  const body = floatBody(Math.abs(x), verb, verb === 'e' || verb === 'E' || verb === 'f' || verb === 'F' ? (f.prec ?? 6) : (f.prec ?? -1));
  if (f.zero && f.width !== undefined && !f.minus) {
    const w = f.width - sign.length - body.length;
    return sign + (w > 0 ? '0'.repeat(w) : '') + body;
  }
  return pad(sign + body, f, false);
}

/** A decimal: value = 0.d × 10^dp, d without trailing zeros ('' for zero). */
interface Dec {
  d: string;
  dp: number;
}

function toDec(exp: string): Dec {
  const [m, e] = exp.split('e');
  const d = m.replace('.', '').replace(/0+$/, '');
  return d === '' ? { d: '', dp: 0 } : { d, dp: Number(e) + 1 };
}

// Shortest digits that round-trip, as Go's strconv with precision -1.
const shortestDec = (x: number): Dec => toDec(x.toExponential());
// Enough digits that a tie at any precision we round to is recognisable.
const exactDec = (x: number): Dec => toDec(x.toExponential(100));

/** Round to nd significant digits, ties to even (like Go's strconv). */
function roundDec(a: Dec, nd: number): Dec {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d[nd];
  const up = c > '5' || (c === '5' && (nd + 1 < a.d.length || (nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1)));
  if (!up) {
    const d = a.d.slice(0, nd).replace(/0+$/, '');
    return d === '' ? { d: '', dp: 0 } : { d, dp: a.dp };
  }
  let i = nd - 1;
  while (i >= 0 && a.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

function fmtE(a: Dec, prec: number, upper: boolean): string {
  let s = a.d[0] ?? '0';
  if (prec > 0) s += '.' + a.d.slice(1, prec + 1).padEnd(prec, '0');
  const exp = a.d === '' ? 0 : a.dp - 1;
  return s + (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
}

function fmtF(a: Dec, prec: number): string {
  let s = a.dp > 0 ? a.d.slice(0, a.dp).padEnd(a.dp, '0') : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = a.dp + i;
      s += j >= 0 && j < a.d.length ? a.d[j] : '0';
    }
  }
  return s;
}

function floatBody(x: number, verb: string, prec: number): string {
  const upper = verb === 'E' || verb === 'G';
  const shortest = prec < 0;
  switch (verb) {
    case 'e':
    case 'E': {
      const a = shortest ? shortestDec(x) : roundDec(exactDec(x), prec + 1);
      return fmtE(a, shortest ? Math.max(a.d.length - 1, 0) : prec, upper);
    }
    case 'f':
    case 'F': {
      const ex = exactDec(x);
      const a = shortest ? shortestDec(x) : roundDec(ex, ex.dp + prec);
      return fmtF(a, shortest ? Math.max(a.d.length - a.dp, 0) : prec);
    }
    default: {
      // %g and %v
      let p = prec === 0 ? 1 : prec;
      const a = shortest ? shortestDec(x) : roundDec(exactDec(x), p);
      const nd = a.d.length;
      if (shortest) p = nd;
      let eprec = p;
      if (eprec > nd && nd >= a.dp) eprec = nd;
      // Go's %v switches to exponent form from 1e+06 / below 1e-04.
      if (shortest) eprec = 6;
      const exp = a.dp - 1;
      if (exp < -4 || exp >= eprec) return fmtE(a, Math.max(Math.min(p, nd) - 1, 0), upper);
      return fmtF(a, Math.max((p > a.dp ? nd : p) - a.dp, 0));
    }
  }
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(truncRunes(s, f.prec), f);
    case 'q':
      if (f.sharp && canBackquote(s)) return pad('`' + s + '`', f);
      return pad(quote(truncRunes(s, f.prec)), f);
    case 'x':
    case 'X': {
      const b = Buffer.from(s, 'utf8');
      return fmtBytesHex(f.prec !== undefined ? b.subarray(0, f.prec) : b, verb, f);
    }
    default:
      return badVerb(verb, s);
  }
}

function fmtBytesHex(b: Buffer, verb: string, f: Flags): string {
  const digits = [...b].map((x) => {
    const h = x.toString(16).padStart(2, '0');
    return verb === 'X' ? h.toUpperCase() : h;
  });
  const px = verb === 'X' ? '0X' : '0x';
  if (f.space) return pad(digits.map((d) => (f.sharp ? px : '') + d).join(' '), f);
  return pad((f.sharp && digits.length ? px : '') + digits.join(''), f);
}

function truncRunes(s: string, n: number | undefined): string {
  if (n === undefined) return s;
  return Array.from(s).slice(0, n).join('');
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function escapeRune(cp: number, q: string): string {
  const ch = cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
  if (ch === q || ch === '\\') return '\\' + ch;
  if (isPrint(cp)) return ch;
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\\ufffd';
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** strconv.Quote. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0)!, '"');
  return out + '"';
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '`' || cp === 0xfeff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if ((cp < 0x20 && ch !== '\t') || cp === 0x7f) return false;
  }
  return true;
}
