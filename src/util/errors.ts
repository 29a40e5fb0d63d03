// Errors carry a kind (moby's errdefs): engine code says what went wrong, and
// only the API layer (src/api/errors.ts) turns a kind into an HTTP status.
// EngineError is the older form that names a status; it is kept so existing
// throw sites work unchanged, and it reports the kind its status stands for.

export type ErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'not-modified'
  | 'unavailable'
  | 'not-implemented'
  | 'system';

export abstract class BerthError extends Error {
  abstract readonly kind: ErrorKind;
}

export class InvalidArgument extends BerthError {
  readonly kind = 'invalid-argument';
  /** the request field at fault (e.g. "HostConfig.Privileged"), when there is one */
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'InvalidArgument';
  }
}

export class NotFound extends BerthError {
  readonly kind = 'not-found';
}
export class Conflict extends BerthError {
  readonly kind = 'conflict';
}
export class Forbidden extends BerthError {
  readonly kind = 'forbidden';
}
export class Unavailable extends BerthError {
  readonly kind = 'unavailable';
}
export class NotImplemented extends BerthError {
  readonly kind = 'not-implemented';
}
export class SystemError extends BerthError {
  readonly kind = 'system';
}

/** The kind an HTTP status stands for (moby's errdefs.FromStatusCode). */
function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
      return 'invalid-argument';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 304:
      return 'not-modified';
    case 501:
      return 'not-implemented';
    case 503:
      return 'unavailable';
    default:
      return status >= 400 && status < 500 ? 'invalid-argument' : 'system';
  }
}

export class EngineError extends BerthError {
  readonly kind: ErrorKind;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
    this.kind = kindOfStatus(status);
  }
}

export const notFound = (msg: string) => new EngineError(404, msg);
export const conflict = (msg: string) => new EngineError(409, msg);
export const badRequest = (msg: string) => new EngineError(400, msg);
export const forbidden = (msg: string) => new EngineError(403, msg);
export const notModified = () => new EngineError(304, '');
export const internal = (msg: string) => new EngineError(500, msg);

/** The kind of any thrown value: errors without one are system faults. */
export function kindOf(err: unknown): ErrorKind {
  return err instanceof BerthError ? err.kind : 'system';
}

class WrappedError extends BerthError {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'WrappedError';
  }
}

/** The same kind with `prefix: ` before the message (Go's errors.Wrap, as dockerd words its errors). */
export function wrapError(err: unknown, prefix: string): Error {
  if (!(err instanceof Error)) return new WrappedError('system', `${prefix}: ${String(err)}`);
  if (err instanceof EngineError) return new EngineError(err.status, `${prefix}: ${err.message}`);
  return new WrappedError(kindOf(err), `${prefix}: ${err.message}`);
}
