// Paths inside a root that someone else may be changing (a running
// container's filesystem) are reached through file descriptors, never by a
// host path string: a path string is re-resolved by the kernel at every call,
// so a directory swapped for a symlink between two calls would lead outside
// (the CVE-2018-15664 class). The root is held as a directory fd; paths below
// it are opened with openat2(RESOLVE_IN_ROOT), which resolves symlinks and ".."
// as if the root were "/". A held directory fd is then used through
// /proc/self/fd/N/<name>: the kernel pins the directory, and only the single
// final name is looked up, by calls that never follow it (O_NOFOLLOW, lstat,
// lchown, mkdir, symlink, unlink, ...).
import * as fs from 'node:fs';
import { O_PATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, openat2 } from '../sys';

export const IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
export { O_PATH };

/** The path that reaches the object held by fd. */
export const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;

/** A directory fd of `dir` (following it, so /proc/<pid>/root gives the container's root). */
export function openRoot(dir: string): number {
  return fs.openSync(dir, O_PATH | fs.constants.O_DIRECTORY);
}

/** Opens the container path `p` (absolute or relative) inside the root held by rootFd. */
export function openIn(rootFd: number, p: string, flags: number, mode = 0): number {
  const rel = p.replace(/^\/+/, '') || '.';
  return openat2(rootFd, rel, flags, IN_ROOT, mode, '/' + (rel === '.' ? '' : rel));
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

/**
 * Removes `name` in the directory reached by dirPath (a /proc/self/fd path),
 * recursively, without ever following a symlink: each directory is opened
 * O_NOFOLLOW and emptied through its own fd.
 */
export function removeAt(dirPath: string, name: string): void {
  const abs = dirPath + '/' + name;
  let fd: number;
  try {
    fd = fs.openSync(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const c = code(e);
    if (c === 'ENOENT') return;
    if (c !== 'ELOOP' && c !== 'ENOTDIR') throw e;
    fs.unlinkSync(abs); // not a directory (or a symlink): removed itself
    return;
  }
  try {
    const here = fdPath(fd);
    for (const n of fs.readdirSync(here)) {
      const st = fs.lstatSync(here + '/' + n, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) removeAt(here, n);
      else fs.unlinkSync(here + '/' + n);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.rmdirSync(abs);
}

/** Rewords a Node error that names a /proc/self/fd path to name `display` instead. */
export function hideFdPaths(e: unknown, display: string): unknown {
  if (!(e instanceof Error) || !e.message.includes('/proc/self/fd/')) return e;
  const out = new Error(e.message.replace(/'\/proc\/self\/fd\/\d+[^']*'/g, `'${display}'`)) as NodeJS.ErrnoException;
  const src = e as NodeJS.ErrnoException;
  out.code = src.code;
  out.errno = src.errno;
  out.syscall = src.syscall;
  return out;
}

/**
 * Opens the directory at abs without following a final symlink; undefined when
 * it is no longer a directory (changed since it was listed).
 */
export function openDirNoFollow(abs: string): number | undefined {
  try {
    return fs.openSync(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const c = code(e);
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP') return undefined;
    throw e;
  }
}

/**
 * Reads the file at container path p inside rootfs (symlinks resolved inside
 * it, through an fd: a running container cannot point the read at a host
 * file). null when missing or not a regular file.
 */
export function readFileInRoot(rootfs: string, p: string): Buffer | null {
  let rootFd = -1;
  let fd = -1;
  try {
    rootFd = openRoot(rootfs);
    fd = openIn(rootFd, p, O_RDONLY | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return null;
    return fs.readFileSync(fd);
  } catch (e) {
    const c = code(e);
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP' || c === 'EACCES') return null;
    throw e;
  } finally {
    if (fd >= 0) closeQuietly(fd);
    if (rootFd >= 0) closeQuietly(rootFd);
  }
}

/**
 * What the container itself resolves path p to (symlinks followed inside the
 * root, ".." clamped at it), as a container path: each step looks at one name
 * under a directory fd, so a component swapped meanwhile cannot make the walk
 * read a host symlink. Missing components are kept lexically.
 */
export function resolvePathInRoot(rootFd: number, p: string, maxLinks = 255): string {
  const cur: string[] = [];
  // fds[i] is the directory holding cur[i] (fds[0] the root); -1 below a missing or non-directory component
  const fds: number[] = [fs.openSync(fdPath(rootFd), O_PATH | O_DIRECTORY)];
  const pending = p.split('/').reverse();
  let links = 0;
  const popTo = (n: number) => {
    while (cur.length > n) {
      cur.pop();
      const fd = fds.pop()!;
      if (fd >= 0 && fds.length > 0) closeQuietly(fd);
    }
  };
  try {
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        popTo(Math.max(0, cur.length - 1));
        continue;
      }
      const dir = fds[fds.length - 1];
      const here = dir >= 0 ? fdPath(dir) + '/' + c : '';
      const st = here ? fs.lstatSync(here, { throwIfNoEntry: false }) : undefined;
      if (st?.isSymbolicLink()) {
        if (++links > maxLinks) throw Object.assign(new Error(`too many levels of symbolic links: ${p}`), { code: 'ELOOP' });
        const target = fs.readlinkSync(here);
        if (target.startsWith('/')) popTo(0);
        const t = target.split('/');
        for (let i = t.length - 1; i >= 0; i--) pending.push(t[i]);
        continue;
      }
      cur.push(c);
      fds.push(st?.isDirectory() ? (openDirNoFollow(here) ?? -1) : -1);
    }
    return '/' + cur.join('/');
  } finally {
    for (const fd of fds) if (fd >= 0) closeQuietly(fd);
  }
}

/** dev:ino of dir and its ancestors up to (and with) root, through ".." from fds. */
export function chainToRoot(dirFd: number, rootFd: number): Set<string> {
  const key = (st: fs.Stats) => `${st.dev}:${st.ino}`;
  const rootKey = key(fs.fstatSync(rootFd));
  const out = new Set<string>([rootKey]);
  let cur = dirFd;
  try {
    for (let depth = 0; depth < 4096; depth++) {
      const k = key(fs.fstatSync(cur));
      out.add(k);
      if (k === rootKey) break;
      const up = openat2(cur, '..', O_PATH | O_DIRECTORY, 0);
      if (cur !== dirFd) closeQuietly(cur);
      cur = up;
    }
  } finally {
    if (cur !== dirFd) closeQuietly(cur);
  }
  return out;
}
