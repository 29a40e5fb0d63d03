// Content checksums of COPY/ADD sources for the build cache. A source's
// checksum covers what the copy produces: names (relative to the source),
// file types, data, link targets, permission bits after --chmod, owners after
// --chown (root when not given, the source's own for COPY --from); not times
// or inode numbers, so it is stable across runs and re-extractions of the same
// context. Formats follow the classic builder's history text:
// "file:<sha256>", "dir:<sha256>", "multi:<sha256>" for several sources.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceInfo } from './sources';

export interface ChecksumOptions {
  /** --chown, resolved. */
  owner?: { uid: number; gid: number };
  /** COPY --from without --chown: the sources' own owners. */
  preserveOwnership?: boolean;
  /** --chmod: replaces the permission bits of every copied file and directory. */
  chmod?: number;
}

const CHUNK = 1 << 20;
/** Yield to the event loop after this much hashing work (ms), so a big context does not stall the daemon. */
const SLICE_MS = 20;

function typeOf(st: fs.Stats): string | null {
  if (st.isFile()) return 'f';
  if (st.isDirectory()) return 'd';
  if (st.isSymbolicLink()) return 'l';
  if (st.isCharacterDevice()) return 'c';
  if (st.isBlockDevice()) return 'b';
  if (st.isFIFO()) return 'p';
  return null; // sockets are not copied
}

/**
 * Hashes sources; remembers file data hashes (by device, inode, size, mtime,
 * ctime) so files shared by several COPY steps of one build are read once.
 */
export class SourceHasher {
  private readonly dataCache = new Map<string, string>();
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private sliceStart = 0;
  /** Bytes of file data read (for measurements). */
  bytesRead = 0;

  private async maybeYield(): Promise<void> {
    const now = performance.now();
    if (this.sliceStart === 0) this.sliceStart = now;
    else if (now - this.sliceStart > SLICE_MS) {
      await new Promise<void>((r) => setImmediate(r));
      this.sliceStart = performance.now();
    }
  }

  /** sha256 of a regular file's data (opened without following a final symlink). */
  private fileData(abs: string, st: fs.Stats): string {
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = this.dataCache.get(key);
    if (hit) return hit;
    const h = createHash('sha256');
    const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      for (;;) {
        const n = fs.readSync(fd, this.buf, 0, CHUNK, null);
        if (n === 0) break;
        h.update(n === CHUNK ? this.buf : this.buf.subarray(0, n));
        this.bytesRead += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    const hex = h.digest('hex');
    this.dataCache.set(key, hex);
    return hex;
  }

  private record(h: ReturnType<typeof createHash>, name: string, abs: string, st: fs.Stats, opts: ChecksumOptions): boolean {
    const t = typeOf(st);
    if (t === null) return false;
    const own = opts.owner ?? (opts.preserveOwnership ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
    const perm = t === 'l' ? 0o777 : opts.chmod !== undefined ? opts.chmod : st.mode & 0o7777;
    let extra = '';
    if (t === 'f') extra = `${st.size} ${this.fileData(abs, st)}`;
    else if (t === 'l') extra = JSON.stringify(fs.readlinkSync(abs));
    else if (t === 'c' || t === 'b') extra = String(st.rdev);
    h.update(`${t} ${perm.toString(8)} ${own.uid}:${own.gid} ${JSON.stringify(name)} ${extra}\n`);
    return true;
  }

  /** "file:<hex>" for a file source, "dir:<hex>" for a directory (its contents, recursively). */
  async hashSource(info: SourceInfo, opts: ChecksumOptions = {}): Promise<string> {
    await this.maybeYield();
    const h = createHash('sha256');
    if (!info.stat.isDirectory()) {
      this.record(h, path.posix.basename(info.path), info.abs, info.stat, opts);
      return 'file:' + h.digest('hex');
    }
    this.record(h, '.', info.abs, info.stat, opts);
    const walk = async (absDir: string, rel: string): Promise<void> => {
      const names = fs.readdirSync(absDir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const name of names) {
        await this.maybeYield();
        const abs = absDir + '/' + name;
        const r = rel ? rel + '/' + name : name;
        const st = fs.lstatSync(abs);
        this.record(h, r, abs, st, opts);
        if (st.isDirectory()) await walk(abs, r);
      }
    };
    await walk(info.abs, '');
    return 'dir:' + h.digest('hex');
  }

  /** "file:<hex>" for a file made from data (a heredoc, a download) under a name. */
  hashData(name: string, data: string | Buffer, mode: number, opts: ChecksumOptions = {}): string {
    const own = opts.owner ?? { uid: 0, gid: 0 };
    const perm = opts.chmod !== undefined ? opts.chmod : mode;
    const d = createHash('sha256').update(data).digest('hex');
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const rec = `f ${perm.toString(8)} ${own.uid}:${own.gid} ${JSON.stringify(name)} ${size} ${d}\n`;
    return 'file:' + createHash('sha256').update(rec).digest('hex');
  }
}

/** One source's checksum as it is; several combined as "multi:<sha256 of the list>". */
export function combineChecksums(sums: readonly string[]): string {
  if (sums.length === 1) return sums[0];
  return 'multi:' + createHash('sha256').update(sums.join(',')).digest('hex');
}

/** Checksum of all path sources of one step, in order. */
export async function checksumSources(infos: readonly SourceInfo[], opts: ChecksumOptions = {}, hasher = new SourceHasher()): Promise<string> {
  const sums: string[] = [];
  for (const i of infos) sums.push(await hasher.hashSource(i, opts));
  return combineChecksums(sums);
}
