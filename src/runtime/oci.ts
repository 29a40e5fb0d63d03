// OCI runtime spec types (config.json), per opencontainers/runtime-spec v1.0.2
// plus the few later fields runc 1.1 understands (domainname, defaultErrnoRet,
// seccomp flags). Only the Linux platform is modelled.

export const OCI_VERSION = '1.0.2';

export interface OciSpec {
  ociVersion: string;
  process?: OciProcess;
  root?: OciRoot;
  hostname?: string;
  domainname?: string;
  mounts?: OciMount[];
  hooks?: OciHooks;
  annotations?: Record<string, string>;
  linux?: OciLinux;
}

export interface OciRoot {
  path: string;
  readonly?: boolean;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  username?: string;
}

export interface OciBox {
  height: number;
  width: number;
}

export interface OciRlimit {
  type: string; // RLIMIT_NOFILE, ...
  // bigint only for values above 2^53 (e.g. "unlimited"); serializeSpec() writes them as JSON numbers.
  hard: number | bigint;
  soft: number | bigint;
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: OciBox;
  user: OciUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface OciHooks {
  prestart?: OciHook[];
  createRuntime?: OciHook[];
  createContainer?: OciHook[];
  startContainer?: OciHook[];
  poststart?: OciHook[];
  poststop?: OciHook[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciNamespace {
  type: OciNamespaceType;
  path?: string;
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciDevice {
  type: string; // c, b, u, p
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciDeviceCgroup {
  allow: boolean;
  type?: string; // a, c, b
  major?: number;
  minor?: number;
  access?: string; // rwm
}

export interface OciMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
}

export interface OciCpu {
  shares?: number;
  quota?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
}

export interface OciPids {
  limit: number;
}

export interface OciWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface OciThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface OciBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: OciWeightDevice[];
  throttleReadBpsDevice?: OciThrottleDevice[];
  throttleWriteBpsDevice?: OciThrottleDevice[];
  throttleReadIOPSDevice?: OciThrottleDevice[];
  throttleWriteIOPSDevice?: OciThrottleDevice[];
}

export interface OciHugepageLimit {
  pageSize: string;
  limit: number;
}

export interface OciResources {
  devices?: OciDeviceCgroup[];
  memory?: OciMemory;
  cpu?: OciCpu;
  pids?: OciPids;
  blockIO?: OciBlockIO;
  hugepageLimits?: OciHugepageLimit[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
}

export type OciSeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string; // SCMP_CMP_EQ, ...
}

export interface OciSyscall {
  names: string[];
  action: OciSeccompAction;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: OciSeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  syscalls?: OciSyscall[];
}

export interface OciLinux {
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  sysctl?: Record<string, string>;
  resources?: OciResources;
  cgroupsPath?: string;
  namespaces?: OciNamespace[];
  devices?: OciDevice[];
  seccomp?: OciSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
}

/** config.json text for a spec; rlimit values above 2^53 are written as exact integers. */
export function serializeSpec(spec: OciSpec, indent?: number): string {
  const json = JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? `__berth_u64__${v.toString()}` : v), indent);
  return json.replace(/"__berth_u64__(\d+)"/g, '$1');
}
