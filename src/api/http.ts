// Response and body helpers every handler uses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../util/errors';
import { JsonSyntaxError, readGoJson, toPlain } from './decode/json';

export const MAX_JSON_BODY = 16 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      len += c.length;
      if (len > limit) {
        failed = true;
        reject(badRequest(`request body is too large (limit ${limit} bytes)`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !failed && resolve(Buffer.concat(chunks)));
    req.on('error', (e) => !failed && reject(e));
  });
}

/**
 * An untyped JSON body (empty or null gives `fallback`), refused in Go's words
 * when it is not JSON. Routes with a known body shape decode it with a typed
 * decoder from ./decode instead.
 */
export async function readJson<T>(req: IncomingMessage, fallback: T): Promise<T> {
  const buf = await readBody(req);
  if (buf.length === 0) return fallback;
  try {
    const v = readGoJson(buf);
    return v === undefined || v === null ? fallback : (toPlain(v) as T);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw badRequest(`invalid JSON: ${e.message}`);
    throw e;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body) + '\n');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(res.req.method === 'HEAD' ? undefined : data);
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304);
    res.end();
    return;
  }
  sendJson(res, status, { message });
}

/** Starts a streaming JSON-lines response (pull, import, events, stats). */
export function startJsonStream(res: ServerResponse): (obj: unknown) => void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  return (obj) => {
    if (!res.destroyed) res.write(JSON.stringify(obj) + '\n');
  };
}
