// A fault-injecting HTTP proxy in front of a real test registry (a fake at the
// network boundary, named as one): it can throttle responses, cut blob
// downloads part way, answer chosen paths itself (malformed manifests), and
// logs every request it forwards.
import * as http from 'node:http';
import type * as net from 'node:net';
import { connect as netConnect } from 'node:net';
import { Transform } from 'node:stream';

export type Override = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export class FaultProxy {
  readonly requests: string[] = [];
  /** bytes per second for response bodies (0: unthrottled) */
  throttle = 0;
  /** the next `cuts` blob GETs are cut after `cutAfter` bytes */
  cuts = 0;
  cutAfter = 0;
  /** the next `uploadCuts` blob PATCHes lose their connection after `cutAfter` bytes of body */
  uploadCuts = 0;
  /** blob GETs that carried a Range header */
  ranges: string[] = [];
  /** when set, blob GETs wait until it returns true (to make concurrent clients overlap for sure) */
  holdBlobsUntil?: () => boolean;
  private overrides: Override[] = [];
  private server?: http.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: string) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(target: string): Promise<FaultProxy> {
    const p = new FaultProxy(target);
    p.server = http.createServer((req, res) => p.handle(req, res));
    // forward proxy use (daemon.json proxies): CONNECT tunnels, logged
    p.server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      p.requests.push(`CONNECT ${req.url}`);
      const [h, port] = (req.url ?? '').split(':');
      const up = netConnect(Number(port), h, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
      p.sockets.add(up);
      up.on('close', () => p.sockets.delete(up));
    });
    p.server.on('connection', (s) => {
      p.sockets.add(s);
      s.on('close', () => p.sockets.delete(s));
    });
    await new Promise<void>((r) => p.server!.listen(0, '127.0.0.1', () => r()));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  override(fn: Override): void {
    this.overrides.push(fn);
  }

  clearOverrides(): void {
    this.overrides = [];
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    for (const o of this.overrides) if (o(req, res)) return;
    if (req.method === 'PATCH' && /\/blobs\/uploads\//.test(req.url ?? '') && this.uploadCuts > 0) {
      this.uploadCuts--;
      let seen = 0;
      req.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen >= this.cutAfter) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    const isBlobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
    if (isBlobGet && req.headers.range) this.ranges.push(String(req.headers.range));
    const hold = this.holdBlobsUntil;
    if (isBlobGet && hold && !hold()) {
      req.pause();
      const t = setInterval(() => {
        if (!hold()) return;
        clearInterval(t);
        this.forward(req, res, isBlobGet);
      }, 20);
      res.on('close', () => clearInterval(t));
      return;
    }
    this.forward(req, res, isBlobGet);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, isBlobGet: boolean): void {
    const [host, port] = this.target.split(':');
    const up = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      let body: NodeJS.ReadableStream = ur;
      if (isBlobGet && this.cuts > 0 && (ur.statusCode === 200 || ur.statusCode === 206) && Number(ur.headers['content-length']) > this.cutAfter) {
        this.cuts--;
        let left = this.cutAfter;
        body = ur.pipe(
          new Transform({
            transform(chunk: Buffer, _e, cb) {
              if (left <= 0) return cb();
              const part = chunk.subarray(0, left);
              left -= part.length;
              cb(null, part);
              // drop the connection mid-body, as a network failure would
              if (left <= 0) setImmediate(() => res.socket?.destroy());
            },
          }),
        );
      }
      if (this.throttle > 0) body = body.pipe(throttled(this.throttle));
      body.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function throttled(bps: number): Transform {
  return new Transform({
    highWaterMark: 16 * 1024,
    transform(chunk: Buffer, _e, cb) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < chunk.length; i += 16 * 1024) pieces.push(chunk.subarray(i, i + 16 * 1024));
      const next = () => {
        const p = pieces.shift();
        if (!p) return cb();
        this.push(p);
        setTimeout(next, (p.length / bps) * 1000);
      };
      next();
    },
  });
}
