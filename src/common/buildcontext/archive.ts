// ADD's rule for local files: a tar archive (plain, gzip, bzip2, xz or zstd
// compressed) is extracted into the destination; anything else is copied as
// a file. A file counts as an archive when, once decompressed, it starts with
// a valid tar header (as Go's tar reader would accept it).
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { decompressStream, detectCompression } from '../../archive';

/** A 512-byte block is a tar header: not all zeros, and its checksum is right. */
export function isTarHeader(b: Buffer): boolean {
  if (b.length < 512) return false;
  let zero = true;
  for (let i = 0; i < 512; i++)
    if (b[i] !== 0) {
      zero = false;
      break;
    }
  if (zero) return false;
  const field = b
    .toString('latin1', 148, 156)
    .replace(/[\0 ]+$/g, '')
    .replace(/^[\0 ]+/, '');
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return want === unsigned || want === signed;
}

/** Reads up to n bytes of a stream, then stops it. */
function head(stream: NodeJS.ReadableStream & { destroy(): void }, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const done = () => {
      stream.removeAllListeners('data');
      stream.destroy();
      resolve(Buffer.concat(chunks).subarray(0, n));
    };
    stream.on('data', (c: Buffer) => {
      chunks.push(c);
      len += c.length;
      if (len >= n) done();
    });
    stream.on('end', done);
    stream.on('error', done);
  });
}

export async function isArchiveFile(abs: string): Promise<boolean> {
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  let first: Buffer;
  try {
    first = Buffer.alloc(512);
    const n = fs.readSync(fd, first, 0, 512, 0);
    first = first.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
  if (detectCompression(first) === 'none') return isTarHeader(first);
  try {
    const s = await decompressStream(fs.createReadStream(abs));
    return isTarHeader(await head(s as NodeJS.ReadableStream & { destroy(): void }, 512));
  } catch {
    return false;
  }
}

/** The same test on data from a stream factory (called at most twice). */
export async function isArchiveStream(open: () => Readable): Promise<boolean> {
  const first = await head(open() as Readable & { destroy(): void }, 512);
  if (detectCompression(first) === 'none') return isTarHeader(first);
  try {
    const s = await decompressStream(open());
    return isTarHeader(await head(s as NodeJS.ReadableStream & { destroy(): void }, 512));
  } catch {
    return false;
  }
}
