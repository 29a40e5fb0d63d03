// Executes a parsed template against JS data with Go text/template semantics.

import { AnyNode, Arg, BranchNode, ChainNode, FieldNode, IdentifierNode, ListNode, Node, PipeNode, TemplateNode, VariableNode, nodeString } from './ast';
import { Func, RAW_ARGS, arity, builtins } from './builtins';
import { ArgTypeError, TemplateError, errMessage } from './errors';
import { formatValue } from './fmt';
import { goTypeName, hasField, kindOf, mapEntries, toArray, truth } from './values';

export interface Program {
  src: string;
  name: string;
  root: ListNode;
  defs: Map<string, ListNode>;
  funcs: Record<string, Func>;
  missingKey: 'default' | 'error';
  untyped?: boolean;
}

// Marks "no value piped in" as distinct from a piped-in undefined.
const NO_FINAL = Symbol('no final');
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
// Go allows 100000; JS stacks are shallower (deep recursion also ends as a
// RangeError, reported the same way).
const MAX_DEPTH = 1000;

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function execute(p: Program, data: unknown, out: string[]): void {
  const s = new ExecState(p, out, data === null ? undefined : data);
  try {
    s.walk(s.vars[0].value, p.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      throw new TemplateError(`template: ${p.name}: exceeded maximum template depth`);
    }
    throw e;
  }
}

class ExecState {
  vars: { name: string; value: unknown }[];
  private node: AnyNode | null = null;
  private depth = 0;
  private tmplName: string;

  constructor(
    private readonly p: Program,
    private readonly out: string[],
    dot: unknown,
  ) {
    this.vars = [{ name: '$', value: dot }];
    this.tmplName = p.name;
  }

  private at(n: AnyNode): void {
    this.node = n;
  }

  private error(msg: string): never {
    const name = this.p.name;
    if (!this.node) throw new TemplateError(`template: ${name}: ${msg}`);
    const before = this.p.src.slice(0, this.node.pos);
    const line = before.split('\n').length;
    const col = Buffer.byteLength(before.slice(before.lastIndexOf('\n') + 1), 'utf8');
    const ctx = nodeString(this.node);
    throw new TemplateError(`template: ${name}:${line}:${col}: executing ${JSON.stringify(this.tmplName)} at <${ctx}>: ${msg}`);
  }

  // --- variables

  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.error(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.error(`undefined variable: ${name}`);
  }

  // --- statements

  walk(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, v);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.at(node);
        this.error(`unknown node: ${nodeString(node)}`);
    }
  }

  private printValue(node: AnyNode, v: unknown): void {
    this.at(node);
    if (typeof v === 'function') this.error(`can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    this.out.push(v === undefined ? '<no value>' : formatValue(v));
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (truth(val)) this.walk(node.kind === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    this.at(node);
    const mark0 = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const { decl, isAssign } = node.pipe;
      const mark = this.vars.length;
      // Returns false when the body executed {{break}}.
      const one = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (isAssign) this.setVar(decl[0].ident[0], decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1].value = elem;
        }
        if (decl.length > 1) {
          if (isAssign) this.setVar(decl[1].ident[0], elem);
          else this.vars[this.vars.length - 2].value = index;
        }
        try {
          this.walk(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = mark;
        }
        return true;
      };
      let ran = false;
      switch (kindOf(val)) {
        case 'slice':
          toArray(val).every((e, i) => (ran = true) && one(i, e));
          break;
        case 'map':
          mapEntries(val as object).every(([k, v]) => (ran = true) && one(k, v));
          break;
        case 'int': {
          if (decl.length > 1) this.error(`can't use ${formatValue(val)} to iterate over more than one variable`);
          const n = Number(val);
          for (let i = 0; i < n; i++) {
            ran = true;
            if (!one(i, i)) break;
          }
          break;
        }
        case 'invalid':
        case 'nil':
          break;
        default:
          this.error(`range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark0;
    }
  }

  private walkTemplate(dot: unknown, node: TemplateNode): void {
    this.at(node);
    const body = this.p.defs.get(node.name);
    if (!body) this.error(`template ${JSON.stringify(node.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.error(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = this.evalPipeline(dot, node.pipe);
    const saved = { vars: this.vars, name: this.tmplName };
    // No dynamic scoping: the callee sees only $.
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = node.name;
    this.depth++;
    try {
      this.walk(newDot, body);
    } catch (e) {
      if (e instanceof RangeError && /call stack/.test(e.message)) {
        this.at(node);
        this.error(`exceeded maximum template depth (${MAX_DEPTH})`);
      }
      throw e;
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tmplName = saved.name;
    }
  }

  // --- expressions

  private evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: unknown = NO_FINAL;
    for (const cmd of pipe.cmds) {
      const [first, ...rest] = cmd.args;
      value = this.evalCommand(dot, first, rest, value, cmd);
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.push(v.ident[0], value);
    }
    return value;
  }

  private evalCommand(dot: unknown, first: Arg, rest: Arg[], final: unknown, cmd: AnyNode): unknown {
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, rest, final);
      case 'chain':
        return this.evalChainNode(dot, first, rest, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, rest, final);
      case 'pipe':
        this.notAFunction(first, rest, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, rest, final);
    }
    this.at(first);
    this.notAFunction(first, rest, final);
    switch (first.kind) {
      case 'dot':
        return dot;
      case 'nil':
        this.error('nil is not a command');
      default:
        return first.value;
    }
  }

  private notAFunction(first: Arg, rest: Arg[], final: unknown): void {
    if (rest.length > 0 || final !== NO_FINAL) this.error(`can't give argument to non-function ${nodeString(first)}`);
  }

  /** raw: a function-valued field is returned, not called (for call's first argument). */
  private evalArg(dot: unknown, n: Arg, raw = false): unknown {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return dot;
      case 'field':
        return this.evalFieldNode(dot, n, [], NO_FINAL, raw);
      case 'variable':
        return this.evalVariableNode(dot, n, [], NO_FINAL, raw);
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'identifier':
        return this.evalFunction(dot, n, n, [], NO_FINAL);
      case 'chain':
        return this.evalChainNode(dot, n, [], NO_FINAL, raw);
      default:
        return n.value;
    }
  }

  private evalFieldNode(dot: unknown, field: FieldNode, rest: Arg[], final: unknown, raw = false): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, '', field.ident, rest, final, true, raw);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, rest: Arg[], final: unknown, raw = false): unknown {
    this.at(chain);
    if (chain.node.kind === 'nil') this.error(`indirection through explicit nil in ${nodeString(chain)}`);
    // Like Go, errors in the fields are reported at the last node evaluated.
    const base = this.evalArg(dot, chain.node);
    const prefix = chain.node.kind === 'pipe' ? `(${nodeString(chain.node)})` : nodeString(chain.node);
    return this.evalFieldChain(dot, base, prefix, chain.fields, rest, final, false, raw);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, rest: Arg[], final: unknown, raw = false): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(v, rest, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v.ident[0], v.ident.slice(1), rest, final, false, raw);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    prefix: string,
    idents: string[],
    rest: Arg[],
    final: unknown,
    fromDot: boolean,
    raw: boolean,
  ): unknown {
    let path = prefix;
    for (let i = 0; i < idents.length; i++) {
      path += '.' + idents[i];
      const last = i === idents.length - 1;
      receiver = this.evalField(dot, idents[i], path, receiver, last ? rest : [], last ? final : NO_FINAL, fromDot && i === 0, raw && last);
    }
    return receiver;
  }

  private evalField(dot: unknown, name: string, path: string, receiver: unknown, rest: Arg[], final: unknown, isDot: boolean, raw: boolean): unknown {
    const here = this.node!;
    const hasArgs = rest.length > 0 || final !== NO_FINAL;
    const missing = (): undefined => {
      if (this.p.missingKey === 'error') this.error(`map has no entry for key ${JSON.stringify(name)}`);
      return undefined;
    };
    if (receiver === undefined && isDot) {
      // Go: a field of no data at all is no value, not an error.
      if (this.p.missingKey === 'error') this.error(`nil data; no entry for key ${JSON.stringify(name)}`);
      return undefined;
    }
    // Walking through a missing or nil value is Go's nil pointer dereference.
    if (receiver == null) this.error(`nil pointer evaluating ${path}`);
    const kind = kindOf(receiver);
    if (receiver instanceof Map) {
      if (hasArgs) this.error(`${name} is not a method but has arguments`);
      return receiver.has(name) ? receiver.get(name) : missing();
    }
    if (kind !== 'map' && kind !== 'struct') this.error(`can't evaluate field ${name} in type ${this.p.untyped ? 'interface {}' : goTypeName(receiver)}`);
    const obj = receiver as Record<string, unknown>;
    if (!hasField(obj, name)) {
      if (kind === 'struct') this.error(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
      if (hasArgs) this.error(`${name} is not a method but has arguments`);
      return missing();
    }
    let v: unknown;
    try {
      v = obj[name];
    } catch (e) {
      this.error(`error calling ${name}: ${errMessage(e)}`);
    }
    if (typeof v === 'function' && !(raw && !hasArgs)) {
      const args = rest.map((a) => this.evalArg(dot, a));
      if (final !== NO_FINAL) args.push(final);
      return this.invoke(name, here, rest, () => (v as Func).apply(obj, args.map(nilIfMissing)));
    }
    if (hasArgs) this.error(kind === 'map' ? `${name} is not a method but has arguments` : `${name} has arguments but cannot be invoked as function`);
    return v;
  }

  private invoke(name: string, errNode: AnyNode, rest: Arg[], fn: () => unknown): unknown {
    try {
      return fn();
    } catch (e) {
      this.at(errNode);
      if (e instanceof ArgTypeError) this.argTypeError(e, rest[e.index]);
      this.error(`error calling ${name}: ${errMessage(e)}`);
    }
  }

  /** Go words type errors for literal arguments differently from computed ones. */
  private argTypeError(e: ArgTypeError, arg: Arg | undefined): never {
    if (!arg) this.error(e.message);
    this.at(arg);
    const lit = nodeString(arg);
    switch (arg.kind) {
      case 'nil':
        this.error(`cannot assign nil to ${e.want}`);
      case 'bool':
      case 'number':
      case 'string':
        if (e.want === '[]string') this.error(`can't handle ${lit} for arg of type []string`);
        this.error(`expected ${e.want === 'int' ? 'integer' : e.want}; found ${lit}`);
      default:
        this.error(e.message);
    }
  }

  private evalFunction(dot: unknown, node: IdentifierNode, errNode: AnyNode, rest: Arg[], final: unknown): unknown {
    this.at(node);
    const name = node.name;
    const user = own(this.p.funcs, name) ? this.p.funcs[name] : undefined;
    const fn = user ?? (own(builtins, name) ? builtins[name] : undefined);
    if (!fn) this.error(`${JSON.stringify(name)} is not a defined function`);
    const builtin = !user;
    const nargs = rest.length + (final !== NO_FINAL ? 1 : 0);
    const range = arity.get(fn);
    if (range && (nargs < range[0] || nargs > range[1])) {
      this.at(errNode);
      const want = range[1] === Infinity ? `at least ${range[0]}` : String(range[0]);
      this.error(`wrong number of args for ${name}: want ${want} got ${nargs}`);
    }
    if (builtin && (name === 'and' || name === 'or')) {
      // Short-circuit: the first falsy (and) or truthy (or) value, else the last.
      let v: unknown;
      for (const a of rest) {
        v = this.evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final !== NO_FINAL ? final : v;
    }
    const args = rest.map((a, i) => this.evalArg(dot, a, i === 0 && builtin && name === 'call'));
    if (final !== NO_FINAL) args.push(final);
    const passed = builtin && RAW_ARGS.has(name) ? args : args.map(nilIfMissing);
    return this.invoke(name, errNode, rest, () => fn(...passed));
  }
}

// Go converts a missing value to nil when passing it to a function.
const nilIfMissing = (v: unknown) => (v === undefined ? null : v);
