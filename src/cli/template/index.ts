// Go text/template for berth's --format flags.
//
// Public surface: parseTemplate, Template, TemplateError, dockerFuncs. Data is
// plain JS: plain objects and Maps act as Go maps (sorted iteration, missing
// keys print "<no value>"), class instances as structs (unknown fields are
// errors, getters and methods are fields), undefined as a missing value and
// null as nil.

import { Func, builtins } from './builtins';
import { TemplateError, errMessage } from './errors';
import { Program, execute } from './exec';
import { parse } from './parser';

export { TemplateError } from './errors';
export { dockerFuncs } from './funcs';
export { formatValue, sprintf } from './fmt';
export { marshal, marshalFields } from './json';

export interface Template {
  execute(data: unknown): string;
}

export interface ParseOptions {
  /** Template name used in error messages (Go's t.Name()); default "". */
  name?: string;
  /** Go's missingkey option: 'error' fails on a missing map key instead of printing "<no value>". */
  missingKey?: 'default' | 'error';
  /** The data is decoded JSON (Go's interface{} values): field errors name `interface {}`. */
  untyped?: boolean;
}

export class CompiledTemplate implements Template {
  constructor(private readonly program: Program) {}

  execute(data: unknown): string {
    const out: string[] = [];
    execute(this.program, data, out);
    return out.join('');
  }

  /** Like execute, but on failure also returns what was written before the error. */
  executePartial(data: unknown): { text: string; error?: TemplateError } {
    const out: string[] = [];
    try {
      execute(this.program, data, out);
      return { text: out.join('') };
    } catch (e) {
      const error = e instanceof TemplateError ? e : new TemplateError(errMessage(e));
      return { text: out.join(''), error };
    }
  }

  /** Names of the templates defined with {{define}} or {{block}}. */
  definedTemplates(): string[] {
    return [...this.program.defs.keys()];
  }
}

export function parseTemplate(src: string, funcs: Record<string, Func> = {}, opts: ParseOptions = {}): CompiledTemplate {
  const name = opts.name ?? '';
  const has = (f: string) => Object.prototype.hasOwnProperty.call(funcs, f) || Object.prototype.hasOwnProperty.call(builtins, f);
  const { root, defs } = parse(src, name, has);
  return new CompiledTemplate({ src, name, root, defs, funcs, missingKey: opts.missingKey ?? 'default', untyped: opts.untyped ?? false });
}
