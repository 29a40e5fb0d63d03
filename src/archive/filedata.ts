// Writing an entry's data into its file: small files synchronously, large
// ones in the thread pool at explicit offsets with backpressure, sparse ones at
// the offsets of their map so the gaps stay holes. The unpacker (unpack.ts)
// opens and closes the files; this only writes.
import * as fs from 'node:fs';
import { badRequest } from '../util/errors';
import type { SparseInfo, TarEntryStream } from './tarfmt';

/** Files from this size on are written in the thread pool; small ones stay synchronous (a round trip each would cost more). */
export const ASYNC_WRITE_MIN = 1 << 20;
/** Bytes of one file in flight before its entry stream pauses. */
const ASYNC_WRITE_PENDING = 16 << 20;

/** A whole buffer, synchronously (small files: a thread-pool round trip each would cost more). */
export function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/**
 * A large file's data goes to the thread pool at explicit offsets, so the
 * main thread keeps hashing and parsing while the kernel copies (a pull's
 * main thread spent a third of its time in write()). The fd is closed only
 * once no write is in flight: a reused descriptor must never get our bytes.
 */
export function writeInPool(s: TarEntryStream, fd: number, fail: (e: unknown) => void, finish: () => void, close: () => void): void {
  let pos = 0;
  let inflight = 0;
  let pending = 0;
  let ended = false;
  let error: unknown;
  let paused = false;
  let settled = false;
  const settle = () => {
    if (inflight > 0 || settled || (error === undefined && !ended)) return;
    settled = true;
    if (error !== undefined) fail(error);
    else if (ended) finish();
  };
  const writeFrom = (buf: Buffer, off: number, at: number) => {
    fs.write(fd, buf, off, buf.length - off, at, (e, n) => {
      if (!e && error === undefined && off + n < buf.length) return writeFrom(buf, off + n, at + n);
      if (e && error === undefined) error = e;
      inflight--;
      pending -= buf.length;
      if (paused && pending < ASYNC_WRITE_PENDING / 2) {
        paused = false;
        s.resume();
      }
      settle();
    });
  };
  s.on('data', (data: unknown) => {
    if (error !== undefined) return;
    const buf = data as Buffer;
    inflight++;
    pending += buf.length;
    writeFrom(buf, 0, pos);
    pos += buf.length;
    if (pending >= ASYNC_WRITE_PENDING && !paused) {
      paused = true;
      s.pause();
    }
  });
  s.on('end', () => {
    ended = true;
    settle();
  });
  // destroyed mid-file (the archive failed): close once the writes are out of the pool
  s.on('close', () => {
    if (ended) return;
    if (error === undefined) error = new Error('archive ended inside a file');
    if (inflight === 0) close();
  });
}

/**
 * Writes a sparse entry's stored data at the offsets of its map, so the gaps
 * stay holes (never written, never zero-filled). PAX 1.0 entries carry the map
 * first, as decimal lines padded to a 512-byte block.
 */
export class SparseWriter {
  private seg = 0;
  private done = 0;
  private head: Buffer | undefined;
  private map: Array<[number, number]>;

  constructor(
    private readonly fd: number,
    private readonly info: SparseInfo,
  ) {
    this.map = info.map;
    if (info.mapInData) this.head = Buffer.alloc(0);
  }

  realSize(): number {
    if (this.head) throw badRequest('invalid sparse file: the map is incomplete');
    return this.info.realSize;
  }

  write(buf: Buffer): void {
    if (this.head) {
      const all = Buffer.concat([this.head, buf]);
      const parsed = parseSparseMap(all);
      if (!parsed) {
        if (all.length > 1 << 20) throw badRequest('invalid sparse file: map too large');
        this.head = all;
        return;
      }
      this.head = undefined;
      this.map = parsed.map;
      buf = all.subarray(parsed.dataStart);
    }
    let off = 0;
    while (off < buf.length) {
      while (this.seg < this.map.length && this.done >= this.map[this.seg][1]) {
        this.seg++;
        this.done = 0;
      }
      if (this.seg >= this.map.length) throw badRequest('invalid sparse file: more data than its map describes');
      const [at, len] = this.map[this.seg];
      const n = Math.min(len - this.done, buf.length - off);
      let w = 0;
      while (w < n) w += fs.writeSync(this.fd, buf, off + w, n - w, at + this.done + w);
      this.done += n;
      off += n;
    }
  }
}

/** PAX 1.0 map: "N\n" then N pairs of "offset\nlength\n", the block padded to 512 bytes. null until complete. */
function parseSparseMap(b: Buffer): { map: Array<[number, number]>; dataStart: number } | null {
  const nums: number[] = [];
  let pos = 0;
  let want = 1;
  while (nums.length < want) {
    const nl = b.indexOf(0x0a, pos);
    if (nl < 0) return null;
    const v = Number(b.toString('latin1', pos, nl));
    if (!Number.isSafeInteger(v) || v < 0) throw badRequest('invalid sparse file: bad map');
    nums.push(v);
    pos = nl + 1;
    if (nums.length === 1) want = 1 + 2 * v;
  }
  const dataStart = Math.ceil(pos / 512) * 512;
  if (b.length < dataStart) return null;
  const map: Array<[number, number]> = [];
  for (let i = 1; i < nums.length; i += 2) map.push([nums[i], nums[i + 1]]);
  return { map, dataStart };
}
