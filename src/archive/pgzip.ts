// Parallel gzip: the input is cut into blocks that are deflated concurrently in
// libuv's thread pool and written in order as consecutive gzip members (RFC
// 1952 allows several; Go's, zlib's and Node's readers take them as one
// stream). A block whose sample does not compress is stored (level 0): deflate
// at any level runs ~40 MB/s on these machines and buys nothing on random or
// already-compressed data.
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

const SAMPLE = 32 * 1024;

function gzipAsync(buf: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.gzip(buf, { level, memLevel: 8 }, (e, out) => (e ? reject(e) : resolve(out))));
}

async function compressBlock(block: Buffer, level: number): Promise<Buffer> {
  if (level > 0 && block.length > SAMPLE * 2) {
    // sample the middle of the block: worth deflating only if it shrinks by 3% or more
    const mid = Math.floor(block.length / 2 - SAMPLE / 2);
    const probe = zlib.deflateRawSync(block.subarray(mid, mid + SAMPLE), { level: 1 });
    if (probe.length > SAMPLE * 0.97) return gzipAsync(block, 0);
  }
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
        blocks.push(Buffer.concat(this.parts, this.len));
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
