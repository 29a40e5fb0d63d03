// An Engine API client over a unix socket: plain requests, JSON, long streams
// and hijacked (101) connections. It works against berthd and a real dockerd.
import type * as http from 'node:http';
import type * as net from 'node:net';
import type { Readable } from 'node:stream';

// loaded on the first request: `berth --help` and flag errors never pay for it
const httpModule = (): typeof http => require('node:http') as typeof http;
// no TLS on a unix socket: an empty server name spares the agent's IP-address
// check, whose first use compiles a regular expression costing milliseconds
const NO_TLS = { servername: '' } as http.RequestOptions;

/** The highest API version this client speaks; lowered when the server is older. */
export const CLIENT_API_VERSION = '1.41';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The daemon could not be reached at all (no socket, refused). */
export class ConnectError extends Error {
  constructor(
    readonly host: string,
    readonly code: string | undefined,
  ) {
    super(`Cannot connect to the berth daemon at ${host}. Is the berth daemon running?`);
    this.name = 'ConnectError';
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless a Buffer or a stream */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue;
    const vals = Array.isArray(v) ? v : [v];
    for (const x of vals) {
      const s = typeof x === 'boolean' ? (x ? '1' : '0') : String(x);
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function isReadable(b: unknown): b is Readable {
  return !!b && typeof (b as Readable).pipe === 'function' && typeof (b as Readable).on === 'function';
}

/** Resolves a host string (unix:///path) into the socket path. */
export function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new Error(`unsupported host ${host}: use unix:///path/to/socket`);
}

export class ApiClient {
  readonly socketPath: string;
  private version = CLIENT_API_VERSION;
  private readonly agent: http.Agent;

  constructor(readonly host: string) {
    this.socketPath = socketPathOf(host);
    this.agent = new (httpModule().Agent)({ keepAlive: true, maxSockets: 8 });
  }

  get apiVersion(): string {
    return this.version;
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private path(p: string, q?: Query): string {
    return `/v${this.version}${p}${encodeQuery(q)}`;
  }

  private prepare(opts: RequestOptions): { headers: Record<string, string>; data?: Buffer; stream?: Readable } {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.body === undefined) return { headers };
    if (isReadable(opts.body)) {
      headers['Content-Type'] ??= 'application/x-tar';
      return { headers, stream: opts.body };
    }
    const data = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(JSON.stringify(opts.body));
    headers['Content-Type'] ??= Buffer.isBuffer(opts.body) ? 'application/octet-stream' : 'application/json';
    headers['Content-Length'] = String(data.length);
    return { headers, data };
  }

  /** Sends a request and returns the response as a stream (for logs, events, stats, pull). */
  async stream(method: string, p: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await this.send(method, p, opts);
    if (res.statusCode === 400 && this.version !== '1.24') {
      // an older server refuses our version: negotiate down once and retry
      const body = await readAll(res);
      const m = /Maximum supported API version is (\d+\.\d+)/.exec(body.toString());
      if (m && !isReadable(opts.body)) {
        this.version = m[1];
        return this.stream(method, p, opts);
      }
      throw new ApiError(400, errorMessage(body, 400));
    }
    if ((res.statusCode ?? 500) >= 400) {
      const body = await readAll(res);
      throw new ApiError(res.statusCode ?? 500, errorMessage(body, res.statusCode ?? 500));
    }
    return res;
  }

  private send(method: string, p: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const { headers, data, stream } = this.prepare(opts);
    return new Promise((resolve, reject) => {
      const req = httpModule().request({ socketPath: this.socketPath, agent: this.agent, ...NO_TLS, method, path: this.path(p, opts.query), headers }, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') reject(connectError(this.host, e));
        else reject(e);
      });
      if (stream) stream.pipe(req);
      else req.end(data);
    });
  }

  /** A request whose whole body is read. Throws ApiError on 4xx/5xx. */
  async request(method: string, p: string, opts: RequestOptions = {}): Promise<Response> {
    const res = await this.stream(method, p, opts);
    const body = await readAll(res);
    return { status: res.statusCode ?? 0, headers: res.headers, body };
  }

  async json<T = any>(method: string, p: string, opts: RequestOptions = {}): Promise<T> {
    const r = await this.request(method, p, opts);
    if (r.body.length === 0) return undefined as T;
    return JSON.parse(r.body.toString('utf8')) as T;
  }

  get<T = any>(p: string, query?: Query): Promise<T> {
    return this.json<T>('GET', p, { query });
  }

  post<T = any>(p: string, query?: Query, body?: unknown): Promise<T> {
    return this.json<T>('POST', p, { query, body });
  }

  /**
   * Upgrades the connection (attach, exec start): resolves with the raw socket
   * after the 101, plus the content type the server chose.
   */
  hijack(p: string, opts: RequestOptions = {}): Promise<{ socket: net.Socket; head: Buffer }> {
    const { headers, data } = this.prepare(opts);
    return new Promise((resolve, reject) => {
      const req = httpModule().request({
        ...NO_TLS,
        socketPath: this.socketPath,
        method: 'POST',
        path: this.path(p, opts.query),
        headers: { ...headers, Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      req.on('upgrade', (_res, socket, head) => {
        socket.setNoDelay?.(true);
        resolve({ socket: socket as net.Socket, head });
      });
      req.on('response', async (res) => {
        const body = await readAll(res);
        reject(new ApiError(res.statusCode ?? 500, errorMessage(body, res.statusCode ?? 500)));
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? connectError(this.host, e) : e));
      req.end(data);
    });
  }
}

function connectError(host: string, e: NodeJS.ErrnoException): Error {
  if (e.code === 'EACCES') return new Error(`permission denied while trying to connect to the berth daemon socket at ${host}: ${e.message}`);
  return new ConnectError(host, e.code);
}

export function readAll(s: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

function errorMessage(body: Buffer, status: number): string {
  const t = body.toString('utf8').trim();
  try {
    const j = JSON.parse(t);
    if (j && typeof j.message === 'string') return j.message;
  } catch {
    /* not JSON */
  }
  return t || `${status} ${httpModule().STATUS_CODES[status] ?? ''}`.trim();
}
