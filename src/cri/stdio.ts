// The stdio of one exec or attach session, whatever carries it: WebSocket
// channels (v5/v4.channel.k8s.io) or SPDY streams (v5..v1.channel.k8s.io).
// The session code sees output sinks, input events and one final status.
import type { WsConnection } from './websocket';
import type { SpdySession, SpdyStream } from './spdy';

/** metav1.Status as the v4 error channel carries it. */
export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason: string; message: string }> };
}

export const SUCCESS: StreamStatus = { metadata: {}, status: 'Success' };

export interface StdioChannels {
  out(stream: 'stdout' | 'stderr', data: Buffer): void;
  onStdin(cb: (data: Buffer) => void): void;
  /** the client's stdin reached its end */
  onStdinEnd(cb: () => void): void;
  onResize(cb: (height: number, width: number) => void): void;
  /** Sends the final status and ends the session. */
  finish(status: StreamStatus): void;
  /** the client went away */
  onClose(cb: () => void): void;
}

const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

function parseSize(json: string): { h: number; w: number } | undefined {
  try {
    const size = JSON.parse(json) as { Width?: number; Height?: number };
    if (size.Width && size.Height) return { h: size.Height, w: size.Width };
  } catch {
    /* a malformed resize is ignored, as the kubelet does */
  }
  return undefined;
}

/** WebSocket: a byte naming the channel leads each message; in v5, [255, n] closes channel n. */
export function wsChannels(conn: WsConnection, v5: boolean): StdioChannels {
  const stdin: Array<(d: Buffer) => void> = [];
  const stdinEnd: Array<() => void> = [];
  const resize: Array<(h: number, w: number) => void> = [];
  conn.onMessage((msg) => {
    if (!msg.length) return;
    const data = msg.subarray(1);
    if (msg[0] === CH.stdin) for (const cb of stdin) cb(data);
    else if (msg[0] === CH.resize) {
      const s = parseSize(data.toString());
      if (s) for (const cb of resize) cb(s.h, s.w);
    } else if (v5 && msg[0] === CH.close && data[0] === CH.stdin) for (const cb of stdinEnd) cb();
  });
  return {
    out: (stream, d) => conn.send(Buffer.concat([Buffer.from([stream === 'stderr' ? CH.stderr : CH.stdout]), d])),
    onStdin: (cb) => stdin.push(cb),
    onStdinEnd: (cb) => stdinEnd.push(cb),
    onResize: (cb) => resize.push(cb),
    finish: (status) => {
      conn.send(Buffer.concat([Buffer.from([CH.error]), Buffer.from(JSON.stringify(status))]));
      conn.close();
    },
    onClose: (cb) => conn.onClose(cb),
  };
}

/** What a client opens for a session: error always; the rest as asked (resize from v3 on, with a terminal). */
export function expectedStreams(protocol: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): string[] {
  const v = Number(/^v(\d+)\./.exec(protocol)?.[1] ?? 1);
  const want = ['error'];
  if (opts.stdin) want.push('stdin');
  if (opts.stdout) want.push('stdout');
  if (opts.stderr && !opts.tty) want.push('stderr');
  if (opts.tty && v >= 3) want.push('resize');
  return want;
}

/**
 * SPDY: one stream per kind, named by its `streamtype` header. Resolves once the
 * client has opened the expected streams; the others are looked up when used.
 */
export function spdyChannels(session: SpdySession, protocol: string, expected: string[], timeoutMs: number): Promise<StdioChannels> {
  const streams = new Map<string, SpdyStream>();
  const stdin: Array<(d: Buffer) => void> = [];
  const stdinEnd: Array<() => void> = [];
  const resize: Array<(h: number, w: number) => void> = [];
  let lastSize: { h: number; w: number } | undefined;
  // v4 and v5 send metav1.Status as JSON; v1-v3 send only a failure's message as text
  const jsonStatus = /^v[45]\./.test(protocol);
  const io: StdioChannels = {
    out: (stream, d) => streams.get(stream)?.write(d),
    onStdin: (cb) => stdin.push(cb),
    onStdinEnd: (cb) => stdinEnd.push(cb),
    onResize: (cb) => {
      // a size that came before the listener is its first event
      resize.push(cb);
      if (lastSize) cb(lastSize.h, lastSize.w);
    },
    finish: (status) => {
      const err = streams.get('error');
      if (jsonStatus) err?.write(Buffer.from(JSON.stringify(status)));
      else if (status.status !== 'Success') err?.write(Buffer.from(status.message ?? 'error'));
      for (const s of streams.values()) s.end();
      session.close();
    },
    onClose: (cb) => session.onClose(cb),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.close();
      reject(new Error(`timed out waiting for the client's streams (have ${[...streams.keys()].join(', ') || 'none'}, want ${expected.join(', ')})`));
    }, timeoutMs);
    session.onClose(() => {
      clearTimeout(timer);
      reject(new Error('the client went away before opening its streams'));
    });
    session.onStream((s) => {
      const type = s.header('streamtype');
      if (!type || streams.has(type)) return s.abort();
      streams.set(type, s);
      if (type === 'stdin') {
        s.onData((d) => {
          for (const cb of stdin) cb(d);
        });
        s.onEnd(() => {
          for (const cb of stdinEnd) cb();
        });
      } else if (type === 'resize') {
        // a JSON stream of {"Width":w,"Height":h} objects, not delimited
        let pending = '';
        s.onData((d) => {
          pending += d.toString();
          let end: number;
          while ((end = pending.indexOf('}')) >= 0) {
            const size = parseSize(pending.slice(0, end + 1));
            pending = pending.slice(end + 1);
            if (size) {
              lastSize = size;
              for (const cb of resize) cb(size.h, size.w);
            }
          }
        });
      }
      if (expected.every((t) => streams.has(t))) {
        clearTimeout(timer);
        resolve(io);
      }
    });
  });
}
