// The streaming server the CRI's Exec answers point at: HTTP on loopback, one
// single-use token per request, WebSocket with the Kubernetes channel protocol
// (v5.channel.k8s.io, v4 accepted): a byte naming the channel leads each
// message — 0 stdin, 1 stdout, 2 stderr, 3 the final status, 4 terminal size;
// in v5, [255, n] closes channel n. SPDY is not spoken.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/engine';
import { log } from '../util/log';
import { acceptWebSocket, type WsConnection } from './websocket';

const TOKEN_TTL_MS = 60_000;
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface ExecSession {
  containerId: string;
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
    this.server = http.createServer((req, res) => {
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

  /** A URL for one exec session, good for one connection within a minute. */
  execUrl(session: ExecSession): string {
    const now = Date.now();
    for (const [t, p] of this.pending) if (p.expires < now) this.pending.delete(t);
    const token = randomBytes(18).toString('base64url');
    this.pending.set(token, { session, expires: now + TOKEN_TTL_MS });
    return `${this.base}/exec/${token}`;
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const m = /^\/exec\/([A-Za-z0-9_-]+)(?:\?|$)/.exec(req.url ?? '');
    const p = m ? this.pending.get(m[1]) : undefined;
    if (!p || p.expires < Date.now()) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunknown or expired streaming session\n');
      return;
    }
    this.pending.delete(m![1]);
    const ws = acceptWebSocket(req, socket, head, PROTOCOLS);
    if (!ws) return;
    this.exec(p.session, ws.conn, ws.protocol === 'v5.channel.k8s.io').catch((e) => {
      log().warn({ err: e }, 'CRI exec stream failed');
      this.finish(ws.conn, failure((e as Error).message, 'InternalError'));
    });
  }

  private finish(conn: WsConnection, status: unknown): void {
    conn.send(Buffer.concat([Buffer.from([CH.error]), Buffer.from(JSON.stringify(status))]));
    conn.close();
  }

  private async exec(s: ExecSession, conn: WsConnection, v5: boolean): Promise<void> {
    const exec = this.engine.exec;
    const { Id } = exec.create(s.containerId, { Cmd: s.cmd, Tty: s.tty, AttachStdin: s.stdin, AttachStdout: s.stdout, AttachStderr: s.stderr && !s.tty });
    let drained: Promise<void> = Promise.resolve();
    const early: Buffer[] = [];
    let stdinClosed = false;
    let attach: import('../monitor').AttachConnection | undefined;
    conn.onMessage((msg) => {
      if (!msg.length) return;
      const ch = msg[0];
      const data = msg.subarray(1);
      if (ch === CH.stdin && s.stdin) {
        if (attach) attach.write(data);
        else early.push(data);
      } else if (ch === CH.resize) {
        try {
          const size = JSON.parse(data.toString()) as { Width?: number; Height?: number };
          if (s.tty && size.Width && size.Height) exec.resize(Id, size.Height, size.Width);
        } catch {
          /* a malformed resize is ignored, as the kubelet does */
        }
      } else if (v5 && ch === CH.close && data[0] === CH.stdin) {
        stdinClosed = true;
        attach?.closeStdin();
      }
    });
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
        for (const d of early.splice(0)) a.write(d);
        if (stdinClosed) a.closeStdin();
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
