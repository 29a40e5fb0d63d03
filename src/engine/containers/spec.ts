// From a container record to the runtime's SpecInput (and OCI process for exec):
// the one place where Docker's HostConfig meets src/runtime.
import * as fs from 'node:fs';
import { resolveInRoot } from '../../archive';
import type { Container, HostConfig } from '../../container';
import {
  buildSpec,
  cgroupsPathFor,
  computeCapabilities,
  DEFAULT_PATH_ENV,
  ociRlimits,
  parseSecurityOpts,
  toOciResources,
  validateResources as validateRuntimeResources,
  type NamespaceMode,
  type NetworkNamespace,
  type OciProcess,
  type OciSpec,
  type ResourceConfig,
} from '../../runtime';
import type { Ulimit } from '../../common/units';
import { badRequest, conflict, internal } from '../../util/errors';
import type { EngineContext } from '../context';
import type { ExecConfig } from '../exec/types';
import { specMounts } from './mounts';
import { netFilePaths } from './netfiles';
import { resolveUser } from './user';

function resourcesOf(hc: HostConfig): ResourceConfig {
  return {
    Memory: hc.Memory,
    MemorySwap: hc.MemorySwap,
    MemoryReservation: hc.MemoryReservation,
    MemorySwappiness: hc.MemorySwappiness,
    OomKillDisable: hc.OomKillDisable,
    NanoCpus: hc.NanoCpus,
    CpuShares: hc.CpuShares,
    CpuPeriod: hc.CpuPeriod,
    CpuQuota: hc.CpuQuota,
    CpusetCpus: hc.CpusetCpus,
    CpusetMems: hc.CpusetMems,
    PidsLimit: hc.PidsLimit,
    BlkioWeight: hc.BlkioWeight,
    BlkioWeightDevice: hc.BlkioWeightDevice,
    BlkioDeviceReadBps: hc.BlkioDeviceReadBps,
    BlkioDeviceWriteBps: hc.BlkioDeviceWriteBps,
    BlkioDeviceReadIOps: hc.BlkioDeviceReadIOps,
    BlkioDeviceWriteIOps: hc.BlkioDeviceWriteIOps,
  };
}

/** Validates (and normalises, e.g. swap = 2 × memory) resources in place, as Docker does at create. */
export function validateResources(hc: HostConfig, update = false): void {
  const { resources } = validateRuntimeResources(resourcesOf(hc), { update });
  if (resources.MemorySwap !== undefined) hc.MemorySwap = resources.MemorySwap;
  parseSecurityOpts(hc.SecurityOpt);
}

export function resourcesForUpdate(hc: HostConfig) {
  return toOciResources(validateRuntimeResources(resourcesOf(hc), { update: true }).resources);
}

function peerNamespace(ctx: EngineContext, mode: string, kind: 'net' | 'pid' | 'ipc' | 'uts', what: string): { path: string } {
  const ref = mode.slice('container:'.length);
  const peer = ctx.containers.find(ref);
  if (!peer) throw badRequest(`cannot join ${what} of a non running container: ${ref}`);
  if (!peer.State.Running) throw conflict(`cannot join ${what} of a non running container: ${ref}`);
  return { path: `/proc/${peer.State.Pid}/ns/${kind}` };
}

function nsMode(ctx: EngineContext, mode: string, kind: 'pid' | 'ipc', what: string): NamespaceMode | undefined {
  if (mode === 'host') return 'host';
  if (mode.startsWith('container:')) return peerNamespace(ctx, mode, kind, what);
  return undefined;
}

function networkOf(ctx: EngineContext, c: Container): NetworkNamespace {
  const m = c.HostConfig.NetworkMode;
  if (m === 'host') return { kind: 'host' };
  if (m.startsWith('container:')) return { kind: 'path', path: peerNamespace(ctx, m, 'net', 'network namespace').path };
  // bridge networks: the namespace the network service made and wired
  if (c.NetworkSettings?.SandboxKey) return { kind: 'path', path: c.NetworkSettings.SandboxKey, own: true };
  return { kind: 'private' };
}

function envWithDefaults(c: Container, hostname: string, home: string, extra: string[] = [], before: string[] = []): string[] {
  // `before` (legacy link variables) yields to the container's own
  const own = new Set(c.Config.Env.map((e) => e.split('=')[0]));
  const env = [...before.filter((e) => !own.has(e.split('=')[0])), ...c.Config.Env];
  // dockerd's default PATH for an image without one: in the process, not in Config.Env
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH_ENV);
  const set = (k: string, v: string, force = false) => {
    const i = env.findIndex((e) => e.split('=')[0] === k);
    if (i >= 0) {
      if (force) env[i] = `${k}=${v}`;
    } else env.push(`${k}=${v}`);
  };
  set('HOSTNAME', hostname, true);
  if (c.Config.Tty) set('TERM', 'xterm');
  set('HOME', home);
  for (const e of extra) {
    const k = e.split('=')[0];
    const i = env.findIndex((x) => x.split('=')[0] === k);
    if (i >= 0) env[i] = e;
    else env.push(e);
  }
  // as dockerd: a name without "=" unsets that variable (`-e NAME` for a NAME the client has
  // not set); runc refuses such an entry
  return env.filter((e) => e.includes('='));
}

export async function buildContainerSpec(ctx: EngineContext, c: Container, rootfs: string): Promise<OciSpec> {
  const hc = c.HostConfig;
  // berth has no device drivers (dockerd's come from plugins such as nvidia's): a request fails the start as there
  const dr = hc.DeviceRequests?.[0];
  if (dr) {
    const caps = `[${(dr.Capabilities ?? []).map((set) => `[${set.join(' ')}]`).join(' ')}]`;
    throw internal(`could not select device driver "${dr.Driver ?? ''}" with capabilities: ${caps}`);
  }
  const sec = parseSecurityOpts(hc.SecurityOpt, ctx.cfg);
  const user = resolveUser(rootfs, c.Config.User, hc.GroupAdd ?? []);
  const cwd = c.Config.WorkingDir || '/';
  if (cwd !== '/') {
    // Docker creates a missing working directory, owned by the container user
    const host = resolveInRoot(rootfs, cwd, { followFinal: true });
    if (!fs.existsSync(host)) {
      fs.mkdirSync(host, { recursive: true, mode: 0o755 });
      fs.chownSync(host, user.uid, user.gid);
    }
  }
  const nf = netFilePaths(ctx, c);
  const hostname = fs.readFileSync(nf.hostname, 'utf8').trim();
  const mounts = specMounts(ctx, c);
  return buildSpec({
    process: {
      args: [c.Path, ...c.Args],
      env: envWithDefaults(c, hostname, user.home, [], ctx.networks.linkEnv(c)),
      cwd,
      terminal: c.Config.Tty,
      consoleSize: hc.ConsoleSize && hc.ConsoleSize[0] > 0 ? { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] } : undefined,
      user,
      noNewPrivileges: sec.noNewPrivileges,
      ulimits: withDefaultUlimits(hc.Ulimits, ctx.cfg.defaultUlimits),
      oomScoreAdj: hc.OomScoreAdj || undefined,
    },
    root: { path: rootfs, readonly: hc.ReadonlyRootfs },
    hostname: hc.UTSMode === 'host' || hc.UTSMode?.startsWith('container:') ? undefined : hostname,
    domainname: c.Config.Domainname || undefined,
    cgroupsPath: cgroupsPathFor(c.ID, hc.CgroupParent || ctx.cfg.cgroupParent),
    pidMode: nsMode(ctx, hc.PidMode || '', 'pid', 'PID namespace'),
    ipcMode: nsMode(ctx, hc.IpcMode || '', 'ipc', 'IPC namespace') ?? (hc.IpcMode === 'none' ? 'none' : undefined),
    utsMode: hc.UTSMode === 'host' ? 'host' : hc.UTSMode?.startsWith('container:') ? peerNamespace(ctx, hc.UTSMode, 'uts', 'UTS namespace') : 'private',
    cgroupnsMode: hc.CgroupnsMode === 'private' || hc.CgroupnsMode === 'host' ? hc.CgroupnsMode : undefined,
    network: networkOf(ctx, c),
    mounts: mounts.binds,
    tmpfs: mounts.tmpfs,
    shmSize: hc.ShmSize || ctx.cfg.shmSize,
    etcFiles: { hostname: nf.hostname, hosts: nf.hosts, resolvConf: nf.resolv },
    privileged: hc.Privileged,
    capAdd: hc.CapAdd,
    capDrop: hc.CapDrop,
    seccomp: sec.seccomp,
    seccompProfilePath: ctx.cfg.seccompProfile,
    maskedPaths: hc.MaskedPaths?.length ? hc.MaskedPaths : null,
    readonlyPaths: hc.ReadonlyPaths?.length ? hc.ReadonlyPaths : null,
    sysctls: hc.Sysctls ?? null,
    devices: hc.Devices,
    deviceCgroupRules: hc.DeviceCgroupRules,
    resources: resourcesOf(hc),
    init: !!hc.Init,
    initPath: ctx.cfg.initPath,
  });
}

/** The daemon's default-ulimits under the container's own (a name the container sets is its own). */
function withDefaultUlimits(own: Ulimit[] | null | undefined, defaults: Ulimit[]): Ulimit[] | null | undefined {
  if (!defaults.length) return own;
  const mine = new Set((own ?? []).map((u) => u.Name));
  return [...(own ?? []), ...defaults.filter((u) => !mine.has(u.Name))];
}

/** The OCI process for an exec session: the container's env and security, the exec's command. */
export async function buildExecProcess(ctx: EngineContext, c: Container, e: ExecConfig): Promise<OciProcess> {
  const hc = c.HostConfig;
  const rootfs = `/proc/${c.State.Pid}/root`;
  const user = resolveUser(rootfs, e.User || c.Config.User, e.User ? [] : (hc.GroupAdd ?? []));
  const caps = computeCapabilities({ privileged: hc.Privileged || !!e.Privileged, capAdd: hc.CapAdd ?? [], capDrop: hc.CapDrop ?? [] });
  const sec = parseSecurityOpts(hc.SecurityOpt, ctx.cfg);
  const hostname = fs.readFileSync(netFilePaths(ctx, c).hostname, 'utf8').trim();
  const proc: OciProcess = {
    terminal: !!e.Tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids.length ? user.additionalGids : undefined },
    args: e.Cmd ?? [],
    env: envWithDefaults(c, hostname, user.home, e.Env ?? []),
    cwd: e.WorkingDir || c.Config.WorkingDir || '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    noNewPrivileges: sec.noNewPrivileges,
  };
  // dockerd starts an exec from the container's process spec: its ulimits hold for the exec too
  const rl = ociRlimits(withDefaultUlimits(hc.Ulimits, ctx.cfg.defaultUlimits));
  if (rl) proc.rlimits = rl;
  if (e.Tty && e.ConsoleSize && e.ConsoleSize[0] > 0) proc.consoleSize = { height: e.ConsoleSize[0], width: e.ConsoleSize[1] };
  return proc;
}

/**
 * Where each HostConfig field takes effect, one entry per field: adding a
 * field to HostConfig does not compile until it is placed here (after its
 * decoder entry in src/api/decode/container.ts and its default in
 * src/container/defaults.ts). `ignored` fields are kept for inspect and not
 * applied: the list of what berth does not do yet.
 */
export const HOST_CONFIG_USE: Record<keyof HostConfig, 'spec' | 'mounts' | 'network' | 'lifecycle' | 'client' | 'ignored'> = {
  // the OCI spec (this file)
  CapAdd: 'spec',
  CapDrop: 'spec',
  CgroupParent: 'spec',
  ConsoleSize: 'spec',
  DeviceCgroupRules: 'spec',
  DeviceRequests: 'spec',
  Devices: 'spec',
  GroupAdd: 'spec',
  Init: 'spec',
  IpcMode: 'spec',
  MaskedPaths: 'spec',
  OomScoreAdj: 'spec',
  PidMode: 'spec',
  Privileged: 'spec',
  ReadonlyPaths: 'spec',
  ReadonlyRootfs: 'spec',
  SecurityOpt: 'spec',
  ShmSize: 'spec',
  Sysctls: 'spec',
  UTSMode: 'spec',
  Ulimits: 'spec',
  // resources (this file, and `docker update`)
  BlkioDeviceReadBps: 'spec',
  BlkioDeviceReadIOps: 'spec',
  BlkioDeviceWriteBps: 'spec',
  BlkioDeviceWriteIOps: 'spec',
  BlkioWeight: 'spec',
  BlkioWeightDevice: 'spec',
  CpuPeriod: 'spec',
  CpuQuota: 'spec',
  CpuShares: 'spec',
  CpusetCpus: 'spec',
  CpusetMems: 'spec',
  Memory: 'spec',
  MemoryReservation: 'spec',
  MemorySwap: 'spec',
  MemorySwappiness: 'spec',
  NanoCpus: 'spec',
  OomKillDisable: 'spec',
  PidsLimit: 'spec',
  // volumes and mounts (mounts.ts)
  Binds: 'mounts',
  Mounts: 'mounts',
  Tmpfs: 'mounts',
  VolumeDriver: 'mounts',
  VolumesFrom: 'mounts',
  // networking (src/network)
  Dns: 'network',
  DnsOptions: 'network',
  DnsSearch: 'network',
  ExtraHosts: 'network',
  Links: 'network',
  NetworkMode: 'network',
  PortBindings: 'network',
  PublishAllPorts: 'network',
  // the container's life: logs, restarts, removal, runtime choice
  AutoRemove: 'lifecycle',
  LogConfig: 'lifecycle',
  RestartPolicy: 'lifecycle',
  Runtime: 'lifecycle',
  // read by the client that sent it
  ContainerIDFile: 'client',
  // accepted, stored, shown by inspect, not applied
  Annotations: 'ignored',
  Cgroup: 'ignored',
  CgroupnsMode: 'ignored',
  CpuCount: 'ignored',
  CpuPercent: 'ignored',
  CpuRealtimePeriod: 'ignored',
  CpuRealtimeRuntime: 'ignored',
  IOMaximumBandwidth: 'ignored',
  IOMaximumIOps: 'ignored',
  Isolation: 'ignored',
  KernelMemory: 'ignored',
  KernelMemoryTCP: 'ignored',
  StorageOpt: 'ignored',
  UsernsMode: 'ignored',
};
