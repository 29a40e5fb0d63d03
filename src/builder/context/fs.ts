// A read-only view of a tree that COPY/ADD take sources from: the build
// context (indexed in memory from its tar, see tarindex.ts) or a directory on
// disk (a stage's or an image's root for COPY --from). Paths are relative,
// "/"-separated, '' for the root. Symlinks are only ever interpreted inside
// the tree (absolute targets restart at its root, ".." stops at it).
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { major, minor } from '../../sys';
import { byteOrder } from '../../util/compare';

export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

export interface FileInfo {
  type: FileType;
  /** Permission and special bits (& 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

export interface SourceFS {
  lstat(rel: string): FileInfo | null;
  /** Names in a directory, sorted. */
  readdir(rel: string): string[];
  /** sha256 (hex) of a regular file's data; implementations cache it. */
  dataHash(rel: string): string;
  /** A regular file's data. */
  openData(rel: string): Readable;
  /** A small regular file's data at once (no stream: a copy of many small files is not a thread-pool round trip each). */
  readData?(rel: string): Buffer;
  /** Bytes of data read to hash (for measurements). */
  readonly bytesHashed: number;
}

const MAX_LINKS = 255;

export class LoopError extends Error {
  constructor(p: string) {
    super(`too many levels of symbolic links: ${p}`);
  }
}

/**
 * Resolves rel inside the tree, following symlinks (the final one too when
 * followFinal) the way a chroot would. Missing components are kept lexically.
 * Returns the real relative path.
 */
export function resolveIn(sfs: SourceFS, rel: string, followFinal = true): string {
  const cur: string[] = [];
  const pending = rel.split('/').reverse();
  let links = 0;
  while (pending.length) {
    const c = pending.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      cur.pop();
      continue;
    }
    cur.push(c);
    const isFinal = pending.every((p) => p === '' || p === '.');
    if (isFinal && !followFinal) break;
    const info = sfs.lstat(cur.join('/'));
    if (!info || info.type !== 'symlink') continue;
    if (++links > MAX_LINKS) throw new LoopError(rel);
    cur.pop();
    const target = info.linkname ?? '';
    if (target.startsWith('/')) cur.length = 0;
    const t = target.split('/');
    for (let i = t.length - 1; i >= 0; i--) pending.push(t[i]);
  }
  return cur.join('/');
}

function typeOf(st: fs.Stats): FileType | null {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return null;
}

const CHUNK = 1 << 20;

/** A directory on disk as a SourceFS (never follows a symlink on its own). */
export class DiskFS implements SourceFS {
  private readonly root: string;
  private readonly hashes = new Map<string, string>();
  private buf: Buffer | undefined;
  bytesHashed = 0;

  constructor(root: string) {
    this.root = root.replace(/\/+$/, '') || '/';
  }

  abs(rel: string): string {
    return rel === '' ? this.root : (this.root === '/' ? '' : this.root) + '/' + rel;
  }

  lstat(rel: string): FileInfo | null {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(this.abs(rel));
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'ENOENT' || c === 'ENOTDIR') return null;
      throw e;
    }
    const type = typeOf(st);
    if (!type) return null; // sockets are not copied
    const info: FileInfo = {
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      size: type === 'file' ? st.size : 0,
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (type === 'symlink') info.linkname = fs.readlinkSync(this.abs(rel));
    if (type === 'char' || type === 'block') {
      info.devmajor = major(st.rdev);
      info.devminor = minor(st.rdev);
    }
    return info;
  }

  readdir(rel: string): string[] {
    return fs.readdirSync(this.abs(rel)).sort(byteOrder);
  }

  openData(rel: string): Readable {
    const fd = fs.openSync(this.abs(rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    return fs.createReadStream('', { fd, highWaterMark: CHUNK });
  }

  readData(rel: string): Buffer {
    const fd = fs.openSync(this.abs(rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  dataHash(rel: string): string {
    const abs = this.abs(rel);
    const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const st = fs.fstatSync(fd);
      const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      const hit = this.hashes.get(key);
      if (hit) return hit;
      const h = createHash('sha256');
      const buf = (this.buf ??= Buffer.allocUnsafe(CHUNK));
      for (;;) {
        const n = fs.readSync(fd, buf, 0, CHUNK, null);
        if (n === 0) break;
        h.update(n === CHUNK ? buf : buf.subarray(0, n));
        this.bytesHashed += n;
      }
      const hex = h.digest('hex');
      this.hashes.set(key, hex);
      return hex;
    } finally {
      fs.closeSync(fd);
    }
  }
}
