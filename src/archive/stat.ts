// statPath: the X-Docker-Container-Path-Stat of a path inside a container root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { notFound } from '../util/errors';
import { O_PATH, closeQuietly, fdPath, hideFdPaths, openIn, openRoot, resolvePathInRoot } from './inroot';

export interface PathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits */
  mode: number;
  /** RFC 3339 with nanoseconds, UTC */
  mtime: string;
  linkTarget: string;
}

export const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

/** Go's os.FileMode for a unix st_mode (as os.Lstat reports it). */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  switch (mode & fs.constants.S_IFMT) {
    case fs.constants.S_IFDIR:
      m += GO_MODE.dir;
      break;
    case fs.constants.S_IFLNK:
      m += GO_MODE.symlink;
      break;
    case fs.constants.S_IFBLK:
      m += GO_MODE.device;
      break;
    case fs.constants.S_IFCHR:
      m += GO_MODE.device + GO_MODE.charDevice;
      break;
    case fs.constants.S_IFIFO:
      m += GO_MODE.namedPipe;
      break;
    case fs.constants.S_IFSOCK:
      m += GO_MODE.socket;
      break;
  }
  if (mode & 0o4000) m += GO_MODE.setuid;
  if (mode & 0o2000) m += GO_MODE.setgid;
  if (mode & 0o1000) m += GO_MODE.sticky;
  return m;
}

/** Go's time.Time JSON form (RFC 3339 with trimmed nanoseconds) in UTC. */
export function rfc3339Nano(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  let s = sec;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    s -= 1n;
  }
  const base = new Date(Number(s) * 1000).toISOString().slice(0, 19);
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${f}Z`;
}

/** Absolute container path as the API uses it, keeping a trailing "/" or "/.". */
export function absContainerPath(p: string): string {
  const clean = path.posix.join('/', p);
  if (/\/\.$/.test(p) && clean !== '/') return clean + '/.';
  if (p.endsWith('/') && clean !== '/') return clean + '/';
  return clean;
}

function missing(containerPath: string, container?: string): Error {
  return notFound(`Could not find the file ${containerPath} in container${container ? ' ' + container : ''}`);
}

export interface ResolvedStat {
  stat: PathStat;
  /**
   * Where the object is reached by calls that do not follow a final symlink:
   * /proc/self/fd/<parent>/<name>, or /proc/self/fd/<fd> when the path was
   * followed to the end (a trailing "/", or the root).
   */
  hostPath: string;
  lstat: fs.BigIntStats;
  /** Open fds behind hostPath: close them when done (closeResolved). */
  fds: number[];
  /** hostPath is the object's own fd (a directory: list it as is, no re-open). */
  followed: boolean;
}

/** fs.Stats of the resolved object, again (through its fd, or its name without following). */
export function restat(r: ResolvedStat): fs.Stats {
  return r.followed ? fs.fstatSync(r.fds[0]) : fs.lstatSync(r.hostPath);
}

export function closeResolved(r: ResolvedStat): void {
  for (const fd of r.fds) closeQuietly(fd);
  r.fds.length = 0;
}

/**
 * Stat of a path inside rootfs, opened by fd inside it (inroot.ts): parents
 * resolve in scope, the final symlink is not followed unless the path ends in
 * "/". 404 if missing. The caller closes the returned fds.
 */
export function statResolved(rootfs: string, containerPath: string, container?: string): ResolvedStat {
  const abs = absContainerPath(containerPath);
  const follow = abs === '/' || abs.endsWith('/') || abs.endsWith('/.');
  const rootFd = openRoot(rootfs);
  const fds: number[] = [];
  let hostPath: string;
  let st: fs.BigIntStats;
  try {
    if (follow) {
      const fd = openIn(rootFd, abs, O_PATH);
      fds.push(fd);
      hostPath = fdPath(fd);
      st = fs.fstatSync(fd, { bigint: true });
    } else {
      const fd = openIn(rootFd, path.posix.dirname(abs), O_PATH | fs.constants.O_DIRECTORY);
      fds.push(fd);
      hostPath = fdPath(fd) + '/' + path.posix.basename(abs);
      st = fs.lstatSync(hostPath, { bigint: true });
    }
  } catch (e) {
    for (const fd of fds) closeQuietly(fd);
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') throw missing(containerPath, container);
    throw hideFdPaths(e, abs);
  } finally {
    closeQuietly(rootFd);
  }
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    // what the container itself would resolve the link to, walked by fds like the rest
    const fd = openRoot(rootfs);
    try {
      linkTarget = resolvePathInRoot(fd, abs);
    } finally {
      closeQuietly(fd);
    }
  }
  return {
    hostPath,
    lstat: st,
    fds,
    followed: follow,
    stat: {
      name: path.posix.basename(abs) || '/',
      size: Number(st.size),
      mode: goFileMode(Number(st.mode)),
      mtime: rfc3339Nano(st.mtimeNs),
      linkTarget,
    },
  };
}

/** Stat of a path inside rootfs (parents resolved in scope, final symlink not followed). 404 if missing. */
export function statPath(rootfs: string, containerPath: string, container?: string): PathStat {
  const r = statResolved(rootfs, containerPath, container);
  closeResolved(r);
  return r.stat;
}
