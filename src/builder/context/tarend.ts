// The docker CLI sends some contexts as tars that stop right after the last
// entry's data: no padding to the block size, no end-of-archive blocks (its
// Dockerfile-from-stdin wrapper does so, and Docker's daemon accepts them).
// This pass-through follows the block structure (headers, data, padding)
// and, when the input ends after a complete entry, adds what is missing. A
// tar cut inside an entry's data is left as it is, so it still fails.
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;

/** Entry size from a header block's size field (octal, or base-256 for big sizes). */
function headerSize(h: Buffer): number {
  const f = h.subarray(124, 136);
  if (f[0] & 0x80) {
    let n = 0;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i];
    return n;
  }
  const s = f.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) || 0 : 0;
}

export class TarEndFixer extends Transform {
  /** Bytes of the current header block seen so far (while at a header). */
  private head = Buffer.alloc(BLOCK);
  private headLen = 0;
  /** Data + padding bytes still to come for the current entry. */
  private body = 0;
  /** Bytes of real data among them (the rest is padding). */
  private data = 0;
  private ended = false;

  constructor() {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    let i = 0;
    while (i < chunk.length && !this.ended) {
      if (this.body > 0) {
        const n = Math.min(this.body, chunk.length - i);
        this.body -= n;
        this.data = Math.max(0, this.data - n);
        i += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headLen, chunk.length - i);
      chunk.copy(this.head, this.headLen, i, i + n);
      this.headLen += n;
      i += n;
      if (this.headLen < BLOCK) break;
      this.headLen = 0;
      if (this.head.every((b) => b === 0)) {
        this.ended = true; // end-of-archive: the rest is not ours to check
        break;
      }
      const size = headerSize(this.head);
      this.data = size;
      this.body = Math.ceil(size / BLOCK) * BLOCK;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    // complete when at a header boundary, or only padding is missing
    if (!this.ended && this.headLen === 0 && this.data === 0) this.push(Buffer.alloc(this.body + 2 * BLOCK));
    cb();
  }
}
