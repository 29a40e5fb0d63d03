// Talking to a running conmon: its SOCK_SEQPACKET attach socket (first byte of
// each packet names the stream: 2 stdout, 3 stderr; stdin goes the other way as
// raw bytes) and its ctl fifo ("1 h w" resizes the pty, "2 0 0" reopens the log).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeqpacketSocket as SeqpacketSocketType } from 'node-unix-socket';

// the native SEQPACKET module is loaded on the first attach, not by an idle daemon
let Seqpacket: typeof SeqpacketSocketType | undefined;
const seqpacket = () => (Seqpacket ??= (require('node-unix-socket') as typeof import('node-unix-socket')).SeqpacketSocket);

export type StreamName = 'stdout' | 'stderr';

export interface AttachConnection {
  write(data: Buffer): void;
  /** half-close: conmon closes the container's stdin (unless told to leave it open) */
  closeStdin(): void;
  close(): void;
  onData(cb: (stream: StreamName, data: Buffer) => void): void;
  onClose(cb: () => void): void;
}

// Unix socket paths are limited to 108 bytes; go through /proc/self/fd when longer.
function connectPath(p: string): { path: string; fd?: number } {
  if (Buffer.byteLength(p) < 100) return { path: p };
  const fd = fs.openSync(path.dirname(p), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  return { path: `/proc/self/fd/${fd}/${path.basename(p)}`, fd };
}

export function connectAttach(socketPath: string): Promise<AttachConnection> {
  return new Promise((resolve, reject) => {
    const sock = new (seqpacket())();
    const target = connectPath(socketPath);
    const dataCbs: Array<(s: StreamName, d: Buffer) => void> = [];
    const closeCbs: Array<() => void> = [];
    let closed = false;
    let connected = false;
    // the socket's fd is released on every way out: our close, conmon ending the
    // session (the process exited: the socket only ends, it never closes by itself), errors
    const finish = () => {
      if (closed) return;
      closed = true;
      sock.destroy();
      releasePathFd();
      for (const cb of closeCbs) cb();
    };
    const releasePathFd = () => {
      if (target.fd === undefined) return;
      fs.closeSync(target.fd);
      target.fd = undefined;
    };
    sock.on('data', (buf: Buffer) => {
      if (buf.length < 1) return;
      const s: StreamName = buf[0] === 3 ? 'stderr' : 'stdout';
      const payload = buf.subarray(1);
      for (const cb of dataCbs) cb(s, payload);
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', (e: Error) => {
      if (!connected) reject(e);
      finish();
    });
    try {
      sock.connect(target.path, () => {
        connected = true;
        releasePathFd();
        resolve({
          write: (d) => {
            if (!closed && d.length) {
              // seqpacket keeps boundaries; conmon reads up to 32 KiB a packet
              for (let i = 0; i < d.length; i += 32768) sock.write(d.subarray(i, i + 32768));
            }
          },
          closeStdin: () => {
            if (!closed) sock.end();
          },
          close: finish,
          onData: (cb) => dataCbs.push(cb),
          onClose: (cb) => closeCbs.push(cb),
        });
      });
    } catch (e) {
      finish();
      reject(e);
    }
  });
}

function writeCtl(bundle: string, line: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path.join(bundle, 'ctl'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch {
    return; // conmon gone: nothing to resize
  }
  try {
    fs.writeSync(fd, line);
  } catch {
    /* full or closed: best effort */
  } finally {
    fs.closeSync(fd);
  }
}

export const resizeTty = (bundle: string, height: number, width: number): void => writeCtl(bundle, `1 ${height} ${width}\n`);
export const reopenLog = (bundle: string): void => writeCtl(bundle, `2 0 0\n`);
