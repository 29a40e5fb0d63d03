// Starting a program without forking berthd: posix_spawn (glibc's runs the child
// on berthd's memory until it execs, clone(CLONE_VM|CLONE_VFORK)). Node's
// child_process forks, which copies berthd's page tables and blocks the event
// loop for milliseconds that grow with its memory; this costs tens of µs. Used
// on the container start and exec paths (runc, conmon). The child gets default
// signal dispositions and an empty signal mask, /dev/null for any of 0-2 not
// given, and only the fds given (everything else here is close-on-exec).
// Children are reaped on SIGCHLD with waitpid(pid, WNOHANG), each by its pid,
// beside libuv's reaping of its own children.
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { type Fn, loadLibc, sysError } from './libc';

interface SpawnLib {
  posix_spawnp: Fn;
  faInit: Fn;
  faDestroy: Fn;
  faDup2: Fn;
  faOpen: Fn;
  faChdir: Fn;
  attrInit: Fn;
  attrDestroy: Fn;
  attrSetflags: Fn;
  attrSetsigmask: Fn;
  attrSetsigdefault: Fn;
  sigemptyset: Fn;
  waitpid: Fn;
  pipe2: Fn;
  memfd_create: Fn;
  dupfd: Fn;
  errno(): number;
}

let libs: SpawnLib | undefined;

function lib(): SpawnLib {
  if (libs) return libs;
  const { koffi, l, f } = loadLibc();
  libs = {
    posix_spawnp: f('int posix_spawnp(_Out_ int *pid, const char *file, void *actions, void *attr, const char **argv, const char **envp)'),
    faInit: f('int posix_spawn_file_actions_init(void *actions)'),
    faDestroy: f('int posix_spawn_file_actions_destroy(void *actions)'),
    faDup2: f('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    faOpen: f('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, uint32_t mode)'),
    faChdir: f('int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
    attrInit: f('int posix_spawnattr_init(void *attr)'),
    attrDestroy: f('int posix_spawnattr_destroy(void *attr)'),
    attrSetflags: f('int posix_spawnattr_setflags(void *attr, short flags)'),
    attrSetsigmask: f('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    attrSetsigdefault: f('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    sigemptyset: f('int sigemptyset(void *set)'),
    waitpid: f('int waitpid(int pid, _Out_ int *status, int options)'),
    pipe2: f('int pipe2(void *fds, int flags)'),
    memfd_create: f('int memfd_create(const char *name, unsigned int flags)'),
    dupfd: l.func('fcntl', 'int', ['int', 'int', 'int']) as unknown as Fn,
    errno: () => koffi.errno(),
  };
  return libs;
}

// glibc's values
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const O_CLOEXEC = 0o2000000;
const O_RDWR = 2;
const MFD_CLOEXEC = 1;
const F_DUPFD_CLOEXEC = 1030;
const WNOHANG = 1;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** the child's whole environment */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** a new session (setsid): the child outlives berthd's process group */
  setsid?: boolean;
  /** child fd -> an fd of ours the child gets there (0-2 default to /dev/null) */
  fds?: Record<number, number>;
}

export interface Spawned {
  pid: number;
  exited: Promise<Exit>;
}

const pending = new Map<number, (e: Exit) => void>();
let listening = false; // once on, stays on
// signal listeners keep no process alive: while a child runs, a timer does (and reaps, should a SIGCHLD be missed)
let keepAlive: NodeJS.Timeout | undefined;

function reap(): void {
  const st = [0];
  for (const [pid, done] of pending) {
    const r = lib().waitpid(pid, st, WNOHANG);
    if (r === 0) continue;
    pending.delete(pid);
    if (r < 0)
      done({ code: null, signal: null }); // not ours to reap after all
    else done(decode(st[0]));
  }
  if (!pending.size && keepAlive) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

function decode(status: number): Exit {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  const name = Object.entries(osConstants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined;
  return { code: null, signal: name ?? null };
}

/** Starts `file` (searched in PATH) with `args`; throws as child_process would (ENOENT, EACCES…). */
export function spawnNoFork(file: string, args: string[], opts: SpawnOptions): Spawned {
  const l = lib();
  const fa = Buffer.alloc(256);
  const attr = Buffer.alloc(1024);
  const sigs = Buffer.alloc(128);
  const moved: number[] = [];
  l.faInit(fa);
  l.attrInit(attr);
  try {
    const given = opts.fds ?? {};
    const targets = Object.keys(given).map(Number);
    const top = Math.max(2, ...targets);
    for (const [child, ours] of Object.entries(given)) {
      let src = ours;
      // an fd of ours in the range being set up would be overwritten (or keep its close-on-exec): move it above
      if (src <= top) {
        src = l.dupfd(ours, F_DUPFD_CLOEXEC, top + 1);
        if (src < 0) throw sysError('fcntl', l.errno());
        moved.push(src);
      }
      l.faDup2(fa, src, Number(child));
    }
    for (const fd of [0, 1, 2]) if (!(fd in given)) l.faOpen(fa, fd, '/dev/null', O_RDWR, 0);
    if (opts.cwd) l.faChdir(fa, opts.cwd);
    // Node ignores SIGPIPE: the child gets defaults everywhere, glibc's own 32 and 33
    // included (sigfillset leaves them out, and posix_spawn would leave them ignored)
    sigs.fill(0xff);
    l.attrSetsigdefault(attr, sigs);
    l.sigemptyset(sigs);
    l.attrSetsigmask(attr, sigs);
    l.attrSetflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (opts.setsid ? POSIX_SPAWN_SETSID : 0));
    const env = Object.entries(opts.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
    const pid = [0];
    const rc = l.posix_spawnp(pid, file, fa, attr, [file, ...args, null], [...env, null]);
    if (rc !== 0) {
      const e = sysError(`spawn ${file}`, rc, file);
      throw Object.assign(e, { spawnargs: args });
    }
    const exited = new Promise<Exit>((resolve) => pending.set(pid[0], resolve));
    if (!listening) {
      process.on('SIGCHLD', reap);
      listening = true;
    }
    keepAlive ??= setInterval(reap, 100);
    // it may be gone already (its SIGCHLD came before the listener)
    reap();
    return { pid: pid[0], exited };
  } finally {
    l.faDestroy(fa);
    l.attrDestroy(attr);
    for (const fd of moved) fs.closeSync(fd);
  }
}

/** A pipe, both ends close-on-exec: [read, write]. */
export function pipe(): [number, number] {
  const b = Buffer.alloc(8);
  if (lib().pipe2(b, O_CLOEXEC) < 0) throw sysError('pipe2', lib().errno());
  return [b.readInt32LE(0), b.readInt32LE(4)];
}

/** An anonymous in-memory file (close-on-exec), for a child's output or input. */
export function memfd(name: string): number {
  const fd = lib().memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw sysError('memfd_create', lib().errno());
  return fd;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs a short command to its end: stdin from `input`, stdout and stderr
 * collected (in memory files, read once it exits); SIGKILL after `timeoutMs`.
 */
export async function runNoFork(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const out = memfd('stdout');
  const err = memfd('stderr');
  const inp = memfd('stdin');
  try {
    // pwrite at 0: the fd's offset stays at 0 for the child to read from
    if (opts.input) fs.writeSync(inp, opts.input, 0);
    const child = spawnNoFork(file, args, { env: opts.env ?? process.env, fds: { 0: inp, 1: out, 2: err } });
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, opts.timeoutMs ?? 30_000);
    const exit = await child.exited;
    clearTimeout(timer);
    return { stdout: readAll(out), stderr: readAll(err), ...exit };
  } finally {
    for (const fd of [out, err, inp]) fs.closeSync(fd);
  }
}

function readAll(fd: number): string {
  const size = fs.fstatSync(fd).size;
  if (!size) return '';
  const b = Buffer.alloc(size);
  fs.readSync(fd, b, 0, size, 0);
  return b.toString();
}
