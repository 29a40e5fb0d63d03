// Parallel gzip: the input is cut into blocks that are deflated concurrently in
// libuv's thread pool and written in order as consecutive gzip members (RFC
// 1952 allows several; Go's, zlib's and Node's readers take them as one
// stream). A block that looks incompressible (byte entropy of samples near 8
// bits) is stored instead: deflate runs ~40 MB/s per core on these machines and
// buys nothing on random or already-compressed data, while a stored member is
// a copy plus a CRC (zlib.crc32, GB/s) built right here.
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';

export interface PgzipOptions {
  /** deflate level for compressible blocks (default 1: fast) */
  level?: number;
  /** bytes per member (default 1 MiB) */
  blockSize?: number;
  /** members compressed at once (default 3) */
  parallel?: number;
}

const SAMPLE = 4096;
const MAX_STORED = 65535;
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

function gzipAsync(buf: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gzip(buf, { level, memLevel: 8 }, (e, out) => (e ? reject(e) : resolve(out))));
}

/** Shannon entropy (bits per byte) of a sample. */
function entropy(b: Buffer): number {
  const counts = new Uint32Array(256);
  for (let i = 0; i < b.length; i++) counts[b[i]]++;
  let h = 0;
  for (let i = 0; i < 256; i++) {
    if (!counts[i]) continue;
    const p = counts[i] / b.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Random-looking data: every sample close to 8 bits per byte. */
export function looksIncompressible(block: Buffer): boolean {
  if (block.length < SAMPLE * 4) return false;
  for (const at of [0.1, 0.5, 0.9]) {
    const off = Math.floor((block.length - SAMPLE) * at);
    if (entropy(block.subarray(off, off + SAMPLE)) < 7.9) return false;
  }
  return true;
}

/** A gzip member holding `data` in stored (uncompressed) deflate blocks. */
export function storedMember(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED));
  const out = Buffer.allocUnsafe(HEADER.length + blocks * 5 + data.length + 8);
  HEADER.copy(out, 0);
  let o = HEADER.length;
  for (let i = 0; i < blocks; i++) {
    const start = i * MAX_STORED;
    const len = Math.min(MAX_STORED, data.length - start);
    out[o] = i === blocks - 1 ? 1 : 0; // BFINAL, BTYPE=00
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    o += 5;
    data.copy(out, o, start, start + len);
    o += len;
  }
  out.writeUInt32LE(zlib.crc32(data) >>> 0, o);
  out.writeUInt32LE(data.length >>> 0, o + 4);
  return out;
}

function compressBlock(block: Buffer, level: number): Promise<Buffer> {
  if (level === 0 || looksIncompressible(block)) return Promise.resolve(storedMember(block));
  return gzipAsync(block, level);
}

export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly parallel: number;
  private parts: Buffer[] = [];
  private len = 0;
  private readonly queue: Array<Promise<Buffer>> = [];

  constructor(o: PgzipOptions = {}) {
    super({ highWaterMark: 1 << 20 });
    this.level = o.level ?? 1;
    this.blockSize = o.blockSize ?? 1 << 20;
    this.parallel = o.parallel ?? 3;
  }

  private startBlock(block: Buffer): void {
    const p = compressBlock(block, this.level);
    p.catch(() => undefined);
    this.queue.push(p);
  }

  /** Writes finished members in order until at most `keep` are pending. */
  private async drain(keep: number): Promise<void> {
    while (this.queue.length > keep) this.push(await this.queue.shift()!);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let b = chunk;
    const blocks: Buffer[] = [];
    while (b.length > 0) {
      const take = Math.min(this.blockSize - this.len, b.length);
      this.parts.push(b.subarray(0, take));
      this.len += take;
      b = b.subarray(take);
      if (this.len === this.blockSize) {
        blocks.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.len));
        this.parts = [];
        this.len = 0;
      }
    }
    (async () => {
      for (const blk of blocks) {
        this.startBlock(blk);
        await this.drain(this.parallel - 1);
      }
    })().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    (async () => {
      if (this.len > 0 || this.queue.length === 0) this.startBlock(Buffer.concat(this.parts, this.len));
      this.parts = [];
      this.len = 0;
      await this.drain(0);
    })().then(() => cb(), cb);
  }
}
