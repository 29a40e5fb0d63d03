// gRPC status for what the engine throws: NotFound, InvalidArgument... never a
// crash. CriError carries a code chosen in src/cri itself.
import { status as Status } from '@grpc/grpc-js';
import { EngineError } from '../util/errors';

export class CriError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (m: string) => new CriError(Status.INVALID_ARGUMENT, m);
export const notFoundCri = (m: string) => new CriError(Status.NOT_FOUND, m);

export function grpcStatus(e: unknown): { code: Status; details: string } {
  if (e instanceof CriError) return { code: e.code, details: e.message };
  if (e instanceof EngineError) {
    const s = e.status;
    if (s === 404) return { code: Status.NOT_FOUND, details: e.message };
    if (s === 400) return { code: Status.INVALID_ARGUMENT, details: e.message };
    if (s === 409) return { code: /already in use|already exists/.test(e.message) ? Status.ALREADY_EXISTS : Status.FAILED_PRECONDITION, details: e.message };
    if (s === 401 || s === 403) return { code: Status.PERMISSION_DENIED, details: e.message };
    return { code: Status.UNKNOWN, details: e.message };
  }
  return { code: Status.UNKNOWN, details: (e as Error)?.message ?? String(e) };
}
