// Response and body helpers every handler uses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../util/errors';

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

/** Parses a JSON body; an empty body gives `fallback`. */
export async function readJson<T>(req: IncomingMessage, fallback: T): Promise<T> {
  const buf = await readBody(req);
  if (buf.length === 0) return fallback;
  try {
    const v = JSON.parse(buf.toString('utf8'));
    if (v === null) return fallback;
    return v as T;
  } catch (e) {
    throw badRequest(`invalid JSON: ${(e as Error).message}`);
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
