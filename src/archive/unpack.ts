// The tar entry writer behind extractLayer and extractInto. Every path is
// confined to `root`: entry names are cleaned lexically (no climbing above the
// destination), parents are resolved component by component without leaving
// the root (symlinks re-rooted), final components are never followed.
// Hot path: one open per file with the right mode, sync writes of each chunk,
// chown/chmod only when creation did not already give the right result.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { badRequest } from '../util/errors';
import { lsetxattr, makeWhiteout, mknod, makedev, S_IFBLK, S_IFCHR, S_IFIFO } from '../sys';
import { breakout, cleanEntryName, walkInRoot } from './paths';
import { entryIds, forEachTarEntry, paxXattrs, type TarEntryStream } from './tarfmt';

export interface UnpackOptions {
  /** Confinement root (symlinks resolve inside it). */
  root: string;
  /** Real components of the extraction directory below root ([] = root). */
  base: string[];
  /** Convert `.wh.` entries to overlayfs whiteouts and opaque markers. */
  whiteouts: boolean;
  noOverwriteDirNonDir: boolean;
  /** Owner for every entry instead of the tar's uid/gid. */
  chown?: { uid: number; gid: number };
  /** Skip ownership entirely. */
  ignoreOwnership?: boolean;
  /**
   * Image layers from a registry or an archive: refuse absolute names,
   * symlinks whose relative target climbs out of the layer, and device nodes
   * outside /dev (or 0:0 character devices, which overlay would take for
   * whiteouts), instead of quietly confining them.
   */
  strict?: boolean;
}

type EntryStream = TarEntryStream;

interface Dir {
  abs: string;
  sgid: boolean;
  /** Reached without following a symlink, so its entry path can be cached. */
  trivial: boolean;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const WH = '.wh.';
const WH_META = '.wh..wh.';
const WH_OPAQUE = '.wh..wh..opq';

function child(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

function noop(): void {}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** Files from this size on are written in the thread pool; small ones stay synchronous (a round trip each would cost more). */
const ASYNC_WRITE_MIN = 1 << 20;
/** Bytes of one file in flight before its entry stream pauses. */
const ASYNC_WRITE_PENDING = 16 << 20;

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function mtimeOf(h: tar.Header): number {
  const pax = h.pax as Record<string, string> | undefined;
  if (pax?.mtime) {
    const t = parseFloat(pax.mtime);
    if (Number.isFinite(t)) return t;
  }
  return h.mtime ? h.mtime.getTime() / 1000 : 0;
}

class Unpacker {
  size = 0;
  private readonly root: string;
  private readonly baseAbs: string;
  private readonly base: Dir;
  /** entry-relative dir path -> resolved dir; prefix-closed, trivial resolutions only */
  private cache = new Map<string, Dir>();
  private cachedAbs = new Set<string>();
  private dirTimes: Array<[string, number, number]> = [];
  private readonly umask = process.umask();
  private readonly euid = process.geteuid?.() ?? 0;
  private readonly egid = process.getegid?.() ?? 0;

  constructor(private readonly o: UnpackOptions) {
    this.root = o.root.replace(/\/+$/, '') || '';
    this.baseAbs = this.at(o.base);
    this.base = { abs: this.baseAbs, sgid: (fs.statSync(this.baseAbs).mode & 0o2000) !== 0, trivial: true };
    this.resetCache();
  }

  private resetCache(): void {
    this.cache.clear();
    this.cachedAbs.clear();
    this.cache.set('', this.base);
    this.cachedAbs.add(this.baseAbs);
  }

  private remember(key: string, d: Dir): void {
    this.cache.set(key, d);
    this.cachedAbs.add(d.abs);
  }

  /** Host path of real components below root. */
  private at(parts: string[]): string {
    return parts.length ? this.root + '/' + parts.join('/') : this.root || '/';
  }

  /** The directory holding entry components `pc`, created (0755) where missing. */
  private parentDir(pc: string[], create = true): Dir {
    const key = pc.join('/');
    const hit = this.cache.get(key);
    if (hit) return hit;
    let i = pc.length - 1;
    while (i > 0 && !this.cache.has(pc.slice(0, i).join('/'))) i--;
    const from = this.o.base.concat(pc.slice(0, i));
    const seen: Array<[string[], boolean]> = [];
    const r = walkInRoot(this.root, from, pc.slice(i), {
      followFinal: true,
      create,
      onDir: (parts, sgid) => seen.push([parts.slice(), sgid]),
    });
    const abs = this.at(r.parts);
    const last = seen[seen.length - 1];
    const d: Dir = { abs, sgid: !r.followedLink && last ? last[1] : true, trivial: !r.followedLink };
    if (!r.followedLink && create) {
      for (const [parts, sgid] of seen) {
        const rel = parts.slice(this.o.base.length).join('/');
        this.remember(rel, { abs: this.at(parts), sgid, trivial: true });
      }
    }
    return d;
  }

  /** Removes whatever is at abs so an entry can take its place. */
  private replace(abs: string, name: string, isDirEntry: boolean, st?: fs.Stats): void {
    st ??= fs.lstatSync(abs);
    const isDir = st.isDirectory();
    if (this.o.noOverwriteDirNonDir) {
      if (isDir && !isDirEntry) throw badRequest(`cannot overwrite directory "${abs.slice(this.root.length) || '/'}" with non-directory "${name}"`);
      if (!isDir && isDirEntry) throw badRequest(`cannot overwrite non-directory "${abs.slice(this.root.length)}" with directory "${name}"`);
    }
    if (abs === this.baseAbs || this.baseAbs.startsWith(abs + '/')) throw breakout(name);
    if (this.cachedAbs.has(abs)) this.resetCache();
    if (isDir) fs.rmSync(abs, { recursive: true, force: true });
    else fs.unlinkSync(abs);
  }

  private owner(h: tar.Header): [number, number] | null {
    if (this.o.ignoreOwnership) return null;
    if (this.o.chown) return [this.o.chown.uid, this.o.chown.gid];
    return entryIds(h);
  }

  private needsChown(own: [number, number] | null, parent: Dir): boolean {
    return own !== null && (own[0] !== this.euid || own[1] !== this.egid || parent.sgid);
  }

  private setXattrs(abs: string, h: tar.Header): void {
    const x = paxXattrs(h.pax);
    if (!x) return;
    for (const [name, value] of x) {
      if (name.startsWith('trusted.overlay.')) continue; // overlay internals are ours to set
      try {
        lsetxattr(abs, name, value);
      } catch (e) {
        if (code(e) !== 'ENOTSUP' && code(e) !== 'EOPNOTSUPP') throw e;
      }
    }
  }

  /** Handles one entry; calls done exactly once. */
  entry(h: tar.Header, s: EntryStream, done: (err?: unknown) => void): void {
    let comps: string[] | null;
    s.on('error', noop); // errors surface through the extract stream
    try {
      this.size += h.size || 0;
      comps = cleanEntryName(h.name);
      if (comps === null) throw breakout(h.name);
      if (this.o.strict) this.checkStrict(h, comps);
      if (comps.length === 0) return drain(s, h, done); // the extraction dir itself
      const name = comps[comps.length - 1];
      const pc = comps.slice(0, -1);
      if (this.o.whiteouts && comps[0].startsWith(WH_META)) return drain(s, h, done); // aufs metadata: skipped
      if (this.o.whiteouts && name.startsWith(WH)) {
        this.whiteout(h, pc, name);
        return drain(s, h, done);
      }
      const parent = this.parentDir(pc);
      const abs = child(parent.abs, name);
      switch (h.type) {
        case 'file':
        case 'contiguous-file':
          return this.file(h, s, parent, abs, done);
        case 'directory':
          this.dir(h, parent, abs, comps);
          break;
        case 'symlink':
          this.create(abs, h.name, false, () => fs.symlinkSync(h.linkname ?? '', abs));
          this.meta(h, parent, abs, false);
          break;
        case 'link':
          this.hardlink(h, abs);
          break;
        case 'character-device':
        case 'block-device':
        case 'fifo': {
          const t = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
          const dev = h.type === 'fifo' ? 0 : makedev(h.devmajor ?? 0, h.devminor ?? 0);
          this.create(abs, h.name, false, () => mknod(abs, t | (h.mode & 0o777), dev));
          this.meta(h, parent, abs, true);
          break;
        }
        default:
          break; // unsupported types (sparse, sockets) are skipped like Docker
      }
    } catch (e) {
      return done(e);
    }
    drain(s, h, done);
  }

  private checkStrict(h: tar.Header, comps: string[]): void {
    if (h.name.startsWith('/')) throw badRequest(`invalid layer entry ${JSON.stringify(h.name)}: absolute path`);
    if (h.type === 'symlink') {
      const target = h.linkname ?? '';
      if (!target.startsWith('/')) {
        // resolve lexically from the link's directory: climbing above the layer root is a breakout
        const parts = comps.slice(0, -1);
        for (const p of target.split('/')) {
          if (p === '' || p === '.') continue;
          if (p === '..') {
            if (parts.length === 0) throw badRequest(`invalid symlink ${JSON.stringify(h.name)} -> ${JSON.stringify(target)}: target outside the layer`);
            parts.pop();
          } else parts.push(p);
        }
      }
    }
    if (h.type === 'character-device' || h.type === 'block-device') {
      if (h.type === 'character-device' && !h.devmajor && !h.devminor)
        throw badRequest(`invalid layer entry ${JSON.stringify(h.name)}: a 0:0 character device (whiteouts must be .wh. files)`);
      if (comps[0] !== 'dev') throw badRequest(`invalid layer entry ${JSON.stringify(h.name)}: device node outside /dev`);
    }
  }

  /** Runs mk; when something is in the way, removes it and retries once. */
  private create(abs: string, name: string, isDir: boolean, mk: () => void): void {
    try {
      mk();
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
      this.replace(abs, name, isDir);
      mk();
    }
  }

  private whiteout(h: tar.Header, pc: string[], name: string): void {
    if (name === WH_OPAQUE) {
      lsetxattr(this.parentDir(pc).abs, 'trusted.overlay.opaque', Buffer.from('y'));
      return;
    }
    if (name.startsWith(WH_META)) return; // aufs metadata (.wh..wh.plnk, ...): not supported
    const parent = this.parentDir(pc);
    const abs = child(parent.abs, name.slice(WH.length));
    this.create(abs, h.name, false, () => makeWhiteout(abs));
    const own = this.owner(h);
    if (this.needsChown(own, parent)) fs.lchownSync(abs, own![0], own![1]);
  }

  private dir(h: tar.Header, parent: Dir, abs: string, comps: string[]): void {
    const mode = h.mode & 0o7777;
    try {
      fs.mkdirSync(abs, mode & 0o777);
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
      const st = fs.lstatSync(abs);
      if (!st.isDirectory()) {
        this.replace(abs, h.name, true, st);
        fs.mkdirSync(abs, mode & 0o777);
      }
    }
    const own = this.owner(h);
    if (own) fs.lchownSync(abs, own[0], own[1]);
    fs.chmodSync(abs, mode);
    this.setXattrs(abs, h);
    const mt = mtimeOf(h);
    this.dirTimes.push([abs, mt, mt]);
    if (parent.trivial) this.remember(comps.join('/'), { abs, sgid: (mode & 0o2000) !== 0, trivial: true });
  }

  /** Owner, mode, xattrs, times of a non-directory, non-regular entry (by path). */
  private meta(h: tar.Header, parent: Dir, abs: string, chmod: boolean): void {
    const own = this.owner(h);
    if (this.needsChown(own, parent)) fs.lchownSync(abs, own![0], own![1]);
    const mode = h.mode & 0o7777;
    if (chmod && ((mode & 0o7000) !== 0 || (mode & this.umask) !== 0)) fs.chmodSync(abs, mode);
    this.setXattrs(abs, h);
    const mt = mtimeOf(h);
    fs.lutimesSync(abs, mt, mt);
  }

  private hardlink(h: tar.Header, abs: string): void {
    const lc = cleanEntryName(h.linkname ?? '');
    if (lc === null || lc.length === 0) throw breakout(h.linkname ?? '', 'hardlink target');
    const srcParent = this.parentDir(lc.slice(0, -1), false);
    const src = child(srcParent.abs, lc[lc.length - 1]);
    if (src === abs) return;
    this.create(abs, h.name, false, () => {
      try {
        fs.linkSync(src, abs);
      } catch (e) {
        // the archive's mistake, told in its own names (never the host path of the target)
        if (code(e) === 'ENOENT') throw badRequest(`invalid hardlink ${h.name}: target ${h.linkname} is not in the archive`);
        throw e;
      }
    });
  }

  private file(h: tar.Header, s: EntryStream, parent: Dir, abs: string, done: (err?: unknown) => void): void {
    const mode = h.mode & 0o7777;
    let fd = -1;
    try {
      this.create(abs, h.name, false, () => {
        fd = fs.openSync(abs, CREATE_FLAGS, mode & 0o777);
      });
    } catch (e) {
      return done(e);
    }
    let failed = false;
    const close = () => {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    };
    const fail = (e: unknown) => {
      failed = true;
      close();
      done(e);
    };
    const finish = () => {
      try {
        const own = this.owner(h);
        if (this.needsChown(own, parent)) fs.fchownSync(fd, own![0], own![1]);
        if ((mode & 0o7000) !== 0 || (mode & this.umask) !== 0) fs.fchmodSync(fd, mode);
        this.setXattrs(abs, h);
        const mt = mtimeOf(h);
        fs.futimesSync(fd, mt, mt);
        close();
      } catch (e) {
        return fail(e);
      }
      done();
    };
    if (!h.size) return finish();
    if (h.size >= ASYNC_WRITE_MIN) return this.bigFile(s, () => fd, fail, finish, close);
    s.on('data', (data: unknown) => {
      if (failed) return;
      try {
        writeAll(fd, data as Buffer);
      } catch (e) {
        fail(e);
      }
    });
    s.on('end', () => {
      if (!failed) finish();
    });
    s.on('close', close); // destroyed mid-file (the archive failed): do not leak the fd
  }

  /**
   * A large file's data goes to the thread pool at explicit offsets, so the
   * main thread keeps hashing and parsing while the kernel copies (a pull's
   * main thread spent a third of its time in write()). The fd is closed only
   * once no write is in flight: a reused descriptor must never get our bytes.
   */
  private bigFile(s: EntryStream, fdOf: () => number, fail: (e: unknown) => void, finish: () => void, close: () => void): void {
    const fd = fdOf();
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

  /** Directory times last: creating their contents changed them. */
  finish(): void {
    for (const [abs, at, mt] of this.dirTimes) {
      try {
        fs.lutimesSync(abs, at, mt);
      } catch (e) {
        if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') throw e;
      }
    }
  }
}

/** Consumes an entry's body (if any) and signals completion. */
function drain(s: EntryStream, h: tar.Header, done: (err?: unknown) => void): void {
  if (!h.size) return done();
  s.on('end', () => done());
  s.resume();
}

/** Unpacks a plain (decompressed) tar stream. */
export async function unpack(input: Readable, o: UnpackOptions): Promise<{ size: number }> {
  const u = new Unpacker(o);
  await forEachTarEntry(input, (h, s, done) => u.entry(h, s, done));
  u.finish();
  return { size: u.size };
}
