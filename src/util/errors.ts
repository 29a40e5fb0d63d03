// Errors that carry the HTTP status the Engine API answers with. Engine services
// throw these; API handlers turn them into {"message": ...} bodies unchanged.

export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const notFound = (msg: string) => new EngineError(404, msg);
export const conflict = (msg: string) => new EngineError(409, msg);
export const badRequest = (msg: string) => new EngineError(400, msg);
export const forbidden = (msg: string) => new EngineError(403, msg);
export const notModified = () => new EngineError(304, '');
export const internal = (msg: string) => new EngineError(500, msg);

export function statusOf(err: unknown): number {
  return err instanceof EngineError ? err.status : 500;
}
