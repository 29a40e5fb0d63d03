// Reading the Engine API's streams: the 8-byte multiplexed framing of
// logs/attach/exec without a TTY, and JSON-lines (events, stats, progress).
import type { Readable } from 'node:stream';

export type Sink = (data: Buffer) => void;

/**
 * Splits a multiplexed stream into stdout and stderr. Resolves when the stream
 * ends; rejects on a systemerr frame (stream type 3), whose text is the error.
 */
export function demux(src: Readable, stdout: Sink, stderr: Sink, head: Buffer = Buffer.alloc(0)): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = head;
    let failed = false;
    const drain = () => {
      while (buf.length >= 8) {
        const len = buf.readUInt32BE(4);
        if (buf.length < 8 + len) break;
        const type = buf[0];
        const payload = buf.subarray(8, 8 + len);
        buf = buf.subarray(8 + len);
        if (type === 2) stderr(payload);
        else if (type === 3) {
          failed = true;
          reject(new Error(payload.toString('utf8')));
          return;
        } else stdout(payload);
      }
    };
    drain();
    src.on('data', (c: Buffer) => {
      if (failed) return;
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      drain();
    });
    src.on('end', () => !failed && resolve());
    src.on('close', () => !failed && resolve());
    src.on('error', (e) => !failed && reject(e));
  });
}

/** Calls `onObject` for each JSON object of a JSON-lines stream (one object per line, as the daemon writes them). */
export function jsonLines<T = any>(src: Readable, onObject: (o: T) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    src.setEncoding('utf8');
    src.on('data', (c: string) => {
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onObject(JSON.parse(line) as T);
      }
    });
    src.on('end', () => {
      if (buf.trim()) onObject(JSON.parse(buf) as T);
      resolve();
    });
    src.on('error', reject);
  });
}
