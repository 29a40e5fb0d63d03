// Engine API over the unix socket with node:http: one-off requests for setup
// and cleanup, and a keep-alive load generator for the round-trip figures.
import * as http from 'node:http';

export interface ApiResponse {
  status: number;
  body: Buffer;
}

export function apiRequest(socket: string, method: string, path: string, body?: unknown, agent?: http.Agent, timeoutMs = 120_000): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { socketPath: socket, method, path, agent, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Like apiRequest, but a non-2xx answer is an error carrying the engine's message. */
export async function api(socket: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await apiRequest(socket, method, path, body);
  const text = r.body.toString();
  if (r.status < 200 || r.status >= 300) {
    let msg = text;
    try {
      msg = JSON.parse(text).message ?? text;
    } catch {
      /* not JSON */
    }
    throw new Error(`${method} ${path} -> ${r.status}: ${msg.trim()}`);
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function ping(socket: string): Promise<boolean> {
  try {
    const r = await apiRequest(socket, 'GET', '/_ping', undefined, undefined, 2000);
    return r.status === 200;
  } catch {
    return false;
  }
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * `clients` concurrent clients, each with its own keep-alive connection,
 * sending `method path` back to back for `durationMs`. Every request's latency
 * is recorded; a non-200 answer counts as an error.
 */
export async function loadTest(socket: string, method: string, path: string, clients: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(durationMs * 1e6));
  const client = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (process.hrtime.bigint() < end) {
        const s = process.hrtime.bigint();
        try {
          const r = await apiRequest(socket, method, path, undefined, agent, 10_000);
          if (r.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { requests: latencies.length, errors, seconds, latenciesMs: latencies };
}
