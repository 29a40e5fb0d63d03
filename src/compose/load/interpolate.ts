// Compose's variable interpolation, applied to every string of the parsed
// files before validation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, defaults that nest
// further substitutions, and $$ for a literal $. Unset and empty differ only
// for the forms with a colon, as in the shell.

import { Tagged } from './yaml';

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Substitutes one string; `where` names it in errors (e.g. "services.web.image"). */
export function interpolate(s: string, lookup: Lookup, where = ''): string {
  if (!s.includes('$')) return s;
  const p = new Parser(s, lookup, where);
  return p.parseUntil(() => false);
}

class Parser {
  i = 0;
  /** > 0 while parsing a word that will not be used: its ":?" errors do not fire */
  dry = 0;
  constructor(
    readonly s: string,
    readonly lookup: Lookup,
    readonly where: string,
  ) {}

  invalid(): never {
    throw new InterpolationError(`invalid interpolation format for ${this.where || 'value'}: "${this.s}". You may need to escape any $ with another $.`);
  }

  /** Text up to (not including) the point where stop() is true, with substitutions done. */
  parseUntil(stop: () => boolean): string {
    let out = '';
    while (this.i < this.s.length && !stop()) {
      const c = this.s[this.i];
      if (c !== '$') {
        out += c;
        this.i++;
        continue;
      }
      const n = this.s[this.i + 1];
      if (n === '$') {
        out += '$';
        this.i += 2;
      } else if (n === '{') {
        this.i += 2;
        out += this.braced();
      } else if (n !== undefined && NAME_START.test(n)) {
        this.i++;
        const name = this.name();
        out += this.lookup(name) ?? '';
      } else {
        // a lone $ (end of string, or before a character no name starts with)
        this.invalid();
      }
    }
    return out;
  }

  name(): string {
    const start = this.i;
    while (this.i < this.s.length && NAME_CHAR.test(this.s[this.i])) this.i++;
    return this.s.slice(start, this.i);
  }

  /** After "${": NAME, then "}" or an operator and a word that may nest. */
  braced(): string {
    if (!NAME_START.test(this.s[this.i] ?? '')) this.invalid();
    const name = this.name();
    const c = this.s[this.i];
    if (c === '}') {
      this.i++;
      return this.lookup(name) ?? '';
    }
    let op = '';
    if (c === ':' && /[-?+]/.test(this.s[this.i + 1] ?? '')) {
      op = ':' + this.s[this.i + 1];
      this.i += 2;
    } else if (c === '-' || c === '?' || c === '+') {
      op = c;
      this.i++;
    } else this.invalid();
    // the word runs to the first "}" not inside a nested substitution; its
    // syntax is checked even when it is not used, its required-variable errors not
    const value = this.lookup(name);
    const unset = value === undefined;
    const empty = unset || value === '';
    const useWord = op === ':-' || op === ':?' ? empty : op === '-' || op === '?' ? unset : op === ':+' ? !empty : !unset;
    if (!useWord) this.dry++;
    const word = this.parseUntil(() => this.s[this.i] === '}');
    if (!useWord) this.dry--;
    if (this.s[this.i] !== '}') this.invalid();
    this.i++;
    if (op.endsWith('?')) {
      if (useWord && !this.dry) throw new InterpolationError(`required variable ${name} is missing a value${word ? `: ${word}` : ''}`);
      return value ?? '';
    }
    if (op.endsWith('+')) return useWord ? word : '';
    return useWord ? word : (value ?? '');
  }
}

/** Interpolates every string in a parsed document, naming each by its path. Keys are left as they are. */
export function interpolateTree(v: unknown, lookup: Lookup, where: string[] = []): unknown {
  if (typeof v === 'string') return interpolate(v, lookup, where.join('.'));
  if (v instanceof Tagged) return new Tagged(v.tag, interpolateTree(v.value, lookup, where));
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(x, lookup, [...where.slice(0, -1), `${where[where.length - 1] ?? ''}[${i}]`]));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolateTree(x, lookup, [...where, k]);
    return out;
  }
  return v;
}
