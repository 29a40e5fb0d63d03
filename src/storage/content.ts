// Content store: verified blobs addressed by digest (content/blobs/sha256/<hex>).
// A blob is staged in tmp/, hashed while written, and renamed into place only
// when its digest matches, so a crash never leaves a half-written blob.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fsyncDir } from '../util/fsutil';
import { tap } from '../util/tap';

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export class ContentStore {
  readonly blobsDir: string;

  constructor(
    root: string,
    private readonly tmpDir: string,
  ) {
    this.blobsDir = path.join(root, 'blobs', 'sha256');
    fs.mkdirSync(this.blobsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  }

  path(digest: string): string {
    if (!DIGEST_RE.test(digest)) throw new Error(`invalid digest: ${digest}`);
    return path.join(this.blobsDir, digest.slice(7));
  }

  has(digest: string): boolean {
    return fs.existsSync(this.path(digest));
  }

  read(digest: string): Buffer {
    return fs.readFileSync(this.path(digest));
  }

  /** Stores bytes and returns their digest. */
  putBytes(data: Buffer): string {
    const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
    const final = this.path(digest);
    if (fs.existsSync(final)) return digest;
    const tmp = path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, final);
    fsyncDir(this.blobsDir);
    return digest;
  }

  /** Streams a blob in, verifying it against `expected` when given. */
  async putStream(src: Readable, expected?: string): Promise<{ digest: string; size: number }> {
    const tmp = path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const seen = tap((chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(src, seen, fs.createWriteStream(tmp, { mode: 0o600 }));
      const digest = 'sha256:' + hash.digest('hex');
      if (expected && expected !== digest) throw new Error(`digest mismatch: expected ${expected}, got ${digest}`);
      const fd = fs.openSync(tmp, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, this.path(digest));
      fsyncDir(this.blobsDir);
      return { digest, size };
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  delete(digest: string): void {
    fs.rmSync(this.path(digest), { force: true });
  }

  /** Digests of every stored blob (for garbage collection). */
  list(): string[] {
    return fs
      .readdirSync(this.blobsDir)
      .filter((n) => /^[a-f0-9]{64}$/.test(n))
      .map((n) => 'sha256:' + n);
  }

  size(digest: string): number {
    try {
      return fs.statSync(this.path(digest)).size;
    } catch {
      return 0;
    }
  }

  /** A blob written piece by piece (synchronously, from a stream tap) and committed once verified. */
  writer(): BlobWriter {
    return new BlobWriter(this, path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`));
  }

  /** Moves a verified temp file into place (a blob already there wins). */
  adopt(tmp: string, digest: string): void {
    const final = this.path(digest);
    if (fs.existsSync(final)) {
      fs.rmSync(tmp, { force: true });
      return;
    }
    fs.renameSync(tmp, final);
  }
}

/** Bytes a writer may have in flight before it writes synchronously (bounds memory). */
const MAX_PENDING = 32 << 20;

export class BlobWriter {
  private fd: number;
  private readonly hash = createHash('sha256');
  size = 0;
  private closed = false;
  /** writes run in the thread pool at explicit offsets, so their order does not matter */
  private pending = 0;
  private inflight = 0;
  private failure: Error | undefined;
  private idle: Array<() => void> = [];

  constructor(
    private readonly store: ContentStore,
    readonly tmp: string,
  ) {
    this.fd = fs.openSync(tmp, 'w', 0o600);
  }

  write(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    this.hash.update(chunk);
    const pos = this.size;
    this.size += chunk.length;
    if (this.pending + chunk.length > MAX_PENDING) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off, pos + off);
      return;
    }
    this.pending += chunk.length;
    this.inflight++;
    const done = (e: Error | null) => {
      this.pending -= chunk.length;
      this.inflight--;
      if (e && !this.failure) this.failure = e;
      if (this.inflight === 0) for (const f of this.idle.splice(0)) f();
    };
    const writeFrom = (off: number) =>
      fs.write(this.fd, chunk, off, chunk.length - off, pos + off, (e, n) => {
        if (e || this.closed) return done(e ?? null);
        if (off + n < chunk.length) return writeFrom(off + n);
        done(null);
      });
    writeFrom(0);
  }

  private settled(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  digest(): string {
    return 'sha256:' + this.hash.copy().digest('hex');
  }

  /** Verifies, flushes (in the thread pool) and renames into place. */
  async commit(expected?: string): Promise<{ digest: string; size: number }> {
    const digest = this.digest();
    if (expected && expected !== digest) {
      this.abort();
      throw new Error(`digest mismatch: expected ${expected}, got ${digest}`);
    }
    await this.settled();
    if (this.failure) {
      this.abort();
      throw this.failure;
    }
    await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
    fs.closeSync(this.fd);
    this.closed = true;
    this.store.adopt(this.tmp, digest);
    return { digest, size: this.size };
  }

  abort(): void {
    if (!this.closed) {
      this.closed = true;
      // writes still in the thread pool finish on the fd first
      const fd = this.fd;
      void this.settled().then(() => {
        try {
          fs.closeSync(fd);
        } catch {
          /* already closed */
        }
      });
    }
    fs.rmSync(this.tmp, { force: true });
  }
}
