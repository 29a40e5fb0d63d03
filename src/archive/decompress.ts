// Detects the compression of a tar body by its magic bytes and decompresses it:
// gzip with node:zlib (256 KiB chunks), bzip2/xz/zstd with the system tools.
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads at least n bytes (or all, if shorter) and puts them back; returns them and whether the stream ended. */
function peek(input: Readable, n: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const cleanup = () => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onEnd = () => {
      cleanup();
      resolve({ head: Buffer.concat(chunks), ended: true });
    };
    const onReadable = () => {
      let c: Buffer | null;
      while (len < n && (c = input.read() as Buffer | null) !== null) {
        chunks.push(c);
        len += c.length;
      }
      if (len >= n) {
        cleanup();
        const head = Buffer.concat(chunks);
        input.unshift(head);
        resolve({ head, ended: false });
      }
    };
    input.on('readable', onReadable);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}

function viaTool(input: Readable, cmd: string, args: string[]): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  child.stdin.on('error', () => {
    /* the tool exited early; its exit status reports why */
  });
  input.on('error', (e) => {
    child.kill();
    out.destroy(e);
  });
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  child.on('error', (e) => out.destroy(e));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`${cmd}: ${stderr.trim() || `exited with ${code ?? signal}`}`));
  });
  return out;
}

/** Decompresses input of a known compression (a layer's media type says which). */
export function decompressAs(input: Readable, kind: Compression): Readable {
  switch (kind) {
    case 'gzip': {
      const gz = zlib.createGunzip({ chunkSize: 256 * 1024 });
      input.on('error', (e) => gz.destroy(e));
      return input.pipe(gz);
    }
    case 'bzip2':
      return viaTool(input, 'bzip2', ['-dc']);
    case 'xz':
      return viaTool(input, 'xz', ['-dc']);
    case 'zstd':
      return viaTool(input, 'zstd', ['-dc']);
    default:
      return input;
  }
}

/** Decompresses input according to its magic bytes (identity when not compressed). */
export async function decompressStream(input: Readable): Promise<Readable> {
  const { head, ended } = await peek(input, 6);
  const src = ended ? Readable.from(head.length ? [head] : [], { objectMode: false }) : input;
  return decompressAs(src, detectCompression(head));
}

/** Like decompressStream, also saying which compression it found. */
export async function detectAndDecompress(input: Readable): Promise<{ kind: Compression; out: Readable }> {
  const { head, ended } = await peek(input, 6);
  const src = ended ? Readable.from(head.length ? [head] : [], { objectMode: false }) : input;
  const kind = detectCompression(head);
  return { kind, out: decompressAs(src, kind) };
}
