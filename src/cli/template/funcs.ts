// The functions docker's CLI adds to every --format template.

import { Func, withArity } from './builtins';
import { ArgTypeError } from './errors';
import { formatValue } from './fmt';
import { marshal } from './json';
import { goTypeName, isSlice, kindOf, toArray } from './values';

function str(v: unknown, index = 0): string {
  if (typeof v !== 'string') throw new ArgTypeError(index, 'string', goTypeName(v));
  return v;
}

function int(v: unknown, index: number): number {
  if (kindOf(v) !== 'int') throw new ArgTypeError(index, 'int', goTypeName(v));
  return Number(v);
}

const ASCII_WORD = /^[A-Za-z0-9_]$/;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;
const SPACE = /^\s$/u;

// strings.Title's word boundary test.
function isSeparator(ch: string): boolean {
  if (ch.charCodeAt(0) < 0x80) return !ASCII_WORD.test(ch);
  if (LETTER_OR_DIGIT.test(ch)) return false;
  return SPACE.test(ch);
}

function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    // Go maps rune to rune; skip multi-rune expansions like ß → SS.
    out += isSeparator(prev) && Array.from(up).length === 1 ? up : ch;
    prev = ch;
  }
  return out;
}

export const dockerFuncs: Record<string, Func> = {
  json: withArity((v: unknown) => {
    try {
      return marshal(v);
    } catch {
      // docker ignores the encoder's error and prints what it buffered: nothing.
      return '';
    }
  }, 1),
  split: withArity((s: unknown, sep: unknown) => {
    const [a, b] = [str(s), str(sep, 1)];
    return b === '' ? Array.from(a) : a.split(b);
  }, 2),
  join: withArity((list: unknown, sep: unknown) => {
    if (!isSlice(list)) throw new ArgTypeError(0, '[]string', goTypeName(list));
    return toArray(list)
      .map((e) => (typeof e === 'string' ? e : formatValue(e)))
      .join(str(sep, 1));
  }, 2),
  title: withArity((s: unknown) => title(str(s)), 1),
  lower: withArity((s: unknown) => str(s).toLowerCase(), 1),
  upper: withArity((s: unknown) => str(s).toUpperCase(), 1),
  pad: withArity((s: unknown, left: unknown, right: unknown) => {
    const [v, l, r] = [str(s), int(left, 1), int(right, 2)];
    if (l < 0 || r < 0) throw new Error('strings: negative Repeat count');
    return v === '' ? v : ' '.repeat(l) + v + ' '.repeat(r);
  }, 3),
  truncate: withArity((s: unknown, n: unknown) => {
    const [v, len] = [str(s), int(n, 1)];
    const runes = Array.from(v);
    if (runes.length < len) return v;
    if (len < 0) throw new Error(`runtime error: slice bounds out of range [:${len}]`);
    return runes.slice(0, len).join('');
  }, 2),
};
