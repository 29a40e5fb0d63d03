// Syscalls Node lacks: mount, umount2, mknod, l*xattr, fsetxattr, prctl, openat2, file flags ioctls. Bound lazily via
// koffi on libc.so.6; failures throw Node-style errors (code, errno, syscall, path).
import * as fs from 'node:fs';
import type { Stats, BigIntStats } from 'node:fs';
import { lib, sysError } from './libc';

export { sysError } from './libc';

// mount(2) flags
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_NOATIME = 0x400;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
// umount2(2) flags
export const MNT_FORCE = 1;
export const MNT_DETACH = 2;
export const MNT_EXPIRE = 4;
export const UMOUNT_NOFOLLOW = 8;
// file types for mknod
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
// xattr flags
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
// prctl options
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;

const ENODATA = 61;
const XATTR_MAX = 65536; // XATTR_SIZE_MAX and XATTR_LIST_MAX on Linux
let scratch: Buffer | undefined;

function check(rc: number, syscall: string, path?: string, dest?: string): number {
  if (rc < 0) throw sysError(syscall, lib().errno(), path, dest);
  return rc;
}

export function mount(source: string, target: string, fstype: string, flags: number, data: string): void {
  check(lib().mount(source || null, target, fstype || null, flags, data || null), 'mount', source, target);
}

export function umount2(target: string, flags = 0): void {
  check(lib().umount2(target, flags), 'umount2', target);
}

/** Linux dev_t from major/minor (glibc's gnu_dev_makedev encoding). */
export function makedev(major: number, minor: number): number {
  const hi = ((BigInt(major) & 0xfffff000n) << 32n) | ((BigInt(minor) & 0xffffff00n) << 12n);
  const lo = (major & 0xfff) * 256 + (minor & 0xff);
  return Number(hi) + lo;
}

export function major(dev: number): number {
  const d = BigInt(dev);
  return Number(((d >> 32n) & 0xfffff000n) | ((d >> 8n) & 0xfffn));
}

export function minor(dev: number): number {
  const d = BigInt(dev);
  return Number(((d >> 12n) & 0xffffff00n) | (d & 0xffn));
}

/** mknod(2); `mode` includes the file type (S_IFCHR, S_IFBLK, S_IFIFO) and is subject to umask. */
export function mknod(path: string, mode: number, dev: number): void {
  check(lib().mknod(path, mode, dev), 'mknod', path);
}

export function lsetxattr(path: string, name: string, value: Buffer, flags = 0): void {
  check(lib().lsetxattr(path, name, value, value.length, flags), 'lsetxattr', path);
}

/** The attribute's value, or undefined when the file has no such attribute (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const l = lib();
  scratch ??= Buffer.allocUnsafe(XATTR_MAX);
  const n = Number(l.lgetxattr(path, name, scratch, XATTR_MAX));
  if (n < 0) {
    const errno = l.errno();
    if (errno === ENODATA) return undefined;
    throw sysError('lgetxattr', errno, path);
  }
  return Buffer.from(scratch.subarray(0, n));
}

/** Names of all extended attributes of path (symlinks not followed). */
export function llistxattr(path: string): string[] {
  const l = lib();
  scratch ??= Buffer.allocUnsafe(XATTR_MAX);
  const n = Number(l.llistxattr(path, scratch, XATTR_MAX));
  if (n < 0) throw sysError('llistxattr', l.errno(), path);
  if (n === 0) return [];
  const names = scratch.toString('latin1', 0, n - 1).split('\0');
  // names are bytes; decode as UTF-8 for JS use
  return names.map((s) => Buffer.from(s, 'latin1').toString('utf8'));
}

export function fsetxattr(fd: number, name: string, value: Buffer, flags = 0): void {
  check(lib().fsetxattr(fd, name, value, value.length, flags), 'fsetxattr');
}

const FS_IOC_GETFLAGS = 0x80086601;
const FS_IOC_SETFLAGS = 0x40086602;
/** ext4's "top of a directory hierarchy" hint (chattr +T) for the Orlov allocator */
const FS_TOPDIR_FL = 0x00020000;

/**
 * Marks `dir` as the top of independent hierarchies (chattr +T): ext4 then
 * places each new subdirectory in a lightly used block group instead of next
 * to its parent. The data root's per-object directories (layers being made,
 * containers, volumes, cache mounts) are independent trees, and on ext4
 * without a journal a block group full of recently deleted inodes makes every
 * file creation in it scan them (ext4's recently_deleted check): a cache
 * mount filled right after a prune ran 5-15x slower. Best effort: false where
 * the filesystem has no such flag (tmpfs, xfs, btrfs, overlay).
 */
export function spreadSubdirs(dir: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return false;
  }
  try {
    const l = lib();
    const flags = [0];
    if (l.ioctlInt(fd, FS_IOC_GETFLAGS, flags) < 0) return false;
    if (flags[0] & FS_TOPDIR_FL) return true;
    flags[0] |= FS_TOPDIR_FL;
    return l.ioctlInt(fd, FS_IOC_SETFLAGS, flags) === 0;
  } finally {
    fs.closeSync(fd);
  }
}

// openat2(2) resolve flags
export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;
/** open(2) O_PATH (Node's fs.constants lacks it). */
export const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const SYS_OPENAT2 = 437;
const EAGAIN = 11;
const EINTR = 4;

/**
 * openat2(2): opens `path` relative to the directory fd `dirfd` with `flags`
 * (open(2) flags; O_CLOEXEC is always added) and `resolve` (RESOLVE_*). The
 * kernel answers EAGAIN when a concurrent rename could have let ".." escape
 * RESOLVE_IN_ROOT: retried. `display` names the path in errors.
 */
export function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0, display = path): number {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags | O_CLOEXEC), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const l = lib();
  for (let tries = 0; ; tries++) {
    const fd = Number(l.openat2(SYS_OPENAT2, dirfd, path, how, 24));
    if (fd >= 0) return fd;
    const errno = l.errno();
    if ((errno === EAGAIN || errno === EINTR) && tries < 1000) continue;
    throw sysError('openat2', errno, display);
  }
}

export function lremovexattr(path: string, name: string): void {
  check(lib().lremovexattr(path, name), 'lremovexattr', path);
}

export function prctl(option: number, arg2 = 0, arg3 = 0, arg4 = 0, arg5 = 0): number {
  return check(lib().prctl(option, arg2, arg3, arg4, arg5), 'prctl');
}

/** Makes this process adopt orphaned descendants (PR_SET_CHILD_SUBREAPER). */
export function setChildSubreaper(on = true): void {
  prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0);
}

export function isChildSubreaper(): boolean {
  const b = Buffer.alloc(4);
  check(lib().prctlPtr(PR_GET_CHILD_SUBREAPER, b, 0, 0, 0), 'prctl');
  return b.readInt32LE(0) !== 0;
}

/** Creates an overlayfs whiteout (character device 0:0) at path. */
export function makeWhiteout(path: string): void {
  mknod(path, S_IFCHR, 0);
}

/** True for an overlayfs whiteout: a character device with device number 0:0. */
export function isWhiteout(st: Stats | BigIntStats): boolean {
  return st.isCharacterDevice() && Number(st.rdev) === 0;
}
