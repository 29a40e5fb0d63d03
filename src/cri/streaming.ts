// The streaming server the CRI's Exec, Attach and PortForward answers point at:
// HTTP on loopback, one single-use token per request. Exec and Attach speak the
// Kubernetes channel protocol over WebSocket (v5/v4.channel.k8s.io, `websocket.ts`) or
// SPDY/3.1 (v5..v1.channel.k8s.io, `spdy.ts`: the kubelet's and crictl's
// default); `stdio.ts` hides which from the session code. PortForward is
// SPDY only (`portforward.ts`), as the kubelet's is.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AttachConnection, Backend } from '../engine';
import { log } from '../util/log';
import { acceptWebSocket } from './websocket';
import { acceptSpdy, isSpdyUpgrade } from './spdy-upgrade';
import { PORTFORWARD_PROTOCOL, servePortForward, type ForwardTarget } from './portforward';
import { expectedStreams, spdyChannels, SUCCESS, wsChannels, type StdioChannels, type StreamStatus } from './stdio';

const TOKEN_TTL_MS = 60_000;
const WS_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
// over SPDY v5 behaves as v4 (it only adds the WebSocket close signal)
const SPDY_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** how long a client has to open its streams after the upgrade (the kubelet's default) */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** how long an exec with a terminal waits for the client's first size before it starts without one */
const FIRST_SIZE_WAIT_MS = 2_000;

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
  private readonly forwards = new Map<string, { target: ForwardTarget; expires: number }>();
  private base = '';

  constructor(private readonly engine: Backend) {
    this.server = http.createServer((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('this endpoint expects an Upgrade to SPDY/3.1 or websocket\n');
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

  /** A URL for one port-forward session into a pod, on the same terms. */
  forwardUrl(target: ForwardTarget): string {
    const now = Date.now();
    for (const [t, p] of this.forwards) if (p.expires < now) this.forwards.delete(t);
    const token = randomBytes(18).toString('base64url');
    this.forwards.set(token, { target, expires: now + TOKEN_TTL_MS });
    return `${this.base}/portforward/${token}`;
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const pf = /^\/portforward\/([A-Za-z0-9_-]+)(?:\?|$)/.exec(req.url ?? '');
    if (pf) return this.portForward(req, socket, head, pf[1]);
    const m = /^\/(exec|attach)\/([A-Za-z0-9_-]+)(?:\?|$)/.exec(req.url ?? '');
    const p = m ? this.pending.get(m[2]) : undefined;
    if (!p || p.expires < Date.now() || (p.session.kind ?? 'exec') !== m![1]) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunknown or expired streaming session\n');
      return;
    }
    const s = p.session;
    let io: Promise<StdioChannels>;
    if (isSpdyUpgrade(req)) {
      const up = acceptSpdy(req, socket, head, SPDY_PROTOCOLS);
      if (!up) return;
      this.pending.delete(m![2]);
      io = spdyChannels(up.session, up.protocol, expectedStreams(up.protocol, s), STREAM_CREATION_TIMEOUT_MS);
    } else {
      const ws = acceptWebSocket(req, socket, head, WS_PROTOCOLS);
      if (!ws) return;
      this.pending.delete(m![2]);
      io = Promise.resolve(wsChannels(ws.conn, ws.protocol === 'v5.channel.k8s.io'));
    }
    io.then(
      (c) =>
        (s.kind === 'attach' ? this.attach(s, c) : this.exec(s, c)).catch((e) => {
          log().warn({ err: e }, 'CRI exec stream failed');
          c.finish(failure((e as Error).message, 'InternalError'));
        }),
      (e) => log().warn({ err: e }, 'CRI exec stream not opened'),
    );
  }

  private portForward(req: http.IncomingMessage, socket: Duplex, head: Buffer, token: string): void {
    const p = this.forwards.get(token);
    if (!p || p.expires < Date.now()) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunknown or expired streaming session\n');
      return;
    }
    if (!isSpdyUpgrade(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nport-forward expects an Upgrade to SPDY/3.1\n');
      return;
    }
    const up = acceptSpdy(req, socket, head, [PORTFORWARD_PROTOCOL]);
    if (!up) return;
    this.forwards.delete(token);
    servePortForward(up.session, p.target);
  }

  /**
   * The client's input: stdin to the connection once it exists, sizes to
   * `resize` once the process runs (`live()`); the latest size waits till then.
   */
  private inbound(io: StdioChannels, s: ExecSession, resize: (h: number, w: number) => void) {
    let target: AttachConnection | undefined;
    const early: Buffer[] = [];
    let stdinClosed = false;
    let size: [number, number] | undefined;
    let live = false;
    const apply = () => {
      if (!live || !size) return;
      try {
        resize(...size);
      } catch (e) {
        log().debug({ err: e }, 'CRI stream resize failed');
      }
    };
    io.onStdin((data) => {
      if (!s.stdin) return;
      if (target) target.write(data);
      else early.push(data);
    });
    io.onResize((h, w) => {
      if (!s.tty) return;
      size = [h, w];
      apply();
    });
    io.onStdinEnd(() => {
      stdinClosed = true;
      target?.closeStdin();
    });
    return {
      connect: (a: AttachConnection) => {
        target = a;
        for (const d of early.splice(0)) a.write(d);
        if (stdinClosed) a.closeStdin();
      },
      live: () => {
        live = true;
        apply();
      },
    };
  }

  /** With a terminal, the client's first size, so the process starts with it (bounded wait). */
  private firstSize(io: StdioChannels, tty: boolean): Promise<[number, number] | undefined> {
    if (!tty) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), FIRST_SIZE_WAIT_MS);
      io.onResize((h, w) => {
        clearTimeout(t);
        resolve([h, w]);
      });
      io.onClose(() => resolve(undefined));
    });
  }

  /** Attach: the container's own stdio through conmon, until it exits or the client leaves. */
  private async attach(s: ExecSession, io: StdioChannels): Promise<void> {
    const c = this.engine.containers.get(s.containerId);
    if (!c.State.Running) return io.finish(failure(`container ${c.ID} is not running`, 'BadRequest'));
    const input = this.inbound(io, s, (h, w) => this.engine.containers.resize(c.ID, h, w));
    const stdio = this.engine.containers.attach(c.ID);
    const a = await new Promise<AttachConnection>((resolve, reject) => void stdio.connect(resolve, reject));
    a.onData((stream, d) => {
      if (stream === 'stderr' ? s.stderr : s.stdout) io.out(stream === 'stderr' ? 'stderr' : 'stdout', d);
    });
    input.connect(a);
    input.live();
    // leaving an attach detaches: the container goes on
    io.onClose(() => a.close());
    await new Promise<void>((r) => a.onClose(r));
    io.finish(SUCCESS);
  }

  private async exec(s: ExecSession, io: StdioChannels): Promise<void> {
    const exec = this.engine.exec;
    const size = await this.firstSize(io, s.tty);
    const { Id } = exec.create(s.containerId, {
      Cmd: s.cmd,
      Tty: s.tty,
      AttachStdin: s.stdin,
      AttachStdout: s.stdout,
      AttachStderr: s.stderr && !s.tty,
      ConsoleSize: size ?? null,
    });
    let drained: Promise<void> = Promise.resolve();
    let attach: AttachConnection | undefined;
    const input = this.inbound(io, s, (h, w) => exec.resize(Id, h, w));
    io.onClose(() => {
      // the client went away: the process loses its input, as with a closed terminal
      attach?.closeStdin();
    });
    const { exited } = await exec.start(Id, {
      tty: s.tty,
      attach: true,
      onAttach: (a) => {
        attach = a;
        drained = new Promise((r) => a.onClose(r));
        a.onData((stream, d) => io.out(stream === 'stderr' ? 'stderr' : 'stdout', d));
        input.connect(a);
      },
    });
    input.live();
    const code = await exited;
    await drained;
    exec.forget(Id);
    io.finish(code === 0 ? SUCCESS : failure(`command terminated with non-zero exit code: exit status ${code}`, 'NonZeroExitCode', code));
  }
}

function failure(message: string, reason: string, code?: number): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(code !== undefined ? { details: { causes: [{ reason: 'ExitCode', message: String(code) }] } } : {}),
  };
}
