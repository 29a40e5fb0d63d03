// Copy-up: an empty volume mounted over a directory that has content in the
// image gets that content, owners, modes, times, links, devices and xattrs
// kept (Docker's copyExistingContents over continuity's CopyDir).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lgetxattr, llistxattr, lsetxattr, mknod } from '../../sys';
import { log } from '../../util/log';

/** Copies the directory `src` into the empty directory `dst`; `dst` takes `src`'s own owner and mode. Returns false when dst was not empty. */
export function copyIntoEmpty(src: string, dst: string): boolean {
  if (fs.readdirSync(dst).length > 0) return false;
  const st = fs.statSync(src);
  if (!st.isDirectory()) return false;
  copyDir(src, dst, st, new Map());
  return true;
}

function copyDir(src: string, dst: string, st: fs.Stats, inodes: Map<string, string>): void {
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name);
    const d = path.join(dst, name);
    let est: fs.Stats;
    try {
      est = fs.lstatSync(s);
    } catch {
      continue;
    }
    if (est.isDirectory()) {
      fs.mkdirSync(d, { mode: 0o700 });
      copyDir(s, d, est, inodes);
      continue;
    }
    const key = `${est.dev}:${est.ino}`;
    if (est.nlink > 1 && !est.isDirectory()) {
      const first = inodes.get(key);
      if (first) {
        fs.linkSync(first, d);
        continue;
      }
      inodes.set(key, d);
    }
    if (est.isFile()) fs.copyFileSync(s, d, fs.constants.COPYFILE_FICLONE);
    else if (est.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
    else if (est.isCharacterDevice() || est.isBlockDevice() || est.isFIFO()) mknod(d, est.mode, est.rdev);
    else {
      log().debug({ path: s }, 'copy-up: skipping a socket');
      continue;
    }
    copyMeta(s, d, est);
  }
  copyMeta(src, dst, st);
}

function copyMeta(src: string, dst: string, st: fs.Stats): void {
  fs.lchownSync(dst, st.uid, st.gid);
  // after chown, which clears setuid/setgid
  if (!st.isSymbolicLink()) fs.chmodSync(dst, st.mode & 0o7777);
  copyXattrs(src, dst);
  fs.lutimesSync(dst, st.atime, st.mtime);
}

function copyXattrs(src: string, dst: string): void {
  let names: string[];
  try {
    names = llistxattr(src);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTSUP') return;
    throw e;
  }
  for (const n of names) {
    if (n.startsWith('trusted.overlay.')) continue;
    const v = lgetxattr(src, n);
    if (v === undefined) continue;
    try {
      lsetxattr(dst, n, v);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTSUP') throw e;
    }
  }
}
