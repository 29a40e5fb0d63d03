// Container records in the Engine API's own shape, so inspect is a projection,
// not a translation. config.json holds the record, hostconfig.json HostConfig.
import type { HealthConfig } from '../image/types';

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface WeightDevice {
  Path: string;
  Weight: number;
}

export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

export interface DeviceRequest {
  Driver: string;
  Count: number;
  DeviceIDs: string[] | null;
  Capabilities: string[][] | null;
  Options: Record<string, string> | null;
}

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface HostConfig {
  Binds: string[] | null;
  ContainerIDFile: string;
  LogConfig: { Type: string; Config: Record<string, string> };
  NetworkMode: string;
  PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  VolumeDriver: string;
  VolumesFrom: string[] | null;
  ConsoleSize: [number, number];
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  CgroupnsMode: string;
  Dns: string[];
  DnsOptions: string[];
  DnsSearch: string[];
  ExtraHosts: string[] | null;
  GroupAdd: string[] | null;
  IpcMode: string;
  Cgroup: string;
  Links: string[] | null;
  OomScoreAdj: number;
  PidMode: string;
  Privileged: boolean;
  PublishAllPorts: boolean;
  ReadonlyRootfs: boolean;
  SecurityOpt: string[] | null;
  Tmpfs?: Record<string, string>;
  UTSMode: string;
  UsernsMode: string;
  ShmSize: number;
  Sysctls?: Record<string, string>;
  Runtime: string;
  Isolation: string;
  CpuShares: number;
  Memory: number;
  NanoCpus: number;
  CgroupParent: string;
  BlkioWeight: number;
  BlkioWeightDevice: WeightDevice[] | null;
  BlkioDeviceReadBps: ThrottleDevice[] | null;
  BlkioDeviceWriteBps: ThrottleDevice[] | null;
  BlkioDeviceReadIOps: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps: ThrottleDevice[] | null;
  CpuPeriod: number;
  CpuQuota: number;
  CpuRealtimePeriod: number;
  CpuRealtimeRuntime: number;
  CpusetCpus: string;
  CpusetMems: string;
  Devices: DeviceMapping[];
  DeviceCgroupRules: string[] | null;
  DeviceRequests: DeviceRequest[] | null;
  MemoryReservation: number;
  MemorySwap: number;
  MemorySwappiness: number | null;
  OomKillDisable: boolean | null;
  PidsLimit: number | null;
  Ulimits: Ulimit[];
  CpuCount: number;
  CpuPercent: number;
  IOMaximumIOps: number;
  IOMaximumBandwidth: number;
  Mounts?: MountSpec[];
  MaskedPaths: string[];
  ReadonlyPaths: string[];
  Init: boolean | null;
  /** kept as given; berth applies neither (no runtime annotations, no storage quotas) */
  Annotations?: Record<string, string>;
  StorageOpt?: Record<string, string>;
  KernelMemory?: number;
  KernelMemoryTCP?: number;
}

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: Status;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: Health;
}

/** A container's mount, as inspect shows it (Mounts), plus what berth keeps to set it up. */
export interface MountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** not in the API: the request that made this mount (-v or --mount; absent for image volumes) */
  Spec?: MountSpec;
  /** not in the API: create a missing bind source at start (-v does, --mount does not) */
  CreateSource?: boolean;
}

/** A container's attachment to one network, in the Engine API's shape. */
export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export type PortMap = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

/** Networks a container is connected to (kept while stopped) and, while running, its addresses and ports. */
export interface ContainerNetworkState {
  Networks: Record<string, EndpointSettings>;
  Ports: PortMap;
  SandboxID: string;
  SandboxKey: string;
}

/** What berth persists for a container (config.json). */
export interface ContainerRecord {
  ID: string;
  Created: string;
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  /** image ID (sha256:…) */
  Image: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  State: ContainerState;
  ExecIDs: string[] | null;
  HasBeenStartedBefore: boolean;
  HasBeenManuallyStopped: boolean;
  LogPath: string;
  MountPoints: MountPoint[];
  /** conmon pid while running */
  MonitorPid: number;
  /** top layer chain ID of the image, for the overlay mount */
  ImageTopLayer: string | null;
  /** set at create by the network service (records from before networking have none) */
  NetworkSettings?: ContainerNetworkState;
}

export interface Container extends ContainerRecord {
  HostConfig: HostConfig;
}

// ---- requests, as the API decodes them (Go's zero values for what the body left out) ----

/** The Config part of a create (and commit) request: absent fields are undefined. */
export interface CreateConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig | null;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  Shell?: string[] | null;
}

/** One network's settings in a create or connect request. */
export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

export interface NetworkingConfig {
  EndpointsConfig?: Record<string, EndpointConfig | null> | null;
}

/** POST /containers/create, decoded. */
export interface CreateContainerRequest {
  name?: string;
  platform?: string;
  /** absent when the body had no Config field at all (Docker: "Config cannot be empty") */
  config?: CreateConfig;
  /** Docker's defaults for what the body left out */
  hostConfig: HostConfig;
  networkingConfig?: NetworkingConfig | null;
}

/** POST /containers/{id}/update: the resources and restart policy that can change on a live container. */
export type UpdateConfig = Partial<Pick<HostConfig, UpdatableResource>> & { RestartPolicy?: RestartPolicy };

export const UPDATABLE_RESOURCES = [
  'CpuShares',
  'Memory',
  'NanoCpus',
  'CpuPeriod',
  'CpuQuota',
  'CpusetCpus',
  'CpusetMems',
  'MemoryReservation',
  'MemorySwap',
  'PidsLimit',
  'BlkioWeight',
  'OomKillDisable',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
] as const;
export type UpdatableResource = (typeof UPDATABLE_RESOURCES)[number];
