// Bridging a hijacked client connection and a conmon attach socket: Docker's
// 8-byte stream framing when there is no TTY, stdin forwarding, half-close,
// and detach keys (ctrl-p ctrl-q by default).
import type { Duplex } from 'node:stream';
import type { AttachConnection } from '../monitor';
import { badRequest } from '../util/errors';

export const STDOUT = 1;
export const STDERR = 2;

export function frame(stream: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Parses Docker's detach key syntax ("ctrl-p,ctrl-q", "a,ctrl-@"). */
export function parseDetachKeys(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p.length === 1) {
      out.push(p.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(p);
    if (!m) throw badRequest(`Invalid detach keys (${spec}) provided`);
    const ch = m[1];
    out.push(ch >= 'a' && ch <= 'z' ? ch.charCodeAt(0) - 96 : ({ '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 } as Record<string, number>)[ch]);
  }
  return out;
}

/** Scans stdin for the detach sequence; holds back a partial match like Docker's escape proxy. */
export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: number[]) {}

  /** Returns the bytes to forward and whether the sequence completed. */
  feed(buf: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: buf, detach: false };
    const out: number[] = [];
    for (const b of buf) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      if (this.matched > 0) {
        out.push(...this.keys.slice(0, this.matched));
        this.matched = 0;
        if (b === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

export interface BridgeOptions {
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys: number[];
  /** stdin EOF from the client closes the process's stdin */
  closeStdinOnEof: boolean;
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
    conn.onData((stream, data) => {
      if (socket.destroyed) return;
      if (stream === 'stdout' && !opts.stdout) return;
      if (stream === 'stderr' && !opts.stderr) return;
      socket.write(opts.tty ? data : frame(stream === 'stderr' ? STDERR : STDOUT, data));
    });
    conn.onClose(() => {
      if (!socket.destroyed) socket.end();
      finish('closed');
    });
    const scanner = new DetachScanner(opts.detachKeys);
    socket.on('data', (d: Buffer) => {
      if (!opts.stdin) return;
      const { forward, detach } = scanner.feed(d);
      if (forward.length) conn.write(forward);
      if (detach) {
        opts.onDetach?.();
        conn.close();
        socket.end();
        finish('detached');
      }
    });
    socket.on('end', () => {
      if (opts.stdin && opts.closeStdinOnEof) conn.closeStdin();
    });
    socket.on('close', () => {
      if (!done) {
        conn.close();
        finish('client-gone');
      }
    });
  });
}
