// The one table from error kind to HTTP status, and what a client may see of
// an error: messages of the engine's own errors as they are; faults of the
// JavaScript runtime and of system calls without their internals (stack
// wording, host paths), which go to the daemon log instead.
import { BerthError, kindOf, type ErrorKind } from '../util/errors';

const STATUS: Record<ErrorKind, number> = {
  'invalid-argument': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'not-modified': 304,
  system: 500,
  'not-implemented': 501,
  unavailable: 503,
};

const JS_FAULTS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/** An errno error's text without the paths Node puts in it ("mkdir: file name too long"). */
function errnoMessage(e: NodeJS.ErrnoException): string {
  const text = (e.code && STRERROR[e.code]) ?? e.code ?? 'error';
  return e.syscall ? `${e.syscall}: ${text}` : text;
}

const STRERROR: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOTEMPTY: 'directory not empty',
  EBUSY: 'device or resource busy',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'invalid cross-device link',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
};
export interface ErrorResponse {
  status: number;
  message: string;
  /** a fault worth the daemon log */
  fault: boolean;
}

export function errorResponse(err: unknown): ErrorResponse {
  const status = STATUS[kindOf(err)];
  // unavailable is an answer (no swarm here, a cluster-only feature), not a fault of the daemon
  if (err instanceof BerthError) return { status, message: err.message, fault: status >= 500 && err.kind !== 'unavailable' };
  if (err instanceof Error && JS_FAULTS.some((t) => err instanceof t)) return { status, message: 'internal error: see the daemon log', fault: true };
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && e.syscall) return { status, message: errnoMessage(e), fault: true };
  return { status, message: err instanceof Error ? err.message : String(err), fault: true };
}

export function statusOfKind(kind: ErrorKind): number {
  return STATUS[kind];
}
