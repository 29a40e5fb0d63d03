// Errors raised while parsing or executing a template.

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Thrown by template functions when an argument has the wrong type. Go checks
 * argument types before calling, so these are reported without the
 * "error calling X:" prefix that real function failures get.
 */
export class ArgTypeError extends Error {}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
