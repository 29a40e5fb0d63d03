// Dockerfile text -> a list of instruction nodes with line numbers.
//
// Rules (those of the Dockerfile reference): parser directives (`# syntax=`,
// `# escape=`, `# check=`) only in the leading comment block, each at most
// once, an unknown one ending the block; comment lines start with `#` after
// optional whitespace; the escape character at the end of a line continues
// it (comment lines and empty lines inside a continuation are skipped);
// instructions that may carry heredocs (RUN, COPY, ADD, and ONBUILD of them)
// read `<<EOF` bodies from the following lines.
import { DockerfileError } from './errors';
import { ShellLex } from './expand';
import {
  LineArgs,
  LineError,
  parseHealthConfig,
  parseMaybeJSON,
  parseMaybeJSONToList,
  parseNameOrNameVal,
  parseNameVal,
  parseString,
  parseStringsWhitespaceDelimited,
  splitCommand,
} from './lineparsers';

export interface Heredoc {
  /** Delimiter word, quotes removed. */
  name: string;
  /** Body: every line up to the delimiter, with its line ending. */
  content: string;
  /** False when the delimiter was quoted: the body is taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body and the delimiter line. */
  chomp: boolean;
  fd: number;
}

export interface Node {
  /** Lower-case instruction keyword. */
  keyword: string;
  /** The keyword as written. */
  rawKeyword: string;
  /** `--flag[=value]` words before the arguments, `--` removed. */
  flags: string[];
  args: string[];
  /** Arguments were a JSON array. */
  json: boolean;
  /** The instruction line with continuations joined (no heredoc bodies). */
  original: string;
  startLine: number;
  endLine: number;
  heredocs: Heredoc[];
  /** ONBUILD's trigger instruction. */
  sub?: Node;
  /** Comment lines right above the instruction. */
  comments: string[];
}

export interface Directives {
  escape: string;
  syntax?: string;
  /** Line of the `# syntax=` directive. */
  syntaxLine?: number;
  check?: string;
}

export interface Warning {
  line: number;
  message: string;
}

export interface ParseResult {
  file: string;
  directives: Directives;
  nodes: Node[];
  warnings: Warning[];
}

type LineParser = (rest: string, escape: string) => LineArgs;

const LINE_PARSERS: Record<string, LineParser> = {
  add: parseMaybeJSONToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: (r, e) => parseNameVal(r, 'ENV', e),
  expose: parseStringsWhitespaceDelimited,
  from: parseStringsWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (r, e) => parseNameVal(r, 'LABEL', e),
  maintainer: parseString,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};

const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);
const VALID_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const DIRECTIVE_RE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

class DirectiveParser {
  done = false;
  private seen = new Set<string>();
  constructor(private readonly d: Directives) {}

  /** Looks at a (left-trimmed) line; true if it was a directive. */
  line(text: string, lineNo: number): boolean {
    if (this.done) return false;
    if (lineNo === 1 && text.startsWith('#!')) return false;
    if (!text.startsWith('#')) {
      this.done = true;
      return false;
    }
    const m = DIRECTIVE_RE.exec(text.slice(1).trimStart());
    const key = m?.[1].toLowerCase();
    if (!m || !key || !VALID_DIRECTIVES.has(key)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(key)) throw new LineError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const value = m[2];
    if (key === 'escape') {
      if (value !== '`' && value !== '\\') throw new LineError(`invalid escape token '${value}' does not match \` or \\`);
      this.d.escape = value;
    } else if (key === 'syntax') {
      this.d.syntax = value;
      this.d.syntaxLine = lineNo;
    } else this.d.check = value;
    return true;
  }
}

const trimNewline = (s: string) => s.replace(/[\r\n]+$/, '');
const isComment = (s: string) => s.trimStart().startsWith('#');

function continuationRe(escape: string): RegExp {
  const e = '\\' + escape;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

/** Splits text into lines keeping their line endings. */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n', start);
    if (i < 0) {
      if (start < text.length) out.push(text.slice(start));
      return out;
    }
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
}

const HEREDOC_RE = /^(\d*)<<(-?)([^<]*)$/;
const plainLex = new ShellLex('\\', { skipUnsetEnv: true });
const rawQuoteLex = new ShellLex('\\', { skipUnsetEnv: true, rawQuotes: true });
const rawLineLex = new ShellLex('\\', { skipUnsetEnv: true, rawQuotes: true, rawEscapes: true });
const NO_ENV: ReadonlyMap<string, string> = new Map();

/** A `<<[-]WORD` word as a heredoc (without its body), or null. */
export function parseHeredocWord(word: string): Heredoc | null {
  const m = HEREDOC_RE.exec(word);
  if (!m || m[3] === '') return null;
  const words = plainLex.processWords(m[3], NO_ENV);
  if (words.length !== 1) return null;
  const raw = rawQuoteLex.processWords(m[3], NO_ENV);
  if (raw.length !== 1) throw new LineError(`internal lexing of heredoc produced inconsistent results: ${m[3]}`);
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  return { name: words[0], content: '', expand: quotes(words[0]) === quotes(raw[0]), chomp: m[2] === '-', fd: m[1] ? Number(m[1]) : 0 };
}

function heredocsFromLine(line: string): Heredoc[] {
  let words: string[];
  try {
    words = rawLineLex.processWords(line, NO_ENV);
  } catch {
    return [];
  }
  const out: Heredoc[] = [];
  for (const w of words) {
    const h = parseHeredocWord(w);
    if (h) out.push(h);
  }
  return out;
}

/** `<<-` bodies lose the leading tabs of every line. */
export function chompHeredocContent(s: string): string {
  return s.replace(/^\t+/gm, '');
}

function newNode(line: string, escape: string, comments: string[]): Node {
  const { keyword, flags, rest } = splitCommand(line, escape);
  const lower = keyword.toLowerCase();
  const node: Node = {
    keyword: lower,
    rawKeyword: keyword,
    flags,
    args: [],
    json: false,
    original: line,
    startLine: 0,
    endLine: 0,
    heredocs: [],
    comments,
  };
  if (lower === 'onbuild') {
    if (rest !== '') node.sub = newNode(rest, escape, []);
    return node;
  }
  const fn = LINE_PARSERS[lower];
  if (fn) {
    const r = fn(rest, escape);
    node.args = r.args;
    node.json = r.json;
  }
  return node;
}

function canContainHeredoc(node: Node): boolean {
  const n = node.keyword === 'onbuild' && node.sub ? node.sub : node;
  return HEREDOC_KEYWORDS.has(n.keyword) && !n.json;
}

function setLines(node: Node, start: number, end: number): void {
  node.startLine = start;
  node.endLine = end;
  if (node.sub) setLines(node.sub, start, end);
}

/** Parses Dockerfile text. `file` names it in errors ("Dockerfile"). */
export function parseDockerfile(input: string | Buffer, file = 'Dockerfile'): ParseResult {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = splitLines(text);
  const directives: Directives = { escape: '\\' };
  const dp = new DirectiveParser(directives);
  let contRe = continuationRe('\\');
  const nodes: Node[] = [];
  const warnings: Warning[] = [];
  let comments: string[] = [];
  let i = 0;
  const fail = (start: number, end: number, msg: string) => new DockerfileError(file, start, end, msg);

  /** Runs the directive parser on one line (every line goes through it, as the block may end anywhere). */
  const directive = (raw: string, lineNo: number, trim: boolean): boolean => {
    let t = trimNewline(raw);
    if (trim) t = t.trimStart();
    try {
      const isDirective = dp.line(t, lineNo);
      if (isDirective) contRe = continuationRe(directives.escape);
      return isDirective;
    } catch (e) {
      throw fail(lineNo, lineNo, (e as Error).message);
    }
  };

  while (i < lines.length) {
    const raw = lines[i];
    const lineNo = ++i;
    const isDirective = directive(raw, lineNo, true);
    if (isComment(raw) && !isDirective) {
      const c = trimNewline(raw).trimStart().slice(1).trim();
      comments = c === '' ? [] : [...comments, c];
    }
    let cur = trimNewline(raw).trimStart();
    if (isComment(cur)) cur = '';
    const startLine = lineNo;
    let ended = !contRe.test(cur);
    if (!ended) cur = cur.replace(contRe, '$1');
    if (ended && cur.length === 0) continue;
    let buf = cur;
    let emptyContinuation = false;
    while (!ended && i < lines.length) {
      const next = lines[i];
      const n = ++i;
      directive(next, n, false);
      if (isComment(next)) continue;
      const t = trimNewline(next);
      if (t.trimStart().length === 0) {
        emptyContinuation = true;
        continue;
      }
      ended = !contRe.test(t);
      buf += ended ? t : t.replace(contRe, '$1');
    }
    const endLine = i;
    if (emptyContinuation) warnings.push({ line: endLine, message: `Empty continuation line found in: ${buf}` });

    let node: Node;
    try {
      node = newNode(buf, directives.escape, comments);
    } catch (e) {
      throw fail(startLine, endLine, (e as Error).message);
    }
    if (canContainHeredoc(node) && buf.includes('<<')) {
      let docs: Heredoc[];
      try {
        docs = heredocsFromLine(buf);
      } catch (e) {
        throw fail(startLine, endLine, (e as Error).message);
      }
      for (const h of docs) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const l = lines[i++];
          let candidate = trimNewline(l);
          if (h.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === h.name) {
            terminated = true;
            break;
          }
          content += l;
        }
        if (!terminated) throw fail(startLine, i, 'unterminated heredoc');
        h.content = content;
        node.heredocs.push(h);
      }
      if (node.sub) node.sub.heredocs = node.heredocs;
    }
    setLines(node, startLine, i);
    nodes.push(node);
    comments = [];
  }
  if (nodes.length === 0) throw fail(lines.length, lines.length, 'file with no instructions');
  return { file, directives, nodes, warnings };
}
