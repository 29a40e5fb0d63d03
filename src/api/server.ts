// The Engine API server: node:http on unix sockets (or inherited fds), Docker's
// version prefix and headers, {"message"} errors, and hijacked connections.
import * as http from 'node:http';
import * as https from 'node:https';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { Duplex } from 'node:stream';
import { errorResponse } from './errors';
import { log } from '../util/log';
import { SERVER_VERSION } from '../util/version';
import { sendError } from './http';
import { Router, type HijackContext } from './router';

export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.24';
export { SERVER_VERSION };

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

function commonHeaders(experimental = false): Record<string, string> {
  return {
    Server: `Docker/${SERVER_VERSION} (linux)`,
    'Api-Version': API_VERSION,
    'Docker-Experimental': String(experimental),
    Ostype: 'linux',
  };
}

function parseVersion(url: string): { path: string; version: number; query: URLSearchParams; error?: string } {
  const qi = url.indexOf('?');
  let p = qi < 0 ? url : url.slice(0, qi);
  const query = new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1));
  let version = Number(API_VERSION);
  const m = VERSION_PREFIX.exec(p);
  if (m) {
    p = m[2];
    const v = m[1];
    if (cmpVersion(v, API_VERSION) > 0)
      return { path: p, version, query, error: `client version ${v} is too new. Maximum supported API version is ${API_VERSION}` };
    if (cmpVersion(v, MIN_API_VERSION) < 0)
      return {
        path: p,
        version,
        query,
        error: `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
      };
    version = Number(v);
  }
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return { path: p, version, query };
}

export function cmpVersion(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** A TCP listener's TLS: the server's certificate, and the CA client certificates must chain to (--tlsverify). */
export interface ListenerTls {
  cert: Buffer;
  key: Buffer;
  /** set with --tlsverify: clients must present a certificate signed by it */
  ca?: Buffer;
  verify: boolean;
}

export interface ListenOptions {
  group?: number;
  /** for tcp:// hosts; absent means plain TCP, which the daemon allows only when told it is insecure */
  tls?: ListenerTls;
}

// TLS 1.2 with forward-secret AEAD suites only (TLS 1.3 suites are all acceptable)
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The client certificate's subject on a mutual-TLS connection, for the log. */
function peerSubject(req: http.IncomingMessage): string | undefined {
  const s = req.socket as tls.TLSSocket;
  if (typeof s.getPeerCertificate !== 'function') return undefined;
  const c = s.getPeerCertificate();
  if (!c || !c.subject) return undefined;
  return Object.entries(c.subject)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(',');
}

export class ApiServer {
  private readonly servers: http.Server[] = [];
  private readonly sockets = new Set<Duplex>();

  /** `experimental` is read per request: a daemon reload may change it */
  constructor(
    private readonly router: Router,
    private readonly experimental: () => boolean = () => false,
  ) {}

  private makeServer(tlsOpts?: ListenerTls): http.Server {
    const common = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000 };
    const server: http.Server = tlsOpts
      ? https.createServer({
          ...common,
          cert: tlsOpts.cert,
          key: tlsOpts.key,
          ca: tlsOpts.ca,
          requestCert: tlsOpts.verify,
          rejectUnauthorized: tlsOpts.verify,
          allowHalfOpen: true,
          minVersion: 'TLSv1.2',
          ciphers: TLS12_CIPHERS,
          honorCipherOrder: true,
        })
      : http.createServer(common);
    // a failed handshake (no client certificate, another CA, plain HTTP) only closes that connection
    server.on('tlsClientError', (err: Error, socket: Duplex) => {
      log().debug({ err: err.message }, 'TLS handshake refused');
      socket.destroy();
    });
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (_e, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    return server;
  }

  /** Listens on "unix:///path", "fd://N" (systemd socket activation) or "tcp://addr:port" (with TLS unless told otherwise). */
  async listen(host: string, opts: ListenOptions = {}): Promise<void> {
    const server = this.makeServer(host.startsWith('tcp://') ? opts.tls : undefined);
    this.servers.push(server);
    if (host.startsWith('unix://')) {
      const p = host.slice('unix://'.length);
      await removeStaleSocket(p);
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(p, () => res());
      });
      fs.chmodSync(p, 0o660);
      if (opts.group !== undefined) fs.chownSync(p, 0, opts.group);
    } else if (host.startsWith('fd://')) {
      const n = host.slice(5);
      const fds = n ? [Number(n)] : listenFds();
      if (fds.length === 0) throw new Error('no sockets found via socket activation: make sure the service was started by systemd');
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen({ fd: fds[0] }, () => res());
      });
    } else if (host.startsWith('tcp://')) {
      const { address, port } = parseTcpHost(host, !!opts.tls);
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(port, address, () => res());
      });
    } else {
      throw new Error(`invalid host: ${host} (use unix:///path, tcp://addr:port or fd://)`);
    }
  }

  /** Stops accepting connections and waits for in-flight requests (not streams) to finish. */
  async close(graceMs = 5000): Promise<void> {
    const closing = this.servers.map((s) => new Promise<void>((res) => s.close(() => res())));
    for (const s of this.servers) s.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    await Promise.all(closing);
    clearTimeout(timer);
  }

  /** The addresses the TCP listeners are bound to (port 0 in tests picks one). */
  tcpAddresses(): net.AddressInfo[] {
    return this.servers.map((s) => s.address()).filter((a): a is net.AddressInfo => !!a && typeof a === 'object');
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    for (const [k, v] of Object.entries(commonHeaders(this.experimental()))) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const subject = peerSubject(req);
      if (subject) log().info({ method: req.method, url: req.url, client: subject }, 'request from TLS client');
    }
    const { path, version, query, error } = parseVersion(req.url ?? '/');
    if (error) return sendError(res, 400, error);
    const m = this.router.match(req.method ?? 'GET', path);
    if (!m) return sendError(res, 404, 'page not found');
    if (m === 'method') return sendError(res, 405, 'method not allowed');
    const ctx = { req, res, params: m.params, query, version };
    const run = async () => {
      if (m.route.http) await m.route.http(ctx);
      else if (m.route.hijack) {
        // attach without Upgrade: Docker answers 200 and streams raw bytes
        await m.route.hijack({ req, res, params: m.params, query, version, socket: reqResDuplex(req, res), head: Buffer.alloc(0), upgrade: false });
      }
    };
    run().catch((err) => {
      const { status, message, fault } = errorResponse(err);
      if (fault) log().error({ err, url: req.url }, 'request failed');
      sendError(res, status, message);
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const { path, version, query, error } = parseVersion(req.url ?? '/');
    const fail = (status: number, message: string) => {
      const body = JSON.stringify({ message }) + '\n';
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nApi-Version: ${API_VERSION}\r\n\r\n${body}`,
      );
    };
    if (error) return fail(400, error);
    const m = this.router.match(req.method ?? 'POST', path);
    if (!m || m === 'method' || !m.route.hijack) return fail(404, 'page not found');
    socket.on('error', () => {});
    // a client's half-close (docker's CloseWrite: a FIN, or TLS close_notify)
    // ends its input only; the container's output still flows back
    (socket as net.Socket).allowHalfOpen = true;
    const subject = peerSubject(req);
    if (subject) log().info({ method: req.method, url: req.url, client: subject }, 'request from TLS client');
    Promise.resolve(m.route.hijack({ req, params: m.params, query, version, socket, head, upgrade: true })).catch((err) => {
      const { status, message, fault } = errorResponse(err);
      if (fault) log().error({ err, url: req.url }, 'hijack failed');
      if (!(socket as { __hijacked?: boolean }).__hijacked) fail(status, message);
      else socket.destroy();
    });
  }
}

/** From here on the connection is the stream's: a late error closes it instead of answering. */
export function markHijacked(socket: Duplex): void {
  (socket as { __hijacked?: boolean }).__hijacked = true;
}

/** Writes the 101 (or 200 for a plain request) that hands the connection to the stream. */
export function hijackResponse(ctx: HijackContext, contentType: string): void {
  const socket = ctx.socket;
  markHijacked(socket);
  if (!ctx.upgrade && ctx.res) {
    ctx.res.writeHead(200, { 'Content-Type': contentType });
    ctx.res.flushHeaders();
    return;
  }
  const extra = Object.entries(commonHeaders())
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n${extra}\r\n`);
}

/** A plain (non-upgrade) attach: input from the request body, output to the response. */
function reqResDuplex(req: http.IncomingMessage, res: http.ServerResponse): Duplex {
  const d = new Duplex({
    read() {
      req.resume();
    },
    write(chunk, _enc, cb) {
      if (res.destroyed) return cb();
      res.write(chunk, () => cb());
    },
    final(cb) {
      res.end(() => cb());
    },
  });
  req.on('data', (c) => {
    if (!d.push(c)) req.pause();
  });
  req.on('end', () => d.push(null));
  res.on('close', () => d.destroy());
  return d;
}

async function removeStaleSocket(p: string): Promise<void> {
  if (!fs.existsSync(p)) return;
  // a live daemon answers; a stale socket file refuses
  const alive = await new Promise<boolean>((res) => {
    const c = net.connect(p);
    c.once('connect', () => {
      c.destroy();
      res(true);
    });
    c.once('error', () => res(false));
  });
  if (alive) throw new Error(`another daemon is already listening on ${p}`);
  fs.rmSync(p, { force: true });
}

/** "tcp://addr:port": dockerd's defaults are 127.0.0.1 for an empty address and 2376 (TLS) or 2375 for no port. */
export function parseTcpHost(host: string, tls: boolean): { address: string; port: number } {
  const rest = host.slice('tcp://'.length).replace(/\/+$/, '');
  let address = rest;
  let port = '';
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(rest);
  if (v6) [, address, port = ''] = v6;
  else if (rest.includes(':')) [address, port] = [rest.slice(0, rest.lastIndexOf(':')), rest.slice(rest.lastIndexOf(':') + 1)];
  if (port !== '' && !/^\d+$/.test(port)) throw new Error(`invalid bind address format: ${host}`);
  const n = port === '' ? (tls ? 2376 : 2375) : Number(port);
  if (n > 65535) throw new Error(`invalid bind address format: ${host}`);
  return { address: address || '127.0.0.1', port: n };
}

function listenFds(): number[] {
  const n = Number(process.env.LISTEN_FDS ?? 0);
  if (!n || Number(process.env.LISTEN_PID) !== process.pid) return [];
  return Array.from({ length: n }, (_v, i) => 3 + i);
}
