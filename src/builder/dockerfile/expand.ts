// Shell-word processing as the Dockerfile frontend does it: variable
// substitution ($VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w}, ${VAR+w},
// ${VAR:?m}, ${VAR#p}, ${VAR%p}, ${VAR/p/r}), quote removal, the escape
// character (\ or ` from the escape directive), and optional word splitting
// (only EXPOSE splits; heredoc detection uses the raw modes).
//
// Our own implementation of the documented rules: `'…'` is literal, `"…"`
// expands `$` and lets the escape character escape `"`, `$` and itself only,
// outside quotes the escape character makes the next character literal.

import { goQuote } from '../gofmt';

export type Env = ReadonlyMap<string, string>;

/** "K=V" entries to a lookup; later entries win, a bare "K" is set to "". */
export function envFromList(list: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

export class ExpandError extends Error {}

export interface LexOptions {
  /** Keep quote characters in the result. */
  rawQuotes?: boolean;
  /** Keep escape characters in the result. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written. */
  skipUnsetEnv?: boolean;
  /** Treat quotes as ordinary characters (heredoc bodies). */
  skipProcessQuotes?: boolean;
}

const EOF = '';
const isSpace = (ch: string) => /^\s$/u.test(ch);
const isLetter = (ch: string) => /^\p{L}$/u.test(ch);
const isDigit = (ch: string) => /^\p{Nd}$/u.test(ch);
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** Accumulates words, splitting on unquoted whitespace. */
class Words {
  private words: string[] = [];
  private buf = '';
  private inWord = false;
  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.buf !== '') {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else this.addRaw(ch);
  }
  addRaw(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  get(): string[] {
    if (this.buf !== '') {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Scanner {
  private readonly chars: string[];
  private pos = 0;
  constructor(s: string) {
    this.chars = Array.from(s);
  }
  peek(): string {
    return this.pos < this.chars.length ? this.chars[this.pos] : EOF;
  }
  next(): string {
    return this.pos < this.chars.length ? this.chars[this.pos++] : EOF;
  }
}

export class ShellLex {
  constructor(
    readonly escape: string = '\\',
    readonly opts: LexOptions = {},
  ) {}

  /** Expands `word` into one string (no splitting), quotes removed. */
  processWord(word: string, env: Env): string {
    return new WordRun(this, word, env).run()[0];
  }

  /** Expands `word` and splits the result on unquoted whitespace. */
  processWords(word: string, env: Env): string[] {
    return new WordRun(this, word, env).run()[1];
  }
}

class WordRun {
  private readonly sc: Scanner;
  private rawEscapes: boolean;
  constructor(
    private readonly lex: ShellLex,
    private readonly source: string,
    private readonly env: Env,
  ) {
    this.sc = new Scanner(source);
    this.rawEscapes = !!lex.opts.rawEscapes;
  }

  run(): [string, string[]] {
    try {
      return this.processStopOn(EOF, this.rawEscapes);
    } catch (e) {
      if (e instanceof ExpandError) throw new ExpandError(`failed to process ${goQuote(this.source)}: ${e.message}`);
      throw e;
    }
  }

  private processStopOn(stop: string, rawEscapes: boolean): [string, string[]] {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new Words();
      const quotes = !this.lex.opts.skipProcessQuotes;
      while (this.sc.peek() !== EOF) {
        const ch = this.sc.peek();
        if (stop !== EOF && ch === stop) {
          this.sc.next();
          return [result, words.get()];
        }
        if (ch === '$') {
          const t = this.processDollar();
          result += t;
          words.addString(t);
          continue;
        }
        if (ch === '<') {
          const t = this.processPossibleHeredoc();
          result += t;
          words.addRaw(t);
          continue;
        }
        if (quotes && (ch === "'" || ch === '"')) {
          const t = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += t;
          words.addRaw(t);
          continue;
        }
        let c = this.sc.next();
        if (c === this.lex.escape) {
          if (this.rawEscapes) {
            words.addRaw(c);
            result += c;
          }
          c = this.sc.next();
          if (c === EOF) break;
          words.addRaw(c);
        } else words.addChar(c);
        result += c;
      }
      if (stop !== EOF) throw new ExpandError(`unexpected end of statement while looking for matching ${stop}`);
      return [result, words.get()];
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    const raw = !!this.lex.opts.rawQuotes;
    let result = raw ? this.sc.next() : (this.sc.next(), '');
    for (;;) {
      const ch = this.sc.next();
      if (ch === EOF) throw new ExpandError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return raw ? result + ch : result;
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    const raw = !!this.lex.opts.rawQuotes;
    let result = raw ? this.sc.next() : (this.sc.next(), '');
    for (;;) {
      const p = this.sc.peek();
      if (p === EOF) throw new ExpandError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        const ch = this.sc.next();
        return raw ? result + ch : result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.sc.next();
      if (ch === this.lex.escape) {
        if (this.rawEscapes) result += ch;
        const n = this.sc.peek();
        if (n === EOF) continue;
        if (n === '"' || n === '$' || n === this.lex.escape) ch = this.sc.next();
      }
      result += ch;
    }
  }

  private processPossibleHeredoc(): string {
    this.sc.next();
    if (this.sc.peek() !== '<') return '<';
    this.sc.next();
    let space = '';
    while (this.sc.peek() === ' ' || this.sc.peek() === '\t' || this.sc.peek() === '\r') space += this.sc.next();
    return '<<' + space;
  }

  private processName(): string {
    let name = '';
    while (this.sc.peek() !== EOF) {
      const ch = this.sc.peek();
      if (name === '' && isDigit(ch)) {
        while (this.sc.peek() !== EOF && isDigit(this.sc.peek())) name += this.sc.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.sc.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.sc.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    return this.env.get(name);
  }

  private processDollar(): string {
    const skipUnset = !!this.lex.opts.skipUnsetEnv;
    this.sc.next();
    if (this.sc.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const v = this.getEnv(name);
      if (v === undefined && skipUnset) return '$' + name;
      return v ?? '';
    }
    this.sc.next();
    const first = this.sc.peek();
    if (first === EOF) throw new ExpandError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ExpandError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.sc.next();
    if (ch === EOF) throw new ExpandError("syntax error: missing '}'");
    let chs = ch;
    let nullIsUnset = false;
    switch (ch) {
      case '}': {
        const v = this.getEnv(name);
        if (v === undefined && skipUnset) return '${' + name + '}';
        return v ?? '';
      }
      case ':':
      case '+':
      case '-':
      case '?':
      case '#':
      case '%': {
        if (ch === ':') {
          nullIsUnset = true;
          ch = this.sc.next();
          chs += ch;
          if (!['+', '-', '?', '#', '%'].includes(ch)) throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
        }
        const patternMode = ch === '#' || ch === '%';
        if (nullIsUnset && patternMode) throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
        let word: string;
        try {
          word = this.processStopOn('}', patternMode)[0];
        } catch (e) {
          if (this.sc.peek() === EOF) throw new ExpandError("syntax error: missing '}'");
          throw e;
        }
        const value = this.getEnv(name);
        const set = value !== undefined;
        if (skipUnset && !set) return '${' + name + chs + word + '}';
        const empty = !set || (nullIsUnset && value === '');
        switch (ch) {
          case '-':
            return empty ? word : value!;
          case '+':
            return empty ? '' : word;
          case '?':
            if (!set) throw new ExpandError(`${name}: ${word || 'is not allowed to be unset'}`);
            if (nullIsUnset && value === '') throw new ExpandError(`${name}: ${word || 'is not allowed to be empty'}`);
            return value!;
          default: {
            let greedy = false;
            if (word.startsWith(ch)) {
              greedy = true;
              word = word.slice(1);
            }
            return ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
          }
        }
      }
      case '/': {
        const all = this.sc.peek() === '/';
        if (all) this.sc.next();
        let pattern: string;
        let repl: string;
        try {
          pattern = this.processStopOn('/', true)[0];
        } catch (e) {
          if (this.sc.peek() === EOF) throw new ExpandError("syntax error: missing '/' in ${}");
          throw e;
        }
        try {
          repl = this.processStopOn('}', true)[0];
        } catch (e) {
          if (this.sc.peek() === EOF) throw new ExpandError("syntax error: missing '}'");
          throw e;
        }
        const value = this.getEnv(name);
        if (value === undefined && skipUnset) return '${' + name + '/' + pattern + '/' + repl + '}';
        const re = shellPatternToRegex(pattern, true, false, all);
        return (value ?? '').replace(re, () => repl);
      }
      default:
        throw new ExpandError(`unsupported modifier (${chs}) in substitution`);
    }
  }
}

const REGEX_SPECIAL = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);

/** A `${VAR#pattern}`-style shell pattern (`*`, `?`, `\` escapes) as a RegExp. */
function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') out += greedy ? '[\\s\\S]*' : '[\\s\\S]*?';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\') {
      const n = chars[i + 1];
      // `}` and `/` are escaped only to get them past the ${…} parser
      if (n === '}' || n === '/') continue;
      if (n !== '*' && n !== '?' && n !== '\\') throw new ExpandError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`);
      out += '\\' + n;
      i++;
    } else if (REGEX_SPECIAL.has(c)) out += '\\' + c;
    else out += c;
  }
  return new RegExp(out, global ? 'gu' : 'u');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** Reverses a pattern keeping `\x` escapes in order. */
function reversePattern(p: string): string {
  const c = Array.from(p);
  const out: string[] = [];
  for (let i = 0; i < c.length; ) {
    if (c[i] === '\\' && i !== c.length - 1) {
      out.unshift(c[i], c[i + 1]);
      i += 2;
    } else {
      out.unshift(c[i]);
      i++;
    }
  }
  return out.join('');
}

const reverse = (s: string) => Array.from(s).reverse().join('');

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}
