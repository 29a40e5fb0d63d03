// Recursive-descent parser producing the tree in ast.ts, following Go's
// text/template/parse: variables must be declared before use, functions must
// exist at parse time, {{define}}/{{block}} add named templates.

import { Arg, BranchNode, CommandNode, ListNode, LiteralNode, Node, PipeNode, VariableNode, nodeString } from './ast';
import { TemplateError } from './errors';
import { Token, TokType, lex } from './lexer';

export interface ParsedTemplates {
  root: ListNode;
  defs: Map<string, ListNode>;
}

const OPERAND_START = new Set<TokType>(['bool', 'charConstant', 'dot', 'field', 'identifier', 'nil', 'number', 'rawString', 'string', 'variable', 'leftParen']);

export function parse(src: string, name: string, hasFunc: (name: string) => boolean): ParsedTemplates {
  const toks = lex(src, { breakOK: !hasFunc('break'), continueOK: !hasFunc('continue') });
  const p = new Parser(toks, name, hasFunc);
  const root = p.parseTop();
  return { root, defs: p.defs };
}

function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (t.type === 'keyword' || t.type === 'nil' || t.type === 'dot') return `<${t.val}>`;
  if (t.val.length > 10) return JSON.stringify(t.val.slice(0, 10)) + '...';
  return JSON.stringify(t.val);
}

class Parser {
  readonly defs = new Map<string, ListNode>();
  private i = 0;
  private line = 1;
  private actionLine = 0;
  private vars = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly toks: Token[],
    private readonly name: string,
    private readonly hasFunc: (name: string) => boolean,
  ) {}

  private error(msg: string): never {
    throw new TemplateError(`template: ${this.name}:${this.line}: ${msg}`);
  }

  private peek(): Token {
    const t = this.toks[Math.min(this.i, this.toks.length - 1)];
    this.line = t.line;
    if (t.type === 'error') {
      const extra = this.actionLine && this.actionLine !== t.line ? ` in action started at ${this.name}:${this.actionLine}` : '';
      this.error(t.val + extra);
    }
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private peekNonSpace(): Token {
    while (this.peek().type === 'space') this.i++;
    return this.peek();
  }

  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }

  private backup(): void {
    this.i--;
  }

  private unexpected(t: Token, context: string): never {
    this.error(`unexpected ${tokenString(t)} in ${context}`);
  }

  private expect(type: TokType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  parseTop(): ListNode {
    const root: ListNode = { kind: 'list', pos: 0, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        this.actionLine = this.next().line;
        const t = this.nextNonSpace();
        if (t.type === 'keyword' && t.val === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.error(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    return root;
  }

  private templateName(t: Token, context: string): string {
    if (t.type !== 'string' && t.type !== 'rawString') this.unexpected(t, context);
    return this.unquote(t.val);
  }

  /** A {{define}} or {{block}} body: its own template, with its own variables. */
  private subTemplate(name: string, context: string): void {
    const [vars, depth] = [this.vars, this.rangeDepth];
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.error(`unexpected ${nodeString(end)} in ${context}`);
    [this.vars, this.rangeDepth] = [vars, depth];
    const old = this.defs.get(name);
    if (!old || isEmpty(old)) this.defs.set(name, list);
    else if (!isEmpty(list)) this.error(`template: multiple definition of template ${JSON.stringify(name)}`);
  }

  private parseDefinition(): void {
    const name = this.templateName(this.nextNonSpace(), 'define clause');
    this.expect('rightDelim', 'define clause');
    this.subTemplate(name, 'define clause');
  }

  private itemList(): [ListNode, Node] {
    const list: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.error('unexpected EOF');
  }

  private textOrAction(): Node {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { kind: 'text', pos: t.pos, text: t.val };
    if (t.type === 'leftDelim') {
      this.actionLine = t.line;
      return this.action();
    }
    this.unexpected(t, 'input');
  }

  private action(): Node {
    const t = this.nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.val) {
        case 'block':
          return this.blockControl();
        case 'break':
        case 'continue':
          return this.loopControl(t);
        case 'else':
          return this.elseControl();
        case 'end':
          return { kind: 'end', pos: this.expect('rightDelim', 'end').pos };
        case 'if':
        case 'range':
        case 'with':
          return this.control(t.val);
        case 'template':
          return this.templateControl();
      }
    }
    this.backup();
    const pos = this.peek().pos;
    return { kind: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(t: Token): Node {
    const next = this.nextNonSpace();
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${t.val}}}`);
    if (this.rangeDepth === 0) this.error(`{{${t.val}}} outside {{range}}`);
    return { kind: t.val as 'break' | 'continue', pos: t.pos };
  }

  private elseControl(): Node {
    const peek = this.peekNonSpace();
    // "else if"/"else with": leave the keyword for control() to chain on.
    if (peek.type === 'keyword' && (peek.val === 'if' || peek.val === 'with')) return { kind: 'else', pos: peek.pos };
    return { kind: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private control(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        const peek = this.peek();
        if (context !== 'range' && peek.type === 'keyword' && peek.val === context) {
          this.next();
          // {{else if x}}…{{end}} is {{else}}{{if x}}…{{end}}{{end}} with the outer end implied.
          elseList = { kind: 'list', pos: next.pos, nodes: [this.control(context)] };
        } else {
          let end: Node;
          [elseList, end] = this.itemList();
          if (end.kind !== 'end') this.error(`expected end; found ${nodeString(end)}`);
        }
      }
      return { kind: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private templateControl(): Node {
    const t = this.nextNonSpace();
    const name = this.templateName(t, 'template clause');
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  private blockControl(): Node {
    const t = this.nextNonSpace();
    const name = this.templateName(t, 'block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    this.subTemplate(name, 'block clause');
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const pipe: PipeNode = { kind: 'pipe', pos: this.peekNonSpace().pos, decl: [], isAssign: false, cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const save = this.i;
      this.next();
      const nx = this.peekNonSpace();
      if (nx.type === 'assign' || nx.type === 'declare') {
        pipe.isAssign = nx.type === 'assign';
        this.next();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
      } else if (nx.type === 'char' && nx.val === ',') {
        this.next();
        pipe.decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const k = this.peekNonSpace().type;
          if (k === 'variable' || k === 'rightDelim' || k === 'rightParen') continue;
          this.error('range can only initialize variables');
        }
        this.error(`too many declarations in ${context}`);
      } else {
        this.i = save;
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (!OPERAND_START.has(t.type)) this.unexpected(t, context);
      this.backup();
      pipe.cmds.push(this.command());
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.error(`missing value for ${context}`);
    pipe.cmds.forEach((c, i) => {
      const k = c.args[0].kind;
      if (i > 0 && (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string')) {
        this.error(`non executable command in pipeline stage ${i + 1}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const op = this.operand();
      if (op) cmd.args.push(op);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.error('empty command');
    return cmd;
  }

  private operand(): Arg | null {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
      case 'variable':
        return { kind: node.kind, pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.error(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
      default:
        return { kind: 'chain', pos, node, fields };
    }
  }

  private term(): Arg | null {
    const t = this.nextNonSpace();
    const lit = (kind: LiteralNode['kind'], value: unknown): LiteralNode => ({ kind, pos: t.pos, text: t.val, value });
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunc(t.val)) this.error(`function ${JSON.stringify(t.val)} not defined`);
        return { kind: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return lit('dot', undefined);
      case 'nil':
        return lit('nil', null);
      case 'variable':
        if (!this.vars.includes(t.val)) this.error(`undefined variable ${JSON.stringify(t.val)}`);
        return { kind: 'variable', pos: t.pos, ident: [t.val] } satisfies VariableNode;
      case 'field':
        return { kind: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return lit('bool', t.val === 'true');
      case 'number':
        return lit('number', this.number(t.val));
      case 'charConstant':
        return lit('number', this.charValue(t.val));
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return lit('string', this.unquote(t.val));
    }
    this.backup();
    return null;
  }

  private number(text: string): number {
    const v = parseGoNumber(text);
    // Go reads "08" as a float (not octal) and then rejects it as an oversized int.
    if (v === undefined && /^[+-]?\d+$/.test(text)) this.error(`integer overflow: ${JSON.stringify(text)}`);
    if (v === undefined) this.error(`illegal number syntax: ${JSON.stringify(text)}`);
    return v;
  }

  private charValue(text: string): number {
    const r = unescapeRun(text.slice(1, -1), "'");
    if (r === undefined || r.length === 0) this.error('invalid syntax');
    if (r.length > 1) this.error(`malformed character constant: ${text}`);
    return r[0];
  }

  private unquote(text: string): string {
    if (text[0] === '`') return text.slice(1, -1).replace(/\r/g, '');
    const r = unescapeRun(text.slice(1, -1), '"');
    if (r === undefined) this.error('invalid syntax');
    // Runes and raw bytes (\x, octal) are both collected as UTF-8.
    const bytes: number[] = [];
    for (const u of r) {
      if (u < 0) bytes.push(-u - 1);
      else bytes.push(...Buffer.from(String.fromCodePoint(u), 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

function isEmpty(list: ListNode): boolean {
  return list.nodes.every((n) => n.kind === 'text' && n.text.trim() === '');
}

const SIMPLE_ESC: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/**
 * Decode Go escapes. Returns code points, with raw bytes (\xNN, \NNN) encoded
 * as -(byte+1), or undefined on bad syntax.
 */
function unescapeRun(s: string, quote: string): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (ch === quote) return undefined;
    if (ch !== '\\') {
      out.push(cp);
      continue;
    }
    const e = s[i++];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESC) out.push(SIMPLE_ESC[e]);
    else if (e === quote) out.push(quote.charCodeAt(0));
    else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(i, i + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return undefined;
      i += len;
      const v = parseInt(hex, 16);
      if (e === 'x') out.push(quote === '"' ? -v - 1 : v);
      else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
      else out.push(v);
    } else if (e >= '0' && e <= '7') {
      const oct = s.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) return undefined;
      i += 2;
      const v = parseInt(oct, 8);
      out.push(quote === '"' ? -v - 1 : v);
    } else return undefined;
  }
  return out;
}

/** Go number literal syntax: decimal/hex/octal/binary ints, decimal and hex floats. */
export function parseGoNumber(text: string): number | undefined {
  if (/_/.test(text) && !/^[+-]?(0[xXoObB]?)?_?[0-9a-fA-F]+(_[0-9a-fA-F]+)*(\.[0-9a-fA-F_]*)?([eEpP][+-]?[0-9_]+)?$/.test(text)) {
    return undefined;
  }
  const t = text.replace(/_/g, '');
  const sign = t[0] === '-' ? -1 : 1;
  const body = t[0] === '-' || t[0] === '+' ? t.slice(1) : t;
  let m: RegExpMatchArray | null;
  if ((m = body.match(/^0[xX]([0-9a-fA-F]+)$/))) return sign * parseInt(m[1], 16);
  if ((m = body.match(/^0[bB]([01]+)$/))) return sign * parseInt(m[1], 2);
  if ((m = body.match(/^0[oO]?([0-7]+)$/))) return sign * parseInt(m[1], 8);
  if (/^0\d+$/.test(body)) return undefined;
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) return sign * Number(body);
  if ((m = body.match(/^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/)) && (m[1] || m[2])) {
    const mant = parseInt((m[1] || '0') + (m[2] || ''), 16);
    return sign * mant * Math.pow(2, Number(m[3]) - 4 * m[2].length);
  }
  return undefined;
}
