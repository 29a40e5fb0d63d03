// The build context indexed in memory from its tar: names, types, modes,
// owners, link targets, and each file's data and sha256, computed while the
// tar streams in. Nothing is written to disk for a build whose COPY steps all
// hit the cache; materialize() writes (parts of) the context out for the
// steps that need the files. Data beyond a memory budget is spooled to one
// temp file. Entry names are confined like extraction confines them: a name
// that climbs above the root is refused, symlinked parents are resolved inside
// the context.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { decompressStream } from '../../archive';
import { entryIds, forEachTarEntry } from '../../archive/tarfmt';
import { cleanEntryName } from '../../archive/paths';
import { S_IFBLK, S_IFCHR, S_IFIFO, makedev, mknod } from '../../sys';
import { badRequest } from '../../util/errors';
import { FileInfo, SourceFS, resolveIn } from './fs';
import { TarEndFixer } from './tarend';
import { byteOrder } from '../../util/compare';

interface DataRef {
  hash: string;
  /** In memory, or at [offset, offset+size) of the spool file. */
  buf?: Buffer;
  offset?: number;
}

interface Entry extends FileInfo {
  data?: DataRef;
  children?: Set<string>;
}

export interface IndexOptions {
  /** Directory for the spool file when the context exceeds memoryLimit. */
  spoolDir: string;
  /** Bytes of file data kept in memory (default 128 MiB). */
  memoryLimit?: number;
}

const DEFAULT_MEMORY = 128 << 20;

const escapes = (name: string) => badRequest(`invalid entry name ${JSON.stringify(name)}: path escapes the destination directory`);

function mtimeOf(h: tar.Header): number {
  const pax = h.pax as Record<string, string> | undefined;
  if (pax?.mtime) {
    const t = parseFloat(pax.mtime);
    if (Number.isFinite(t)) return Math.floor(t);
  }
  return h.mtime ? Math.floor(h.mtime.getTime() / 1000) : 0;
}

export class ContextIndex implements SourceFS {
  private readonly entries = new Map<string, Entry>();
  private spoolFd = -1;
  private spoolPath = '';
  private spoolSize = 0;
  private memory = 0;
  /** Files and bytes of file data in the context. */
  files = 0;
  bytes = 0;
  readonly bytesHashed = 0;

  private constructor(private readonly opts: IndexOptions) {
    this.entries.set('', { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, children: new Set() });
  }

  /** Indexes a context tar body (plain, gzip, bzip2, xz or zstd). */
  static async fromTar(body: Readable, opts: IndexOptions): Promise<ContextIndex> {
    const idx = new ContextIndex(opts);
    try {
      const tar = await decompressStream(body);
      const fixed = new TarEndFixer();
      tar.on('error', (e) => fixed.destroy(e));
      await idx.read(tar.pipe(fixed));
    } catch (e) {
      idx.close();
      const msg = (e as Error)?.message ?? String(e);
      if (/Invalid (tar )?header|Unexpected end of data|Header exceeds/i.test(msg)) throw badRequest(`invalid tar archive: ${msg}`);
      throw e;
    }
    return idx;
  }

  private read(input: Readable): Promise<void> {
    return forEachTarEntry(input, (h, s, done) => {
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        try {
          this.add(h);
        } catch (e) {
          return done(e);
        }
        s.on('end', () => done());
        s.resume();
        return;
      }
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      s.on('data', (c: unknown) => {
        hash.update(c as Buffer);
        chunks.push(c as Buffer);
      });
      s.on('end', () => {
        try {
          this.add(h, this.store(chunks, h.size ?? 0, hash.digest('hex')));
        } catch (e) {
          return done(e);
        }
        done();
      });
    });
  }

  private store(chunks: Buffer[], size: number, hash: string): DataRef {
    const limit = this.opts.memoryLimit ?? DEFAULT_MEMORY;
    if (this.memory + size <= limit) {
      this.memory += size;
      return { hash, buf: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) };
    }
    if (this.spoolFd < 0) {
      fs.mkdirSync(this.opts.spoolDir, { recursive: true });
      this.spoolPath = path.join(this.opts.spoolDir, `context-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.spool`);
      this.spoolFd = fs.openSync(this.spoolPath, 'w+', 0o600);
    }
    const offset = this.spoolSize;
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += fs.writeSync(this.spoolFd, c, off, c.length - off, this.spoolSize + off);
      this.spoolSize += c.length;
    }
    return { hash, offset };
  }

  /** The real path of a parent directory, created (0755) where missing. */
  private parentOf(comps: string[], name: string): string {
    let real = '';
    for (const c of comps) {
      const joined = resolveIn(this, real ? real + '/' + c : c, true);
      const e = this.entries.get(joined);
      if (!e) this.put(joined, { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, children: new Set() });
      else if (e.type !== 'dir') throw badRequest(`invalid tar archive: ${name}: not a directory`);
      real = joined;
    }
    return real;
  }

  private put(rel: string, e: Entry): void {
    const old = this.entries.get(rel);
    if (old?.type === 'dir' && e.type === 'dir') {
      e.children = old.children;
    } else if (old) this.removeTree(rel);
    if (e.type === 'dir') e.children ??= new Set();
    this.entries.set(rel, e);
    const slash = rel.lastIndexOf('/');
    const parent = this.entries.get(slash < 0 ? '' : rel.slice(0, slash));
    parent?.children?.add(slash < 0 ? rel : rel.slice(slash + 1));
    if (e.type === 'file') {
      this.files++;
      this.bytes += e.size;
    }
  }

  private removeTree(rel: string): void {
    const e = this.entries.get(rel);
    if (!e) return;
    if (e.children) for (const c of e.children) this.removeTree(rel === '' ? c : rel + '/' + c);
    if (e.type === 'file') {
      this.files--;
      this.bytes -= e.size;
    }
    this.entries.delete(rel);
    const slash = rel.lastIndexOf('/');
    this.entries.get(slash < 0 ? '' : rel.slice(0, slash))?.children?.delete(slash < 0 ? rel : rel.slice(slash + 1));
  }

  private add(h: tar.Header, data?: DataRef): void {
    const comps = cleanEntryName(h.name);
    if (comps === null) throw escapes(h.name);
    const [uid, gid] = entryIds(h);
    const base = { mode: (h.mode ?? 0o644) & 0o7777, uid, gid, mtime: mtimeOf(h), size: 0 };
    if (comps.length === 0) {
      if (h.type === 'directory') Object.assign(this.entries.get('')!, { mode: base.mode, mtime: base.mtime });
      return;
    }
    const name = comps[comps.length - 1];
    const parent = this.parentOf(comps.slice(0, -1), h.name);
    const rel = parent ? parent + '/' + name : name;
    switch (h.type) {
      case 'file':
      case 'contiguous-file':
        this.put(rel, { ...base, type: 'file', size: h.size ?? 0, data });
        break;
      case 'directory':
        this.put(rel, { ...base, type: 'dir' });
        break;
      case 'symlink':
        this.put(rel, { ...base, mode: 0o777, type: 'symlink', linkname: h.linkname ?? '' });
        break;
      case 'link': {
        const lc = cleanEntryName(h.linkname ?? '');
        if (lc === null || lc.length === 0)
          throw badRequest(`invalid hardlink target ${JSON.stringify(h.linkname ?? '')}: path escapes the destination directory`);
        const src = this.entries.get(resolveIn(this, lc.join('/'), false));
        if (!src || src.type === 'dir') throw badRequest(`invalid tar archive: hardlink target ${h.linkname} not found`);
        this.put(rel, { ...src, children: undefined });
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        this.put(rel, {
          ...base,
          type: h.type === 'fifo' ? 'fifo' : h.type === 'block-device' ? 'block' : 'char',
          devmajor: h.devmajor ?? 0,
          devminor: h.devminor ?? 0,
        });
        break;
      default:
        break; // other types are skipped, as extraction skips them
    }
  }

  lstat(rel: string): FileInfo | null {
    const e = this.entries.get(rel);
    if (!e) return null;
    const { data: _d, children: _c, ...info } = e;
    return info;
  }

  readdir(rel: string): string[] {
    const e = this.entries.get(rel);
    if (!e?.children) return [];
    return [...e.children].sort(byteOrder);
  }

  dataHash(rel: string): string {
    const e = this.entries.get(rel);
    if (!e?.data) throw new Error(`not a regular file in the context: ${rel}`);
    return e.data.hash;
  }

  openData(rel: string): Readable {
    return Readable.from([this.readFile(rel)], { objectMode: false });
  }

  readData(rel: string): Buffer {
    return this.readFile(rel);
  }

  /** A regular file's data. */
  readFile(rel: string): Buffer {
    return this.readEntry(this.entries.get(rel), rel);
  }

  private readEntry(e: Entry | undefined, rel: string): Buffer {
    if (!e || e.type !== 'file' || !e.data) throw new Error(`not a regular file in the context: ${rel}`);
    if (e.data.buf) return e.data.buf;
    if (e.size === 0) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(e.size);
    let off = 0;
    while (off < e.size) {
      const n = fs.readSync(this.spoolFd, out, off, e.size - off, e.data.offset! + off);
      if (n === 0) throw new Error('context spool truncated');
      off += n;
    }
    return out;
  }

  /**
   * Takes the directory at `rel` out of the context as a tree of its own
   * (berth's named build contexts travel in the context tar): the context no
   * longer shows it, the returned tree sees it as its root.
   */
  detach(rel: string): SourceFS {
    const root = this.entries.get(rel);
    if (!root || root.type !== 'dir' || rel === '') throw badRequest(`named build context not found in the context: ${rel}`);
    const sub = new Map<string, Entry>();
    for (const [k, e] of this.entries) {
      if (k === rel) sub.set('', { ...e, children: new Set(e.children) });
      else if (k.startsWith(rel + '/')) sub.set(k.slice(rel.length + 1), { ...e, children: e.children && new Set(e.children) });
    }
    this.removeTree(rel);
    const read = (e: Entry | undefined, r: string) => this.readEntry(e, r);
    return {
      lstat(r) {
        const e = sub.get(r);
        if (!e) return null;
        const { data: _d, children: _c, ...info } = e;
        return info;
      },
      readdir(r) {
        return [...(sub.get(r)?.children ?? [])].sort(byteOrder);
      },
      dataHash(r) {
        const e = sub.get(r);
        if (!e?.data) throw new Error(`not a regular file in the context: ${r}`);
        return e.data.hash;
      },
      openData(r) {
        return Readable.from([read(sub.get(r), r)], { objectMode: false });
      },
      readData: (r) => read(sub.get(r), r),
      bytesHashed: 0,
    };
  }

  /** Removes a path (and what is below it) from the context. */
  remove(rel: string): void {
    if (rel !== '') this.removeTree(rel);
  }

  /**
   * Writes entries to a directory on disk: the given real paths (directories
   * with everything below them) or the whole context. Parents are created
   * (0755); owners are not set (the daemon owns the files).
   */
  materialize(dir: string, rels: readonly string[] = ['']): void {
    const root = path.resolve(dir);
    fs.mkdirSync(root, { recursive: true });
    const dirTimes: Array<[string, number]> = [];
    const written = new Map<DataRef, string>();
    const write = (rel: string) => {
      const e = this.entries.get(rel);
      if (!e) return;
      const abs = rel === '' ? root : root + '/' + rel;
      if (rel !== '') fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o755 });
      switch (e.type) {
        case 'dir':
          if (rel !== '') {
            try {
              fs.mkdirSync(abs, e.mode & 0o777);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
            }
          }
          fs.chmodSync(abs, e.mode);
          for (const c of this.readdir(rel)) write(rel === '' ? c : rel + '/' + c);
          dirTimes.push([abs, e.mtime]);
          return;
        case 'file': {
          const first = e.data && written.get(e.data);
          if (first) {
            fs.linkSync(first, abs);
            return;
          }
          const fd = fs.openSync(abs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, e.mode & 0o777);
          try {
            const data = this.readFile(rel);
            let off = 0;
            while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
            fs.fchmodSync(fd, e.mode);
            fs.futimesSync(fd, e.mtime, e.mtime);
          } finally {
            fs.closeSync(fd);
          }
          if (e.data) written.set(e.data, abs);
          return;
        }
        case 'symlink':
          fs.symlinkSync(e.linkname ?? '', abs);
          fs.lutimesSync(abs, e.mtime, e.mtime);
          return;
        default: {
          const t = e.type === 'fifo' ? S_IFIFO : e.type === 'block' ? S_IFBLK : S_IFCHR;
          mknod(abs, t | (e.mode & 0o777), e.type === 'fifo' ? 0 : makedev(e.devmajor ?? 0, e.devminor ?? 0));
          fs.chmodSync(abs, e.mode);
        }
      }
    };
    for (const r of rels) write(r);
    for (const [abs, t] of dirTimes.reverse()) fs.utimesSync(abs, t, t);
  }

  /** Drops the spool file. */
  close(): void {
    if (this.spoolFd >= 0) {
      fs.closeSync(this.spoolFd);
      this.spoolFd = -1;
      fs.rmSync(this.spoolPath, { force: true });
    }
  }
}
