// Errors raised while parsing or executing a template.

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Thrown by template functions when argument `index` has the wrong type. Go
 * checks argument types before calling, so these are reported at the argument
 * without the "error calling X:" prefix that real function failures get.
 */
export class ArgTypeError extends Error {
  constructor(
    readonly index: number,
    readonly want: 'string' | 'int' | '[]string',
    gotType: string,
  ) {
    super(`wrong type for value; expected ${want}; got ${gotType}`);
  }
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
