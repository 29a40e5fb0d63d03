// cgroup layout detection (v1, v2, hybrid), container cgroup paths, OOM
// counters and cleanup. runc creates and populates the cgroups (cgroupfs
// driver); berth only names them, reads them and removes leftovers.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export interface CgroupMount {
  mountpoint: string;
  /** the cgroup path mounted there ("/" unless nested) */
  root: string;
}

export interface CgroupLayout {
  mode: CgroupMode;
  /** v1 hierarchies by controller name (cpu, memory, ..., name=systemd) */
  v1: Map<string, CgroupMount>;
  /** the cgroup2 mount (pure v2, or /sys/fs/cgroup/unified on hybrid) */
  unified: CgroupMount | null;
}

/** Parses /proc/self/mountinfo text into the cgroup layout. */
export function parseCgroupLayout(mountinfo: string): CgroupLayout {
  const v1 = new Map<string, CgroupMount>();
  let unified: CgroupMount | null = null;
  for (const line of mountinfo.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    const mnt: CgroupMount = { root: unescapeMount(pre[3]), mountpoint: unescapeMount(pre[4]) };
    if (fstype === 'cgroup2') {
      if (!unified || mnt.mountpoint === '/sys/fs/cgroup') unified = mnt;
    } else if (fstype === 'cgroup') {
      for (const opt of (post[2] ?? '').split(',')) {
        if (opt === 'rw' || opt === 'ro' || opt.startsWith('release_agent=') || opt === 'clone_children') continue;
        if (opt === 'xattr' || opt === 'noprefix' || opt === 'cpuset_v2_mode') continue;
        if (!v1.has(opt)) v1.set(opt, mnt);
      }
    }
  }
  const mode: CgroupMode = v1.size === 0 ? 'v2' : unified ? 'hybrid' : 'v1';
  return { mode, v1, unified: mode === 'v2' || unified ? unified : null };
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

let cachedLayout: CgroupLayout | null = null;

/** The host's cgroup layout (cached). */
export function cgroupLayout(): CgroupLayout {
  if (!cachedLayout) cachedLayout = parseCgroupLayout(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  return cachedLayout;
}

/** The cgroupsPath berth gives runc for a container (cgroupfs driver): "/berth/<id>". */
export function cgroupsPathFor(id: string, parent = '/berth'): string {
  const p = path.posix.join('/', parent, id);
  if (!p.startsWith('/') || p.split('/').includes('..')) throw new Error(`invalid cgroup path ${p}`);
  return p;
}

function under(m: CgroupMount, cgPath: string): string {
  const rel = path.posix.relative(m.root, path.posix.join('/', cgPath));
  // like runc: paths are relative to the mount's root; outside it, join as-is
  if (rel.startsWith('..')) return path.join(m.mountpoint, cgPath);
  return path.join(m.mountpoint, rel);
}

/** Directory of a cgroup in one v1 controller's hierarchy, or null if not mounted. */
export function v1Dir(controller: string, cgPath: string, layout = cgroupLayout()): string | null {
  const m = layout.v1.get(controller);
  return m ? under(m, cgPath) : null;
}

/** Directory of a cgroup in the unified (v2) hierarchy, or null. */
export function unifiedDir(cgPath: string, layout = cgroupLayout()): string | null {
  return layout.unified ? under(layout.unified, cgPath) : null;
}

/** Every directory a cgroup path has: one per v1 hierarchy plus the unified one. */
export function allCgroupDirs(cgPath: string, layout = cgroupLayout()): string[] {
  const seen = new Set<string>();
  for (const m of layout.v1.values()) seen.add(under(m, cgPath));
  if (layout.unified) seen.add(under(layout.unified, cgPath));
  return [...seen];
}

/** A process's cgroup per controller ("" = unified), from /proc/<pid>/cgroup. */
export function processCgroups(pid: number | 'self'): Map<string, string> {
  const out = new Map<string, string>();
  const text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') out.set('', m[2]);
    else for (const c of m[1].split(',')) out.set(c, m[2]);
  }
  return out;
}

function readFile(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** "key value" lines → map (memory.stat, cpu.stat, memory.events, memory.oom_control). */
export function parseKeyValues(text: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!text) return out;
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/**
 * How many times the kernel OOM-killed a process in the cgroup (v1
 * memory.oom_control `oom_kill`, v2 memory.events `oom_kill`); null when the
 * cgroup is gone or the kernel does not count.
 */
export function readOomKillCount(cgPath: string, layout = cgroupLayout()): number | null {
  if (layout.mode === 'v2') {
    const dir = unifiedDir(cgPath, layout);
    const ev = dir ? parseKeyValues(readFile(path.join(dir, 'memory.events'))) : {};
    return ev.oom_kill ?? null;
  }
  const dir = v1Dir('memory', cgPath, layout);
  const oc = dir ? parseKeyValues(readFile(path.join(dir, 'memory.oom_control'))) : {};
  return oc.oom_kill ?? null;
}

/** True when the cgroup saw at least one OOM kill (after `baseline` kills). */
export function readOomKilled(cgPath: string, baseline = 0, layout = cgroupLayout()): boolean {
  const n = readOomKillCount(cgPath, layout);
  return n !== null && n > baseline;
}

/** Which resource controls this host's cgroups can enforce (Docker's sysinfo). */
export interface CgroupFeatures {
  memoryLimit: boolean;
  swapLimit: boolean;
  memoryReservation: boolean;
  memorySwappiness: boolean;
  oomKillDisable: boolean;
  cpuShares: boolean;
  cpuCfs: boolean;
  cpuset: boolean;
  pids: boolean;
  blkioWeight: boolean;
  blkioThrottle: boolean;
}

let cachedFeatures: CgroupFeatures | null = null;

export function cgroupFeatures(layout = cgroupLayout()): CgroupFeatures {
  if (cachedFeatures && layout === cachedLayout) return cachedFeatures;
  const has = (ctrl: string, file: string) => {
    const d = v1Dir(ctrl, '/', layout);
    return !!d && fs.existsSync(path.join(d, file));
  };
  let f: CgroupFeatures;
  if (layout.mode === 'v2') {
    const root = layout.unified!.mountpoint;
    const ctrls = new Set((readFile(path.join(root, 'cgroup.controllers')) ?? '').trim().split(/\s+/));
    const mem = ctrls.has('memory');
    f = {
      memoryLimit: mem,
      swapLimit: mem && swapFileExists(root),
      memoryReservation: mem,
      memorySwappiness: false,
      oomKillDisable: false,
      cpuShares: ctrls.has('cpu'),
      cpuCfs: ctrls.has('cpu'),
      cpuset: ctrls.has('cpuset'),
      pids: ctrls.has('pids'),
      blkioWeight: ctrls.has('io'),
      blkioThrottle: ctrls.has('io'),
    };
  } else {
    f = {
      memoryLimit: has('memory', 'memory.limit_in_bytes'),
      swapLimit: has('memory', 'memory.memsw.limit_in_bytes'),
      memoryReservation: has('memory', 'memory.soft_limit_in_bytes'),
      memorySwappiness: has('memory', 'memory.swappiness'),
      oomKillDisable: has('memory', 'memory.oom_control'),
      cpuShares: has('cpu', 'cpu.shares'),
      cpuCfs: has('cpu', 'cpu.cfs_quota_us'),
      cpuset: has('cpuset', 'cpuset.cpus'),
      pids: has('pids', 'pids.current') || !!layout.v1.get('pids'),
      blkioWeight: has('blkio', 'blkio.weight') || has('blkio', 'blkio.bfq.weight'),
      blkioThrottle: has('blkio', 'blkio.throttle.read_bps_device'),
    };
  }
  if (layout === cachedLayout) cachedFeatures = f;
  return f;
}

function swapFileExists(root: string): boolean {
  // memory.swap.max exists in non-root cgroups only; look one level down
  try {
    for (const e of fs.readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && fs.existsSync(path.join(root, e.name, 'memory.swap.max'))) return true;
    }
  } catch {
    /* unreadable */
  }
  return fs.existsSync('/proc/swaps');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rmdirTree(dir: string): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const e of entries) if (e.isDirectory()) await rmdirTree(path.join(dir, e.name));
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.promises.rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // EBUSY: the last tasks are still exiting; give them a moment
      if (code === 'EBUSY' && attempt < 20) {
        await sleep(50);
        continue;
      }
      throw e;
    }
  }
}

/**
 * Removes a cgroup (and its children) from every v1 hierarchy and the unified
 * one. Missing directories are fine; a cgroup that still has processes after
 * ~1 s raises EBUSY. Refuses the root cgroup.
 */
export async function removeCgroup(cgPath: string, layout = cgroupLayout()): Promise<void> {
  const norm = path.posix.normalize(path.posix.join('/', cgPath));
  if (norm === '/') throw new Error('refusing to remove the root cgroup');
  const errors: unknown[] = [];
  for (const dir of allCgroupDirs(norm, layout)) {
    try {
      await rmdirTree(dir);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length) throw errors[0];
}
