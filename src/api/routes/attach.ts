// POST /containers/{id}/attach: hijacks the connection and bridges it to the
// container's stdio (the engine's AttachStream: conmon's attach socket). Before
// start, the attach is parked and connected right before `runc start`, so no
// output is lost.
import type { AttachConnection, AttachStream, Backend } from '../../engine';
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { badRequest, forbidden } from '../../util/errors';
import type { HijackContext } from '../router';
import { boolParam } from '../router';
import { cmpVersion, hijackResponse, markHijacked } from '../server';
import { bridge, DEFAULT_DETACH_KEYS, frame, parseDetachKeys, STDERR, STDOUT } from '../streams';

export function streamContentType(tty: boolean, version: number): string {
  return !tty && cmpVersion(String(version), '1.42') >= 0 ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream';
}

interface AttachOptions {
  logs: boolean;
  stream: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys: number[];
  /** raw bytes rather than the multiplexed framing (a TTY, or the websocket) */
  raw: boolean;
}

export async function attachHandler(engine: Backend, ctx: HijackContext): Promise<void> {
  const { query, socket } = ctx;
  const target = engine.containers.attach(ctx.params.id);
  const stream = boolParam(query, 'stream');
  const keys = parseDetachKeys(query.get('detachKeys') || DEFAULT_DETACH_KEYS);
  target.checkStream(stream);
  hijackResponse(ctx, streamContentType(target.tty, ctx.version));
  target.announce();
  await attachSession(target, socket, {
    logs: boolParam(query, 'logs'),
    stream,
    stdin: boolParam(query, 'stdin'),
    stdout: boolParam(query, 'stdout'),
    stderr: boolParam(query, 'stderr'),
    detachKeys: keys,
    raw: target.tty,
  });
}

/**
 * GET /containers/{id}/attach/ws: the attach over a websocket, as Docker
 * serves it — stdin, stdout and stderr together, raw (not multiplexed), in
 * binary frames from API 1.28 (text before); `logs`, `stream`, `detachKeys`.
 */
export async function wsAttachHandler(engine: Backend, ctx: HijackContext): Promise<void> {
  const { query } = ctx;
  const target = engine.containers.attach(ctx.params.id);
  const keys = parseDetachKeys(query.get('detachKeys') || DEFAULT_DETACH_KEYS);
  if (!ctx.upgrade || String(ctx.req.headers.upgrade ?? '').toLowerCase() !== 'websocket') throw badRequest('Bad Request');
  // Go's websocket server refuses a handshake without an Origin
  if (!ctx.req.headers.origin) throw forbidden('null origin');
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  markHijacked(ctx.socket);
  const binary = cmpVersion(String(ctx.version), '1.28') >= 0;
  wss.handleUpgrade(ctx.req, ctx.socket as import('node:net').Socket, ctx.head, (ws) => {
    target.announce();
    void attachSession(target, wsDuplex(ws, binary), {
      logs: boolParam(query, 'logs'),
      stream: boolParam(query, 'stream'),
      stdin: true,
      stdout: true,
      stderr: true,
      detachKeys: keys,
      raw: true,
    });
  });
}

/** A websocket as the attach's byte stream: each write one frame, each message read as bytes. */
function wsDuplex(ws: WebSocket, binary: boolean): Duplex {
  const d = new Duplex({
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(chunk, { binary }, () => cb());
    },
    final(cb) {
      ws.close(1000);
      cb();
    },
  });
  ws.on('message', (data: Buffer) => {
    if (!d.push(data)) ws.pause();
  });
  ws.on('close', () => {
    d.push(null);
    d.destroy();
  });
  ws.on('error', () => d.destroy());
  return d;
}

/** Old logs (with `logs`), then the live stream (with `stream`), on one client connection. */
async function attachSession(target: AttachStream, socket: Duplex, o: AttachOptions): Promise<void> {
  const { stdout, stderr } = o;
  if (o.logs) {
    // the replay stops when the client goes
    await target.replay(
      { stdout, stderr },
      (r) => {
        socket.write(o.raw ? r.data : frame(r.stream === 'stderr' ? STDERR : STDOUT, r.data));
      },
      () => socket.destroyed,
    );
  }
  if (!o.stream) {
    socket.end();
    return;
  }
  const opts = {
    tty: o.raw,
    stdin: o.stdin && target.openStdin,
    stdout,
    stderr,
    detachKeys: o.detachKeys,
    closeStdinOnEof: target.stdinOnce,
  };
  const run = (conn: AttachConnection) => {
    void bridge(conn, socket, opts).then((why) => {
      if (why === 'closed' && !socket.destroyed) socket.end();
    });
  };
  const cancel = await target.connect(run, () => {
    if (!socket.destroyed) socket.end();
  });
  socket.on('close', cancel);
}
