// buildSpec: resolved container settings → OCI config.json, shaped like the
// spec dockerd hands to runc (moby oci/defaults.go + daemon/oci_linux.go).
import { badRequest, internal } from '../util/errors';
import { computeCapabilities } from './caps';
import { cgroupLayout } from './cgroups';
import { defaultDeviceRules, DeviceMapping, devicesFromPath, hostDevices, parseDeviceCgroupRule } from './devices';
import { findInitBinary, hostFacts, sysctlExists, thermalThrottlePaths } from './host';
import { assembleMounts, BindMount, DEFAULT_SHM_SIZE, tmpfsMount } from './mounts';
import { OCI_VERSION, OciBox, OciDevice, OciDeviceCgroup, OciNamespace, OciRlimit, OciSpec } from './oci';
import { ResourceConfig, toOciResources, validateResources } from './resources';
import { SeccompSetting, seccompFor } from './seccomp';
import { Ulimit, ULIMIT_TYPES } from '../common/units';

export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker 28's masked paths (plus every cpuN/thermal_throttle the host has). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export type NetworkNamespace =
  | { kind: 'private' }
  | { kind: 'host' }
  | { kind: 'path'; path: string /** a namespace made for this container alone */; own?: boolean };
/** "private" = new namespace, "host" = the host's, {path} = join /proc/<pid>/ns/… of another container */
export type NamespaceMode = 'private' | 'host' | { path: string };
/** ipc: like NamespaceMode plus Docker's "shareable" (= private) and "none" (private, no /dev/shm) */
export type IpcMode = NamespaceMode | 'shareable' | 'none' | { path: string; shmPath?: string };

export interface SpecInput {
  process: {
    args: string[];
    /** "K=V" list; PATH is added (Docker's default) when missing */
    env: string[];
    cwd?: string;
    terminal?: boolean;
    consoleSize?: OciBox;
    user: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
    noNewPrivileges?: boolean;
    /** Docker shape: {Name: "nofile", Soft, Hard}; -1 = unlimited */
    ulimits?: Ulimit[] | null;
    oomScoreAdj?: number;
  };
  /** the merged overlay directory */
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  /** runc cgroupsPath, e.g. cgroupsPathFor(id) = "/berth/<id>" */
  cgroupsPath: string;

  pidMode?: NamespaceMode;
  ipcMode?: IpcMode;
  /** a path joins another container's UTS namespace (CRI pods; the hostname is the holder's) */
  utsMode?: 'private' | 'host' | { path: string };
  /** default as Docker: host on cgroup v1/hybrid, private on v2 */
  cgroupnsMode?: 'private' | 'host';
  network: NetworkNamespace;

  /** binds: volumes, -v, --mount type=bind (options such as ["rbind","ro","rprivate"]) */
  mounts?: BindMount[];
  /** HostConfig.Tmpfs: destination → options ("rw,noexec,size=64m") */
  tmpfs?: Record<string, string> | null;
  /** bytes; default 64 MiB */
  shmSize?: number;
  /** host paths of the container's files, bind-mounted at /etc/hostname, /etc/hosts, /etc/resolv.conf */
  etcFiles?: { hostname?: string; hosts?: string; resolvConf?: string };

  privileged?: boolean;
  capAdd?: string[] | null;
  capDrop?: string[] | null;
  seccomp?: SeccompSetting;
  /** the daemon's default profile file (DEFAULT_SECCOMP_PROFILE_PATH) */
  seccompProfilePath?: string;
  /** HostConfig.MaskedPaths / ReadonlyPaths; null/undefined = Docker's defaults */
  maskedPaths?: string[] | null;
  readonlyPaths?: string[] | null;
  sysctls?: Record<string, string> | null;

  devices?: DeviceMapping[] | null;
  deviceCgroupRules?: string[] | null;
  resources?: ResourceConfig;

  /** run Docker's init (tini) as PID 1 */
  init?: boolean;
  /** host binary for init; default tini-static, else tini */
  initPath?: string;
  annotations?: Record<string, string>;
}

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

function checkSysctl(name: string, input: SpecInput): void {
  const ipcHost = input.ipcMode === 'host';
  if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) {
    if (ipcHost) throw badRequest(`sysctl "${name}" not allowed in host IPC namespace`);
    return;
  }
  if (name.startsWith('net.')) {
    if (input.network.kind === 'host') throw badRequest(`sysctl "${name}" not allowed in host network namespace`);
    return;
  }
  if (name === 'kernel.domainname' || name === 'kernel.hostname') {
    if (input.utsMode === 'host') throw badRequest(`sysctl "${name}" not allowed in host UTS namespace`);
    return;
  }
  throw badRequest(`sysctl "${name}" is not in a separate kernel namespace`);
}

/** Docker's ulimits as OCI rlimits (the container's process; exec processes inherit them, as under dockerd). */
export function ociRlimits(ulimits: Ulimit[] | null | undefined): OciRlimit[] | undefined {
  if (!ulimits?.length) return undefined;
  const host = hostFacts().limits;
  const U64_MAX = (1n << 64n) - 1n;
  return ulimits.map((u) => {
    const type = ULIMIT_TYPES[u.Name];
    if (!type) throw badRequest(`invalid ulimit type: ${u.Name}`);
    const soft = u.Soft < 0 ? Infinity : u.Soft;
    const hard = u.Hard < 0 ? Infinity : u.Hard;
    if (soft > hard) throw badRequest(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
    const max = host[u.Name]?.hard ?? Infinity;
    if (hard > max) {
      throw badRequest(
        `ulimit ${u.Name}: hard limit ${hard === Infinity ? 'unlimited' : hard} is above this host's hard limit ` +
          `of ${max}; berth runs without CAP_SYS_RESOURCE, so it cannot raise limits`,
      );
    }
    const v = (n: number) => (n === Infinity ? U64_MAX : n);
    return { type, soft: v(soft), hard: v(hard) };
  });
}

function namespaces(input: SpecInput): OciNamespace[] {
  const ns: OciNamespace[] = [{ type: 'mount' }];
  const add = (type: OciNamespace['type'], mode: NamespaceMode | undefined) => {
    if (mode === 'host') return;
    if (mode && typeof mode === 'object') ns.push({ type, path: mode.path });
    else ns.push({ type });
  };
  if (input.network.kind === 'private') ns.push({ type: 'network' });
  else if (input.network.kind === 'path') ns.push({ type: 'network', path: input.network.path });
  add('uts', input.utsMode ?? 'private');
  add('pid', input.pidMode ?? 'private');
  const ipc = input.ipcMode ?? 'private';
  add('ipc', ipc === 'shareable' || ipc === 'none' ? 'private' : ipc);
  const cgroupns = input.cgroupnsMode ?? (cgroupLayout().mode === 'v2' ? 'private' : 'host');
  if (cgroupns === 'private') ns.push({ type: 'cgroup' });
  return ns;
}

function devicesAndRules(input: SpecInput): { devices: OciDevice[]; rules: OciDeviceCgroup[] } {
  const devices: OciDevice[] = [];
  if (input.privileged) {
    devices.push(...hostDevices());
    for (const m of input.devices ?? []) {
      const inCtr = m.PathInContainer || m.PathOnHost;
      if (inCtr === m.PathOnHost) continue; // already there via the host's /dev
      devices.push(...devicesFromPath({ ...m, CgroupPermissions: 'rwm' }).devices);
    }
    return { devices, rules: [{ allow: true, access: 'rwm' }] };
  }
  const rules = defaultDeviceRules();
  for (const m of input.devices ?? []) {
    const d = devicesFromPath(m);
    devices.push(...d.devices);
    rules.push(...d.rules);
  }
  for (const r of input.deviceCgroupRules ?? []) rules.push(parseDeviceCgroupRule(r));
  return { devices, rules };
}

/** Builds the OCI spec; throws 400 EngineErrors (Docker's wording) for invalid settings. */
export function buildSpec(input: SpecInput): OciSpec {
  const privileged = !!input.privileged;
  const p = input.process;
  if (!p.args?.length) throw badRequest('No command specified');
  // OomScoreAdj and ShmSize are checked once, at create (engine/containers/create.ts validateHostConfig)
  const caps = computeCapabilities({ privileged, capAdd: input.capAdd ?? [], capDrop: input.capDrop ?? [] });
  const pidPrivate = (input.pidMode ?? 'private') === 'private';

  // process
  let args = [...p.args];
  const binds: BindMount[] = [];
  if (input.init && pidPrivate) {
    const initBin = input.initPath ?? findInitBinary();
    if (!initBin) throw internal('cannot run with --init: no init binary (install tini: /usr/bin/tini-static)');
    args = [INIT_PATH_IN_CONTAINER, '--', ...args];
    binds.push({ source: initBin, destination: INIT_PATH_IN_CONTAINER, options: ['bind', 'ro'] });
  }
  const env = [...p.env];
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH_ENV);
  const user: NonNullable<OciSpec['process']>['user'] = { uid: p.user.uid, gid: p.user.gid };
  if (p.user.additionalGids?.length) user.additionalGids = [...new Set(p.user.additionalGids)];
  if (p.user.umask !== undefined) user.umask = p.user.umask;

  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: !!p.terminal,
      user,
      args,
      env,
      cwd: p.cwd || '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      noNewPrivileges: !!p.noNewPrivileges,
    },
    root: { path: input.root.path, readonly: !!input.root.readonly },
  };
  if (p.terminal && p.consoleSize) spec.process!.consoleSize = p.consoleSize;
  const rl = ociRlimits(p.ulimits);
  if (rl) spec.process!.rlimits = rl;
  if (p.oomScoreAdj !== undefined) spec.process!.oomScoreAdj = p.oomScoreAdj;
  if ((input.utsMode ?? 'private') === 'private') {
    if (input.hostname) spec.hostname = input.hostname;
    if (input.domainname) spec.domainname = input.domainname;
  }

  // mounts
  const userDests = new Set((input.mounts ?? []).map((m) => m.destination));
  binds.push(...(input.mounts ?? []));
  const etc: [string | undefined, string][] = [
    [input.etcFiles?.resolvConf, '/etc/resolv.conf'],
    [input.etcFiles?.hostname, '/etc/hostname'],
    [input.etcFiles?.hosts, '/etc/hosts'],
  ];
  for (const [src, dest] of etc) {
    if (!src || userDests.has(dest)) continue;
    binds.push({ source: src, destination: dest, options: ['rbind', 'rprivate', ...(input.root.readonly ? ['ro'] : [])] });
  }
  const ipc = input.ipcMode ?? 'private';
  let shmSize: number | null = input.shmSize || DEFAULT_SHM_SIZE;
  if (ipc === 'none') shmSize = null;
  else if (ipc === 'host' || (typeof ipc === 'object' && 'shmPath' in ipc && ipc.shmPath)) {
    const src = ipc === 'host' ? '/dev/shm' : (ipc as { shmPath: string }).shmPath;
    shmSize = null;
    if (!userDests.has('/dev/shm')) binds.push({ source: src, destination: '/dev/shm', options: ['rbind', 'rprivate'] });
  }
  const tmpfs = Object.entries(input.tmpfs ?? {}).map(([dest, data]) => tmpfsMount(dest, data));
  const { mounts, rootfsPropagation } = assembleMounts({
    shmSize,
    binds,
    tmpfs,
    readonlyRootfs: !!input.root.readonly,
    privileged,
  });
  spec.mounts = mounts;

  // linux
  const { devices, rules } = devicesAndRules(input);
  const validated = validateResources(input.resources ?? {}).resources;
  const resources = { devices: rules, ...toOciResources(validated) };
  const sysctl: Record<string, string> = {};
  if (input.network.kind === 'private' || (input.network.kind === 'path' && input.network.own)) {
    if (sysctlExists('net.ipv4.ping_group_range')) sysctl['net.ipv4.ping_group_range'] = '0 2147483647';
    if (sysctlExists('net.ipv4.ip_unprivileged_port_start')) sysctl['net.ipv4.ip_unprivileged_port_start'] = '0';
  }
  for (const [k, v] of Object.entries(input.sysctls ?? {})) {
    checkSysctl(k, input);
    sysctl[k] = v;
  }
  spec.linux = {
    sysctl,
    resources,
    cgroupsPath: input.cgroupsPath,
    namespaces: namespaces(input),
    devices,
    maskedPaths: privileged ? [] : (input.maskedPaths ?? [...DEFAULT_MASKED_PATHS, ...thermalThrottlePaths()]),
    readonlyPaths: privileged ? [] : (input.readonlyPaths ?? [...DEFAULT_READONLY_PATHS]),
  };
  if (rootfsPropagation) spec.linux.rootfsPropagation = rootfsPropagation;
  const seccomp = seccompFor(input.seccomp, {
    capabilities: caps,
    privileged,
    defaultProfilePath: input.seccompProfilePath,
  });
  if (seccomp) spec.linux.seccomp = seccomp;
  if (input.annotations && Object.keys(input.annotations).length) spec.annotations = { ...input.annotations };
  return spec;
}
