// Detects a stream's compression from its magic bytes and returns the
// uncompressed stream: gzip via zlib, bzip2/xz/zstd via Debian's tools.
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

/** Reads the first bytes without losing them. */
async function peek(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let len = 0;
  for await (const c of src) {
    chunks.push(c as Buffer);
    len += (c as Buffer).length;
    if (len >= n) break;
  }
  const head = Buffer.concat(chunks);
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  out.write(head);
  if (src.readableEnded) out.end();
  else {
    src.on('error', (e) => out.destroy(e));
    src.pipe(out);
  }
  return { head, stream: out };
}

function tool(cmd: string, args: string[], input: Readable): Readable {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  input.on('error', (e) => child.stdout.destroy(e));
  child.stdin.on('error', () => {});
  input.pipe(child.stdin);
  child.on('close', (code) => {
    if (code) child.stdout.destroy(new Error(`${cmd}: ${err.trim() || 'exit ' + code}`));
  });
  return child.stdout;
}

export async function decompress(src: Readable): Promise<{ stream: Readable; compression: Compression }> {
  const { head, stream } = await peek(src, 6);
  const compression = detectCompression(head);
  switch (compression) {
    case 'gzip':
      return { compression, stream: stream.pipe(zlib.createGunzip({ chunkSize: 256 * 1024 })) };
    case 'bzip2':
      return { compression, stream: tool('bzip2', ['-dc'], stream) };
    case 'xz':
      return { compression, stream: tool('xz', ['-dc'], stream) };
    case 'zstd':
      return { compression, stream: tool('zstd', ['-dc', '-q'], stream) };
    default:
      return { compression, stream };
  }
}
