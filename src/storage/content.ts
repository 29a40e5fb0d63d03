// Content store: verified blobs addressed by digest (content/blobs/sha256/<hex>).
// A blob is staged in tmp/, hashed while written, and renamed into place only
// when its digest matches, so a crash never leaves a half-written blob.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { fsyncDir } from '../util/fsutil';

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
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(src, tap, fs.createWriteStream(tmp, { mode: 0o600 }));
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
}
