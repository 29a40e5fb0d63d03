// Tokenizer for template source: text, {{ }} actions (with {{- -}} trimming)
// and comments. Produces the whole token list up front; a lexing error ends
// the list with an 'error' token that the parser reports.

export type TokType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'dot'
  | 'identifier'
  | 'keyword'
  | 'bool'
  | 'nil'
  | 'number'
  | 'charConstant'
  | 'string'
  | 'rawString'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'char'
  | 'eof'
  | 'error';

export interface Token {
  type: TokType;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const ALNUM = /^[\p{L}\p{Nd}_]$/u;

/** "U+002D '-'", Go's %#U. */
export function describeRune(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`;
}

export interface LexOptions {
  /** false when a function named break/continue shadows the keyword */
  breakOK: boolean;
  continueOK: boolean;
}

export function lex(input: string, opts: LexOptions): Token[] {
  const toks: Token[] = [];
  const nl: number[] = [];
  for (let i = input.indexOf('\n'); i >= 0; i = input.indexOf('\n', i + 1)) nl.push(i);
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = nl.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nl[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const emit = (type: TokType, val: string, pos: number) => toks.push({ type, val, pos, line: lineOf(pos) });
  const n = input.length;
  let pos = 0;
  let trimLeading = false;

  const rightTrimAt = (p: number) => isSpace(input[p]) && input[p + 1] === '-' && input.startsWith('}}', p + 2);
  const leftTrimAt = (p: number) => input[p] === '-' && isSpace(input[p + 1]);
  const codePoint = (p: number) => String.fromCodePoint(input.codePointAt(p) ?? 0);
  const isAlnumAt = (p: number) => p < n && ALNUM.test(codePoint(p));
  const atTerminator = (p: number): boolean => {
    if (p >= n || isSpace(input[p])) return true;
    if ('.,|:()'.includes(input[p])) return true;
    return input.startsWith('}}', p);
  };
  const fail = (msg: string, p: number): Token[] => {
    emit('error', msg, p);
    return toks;
  };

  for (;;) {
    if (trimLeading) {
      while (pos < n && isSpace(input[pos])) pos++;
      trimLeading = false;
    }
    const open = input.indexOf('{{', pos);
    let text = input.slice(pos, open < 0 ? n : open);
    if (open >= 0 && leftTrimAt(open + 2)) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) emit('text', text, pos);
    if (open < 0) {
      emit('eof', '', n);
      return toks;
    }
    let p = open + 2;
    if (leftTrimAt(p)) p += 2;
    if (input.startsWith('/*', p)) {
      const close = input.indexOf('*/', p + 2);
      if (close < 0) return fail('unclosed comment', open);
      p = close + 2;
      const trim = rightTrimAt(p);
      if (trim) p += 2;
      if (!input.startsWith('}}', p)) return fail('comment ends before closing delimiter', p);
      pos = p + 2;
      trimLeading = trim;
      continue;
    }
    emit('leftDelim', '{{', open);
    pos = p;
    let parens = 0;
    // Inside the action.
    for (;;) {
      const trim = rightTrimAt(pos);
      if (trim || input.startsWith('}}', pos)) {
        if (parens > 0) return fail('unclosed left paren', pos);
        if (trim) pos += 2;
        emit('rightDelim', '}}', pos);
        pos += 2;
        trimLeading = trim;
        break;
      }
      if (pos >= n) return fail('unclosed action', pos);
      const c = input[pos];
      const start = pos;
      if (isSpace(c)) {
        let q = pos;
        while (q < n && isSpace(input[q])) q++;
        // The last space before "-}}" belongs to the delimiter.
        if (rightTrimAt(q - 1)) q--;
        if (q > pos) emit('space', input.slice(pos, q), pos);
        pos = q;
        continue;
      }
      if (c === '=') {
        emit('assign', '=', pos++);
      } else if (c === ':') {
        if (input[pos + 1] !== '=') return fail('expected :=', pos);
        emit('declare', ':=', pos);
        pos += 2;
      } else if (c === '|') {
        emit('pipe', '|', pos++);
      } else if (c === '"' || c === "'") {
        const what = c === '"' ? 'quoted string' : 'character constant';
        let q = pos + 1;
        for (;;) {
          const d = input[q];
          if (d === '\\') {
            q++;
            if (q < n && input[q] !== '\n') {
              q++;
              continue;
            }
          }
          if (q >= n || input[q] === '\n') return fail(`unterminated ${what}`, pos);
          if (input[q] === c) break;
          q++;
        }
        pos = q + 1;
        emit(c === '"' ? 'string' : 'charConstant', input.slice(start, pos), start);
      } else if (c === '`') {
        const close = input.indexOf('`', pos + 1);
        if (close < 0) return fail('unterminated raw quoted string', pos);
        pos = close + 1;
        emit('rawString', input.slice(start, pos), start);
      } else if (c === '$' || (c === '.' && !isDigit(input[pos + 1]))) {
        pos++;
        if (atTerminator(pos)) {
          emit(c === '$' ? 'variable' : 'dot', c, start);
          continue;
        }
        while (isAlnumAt(pos)) pos += codePoint(pos).length;
        if (!atTerminator(pos)) return fail(`bad character ${describeRune(codePoint(pos))}`, pos);
        emit(c === '$' ? 'variable' : 'field', input.slice(start, pos), start);
      } else if (c === '(') {
        parens++;
        emit('leftParen', c, pos++);
      } else if (c === ')') {
        if (--parens < 0) return fail('unexpected right paren', pos);
        emit('rightParen', c, pos++);
      } else if (c === '+' || c === '-' || c === '.' || isDigit(c)) {
        pos = scanNumber(input, pos);
        if (isAlnumAt(pos)) {
          pos += codePoint(pos).length;
          return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`, start);
        }
        emit('number', input.slice(start, pos), start);
      } else if (isAlnumAt(pos)) {
        while (isAlnumAt(pos)) pos += codePoint(pos).length;
        if (!atTerminator(pos)) return fail(`bad character ${describeRune(codePoint(pos))}`, pos);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) {
          const shadowed = (word === 'break' && !opts.breakOK) || (word === 'continue' && !opts.continueOK);
          emit(shadowed ? 'identifier' : 'keyword', word, start);
        } else if (word === 'true' || word === 'false') {
          emit('bool', word, start);
        } else if (word === 'nil') {
          emit('nil', word, start);
        } else {
          emit('identifier', word, start);
        }
      } else if (c.charCodeAt(0) < 0x7f && c.charCodeAt(0) >= 0x20) {
        emit('char', c, pos++);
      } else {
        return fail(`unrecognized character in action: ${describeRune(codePoint(pos))}`, pos);
      }
    }
  }
}

/** Scan Go number syntax (sign, 0x/0o/0b prefixes, '_', fraction, exponent, 'i'). */
function scanNumber(s: string, p: number): number {
  const accept = (chars: string): boolean => {
    if (p < s.length && chars.includes(s[p])) {
      p++;
      return true;
    }
    return false;
  };
  const acceptRun = (chars: string) => {
    while (p < s.length && chars.includes(s[p])) p++;
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  return p;
}
