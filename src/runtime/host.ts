// Facts about the host that the spec builder and the stats reader need. Each is
// read once from /proc or /sys and cached; tests may override them.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface HostLimit {
  soft: number; // Infinity = unlimited
  hard: number;
}

export interface HostFacts {
  /** /proc/sys/kernel/cap_last_cap */
  capLastCap: number;
  /** bit mask of berth's own capability bounding set (CapBnd in /proc/self/status) */
  boundingSet: bigint;
  /** /proc/self/limits keyed by rlimit name (nofile, nproc, ...) */
  limits: Record<string, HostLimit>;
  memTotal: number;
  onlineCpus: number;
  /** list form of /sys/devices/system/cpu/online, e.g. "0-3" */
  cpusOnline: string;
  /** list form of online memory nodes, e.g. "0" */
  memsOnline: string;
  kernel: { major: number; minor: number };
}

let cached: HostFacts | null = null;
let overrides: Partial<HostFacts> = {};

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

// Row titles in /proc/<pid>/limits, mapped to Docker's ulimit names.
const LIMIT_ROWS: Record<string, string> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

export function parseProcLimits(text: string): Record<string, HostLimit> {
  const out: Record<string, HostLimit> = {};
  for (const line of text.split('\n')) {
    for (const [title, name] of Object.entries(LIMIT_ROWS)) {
      if (!line.startsWith(title + ' ')) continue;
      const cols = line.slice(title.length).trim().split(/\s+/);
      const num = (s: string | undefined) => (s === undefined || s === 'unlimited' ? Infinity : Number(s));
      out[name] = { soft: num(cols[0]), hard: num(cols[1]) };
    }
  }
  return out;
}

function readBoundingSet(): bigint {
  const status = readText('/proc/self/status') ?? '';
  const m = /^CapBnd:\s*([0-9a-f]+)/m.exec(status);
  return m ? BigInt('0x' + m[1]) : (1n << 64n) - 1n;
}

function readOnlineCpus(): { count: number; list: string } {
  const list = (readText('/sys/devices/system/cpu/online') ?? '').trim();
  if (list) {
    const n = expandList(list);
    if (n) return { count: n.length, list };
  }
  const c = os.cpus().length || 1;
  return { count: c, list: c > 1 ? `0-${c - 1}` : '0' };
}

/** Expands a kernel list such as "0-3,7" to [0,1,2,3,7]; null when malformed. */
export function expandList(list: string): number[] | null {
  const out: number[] = [];
  if (list.trim() === '') return out;
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return null;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

function probe(): HostFacts {
  const cpus = readOnlineCpus();
  const [maj, min] = os
    .release()
    .split(/[.-]/)
    .map((x) => parseInt(x, 10));
  return {
    capLastCap: parseInt(readText('/proc/sys/kernel/cap_last_cap') ?? '40', 10) || 40,
    boundingSet: readBoundingSet(),
    limits: parseProcLimits(readText('/proc/self/limits') ?? ''),
    memTotal: os.totalmem(),
    onlineCpus: cpus.count,
    cpusOnline: cpus.list,
    memsOnline: (readText('/sys/devices/system/node/online') ?? '0').trim() || '0',
    kernel: { major: maj || 0, minor: min || 0 },
  };
}

export function hostFacts(): HostFacts {
  if (!cached) cached = probe();
  return { ...cached, ...overrides };
}

/** For tests: replace some host facts (pass {} to clear). */
export function setHostFactsOverride(o: Partial<HostFacts>): void {
  overrides = o;
}

/** True when /proc/sys/<name with dots as slashes> exists (runc refuses unknown sysctls). */
export function sysctlExists(name: string): boolean {
  return fs.existsSync('/proc/sys/' + name.replace(/\./g, '/'));
}

/** The init binary bind-mounted as /sbin/docker-init: tini-static first (works in scratch images). */
export function findInitBinary(): string | null {
  for (const p of ['/usr/bin/tini-static', '/usr/bin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/tini']) {
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** /sys/devices/system/cpu/cpuN/thermal_throttle directories (masked by Docker 28). */
export function thermalThrottlePaths(): string[] {
  const base = '/sys/devices/system/cpu';
  let names: string[] = [];
  try {
    names = fs.readdirSync(base).filter((n) => /^cpu\d+$/.test(n));
  } catch {
    return [];
  }
  return names
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((n) => `${base}/${n}/thermal_throttle`)
    .filter((p) => fs.existsSync(p));
}

export interface ToolVersion {
  version: string;
  commit: string;
}

const toolVersions = new Map<string, Promise<ToolVersion>>();

/** `<binary> --version` ("runc version 1.1.5", "commit: …"), asked once per binary. */
export function toolVersion(binary: string): Promise<ToolVersion> {
  let p = toolVersions.get(binary);
  if (!p) {
    p = new Promise((resolve) => {
      const { execFile } = require('node:child_process') as typeof import('node:child_process');
      execFile(binary, ['--version'], { timeout: 5000 }, (err, out) => {
        if (err) return resolve({ version: '', commit: '' });
        const version = /version\s+(\S+)/.exec(out)?.[1] ?? '';
        const commit = /^commit:\s*(\S+)/m.exec(out)?.[1] ?? '';
        resolve({ version, commit });
      });
    });
    toolVersions.set(binary, p);
  }
  return p;
}
