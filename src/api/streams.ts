// Bridging a hijacked client connection and a conmon attach socket: Docker's
// 8-byte stream framing when there is no TTY, stdin forwarding, half-close,
// and detach keys (ctrl-p ctrl-q by default).
import type { Duplex } from 'node:stream';
import type { AttachConnection } from '../engine';
import { DetachScanner } from '../util/detachkeys';

export { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from '../util/detachkeys';

export const STDOUT = 1;
export const STDERR = 2;

/** The 8-byte header of a multiplexed frame: [stream, 0, 0, 0, length (uint32 BE)]. */
export function frameHeader(stream: number, length: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(length, 4);
  return h;
}

export function frame(stream: number, data: Buffer): Buffer {
  return Buffer.concat([frameHeader(stream, data.length), data]);
}

export interface BridgeOptions {
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys: number[];
  /** stdin EOF from the client closes the process's stdin */
  closeStdinOnEof: boolean;
  /** end the client socket when the process side closes (exec ends it itself, after recording the exit code) */
  endOnClose?: boolean;
  onDetach?: () => void;
}

/** Pumps conn ⇄ socket until the process side closes (or the client detaches). */
export function bridge(conn: AttachConnection, socket: Duplex, opts: BridgeOptions): Promise<'closed' | 'detached' | 'client-gone'> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (why: 'closed' | 'detached' | 'client-gone') => {
      if (done) return;
      done = true;
      resolve(why);
    };
    // the client may have gone while the session was being connected: no 'close' will come
    if (socket.destroyed) {
      finish('client-gone');
      conn.close();
      return;
    }
    conn.onData((stream, data) => {
      if (socket.destroyed) return;
      if (stream === 'stdout' && !opts.stdout) return;
      if (stream === 'stderr' && !opts.stderr) return;
      socket.write(opts.tty ? data : frame(stream === 'stderr' ? STDERR : STDOUT, data));
    });
    conn.onClose(() => {
      if (opts.endOnClose !== false && !socket.destroyed) socket.end();
      finish('closed');
    });
    const scanner = new DetachScanner(opts.detachKeys);
    socket.on('data', (d: Buffer) => {
      if (!opts.stdin) return;
      const { forward, detach } = scanner.feed(d);
      if (forward.length) conn.write(forward);
      if (detach) {
        // settle first: closing the connection runs its close callbacks at once
        finish('detached');
        opts.onDetach?.();
        conn.close();
        socket.end();
      }
    });
    const onClientEnd = () => {
      if (!opts.stdin) return;
      if (opts.closeStdinOnEof && !opts.tty) {
        conn.closeStdin();
        return;
      }
      // as Docker: when the client's stdin ends and the process's stdin stays open,
      // the session ends (a client that vanished would otherwise hold it, and its fds, for good)
      finish('client-gone');
      conn.close();
      if (!socket.destroyed) socket.end();
    };
    // the client may have half-closed already (stdin at EOF before the session was up)
    if (socket.readableEnded) onClientEnd();
    else socket.on('end', onClientEnd);
    socket.on('close', () => {
      if (!done) {
        finish('client-gone');
        conn.close();
      }
    });
  });
}
