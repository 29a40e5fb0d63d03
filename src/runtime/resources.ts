// Docker HostConfig resources → validation with Docker's messages
// (moby daemon/daemon_unix.go verifyPlatformContainerResources) and the OCI
// linux.resources object (also what `runc update -r -` reads).
import * as fs from 'node:fs';
import { badRequest } from '../util/errors';
import { cgroupFeatures, CgroupFeatures } from './cgroups';
import { expandList, hostFacts } from './host';
import { OciResources, OciThrottleDevice, OciWeightDevice } from './oci';
import { deviceNumbers } from './devices';

export interface WeightDevice {
  Path: string;
  Weight: number;
}

export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

/** The resource fields of Docker's HostConfig (same names and units). */
export interface ResourceConfig {
  Memory?: number;
  /** memory + swap; -1 = unlimited swap; 0/unset with Memory ⇒ 2 × Memory */
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  /** 0 or -1 = unlimited */
  PidsLimit?: number | null;
  BlkioWeight?: number;
  BlkioWeightDevice?: WeightDevice[] | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
}

export const MIN_MEMORY = 6 * 1024 * 1024;

export interface ValidatedResources {
  resources: ResourceConfig;
  warnings: string[];
}

/**
 * Validates and normalizes resources as dockerd does at create (update=false)
 * or `docker update` (update=true). Throws 400 EngineErrors with Docker's
 * messages; returns Docker's warnings for discarded settings.
 */
export function validateResources(input: ResourceConfig, opts: { update?: boolean; features?: CgroupFeatures } = {}): ValidatedResources {
  const r: ResourceConfig = { ...input };
  const w: string[] = [];
  const feat = opts.features ?? cgroupFeatures();
  const num = (v: number | undefined | null) => v ?? 0;

  if (r.MemorySwappiness === -1) r.MemorySwappiness = null;
  if (!opts.update && num(r.Memory) > 0 && !r.MemorySwap) r.MemorySwap = num(r.Memory) * 2;

  if (num(r.Memory) !== 0 && num(r.Memory) < MIN_MEMORY) throw badRequest('Minimum memory limit allowed is 6MB');
  if (num(r.Memory) > 0 && !feat.memoryLimit) {
    w.push('Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.Memory = 0;
    r.MemorySwap = -1;
  }
  if (num(r.Memory) > 0 && r.MemorySwap !== -1 && !feat.swapLimit) {
    w.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    r.MemorySwap = -1;
  }
  if (num(r.Memory) > 0 && num(r.MemorySwap) > 0 && num(r.MemorySwap) < num(r.Memory)) {
    throw badRequest('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (num(r.Memory) === 0 && num(r.MemorySwap) > 0 && !opts.update) {
    throw badRequest('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (r.MemorySwappiness != null && !feat.memorySwappiness) {
    w.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.');
    r.MemorySwappiness = null;
  }
  if (r.MemorySwappiness != null && (r.MemorySwappiness < 0 || r.MemorySwappiness > 100)) {
    throw badRequest(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (num(r.MemoryReservation) > 0 && !feat.memoryReservation) {
    w.push('Your kernel does not support memory soft limit capabilities or the cgroup is not mounted. Limitation discarded.');
    r.MemoryReservation = 0;
  }
  if (num(r.MemoryReservation) > 0 && num(r.MemoryReservation) < MIN_MEMORY) {
    throw badRequest('Minimum memory reservation allowed is 6MB');
  }
  if (num(r.Memory) > 0 && num(r.MemoryReservation) > 0 && num(r.Memory) < num(r.MemoryReservation)) {
    throw badRequest('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (r.OomKillDisable != null && !feat.oomKillDisable) {
    if (r.OomKillDisable) w.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    r.OomKillDisable = null;
  }
  if (r.OomKillDisable && num(r.Memory) === 0) {
    w.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  }
  if (r.PidsLimit != null && !feat.pids) {
    if (r.PidsLimit > 0) w.push('Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.');
    r.PidsLimit = null;
  }

  // cpu
  const ncpu = hostFacts().onlineCpus;
  if (num(r.NanoCpus) > 0 && num(r.CpuPeriod) > 0) throw badRequest('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (num(r.NanoCpus) > 0 && num(r.CpuQuota) > 0) throw badRequest('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (num(r.NanoCpus) > 0 && !feat.cpuCfs) {
    throw badRequest('NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted');
  }
  if (num(r.NanoCpus) < 0 || num(r.NanoCpus) > ncpu * 1e9) {
    throw badRequest(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  if (num(r.CpuShares) < 0) throw badRequest('shares: invalid argument');
  if (num(r.CpuShares) > 0 && !feat.cpuShares) {
    w.push('Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.');
    r.CpuShares = 0;
  }
  if ((num(r.CpuPeriod) !== 0 || num(r.CpuQuota) !== 0) && !feat.cpuCfs) {
    w.push('Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.');
    r.CpuPeriod = 0;
    r.CpuQuota = 0;
  }
  if (num(r.CpuPeriod) !== 0 && (num(r.CpuPeriod) < 1000 || num(r.CpuPeriod) > 1000000)) {
    throw badRequest('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (num(r.CpuQuota) > 0 && num(r.CpuQuota) < 1000) throw badRequest('CPU cfs quota can not be less than 1ms (i.e. 1000)');

  // cpuset
  if ((r.CpusetCpus || r.CpusetMems) && !feat.cpuset) {
    w.push('Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.');
    r.CpusetCpus = '';
    r.CpusetMems = '';
  }
  checkCpuset(r.CpusetCpus, hostFacts().cpusOnline, 'cpus', 'CPUs');
  checkCpuset(r.CpusetMems, hostFacts().memsOnline, 'mems', 'memory nodes');

  // blkio
  // range first (dockerd checks it only on hosts that support the weight): a bad value is always an error
  if (num(r.BlkioWeight) > 0 && (num(r.BlkioWeight) < 10 || num(r.BlkioWeight) > 1000)) {
    throw badRequest('Range of blkio weight is from 10 to 1000');
  }
  if (num(r.BlkioWeight) > 0 && !feat.blkioWeight) {
    w.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    r.BlkioWeight = 0;
  }
  if (!feat.blkioThrottle) {
    for (const k of ['BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'] as const) {
      if (r[k]?.length) {
        w.push(`Your kernel does not support ${k} or the cgroup is not mounted. Limit discarded.`);
        r[k] = [];
      }
    }
  }
  return { resources: r, warnings: w };
}

function checkCpuset(val: string | undefined, avail: string, what: string, label: string): void {
  if (!val) return;
  const want = expandList(val);
  if (!want) throw badRequest(`Invalid value ${val} for cpuset ${what}: invalid format: ${val}`);
  const have = new Set(expandList(avail) ?? []);
  if (want.some((c) => !have.has(c))) {
    throw badRequest(`Requested ${label} are not available - requested ${val}, available: ${avail}`);
  }
}

function statDevice(p: string): { major: number; minor: number } {
  try {
    return deviceNumbers(fs.statSync(p, { bigint: true }).rdev);
  } catch (e) {
    throw badRequest(`stat ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(e)}`);
  }
}

function throttle(list: ThrottleDevice[] | null | undefined): OciThrottleDevice[] | undefined {
  if (!list?.length) return undefined;
  return list.map((d) => ({ ...statDevice(d.Path), rate: d.Rate }));
}

/**
 * OCI linux.resources (without devices) for validated resources. Only set
 * fields appear, so the same object serves `runc update`.
 */
export function toOciResources(r: ResourceConfig): OciResources {
  const out: OciResources = {};
  const mem: NonNullable<OciResources['memory']> = {};
  if ((r.Memory ?? 0) > 0) mem.limit = r.Memory;
  if ((r.MemoryReservation ?? 0) > 0) mem.reservation = r.MemoryReservation;
  if ((r.MemorySwap ?? 0) > 0) mem.swap = r.MemorySwap;
  else if (r.MemorySwap === -1 && (r.Memory ?? 0) > 0) mem.swap = -1;
  if (r.MemorySwappiness != null && r.MemorySwappiness >= 0) mem.swappiness = r.MemorySwappiness;
  if (r.OomKillDisable != null) mem.disableOOMKiller = r.OomKillDisable;
  if (Object.keys(mem).length) out.memory = mem;

  const cpu: NonNullable<OciResources['cpu']> = {};
  if ((r.CpuShares ?? 0) > 0) cpu.shares = r.CpuShares;
  if (r.CpusetCpus) cpu.cpus = r.CpusetCpus;
  if (r.CpusetMems) cpu.mems = r.CpusetMems;
  if ((r.NanoCpus ?? 0) > 0) {
    cpu.period = 100000;
    cpu.quota = Math.floor((r.NanoCpus! * 100000) / 1e9);
  }
  if (r.CpuPeriod) cpu.period = r.CpuPeriod;
  if (r.CpuQuota) cpu.quota = r.CpuQuota;
  if (Object.keys(cpu).length) out.cpu = cpu;

  if (r.PidsLimit != null) out.pids = { limit: r.PidsLimit <= 0 ? -1 : r.PidsLimit };

  const bio: NonNullable<OciResources['blockIO']> = {};
  if ((r.BlkioWeight ?? 0) > 0) bio.weight = r.BlkioWeight;
  if (r.BlkioWeightDevice?.length) {
    bio.weightDevice = r.BlkioWeightDevice.map((d): OciWeightDevice => ({ ...statDevice(d.Path), weight: d.Weight }));
  }
  const tr = throttle(r.BlkioDeviceReadBps);
  if (tr) bio.throttleReadBpsDevice = tr;
  const tw = throttle(r.BlkioDeviceWriteBps);
  if (tw) bio.throttleWriteBpsDevice = tw;
  const ir = throttle(r.BlkioDeviceReadIOps);
  if (ir) bio.throttleReadIOPSDevice = ir;
  const iw = throttle(r.BlkioDeviceWriteIOps);
  if (iw) bio.throttleWriteIOPSDevice = iw;
  if (Object.keys(bio).length) out.blockIO = bio;
  return out;
}
