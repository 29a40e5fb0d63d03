// The streaming server the CRI's Exec answers point at: HTTP on loopback, one
// single-use token per request, WebSocket with the Kubernetes channel protocol
// (v5.channel.k8s.io, v4 accepted), for Exec and Attach: a byte naming the channel leads each
// message — 0 stdin, 1 stdout, 2 stderr, 3 the final status, 4 terminal size;
// in v5, [255, n] closes channel n. SPDY is not spoken.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/engine';
import * as path from 'node:path';
import { connectAttach, type AttachConnection } from '../monitor';
import { log } from '../util/log';
import { acceptWebSocket, type WsConnection } from './websocket';

const TOKEN_TTL_MS = 60_000;
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface ExecSession {
  kind?: 'exec' | 'attach';
  containerId: string;
  /** empty for attach */
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export class StreamingServer {
  private readonly server: http.Server;
  private readonly pending = new Map<string, { session: ExecSession; expires: number }>();
  private base = '';

  constructor(private readonly engine: Engine) {
    this.server = http.createServer((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('this endpoint speaks WebSocket (v5.channel.k8s.io) only; SPDY is not supported\n');
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  listen(host = '127.0.0.1', port = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const a = this.server.address() as AddressInfo;
        this.base = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
        resolve();
      });
    });
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections?.();
  }

  /** A URL for one exec or attach session, good for one connection within a minute. */
  execUrl(session: ExecSession): string {
    const now = Date.now();
    for (const [t, p] of this.pending) if (p.expires < now) this.pending.delete(t);
    const token = randomBytes(18).toString('base64url');
    this.pending.set(token, { session, expires: now + TOKEN_TTL_MS });
    return `${this.base}/${session.kind ?? 'exec'}/${token}`;
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const m = /^\/(exec|attach)\/([A-Za-z0-9_-]+)(?:\?|$)/.exec(req.url ?? '');
    const p = m ? this.pending.get(m[2]) : undefined;
    if (!p || p.expires < Date.now() || (p.session.kind ?? 'exec') !== m![1]) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunknown or expired streaming session\n');
      return;
    }
    this.pending.delete(m![2]);
    const ws = acceptWebSocket(req, socket, head, PROTOCOLS);
    if (!ws) return;
    const run = p.session.kind === 'attach' ? this.attach(p.session, ws.conn, ws.protocol === 'v5.channel.k8s.io') : this.exec(p.session, ws.conn, ws.protocol === 'v5.channel.k8s.io');
    run.catch((e) => {
      log().warn({ err: e }, 'CRI exec stream failed');
      this.finish(ws.conn, failure((e as Error).message, 'InternalError'));
    });
  }

  private finish(conn: WsConnection, status: unknown): void {
    conn.send(Buffer.concat([Buffer.from([CH.error]), Buffer.from(JSON.stringify(status))]));
    conn.close();
  }

  /** The client's messages: stdin to `input()`'s connection once it exists, sizes to `resize`. */
  private inbound(conn: WsConnection, s: ExecSession, v5: boolean, resize: (h: number, w: number) => void) {
    let target: AttachConnection | undefined;
    const early: Buffer[] = [];
    let stdinClosed = false;
    conn.onMessage((msg) => {
      if (!msg.length) return;
      const ch = msg[0];
      const data = msg.subarray(1);
      if (ch === CH.stdin && s.stdin) {
        if (target) target.write(data);
        else early.push(data);
      } else if (ch === CH.resize) {
        try {
          const size = JSON.parse(data.toString()) as { Width?: number; Height?: number };
          if (s.tty && size.Width && size.Height) resize(size.Height, size.Width);
        } catch {
          /* a malformed resize is ignored, as the kubelet does */
        }
      } else if (v5 && ch === CH.close && data[0] === CH.stdin) {
        stdinClosed = true;
        target?.closeStdin();
      }
    });
    return (a: AttachConnection) => {
      target = a;
      for (const d of early.splice(0)) a.write(d);
      if (stdinClosed) a.closeStdin();
    };
  }

  /** Attach: the container's own stdio through conmon, until it exits or the client leaves. */
  private async attach(s: ExecSession, conn: WsConnection, v5: boolean): Promise<void> {
    const c = this.engine.containers.get(s.containerId);
    if (!c.State.Running) return this.finish(conn, failure(`container ${c.ID} is not running`, 'BadRequest'));
    const connect = this.inbound(conn, s, v5, (h, w) => this.engine.containers.resize(c, h, w));
    const a = await connectAttach(path.join(this.engine.containers.lifecycle.bundle(c), 'attach'));
    a.onData((stream, d) => {
      if (stream === 'stderr' ? s.stderr : s.stdout) conn.send(Buffer.concat([Buffer.from([stream === 'stderr' ? CH.stderr : CH.stdout]), d]));
    });
    connect(a);
    // leaving an attach detaches: the container goes on
    conn.onClose(() => a.close());
    await new Promise<void>((r) => a.onClose(r));
    this.finish(conn, { metadata: {}, status: 'Success' });
  }

  private async exec(s: ExecSession, conn: WsConnection, v5: boolean): Promise<void> {
    const exec = this.engine.exec;
    const { Id } = exec.create(s.containerId, { Cmd: s.cmd, Tty: s.tty, AttachStdin: s.stdin, AttachStdout: s.stdout, AttachStderr: s.stderr && !s.tty });
    let drained: Promise<void> = Promise.resolve();
    let attach: AttachConnection | undefined;
    const connect = this.inbound(conn, s, v5, (h, w) => exec.resize(Id, h, w));
    conn.onClose(() => {
      // the client went away: the process loses its input, as with a closed terminal
      attach?.closeStdin();
    });
    const { exited } = await exec.start(Id, {
      tty: s.tty,
      attach: true,
      onAttach: (a) => {
        attach = a;
        drained = new Promise((r) => a.onClose(r));
        a.onData((stream, d) => conn.send(Buffer.concat([Buffer.from([stream === 'stderr' ? CH.stderr : CH.stdout]), d])));
        connect(a);
      },
    });
    const code = await exited;
    await drained;
    exec.forget(Id);
    this.finish(conn, code === 0 ? { metadata: {}, status: 'Success' } : failure(`command terminated with non-zero exit code: exit status ${code}`, 'NonZeroExitCode', code));
  }
}

function failure(message: string, reason: string, code?: number) {
  return {
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(code !== undefined ? { details: { causes: [{ reason: 'ExitCode', message: String(code) }] } } : {}),
  };
}
