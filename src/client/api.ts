// An Engine API client: plain requests, JSON, long streams and hijacked (101)
// connections, over a unix socket, TCP (+TLS) or ssh (see endpoint.ts). It
// works against berthd and a real dockerd.
import type * as http from 'node:http';
import type * as net from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { dialer, parseHost, type Dialer, type Endpoint } from './endpoint';

// loaded on the first request: `berth --help` and flag errors never pay for it
const httpModule = (): typeof http => require('node:http') as typeof http;
// the dialer makes the connection (and any TLS): an empty server name spares the
// agent's IP-address check, whose first use compiles a costly regular expression
const NO_SERVERNAME = { servername: '' } as http.RequestOptions;

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

/** An agent whose connections come from the endpoint's dialer (its class made on first use, with node:http). */
let DialAgent: (new (dial: Dialer, maxSockets: number) => http.Agent) | undefined;
function dialAgent(dial: Dialer, maxSockets: number): http.Agent {
  DialAgent ??= class extends httpModule().Agent {
    constructor(
      private readonly dial: Dialer,
      maxSockets: number,
    ) {
      super({ keepAlive: true, maxSockets });
    }
    override createConnection(): Duplex {
      return this.dial();
    }
  };
  return new DialAgent(dial, maxSockets);
}

export class ApiClient {
  readonly endpoint: Endpoint;
  /** the socket path when the endpoint is a unix socket */
  readonly socketPath?: string;
  readonly host: string;
  private version = CLIENT_API_VERSION;
  private readonly agent: http.Agent;
  private readonly dial: Dialer;

  constructor(host: string | Endpoint) {
    this.endpoint = typeof host === 'string' ? parseHost(host) : host;
    this.host = this.endpoint.host;
    if (this.endpoint.kind === 'unix') this.socketPath = this.endpoint.path;
    this.dial = dialer(this.endpoint);
    // as many requests at once as the caller makes (compose stops and starts every service together, as Go's
    // client would); over ssh each connection is an ssh process, so there a few
    this.agent = dialAgent(this.dial, this.endpoint.kind === 'ssh' ? 8 : Number.POSITIVE_INFINITY);
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
      const req = httpModule().request(
        { agent: this.agent, ...NO_SERVERNAME, method, path: this.path(p, opts.query), headers: this.hostHeader(headers) },
        resolve,
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(connectError(this.host, e)));
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
        ...NO_SERVERNAME,
        createConnection: () => this.dial() as net.Socket,
        method: 'POST',
        path: this.path(p, opts.query),
        headers: this.hostHeader({ ...headers, Connection: 'Upgrade', Upgrade: 'tcp' }),
      });
      req.on('upgrade', (_res, socket, head) => {
        socket.setNoDelay?.(true);
        resolve({ socket: socket as net.Socket, head });
      });
      req.on('response', async (res) => {
        const body = await readAll(res);
        reject(new ApiError(res.statusCode ?? 500, errorMessage(body, res.statusCode ?? 500)));
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(connectError(this.host, e)));
      req.end(data);
    });
  }

  /**
   * A raw connection to the daemon (what `system dial-stdio` proxies): resolves
   * once connected, with the same connect errors as a request.
   */
  connectRaw(): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const c = this.dial();
      const onError = (e: NodeJS.ErrnoException) => reject(connectError(this.host, e));
      c.once('error', onError);
      const ready = () => {
        c.off('error', onError);
        resolve(c);
      };
      // an ssh connection is usable at once; sockets say when they are connected
      if (this.endpoint.kind === 'ssh') ready();
      else c.once(this.endpoint.kind === 'tcp' && this.endpoint.tls ? 'secureConnect' : 'connect', ready);
    });
  }

  /** Docker's clients send Host: api.moby.localhost over unix sockets and ssh; TCP keeps the address. */
  private hostHeader(h: Record<string, string>): Record<string, string> {
    if (this.endpoint.kind === 'tcp') return h;
    return { Host: 'api.moby.localhost', ...h };
  }
}

const CONNECT_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ESSH']);

function connectError(host: string, e: NodeJS.ErrnoException): Error {
  if (e.code === 'EACCES') return new Error(`permission denied while trying to connect to the berth daemon socket at ${host}: ${e.message}`);
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') return new ConnectError(host, e.code);
  // TLS handshake failures and ssh errors: the docker CLI's "error during connect"
  if (e.code === 'ESSH') return e;
  if (e.code?.startsWith('ERR_TLS') || e.code?.startsWith('ERR_SSL') || /certificate|ssl|tls/i.test(e.message) || CONNECT_CODES.has(e.code ?? ''))
    return Object.assign(new Error(`error during connect: ${e.message}`), { code: e.code });
  return e;
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
