// Lazy koffi bindings to the libc calls Node lacks. Nothing is loaded until the
// first call, so importing src/sys costs nothing.
import { getSystemErrorMap } from 'node:util';

export type Fn = (...args: unknown[]) => number;

export interface Libc {
  mount: Fn;
  umount2: Fn;
  mknod: Fn;
  lsetxattr: Fn;
  lgetxattr: Fn;
  llistxattr: Fn;
  lremovexattr: Fn;
  prctl: Fn;
  prctlPtr: Fn;
  fsetxattr: Fn;
  openat2: Fn;
  ioctlInt: Fn;
  errno(): number;
}

type Koffi = typeof import('koffi');
interface LibcHandle {
  koffi: Koffi;
  l: ReturnType<Koffi['load']>;
  /** a binding from a C prototype */
  f: (proto: string) => Fn;
}

let handle: LibcHandle | undefined;

/** koffi and libc.so.6, loaded once for every binding (these and sys/spawn.ts's). */
export function loadLibc(): LibcHandle {
  if (handle) return handle;
  const koffi = require('koffi') as Koffi;
  const l = koffi.load('libc.so.6');
  handle = { koffi, l, f: (proto) => l.func(proto) as unknown as Fn };
  return handle;
}

let libc: Libc | undefined;

export function lib(): Libc {
  if (libc) return libc;
  const { koffi, l, f } = loadLibc();
  libc = {
    mount: f('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: f('int umount2(const char *target, int flags)'),
    mknod: f('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: f('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: f('int64_t lgetxattr(const char *path, const char *name, void *value, size_t size)'),
    llistxattr: f('int64_t llistxattr(const char *path, void *list, size_t size)'),
    lremovexattr: f('int lremovexattr(const char *path, const char *name)'),
    prctl: f('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
    prctlPtr: l.func('prctl', 'int', ['int', 'void *', 'unsigned long', 'unsigned long', 'unsigned long']) as unknown as Fn,
    fsetxattr: f('int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)'),
    // glibc 2.36 has no openat2 wrapper: the raw syscall (437 on x86_64 and aarch64 alike)
    openat2: l.func('syscall', 'long', ['long', 'int', 'const char *', 'void *', 'size_t']) as unknown as Fn,
    // ioctl with an int in/out argument (FS_IOC_GETFLAGS/SETFLAGS: the kernel reads and writes an int)
    ioctlInt: l.func('ioctl', 'int', ['int', 'unsigned long', '_Inout_ int *']) as unknown as Fn,
    errno: () => koffi.errno(),
  };
  return libc;
}

/** A Node-style system error: `ENOENT: no such file or directory, mknod '/x'`, errno negative like fs. */
export function sysError(syscall: string, errno: number, path?: string, dest?: string): NodeJS.ErrnoException {
  const [code, desc] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, 'unknown error'];
  let msg = `${code}: ${desc}, ${syscall}`;
  if (path !== undefined) msg += ` '${path}'`;
  if (dest !== undefined) msg += ` -> '${dest}'`;
  const e = new Error(msg) as NodeJS.ErrnoException & { dest?: string };
  e.errno = -errno;
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  Error.captureStackTrace?.(e, sysError);
  return e;
}
