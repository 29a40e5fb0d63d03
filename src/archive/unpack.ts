// The tar entry writer behind extractLayer and extractInto. Every path is
// confined to `root`: entry names are cleaned lexically (no climbing above the
// destination), parents are resolved component by component without leaving
// the root (symlinks re-rooted), final components are never followed.
// Hot path: one open per file with the right mode, sync writes of each chunk,
// chown/chmod only when creation did not already give the right result.
//
// Two ways to reach the directories:
// - by path string (extractLayer): a fresh layer directory that only this
//   unpack can see (pull, load, import), so nothing can swap a component
//   between our calls; resolving by string keeps the pull's fast path.
// - by directory fd (rootFd set: docker cp, the builder's COPY): the root may
//   belong to a running container that changes it while we write. Each parent
//   directory is opened with openat2(RESOLVE_IN_ROOT) from the root fd and
//   entries are made through /proc/self/fd/<dir>/<name> with calls that never
//   follow the final name; modes, owners, xattrs and times of directories go
//   through an fd opened O_NOFOLLOW. See inroot.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { badRequest, internal } from '../util/errors';
import { fsetxattr, lsetxattr, makeWhiteout, mknod, makedev, S_IFBLK, S_IFCHR, S_IFIFO } from '../sys';
import { ASYNC_WRITE_MIN, SparseWriter, writeAll, writeInPool } from './filedata';
import { O_PATH, chainToRoot, closeQuietly, fdPath, hideFdPaths, openIn, removeAt } from './inroot';
import { MAX_SYMLINKS, breakout, cleanEntryName, walkInRoot } from './paths';
import { entryIds, forEachTarEntry, paxXattrs, sparseOf, type SparseInfo, type TarEntryStream } from './tarfmt';

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
  /**
   * Directory fd of the root: resolve everything through fds (see above).
   * `base` is then the extraction directory's container path components,
   * re-resolved inside the root, and `baseFd` its open fd.
   */
  rootFd?: number;
  baseFd?: number;
  /** The extraction directory as errors name it (default: the base's container path). */
  destName?: string;
}

type EntryStream = TarEntryStream;

interface Dir {
  abs: string;
  sgid: boolean;
  /** Reached without following a symlink, so its entry path can be cached. */
  trivial: boolean;
  /** fd mode: the directory's fd (abs is its /proc/self/fd path). */
  fd?: number;
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = fs.constants;
/** fd mode: directory fds kept open for later entries (a tar lists a directory's files together). */
const FD_CACHE_MAX = 64;
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

  private readonly rootFd: number | undefined;
  /** The current entry's sparse layout (GNU or PAX sparse formats). */
  private sparse: SparseInfo | undefined;
  /** fd mode: dev:ino of the extraction dir and each directory above it up to the root (never replaced). */
  private baseChain = new Set<string>();

  constructor(private readonly o: UnpackOptions) {
    this.root = o.root.replace(/\/+$/, '') || '';
    this.rootFd = o.rootFd;
    if (this.rootFd !== undefined) {
      const fd = o.baseFd!;
      this.baseAbs = fdPath(fd);
      this.base = { abs: this.baseAbs, sgid: (fs.fstatSync(fd).mode & 0o2000) !== 0, trivial: true, fd };
      this.baseChain = chainToRoot(fd, this.rootFd);
    } else {
      this.baseAbs = this.at(o.base);
      this.base = { abs: this.baseAbs, sgid: (fs.statSync(this.baseAbs).mode & 0o2000) !== 0, trivial: true };
    }
    this.resetCache();
  }

  /** fd mode: fds dropped from the cache, closed once the entry that may still use them is done. */
  private stale: number[] = [];

  private closeStale(): void {
    for (const fd of this.stale) closeQuietly(fd);
    this.stale.length = 0;
  }

  /** Closes the directory fds this unpack opened (not the root's or the base's). */
  close(): void {
    this.resetCache();
    this.closeStale();
  }

  private resetCache(): void {
    for (const d of this.cache.values()) if (d.fd !== undefined && d !== this.base) this.stale.push(d.fd);
    this.cache.clear();
    this.cachedAbs.clear();
    this.cache.set('', this.base);
    this.cachedAbs.add(this.baseAbs);
  }

  private remember(key: string, d: Dir): void {
    if (this.rootFd !== undefined) {
      const old = this.cache.get(key);
      if (old && old !== d && old.fd !== undefined) this.stale.push(old.fd);
      if (this.cache.size >= FD_CACHE_MAX && !old) this.resetCache();
    }
    this.cache.set(key, d);
    this.cachedAbs.add(d.abs);
  }

  /** Host path of real components below root. */
  private at(parts: string[]): string {
    return parts.length ? this.root + '/' + parts.join('/') : this.root || '/';
  }

  /** fd mode: the container path of entry components below the base. */
  private rel(pc: string[]): string {
    return '/' + this.o.base.concat(pc).join('/');
  }

  /** The directory holding entry components `pc`, created (0755) where missing. */
  private parentDir(pc: string[], create = true): Dir {
    const key = pc.join('/');
    const hit = this.cache.get(key);
    if (hit) return hit;
    if (this.rootFd !== undefined) return this.openParent(pc, key, create);
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

  /**
   * fd mode: opens the directory at entry components pc inside the root (every
   * symlink resolved in the root), making missing components in the directory
   * that holds them, and caches its fd.
   */
  private openParent(pc: string[], key: string, create: boolean): Dir {
    const flags = O_PATH | O_DIRECTORY;
    let fd: number;
    let sgid: boolean | undefined;
    try {
      fd = openIn(this.rootFd!, this.rel(pc), flags);
    } catch (e) {
      if (!create || code(e) !== 'ENOENT') throw e;
      fd = this.ensureDir(this.rel(pc), { links: 0 });
      sgid = true; // may have inherited setgid from its parent: report it conservatively
    }
    const d: Dir = { abs: fdPath(fd), fd, sgid: sgid ?? (fs.fstatSync(fd).mode & 0o2000) !== 0, trivial: true };
    this.remember(key, d);
    return d;
  }

  /**
   * fd mode: the directory at container path p, made (0755) where missing:
   * each component is opened inside the root, a missing one is created in the
   * directory that holds it, and a dangling symlink has its target made, inside
   * the root, like the path walk of extractLayer.
   */
  private ensureDir(p: string, budget: { links: number }): number {
    const flags = O_PATH | O_DIRECTORY;
    const parts = path.posix
      .normalize(p)
      .split('/')
      .filter((c) => c !== '' && c !== '.');
    let cur = openIn(this.rootFd!, '/', flags);
    try {
      for (let k = 0; k < parts.length; k++) {
        const prefix = '/' + parts.slice(0, k + 1).join('/');
        let next: number;
        try {
          next = openIn(this.rootFd!, prefix, flags);
        } catch (e) {
          if (code(e) !== 'ENOENT') throw e;
          const at = fdPath(cur) + '/' + parts[k];
          try {
            fs.mkdirSync(at, 0o755);
          } catch (e2) {
            if (code(e2) !== 'EEXIST' || !fs.lstatSync(at).isSymbolicLink()) throw e2;
            if (++budget.links > MAX_SYMLINKS) throw e;
            const t = fs.readlinkSync(at);
            closeQuietly(this.ensureDir(t.startsWith('/') ? t : '/' + parts.slice(0, k).join('/') + '/' + t, budget));
          }
          next = openIn(this.rootFd!, prefix, flags);
        }
        closeQuietly(cur);
        cur = next;
      }
      return cur;
    } catch (e) {
      closeQuietly(cur);
      throw e;
    }
  }

  /** Removes whatever is at abs so an entry can take its place. */
  private replace(abs: string, name: string, isDirEntry: boolean, st?: fs.Stats): void {
    st ??= fs.lstatSync(abs);
    const isDir = st.isDirectory();
    if (this.o.noOverwriteDirNonDir) {
      // Docker's wording (entry name first, then the extraction dir), a server error like Docker's
      const dest = this.o.destName ?? '/' + this.o.base.join('/');
      if (isDir && !isDirEntry) throw internal(`cannot overwrite directory ${JSON.stringify(name)} with non-directory ${JSON.stringify(dest)}`);
      if (!isDir && isDirEntry) throw internal(`cannot overwrite non-directory ${JSON.stringify(name)} with directory ${JSON.stringify(dest)}`);
    }
    if (this.rootFd !== undefined) {
      if (isDir && this.baseChain.has(`${st.dev}:${st.ino}`)) throw breakout(name);
      // a removed directory may hold cached ones: drop them all
      if (isDir) this.resetCache();
      const slash = abs.lastIndexOf('/');
      if (isDir) removeAt(abs.slice(0, slash), abs.slice(slash + 1));
      else fs.unlinkSync(abs);
      return;
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

  /** Extended attributes of an entry, by path (symlink not followed) or by fd. */
  private setXattrs(at: string | number, h: tar.Header): void {
    const x = paxXattrs(h.pax);
    if (!x) return;
    for (const [name, value] of x) {
      if (name.startsWith('trusted.overlay.')) continue; // overlay internals are ours to set
      try {
        if (typeof at === 'number') fsetxattr(at, name, value);
        else lsetxattr(at, name, value);
      } catch (e) {
        if (code(e) !== 'ENOTSUP' && code(e) !== 'EOPNOTSUPP') throw e;
      }
    }
  }

  /** Handles one entry; calls done exactly once. */
  entry(h: tar.Header, s: EntryStream, done: (err?: unknown) => void): void {
    let comps: string[] | null;
    s.on('error', noop); // errors surface through the extract stream
    if (this.stale.length) this.closeStale();
    try {
      const sp = h.type === 'file' || h.type === 'contiguous-file' || (h.type as string) === 'gnu-sparse' ? sparseOf(h) : undefined;
      if (sp) {
        if (sp.name) h.name = sp.name;
        this.sparse = sp.info;
      } else this.sparse = undefined;
      this.size += sp ? sp.info.realSize : h.size || 0;
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
      switch (h.type as string) {
        case 'file':
        case 'contiguous-file':
        case 'gnu-sparse':
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
      return done(this.reword(e, h.name));
    }
    drain(s, h, done);
  }

  /** fd mode: errors name the entry, not a /proc/self/fd path. */
  private reword(e: unknown, name: string): unknown {
    return this.rootFd === undefined ? e : hideFdPaths(e, name);
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
    const mt = mtimeOf(h);
    if (this.rootFd !== undefined) {
      // through an fd opened without following: the name may have been swapped for a symlink meanwhile
      const fd = fs.openSync(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      try {
        if (own) fs.fchownSync(fd, own[0], own[1]);
        fs.fchmodSync(fd, mode);
        this.setXattrs(fd, h);
      } catch (e) {
        closeQuietly(fd);
        throw e;
      }
      this.dirTimes.push([this.rel(comps), mt, mt]);
      this.remember(comps.join('/'), { abs: fdPath(fd), fd, sgid: (mode & 0o2000) !== 0, trivial: true });
      return;
    }
    if (own) fs.lchownSync(abs, own[0], own[1]);
    fs.chmodSync(abs, mode);
    this.setXattrs(abs, h);
    this.dirTimes.push([abs, mt, mt]);
    if (parent.trivial) this.remember(comps.join('/'), { abs, sgid: (mode & 0o2000) !== 0, trivial: true });
  }

  /** Owner, mode, xattrs, times of a non-directory, non-regular entry (by path). */
  private meta(h: tar.Header, parent: Dir, abs: string, chmod: boolean): void {
    const own = this.owner(h);
    if (this.needsChown(own, parent)) fs.lchownSync(abs, own![0], own![1]);
    const mode = h.mode & 0o7777;
    if (chmod && ((mode & 0o7000) !== 0 || (mode & this.umask) !== 0)) this.chmodNode(abs, mode);
    this.setXattrs(abs, h);
    const mt = mtimeOf(h);
    fs.lutimesSync(abs, mt, mt);
  }

  /** chmod of a device or fifo; in fd mode through an O_PATH fd of the node itself, never a symlink's target. */
  private chmodNode(abs: string, mode: number): void {
    if (this.rootFd === undefined) return fs.chmodSync(abs, mode);
    const fd = fs.openSync(abs, O_PATH | O_NOFOLLOW);
    try {
      if (fs.fstatSync(fd).isSymbolicLink()) return;
      fs.chmodSync(fdPath(fd), mode);
    } finally {
      fs.closeSync(fd);
    }
  }

  private hardlink(h: tar.Header, abs: string): void {
    const lc = cleanEntryName(h.linkname ?? '');
    if (lc === null || lc.length === 0) throw breakout(h.linkname ?? '', 'hardlink target');
    let srcParent: Dir;
    try {
      srcParent = this.parentDir(lc.slice(0, -1), false);
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') throw missingLinkTarget(h);
      throw e;
    }
    const src = child(srcParent.abs, lc[lc.length - 1]);
    if (src === abs) return;
    try {
      this.create(abs, h.name, false, () => fs.linkSync(src, abs));
    } catch (e) {
      if (code(e) === 'ENOENT') throw missingLinkTarget(h);
      throw e;
    }
  }

  private file(h: tar.Header, s: EntryStream, parent: Dir, abs: string, done: (err?: unknown) => void): void {
    const mode = h.mode & 0o7777;
    let fd = -1;
    try {
      this.create(abs, h.name, false, () => {
        fd = fs.openSync(abs, CREATE_FLAGS, mode & 0o777);
      });
    } catch (e) {
      return done(this.reword(e, h.name));
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
        this.setXattrs(fd, h);
        const mt = mtimeOf(h);
        fs.futimesSync(fd, mt, mt);
        close();
      } catch (e) {
        return fail(e);
      }
      done();
    };
    const sparse = this.sparse;
    if (sparse) {
      const w = new SparseWriter(fd, sparse);
      s.on('data', (data: unknown) => {
        if (failed) return;
        try {
          w.write(data as Buffer);
        } catch (e) {
          fail(e);
        }
      });
      s.on('end', () => {
        if (failed) return;
        try {
          // the tail past the last segment is a hole too
          fs.ftruncateSync(fd, w.realSize());
        } catch (e) {
          return fail(e);
        }
        finish();
      });
      s.on('close', close);
      return;
    }
    if (!h.size) return finish();
    if (h.size >= ASYNC_WRITE_MIN) return writeInPool(s, fd, fail, finish, close);
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

  /** Directory times last: creating their contents changed them. */
  finish(): void {
    for (const [abs, at, mt] of this.dirTimes) {
      try {
        if (this.rootFd !== undefined) {
          // abs is a container path here: reopened inside the root, never followed at the end
          const fd = openIn(this.rootFd, abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          try {
            fs.futimesSync(fd, at, mt);
          } finally {
            fs.closeSync(fd);
          }
          continue;
        }
        fs.lutimesSync(abs, at, mt);
      } catch (e) {
        if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR' && code(e) !== 'ELOOP') throw e;
      }
    }
  }
}

function missingLinkTarget(h: tar.Header): Error {
  // the archive's mistake, told in its own names (never the host path of the target)
  return badRequest(`invalid hardlink ${h.name}: target ${h.linkname ?? ''} is not in the archive`);
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
  try {
    await forEachTarEntry(input, (h, s, done) => u.entry(h, s, done));
    u.finish();
  } finally {
    u.close();
  }
  return { size: u.size };
}
