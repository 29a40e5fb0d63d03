// Splitting an instruction's text into its keyword, leading `--flags` and
// arguments, per instruction: JSON array or shell form, whitespace-separated
// words, quote-aware words (ARG), key/value pairs (ENV, LABEL), HEALTHCHECK's
// type + command.

/** Whitespace as the frontend splits on it (no newlines: lines are joined). */
const WS = /[\t\v\f\r ]+/;

export class LineError extends Error {}

export interface LineArgs {
  args: string[];
  json: boolean;
}

const isSpace = (ch: string) => /^\s$/u.test(ch);

/** Splits "KEYWORD rest" and takes the leading `--flag[=value]` words off rest. */
export function splitCommand(line: string, escape: string): { keyword: string; flags: string[]; rest: string } {
  const t = line.trim();
  const m = WS.exec(t);
  if (!m) return { keyword: t, flags: [], rest: '' };
  const keyword = t.slice(0, m.index);
  const { rest, flags } = extractFlags(t.slice(m.index + m[0].length), escape);
  return { keyword, flags, rest: rest.trim() };
}

/**
 * Leading words that start with `--` are flags (quotes and the escape
 * character are processed inside them); a lone `--` ends the flags.
 */
export function extractFlags(line: string, escape: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return { rest: '', flags };
    if (!(line[i] === '-' && line[i + 1] === '-')) return { rest: line.slice(i), flags };
    let word = '';
    let blankOK = false;
    let quote = '';
    for (; i < n; i++) {
      let ch = line[i];
      if (quote) {
        if (ch === quote) {
          quote = '';
          continue;
        }
      } else {
        if (isSpace(ch)) break;
        if (ch === "'" || ch === '"') {
          quote = ch;
          blankOK = true;
          continue;
        }
      }
      if (ch === escape) {
        if (i + 1 === n) {
          quote = '';
          continue;
        }
        ch = line[++i];
      }
      word += ch;
    }
    if (word === '--') return { rest: line.slice(i), flags };
    if (blankOK || word.length > 0) flags.push(word);
  }
}

/**
 * Quote-aware split on whitespace that keeps quotes and escapes in the words
 * (they are removed later by variable expansion). Used by ARG, ENV, LABEL.
 */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let word = '';
  let inWord = false;
  let quote = '';
  let blankOK = false;
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i];
    if (!inWord) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (quote === '') {
      if (isSpace(ch)) {
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        inWord = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
      } else if (ch === escape) {
        if (i + 1 === chars.length) continue;
        word += ch;
        ch = chars[++i];
      }
      word += ch;
      continue;
    }
    // inside quotes: the escape character works except in '…'
    if (ch === quote) quote = '';
    else if (ch === escape && quote !== "'") {
      if (i + 1 === chars.length) {
        quote = '';
        continue;
      }
      word += ch;
      ch = chars[++i];
    }
    word += ch;
  }
  if (inWord && (blankOK || word.length > 0)) words.push(word);
  return words;
}

const NOT_STRINGS = 'when using JSON array syntax, arrays must be comprised of strings only';

/** JSON array of strings, or null when rest is not a JSON array. */
function parseJSON(rest: string): string[] | null {
  const t = rest.trimStart();
  if (!t.startsWith('[')) return null;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return null;
  }
  if (!Array.isArray(v)) return null;
  if (!v.every((x) => typeof x === 'string')) throw new LineError(NOT_STRINGS);
  return v as string[];
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the whole text as one argument. */
export function parseMaybeJSON(rest: string): LineArgs {
  if (rest === '') return { args: [], json: false };
  const j = parseJSON(rest);
  if (j) return { args: j, json: true };
  return { args: [rest], json: false };
}

/** COPY, ADD, VOLUME: a JSON array, else whitespace-separated words. */
export function parseMaybeJSONToList(rest: string): LineArgs {
  const j = parseJSON(rest);
  if (j) return { args: j, json: true };
  return parseStringsWhitespaceDelimited(rest);
}

export function parseStringsWhitespaceDelimited(rest: string): LineArgs {
  if (rest === '') return { args: [], json: false };
  return { args: rest.split(WS), json: false };
}

export function parseString(rest: string): LineArgs {
  return { args: rest === '' ? [] : [rest], json: false };
}

export function parseNameOrNameVal(rest: string, escape: string): LineArgs {
  return { args: parseWords(rest, escape), json: false };
}

/**
 * ENV and LABEL: `KEY value…` (legacy, the rest of the line is the value) or
 * `K=v K2="v 2"`. Returns flattened [key, value, "=" | ""] triples.
 */
export function parseNameVal(rest: string, keyword: string, escape: string): LineArgs {
  const words = parseWords(rest, escape);
  if (words.length === 0) return { args: [], json: false };
  if (!words[0].includes('=')) {
    const m = WS.exec(rest);
    if (!m) throw new LineError(`${keyword} must have two arguments`);
    return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''], json: false };
  }
  const args: string[] = [];
  for (const w of words) {
    const i = w.indexOf('=');
    if (i < 0) throw new LineError(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    args.push(w.slice(0, i), w.slice(i + 1), '=');
  }
  return { args, json: false };
}

/** HEALTHCHECK: [type, ...command] where the command may be JSON. */
export function parseHealthConfig(rest: string): LineArgs {
  const m = /^(\S+)\s*/.exec(rest);
  if (!m) return { args: [], json: false };
  const cmd = parseMaybeJSON(rest.slice(m[0].length));
  return { args: [m[1], ...cmd.args], json: cmd.json };
}
