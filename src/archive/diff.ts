// Layer diffs from an overlay upper dir: the tar (whiteouts in the OCI/AUFS
// `.wh.` form) and the change list of `docker diff`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS, isWhiteout, lgetxattr, openat2 } from '../sys';
import { O_PATH, fdPath, openDirNoFollow, openRoot } from './inroot';
import { tarStream, walkDir } from './pack';
import { byteOrder } from '../util/compare';

export enum ChangeKind {
  Modified = 0,
  Added = 1,
  Deleted = 2,
}

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

function isOpaque(abs: string): boolean {
  const v = lgetxattr(abs, 'trusted.overlay.opaque');
  return v !== undefined && v.length === 1 && v[0] === 0x79; // 'y'
}

/**
 * Tar of an overlay upper dir as a layer: whiteouts (char 0:0) become `.wh.<name>`
 * entries, opaque directories get a `.wh..wh..opq` entry after their own. The
 * lower dirs are not needed for overlay (the upper dir is the diff); they are
 * accepted for symmetry with changes().
 */
export function diffLayer(upperDir: string, _lowerDirs: string[] = []): Readable {
  const upper = path.resolve(upperDir);
  return tarStream((w) =>
    walkDir(
      w,
      upper,
      '',
      {},
      {
        replace: async (_abs, name, st) => {
          if (!isWhiteout(st)) return false;
          const slash = name.lastIndexOf('/');
          await w.addRaw({
            name: name.slice(0, slash + 1) + '.wh.' + name.slice(slash + 1),
            type: 'file',
            mode: 0o600,
            uid: st.uid,
            gid: st.gid,
            size: 0,
            mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
          });
          return true;
        },
        afterDir: async (abs, name, st) => {
          if (!isOpaque(abs)) return;
          await w.addRaw({
            name: name + '/.wh..wh..opq',
            type: 'file',
            mode: st.mode & 0o777,
            uid: st.uid,
            gid: st.gid,
            size: 0,
            mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
          });
        },
      },
    ),
  );
}

/** Runs fn on the directory at abs opened without following (skipped if it no longer is one). */
function withDir(abs: string, fn: (dirPath: string) => void): void {
  const fd = openDirNoFollow(abs);
  if (fd === undefined) return;
  try {
    fn(fdPath(fd));
  } finally {
    fs.closeSync(fd);
  }
}

function sameTime(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  if (a.mtimeNs === b.mtimeNs) return true;
  const s = 1_000_000_000n;
  return a.mtimeNs / s === b.mtimeNs / s && (a.mtimeNs % s === 0n || b.mtimeNs % s === 0n);
}

/**
 * lstat of p in a lower dir held by fd, without following any symlink on the
 * way (overlay merges directories by name; a lower symlink is not a directory
 * to look into). null when missing.
 */
function lstatInLower(lowerFd: number, p: string): fs.BigIntStats | null {
  const slash = p.lastIndexOf('/');
  let fd: number;
  try {
    fd = openat2(lowerFd, p.slice(1, slash) || '.', O_PATH | fs.constants.O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP') return null;
    throw e;
  }
  try {
    return fs.lstatSync(fdPath(fd) + '/' + p.slice(slash + 1), { bigint: true, throwIfNoEntry: false }) ?? null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `docker diff` of an overlay upper dir over its lower dirs (Docker's rules):
 * a whiteout or opaque dir is Deleted; anything else is Modified when the path
 * exists in a lower dir, Added otherwise; a directory identical (size, mode,
 * mtime) to its lower counterpart is not listed unless something below it
 * changed; the parent of an added or deleted path is listed as Modified.
 * Order: depth-first by sorted names (a path before its contents).
 */
export function changes(upperDir: string, lowerDirs: string[]): Change[] {
  const upper = path.resolve(upperDir);
  const lowers: number[] = [];
  for (const d of lowerDirs) {
    try {
      lowers.push(openRoot(d));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  try {
    return changesOf(upper, lowers);
  } finally {
    for (const fd of lowers) fs.closeSync(fd);
  }
}

function changesOf(upper: string, lowers: number[]): Change[] {
  const out: Change[] = [];
  const changedDirs = new Set<string>();
  // the upper dir of a running container changes under us: walked by fds, never following (see pack.ts)
  const visit = (rel: string, dirPath: string) => {
    const names = fs.readdirSync(dirPath).sort(byteOrder);
    for (const n of names) {
      const p = rel + '/' + n;
      const abs = dirPath + '/' + n;
      const st = fs.lstatSync(abs, { bigint: true, throwIfNoEntry: false });
      if (!st) continue;
      const isDir = st.isDirectory();
      let kind: ChangeKind | null;
      if (isWhiteout(st) || (isDir && isOpaque(abs))) kind = ChangeKind.Deleted;
      else {
        kind = ChangeKind.Added;
        for (const lower of lowers) {
          const ls = lstatInLower(lower, p);
          if (!ls) continue;
          if (ls.isDirectory() && isDir && ls.size === st.size && ls.mode === st.mode && sameTime(st, ls)) kind = null;
          else kind = ChangeKind.Modified;
          break;
        }
      }
      if (kind !== null) {
        if (isDir) changedDirs.add(p);
        if (kind !== ChangeKind.Modified && rel !== '' && !changedDirs.has(rel)) {
          out.push({ Path: rel, Kind: ChangeKind.Modified });
          changedDirs.add(rel);
        }
        out.push({ Path: p, Kind: kind });
      }
      if (isDir) withDir(abs, (d) => visit(p, d));
    }
  };
  withDir(upper, (d) => visit('', d));
  return out;
}
