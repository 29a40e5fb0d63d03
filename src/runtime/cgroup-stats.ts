// Docker stats JSON pieces (moby daemon/stats_unix.go shape) read from cgroup
// v1 or v2 files, plus /proc/stat for system_cpu_usage and
// /proc/<pid>/net/dev for network counters.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CgroupLayout, cgroupLayout, parseKeyValues, processCgroups, unifiedDir, v1Dir } from './cgroups';
import { hostFacts } from './host';

export interface BlkioStatEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface CpuStats {
  cpu_usage: {
    total_usage: number;
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface MemoryStats {
  usage?: number;
  max_usage?: number;
  failcnt?: number;
  limit?: number;
  stats?: Record<string, number>;
}

export interface BlkioStats {
  io_service_bytes_recursive: BlkioStatEntry[] | null;
  io_serviced_recursive: BlkioStatEntry[] | null;
  io_queue_recursive: BlkioStatEntry[] | null;
  io_service_time_recursive: BlkioStatEntry[] | null;
  io_wait_time_recursive: BlkioStatEntry[] | null;
  io_merged_recursive: BlkioStatEntry[] | null;
  io_time_recursive: BlkioStatEntry[] | null;
  sectors_recursive: BlkioStatEntry[] | null;
}

export interface NetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

export interface CgroupStats {
  cpu_stats: CpuStats;
  memory_stats: MemoryStats;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: BlkioStats;
  /** per interface (lo excluded), only when a pid was given */
  networks?: Record<string, NetworkStats>;
}

const NS_PER_TICK = 1e9 / 100; // USER_HZ is 100 on Linux

function read(file: string | null): string | null {
  if (!file) return null;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readNum(file: string | null): number | undefined {
  const t = read(file)?.trim();
  if (t === undefined || t === '' || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Host CPU time in ns from the first line of /proc/stat (user..softirq, as Docker). */
export function systemCpuUsage(procStat = read('/proc/stat') ?? ''): number {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const f = line.trim().split(/\s+/).slice(1, 8).map(Number);
  return f.reduce((a, b) => a + (b || 0), 0) * NS_PER_TICK;
}

/** "8:0 Read 4096" lines (v1 blkio files); the "Total" line is skipped. */
export function parseBlkioV1(text: string | null): BlkioStatEntry[] {
  const out: BlkioStatEntry[] = [];
  if (!text) return out;
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat → Docker's v2 shape (ops "read"/"write"). */
export function parseIoStatV2(text: string | null): { bytes: BlkioStatEntry[]; ios: BlkioStatEntry[] } {
  const bytes: BlkioStatEntry[] = [];
  const ios: BlkioStatEntry[] = [];
  if (!text) return { bytes, ios };
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(parts[0] ?? '');
    if (!dev) continue;
    const kv: Record<string, number> = {};
    for (const p of parts.slice(1)) {
      const [k, v] = p.split('=');
      kv[k] = Number(v);
    }
    const major = Number(dev[1]);
    const minor = Number(dev[2]);
    bytes.push({ major, minor, op: 'read', value: kv.rbytes ?? 0 }, { major, minor, op: 'write', value: kv.wbytes ?? 0 });
    ios.push({ major, minor, op: 'read', value: kv.rios ?? 0 }, { major, minor, op: 'write', value: kv.wios ?? 0 });
  }
  return { bytes, ios };
}

/** /proc/<pid>/net/dev → per-interface counters, lo excluded. */
export function parseNetDev(text: string | null): Record<string, NetworkStats> {
  const out: Record<string, NetworkStats> = {};
  if (!text) return out;
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    if (name === 'lo') continue;
    const f = line
      .slice(i + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = {
      rx_bytes: f[0],
      rx_packets: f[1],
      rx_errors: f[2],
      rx_dropped: f[3],
      tx_bytes: f[8],
      tx_packets: f[9],
      tx_errors: f[10],
      tx_dropped: f[11],
    };
  }
  return out;
}

function emptyBlkio(): BlkioStats {
  return {
    io_service_bytes_recursive: [],
    io_serviced_recursive: [],
    io_queue_recursive: [],
    io_service_time_recursive: [],
    io_wait_time_recursive: [],
    io_merged_recursive: [],
    io_time_recursive: [],
    sectors_recursive: [],
  };
}

export interface ReadStatsOptions {
  /** the container's init pid: network counters, and the cgroup when cgroupsPath is null */
  pid?: number;
  layout?: CgroupLayout;
  /** for tests: host facts */
  memTotal?: number;
  onlineCpus?: number;
}

/**
 * Reads a cgroup's stats in Docker's stats JSON shape. `cgroupsPath` is the
 * path given to runc (e.g. "/berth/<id>"); null ⇒ use the cgroups of `pid`.
 */
export function readStats(cgroupsPath: string | null, opts: ReadStatsOptions = {}): CgroupStats {
  const layout = opts.layout ?? cgroupLayout();
  const own = cgroupsPath === null && opts.pid !== undefined ? processCgroups(opts.pid) : null;
  const cg = (ctrl: string) => (own ? (own.get(ctrl) ?? own.get('') ?? '/') : (cgroupsPath ?? '/'));
  const facts = hostFacts();
  const memTotal = opts.memTotal ?? facts.memTotal;
  const onlineCpus = opts.onlineCpus ?? facts.onlineCpus;
  const stats = layout.mode === 'v2' ? readV2(unifiedDir(cg(''), layout), memTotal) : readV1((c) => v1Dir(c, cg(c), layout), memTotal);
  stats.cpu_stats.system_cpu_usage = systemCpuUsage();
  stats.cpu_stats.online_cpus = onlineCpus;
  if (opts.pid !== undefined) stats.networks = parseNetDev(read(`/proc/${opts.pid}/net/dev`));
  return stats;
}

function readV1(dir: (ctrl: string) => string | null, memTotal: number): CgroupStats {
  const f = (ctrl: string, file: string) => {
    const d = dir(ctrl);
    return d ? path.join(d, file) : null;
  };
  const acct = parseKeyValues(read(f('cpuacct', 'cpuacct.stat')));
  const percpu = (read(f('cpuacct', 'cpuacct.usage_percpu')) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const cpuStat = parseKeyValues(read(f('cpu', 'cpu.stat')));
  const cpu_stats: CpuStats = {
    cpu_usage: {
      total_usage: readNum(f('cpuacct', 'cpuacct.usage')) ?? 0,
      percpu_usage: percpu,
      usage_in_kernelmode: (acct.system ?? 0) * NS_PER_TICK,
      usage_in_usermode: (acct.user ?? 0) * NS_PER_TICK,
    },
    system_cpu_usage: 0,
    online_cpus: 0,
    throttling_data: {
      periods: cpuStat.nr_periods ?? 0,
      throttled_periods: cpuStat.nr_throttled ?? 0,
      throttled_time: cpuStat.throttled_time ?? 0,
    },
  };
  const memory_stats: MemoryStats = {};
  const usage = readNum(f('memory', 'memory.usage_in_bytes'));
  if (usage !== undefined) {
    const limit = readNum(f('memory', 'memory.limit_in_bytes'));
    memory_stats.usage = usage;
    memory_stats.max_usage = readNum(f('memory', 'memory.max_usage_in_bytes')) ?? 0;
    memory_stats.failcnt = readNum(f('memory', 'memory.failcnt')) ?? 0;
    memory_stats.limit = limit === undefined ? memTotal : Math.min(limit, memTotal);
    memory_stats.stats = parseKeyValues(read(f('memory', 'memory.stat')));
  }
  const blkio_stats = emptyBlkio();
  // prefer the scheduler's counters (CFQ, then BFQ); fall back to the throttle ones, as runc does
  for (const prefix of ['blkio.', 'blkio.bfq.', 'blkio.throttle.']) {
    const bytes = parseBlkioV1(read(f('blkio', `${prefix}io_service_bytes_recursive`)));
    const ios = parseBlkioV1(read(f('blkio', `${prefix}io_serviced_recursive`)));
    if (bytes.length || ios.length || prefix === 'blkio.throttle.') {
      blkio_stats.io_service_bytes_recursive = bytes;
      blkio_stats.io_serviced_recursive = ios;
      break;
    }
  }
  return {
    cpu_stats,
    memory_stats,
    pids_stats: pidsStats(f('pids', 'pids.current'), f('pids', 'pids.max')),
    blkio_stats,
  };
}

function pidsStats(cur: string | null, max: string | null): { current?: number; limit?: number } {
  const out: { current?: number; limit?: number } = {};
  const c = readNum(cur);
  if (c !== undefined) out.current = c;
  const l = readNum(max);
  if (l !== undefined) out.limit = l;
  return out;
}

function readV2(dir: string | null, memTotal: number): CgroupStats {
  const f = (file: string) => (dir ? path.join(dir, file) : null);
  const cpu = parseKeyValues(read(f('cpu.stat')));
  const cpu_stats: CpuStats = {
    cpu_usage: {
      total_usage: (cpu.usage_usec ?? 0) * 1000,
      usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000,
      usage_in_usermode: (cpu.user_usec ?? 0) * 1000,
    },
    system_cpu_usage: 0,
    online_cpus: 0,
    throttling_data: {
      periods: cpu.nr_periods ?? 0,
      throttled_periods: cpu.nr_throttled ?? 0,
      throttled_time: (cpu.throttled_usec ?? 0) * 1000,
    },
  };
  const memory_stats: MemoryStats = {};
  const usage = readNum(f('memory.current'));
  if (usage !== undefined) {
    const limit = readNum(f('memory.max'));
    memory_stats.usage = usage;
    memory_stats.limit = limit === undefined ? memTotal : Math.min(limit, memTotal);
    memory_stats.stats = parseKeyValues(read(f('memory.stat')));
    memory_stats.failcnt = parseKeyValues(read(f('memory.events'))).oom ?? 0;
    const peak = readNum(f('memory.peak'));
    if (peak !== undefined) memory_stats.max_usage = peak;
  }
  const io = parseIoStatV2(read(f('io.stat')));
  const blkio_stats = emptyBlkio();
  blkio_stats.io_service_bytes_recursive = io.bytes;
  blkio_stats.io_serviced_recursive = io.ios;
  return { cpu_stats, memory_stats, pids_stats: pidsStats(f('pids.current'), f('pids.max')), blkio_stats };
}
