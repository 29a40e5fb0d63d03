// Container requests: create (Config + HostConfig + NetworkingConfig), update
// and commit, decoded as dockerd decodes them (Go types and names as in
// moby's api/types/container, so errors read the same).
//
// Adding a HostConfig field: add it to `HostConfig` in src/container/types.ts;
// the compiler then asks for its default (src/container/defaults.ts), its
// entry here, and its place in the spec (HOST_CONFIG_USE in
// src/engine/containers/spec.ts). See docs/architecture.md.
import type {
  CreateConfig,
  CreateContainerRequest,
  DeviceMapping,
  DeviceRequest,
  EndpointConfig,
  HostConfig,
  MountSpec,
  NetworkingConfig,
  RestartPolicy,
  ThrottleDevice,
  Ulimit,
  UpdateConfig,
  WeightDevice,
} from '../../container/types';
import { defaultHostConfig } from '../../container/defaults';
import type { HealthConfig } from '../../image/types';
import { badRequest } from '../../util/errors';
import { bool, duration, embed, empty, fixed, int, int64, list, map, opt, ptr, slice, str, string, strSlice, struct, type Codec, type Fields } from './codec';
import type { Json } from './json';

const strings = slice(string);
const labels = map(string);

const healthConfig = struct<HealthConfig>(
  'container.HealthConfig',
  {
    Test: opt(slice(string)),
    Interval: opt(duration),
    Timeout: opt(duration),
    StartPeriod: opt(duration),
    StartInterval: opt(duration),
    Retries: opt(int('int')),
  },
  () => ({}),
);

/** container.Config: the portable part, embedded in the create and commit bodies. */
const configFields: Fields<CreateConfig> = {
  Hostname: opt(string),
  Domainname: opt(string),
  User: opt(string),
  AttachStdin: opt(bool),
  AttachStdout: opt(bool),
  AttachStderr: opt(bool),
  ExposedPorts: ptr(map(empty, 'nat.PortSet')),
  Tty: opt(bool),
  OpenStdin: opt(bool),
  StdinOnce: opt(bool),
  Env: strings,
  Cmd: strSlice,
  Healthcheck: ptr(healthConfig),
  ArgsEscaped: opt(bool),
  Image: opt(string),
  Volumes: map(empty),
  WorkingDir: opt(string),
  Entrypoint: strSlice,
  NetworkDisabled: opt(bool),
  MacAddress: opt(string),
  OnBuild: strings,
  Labels: labels,
  StopSignal: opt(string),
  StopTimeout: ptr(int('int')),
  Shell: strSlice,
};

const restartPolicy = struct<RestartPolicy>(
  'container.RestartPolicy',
  { Name: str<RestartPolicy['Name']>('container.RestartPolicyMode'), MaximumRetryCount: int('int') },
  () => ({ Name: '', MaximumRetryCount: 0 }),
);

const logConfig = struct<HostConfig['LogConfig']>('container.LogConfig', { Type: string, Config: map(string) as Codec<Record<string, string>> }, () => ({
  Type: '',
  Config: {},
}));

const portBinding = struct<{ HostIp: string; HostPort: string }>('nat.PortBinding', { HostIp: string, HostPort: string }, () => ({ HostIp: '', HostPort: '' }));

const weightDevice = struct<WeightDevice>('blkiodev.WeightDevice', { Path: string, Weight: int('uint16') }, () => ({ Path: '', Weight: 0 }));
const throttleDevice = struct<ThrottleDevice>('blkiodev.ThrottleDevice', { Path: string, Rate: int('uint64') }, () => ({ Path: '', Rate: 0 }));
const ulimit = struct<Ulimit>('units.Ulimit', { Name: string, Hard: int64, Soft: int64 }, () => ({ Name: '', Hard: 0, Soft: 0 }));
const deviceMapping = struct<DeviceMapping>('container.DeviceMapping', { PathOnHost: string, PathInContainer: string, CgroupPermissions: string }, () => ({
  PathOnHost: '',
  PathInContainer: '',
  CgroupPermissions: '',
}));
const deviceRequest = struct<DeviceRequest>(
  'container.DeviceRequest',
  { Driver: string, Count: int('int'), DeviceIDs: strings, Capabilities: slice(strings, '[][]string') as Codec<string[][] | null>, Options: map(string) },
  () => ({ Driver: '', Count: 0, DeviceIDs: null, Capabilities: null, Options: null }),
);

type BindOptions = NonNullable<MountSpec['BindOptions']>;
type VolumeOptions = NonNullable<MountSpec['VolumeOptions']>;
type TmpfsOptions = NonNullable<MountSpec['TmpfsOptions']>;
type DriverConfig = NonNullable<VolumeOptions['DriverConfig']>;
const mount = struct<MountSpec>(
  'mount.Mount',
  {
    Type: str<MountSpec['Type']>('mount.Type'),
    Source: opt(string),
    Target: string,
    ReadOnly: opt(bool),
    Consistency: opt(str('mount.Consistency')),
    BindOptions: opt(
      struct<BindOptions>(
        'mount.BindOptions',
        { Propagation: opt(str('mount.Propagation')), NonRecursive: opt(bool), CreateMountpoint: opt(bool) },
        () => ({}),
      ),
    ),
    VolumeOptions: opt(
      struct<VolumeOptions>(
        'mount.VolumeOptions',
        {
          NoCopy: opt(bool),
          Labels: opt(map(string)),
          Subpath: opt(string),
          DriverConfig: opt(struct<DriverConfig>('mount.Driver', { Name: opt(string), Options: opt(map(string)) }, () => ({}))),
        },
        () => ({}),
      ),
    ),
    TmpfsOptions: opt(
      struct<TmpfsOptions>(
        'mount.TmpfsOptions',
        { SizeBytes: opt(int64), Mode: opt(int('fs.FileMode')), Options: opt(slice(strings, '[][]string')) as Codec<string[][] | undefined> },
        () => ({}),
      ),
    ),
  },
  () => ({ Type: '' as MountSpec['Type'], Target: '' }),
);

type Resources = Pick<
  HostConfig,
  | 'CpuShares'
  | 'Memory'
  | 'NanoCpus'
  | 'CgroupParent'
  | 'BlkioWeight'
  | 'BlkioWeightDevice'
  | 'BlkioDeviceReadBps'
  | 'BlkioDeviceWriteBps'
  | 'BlkioDeviceReadIOps'
  | 'BlkioDeviceWriteIOps'
  | 'CpuPeriod'
  | 'CpuQuota'
  | 'CpuRealtimePeriod'
  | 'CpuRealtimeRuntime'
  | 'CpusetCpus'
  | 'CpusetMems'
  | 'Devices'
  | 'DeviceCgroupRules'
  | 'DeviceRequests'
  | 'KernelMemory'
  | 'KernelMemoryTCP'
  | 'MemoryReservation'
  | 'MemorySwap'
  | 'MemorySwappiness'
  | 'OomKillDisable'
  | 'PidsLimit'
  | 'Ulimits'
  | 'CpuCount'
  | 'CpuPercent'
  | 'IOMaximumIOps'
  | 'IOMaximumBandwidth'
>;

/** container.Resources: embedded in HostConfig and in the update body. */
const resourceFields: Fields<Resources> = {
  CpuShares: int64,
  Memory: int64,
  NanoCpus: int64,
  CgroupParent: string,
  BlkioWeight: int('uint16'),
  BlkioWeightDevice: slice(weightDevice, '[]*blkiodev.WeightDevice'),
  BlkioDeviceReadBps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceWriteBps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceReadIOps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceWriteIOps: slice(throttleDevice, '[]*blkiodev.ThrottleDevice'),
  CpuPeriod: int64,
  CpuQuota: int64,
  CpuRealtimePeriod: int64,
  CpuRealtimeRuntime: int64,
  CpusetCpus: string,
  CpusetMems: string,
  Devices: list(deviceMapping),
  DeviceCgroupRules: strings,
  DeviceRequests: slice(deviceRequest),
  KernelMemory: opt(int64),
  KernelMemoryTCP: opt(int64),
  MemoryReservation: int64,
  MemorySwap: int64,
  MemorySwappiness: ptr(int64),
  OomKillDisable: ptr(bool),
  PidsLimit: ptr(int64),
  Ulimits: list(ulimit, '[]*units.Ulimit'),
  CpuCount: int64,
  CpuPercent: int64,
  IOMaximumIOps: int('uint64'),
  IOMaximumBandwidth: int('uint64'),
};

/** container.HostConfig: one entry per field of HostConfig (the compiler checks). */
const hostConfigFields: Fields<HostConfig> = {
  Binds: strings,
  ContainerIDFile: string,
  LogConfig: logConfig,
  NetworkMode: str('container.NetworkMode'),
  PortBindings: map(list(portBinding, '[]nat.PortBinding'), 'nat.PortMap') as Codec<HostConfig['PortBindings']>,
  RestartPolicy: restartPolicy,
  AutoRemove: bool,
  VolumeDriver: string,
  VolumesFrom: strings,
  ConsoleSize: fixed(int('uint'), 2, 0) as Codec<[number, number]>,
  Annotations: opt(map(string)),
  CapAdd: strSlice,
  CapDrop: strSlice,
  CgroupnsMode: str('container.CgroupnsMode'),
  Dns: list(string),
  DnsOptions: list(string),
  DnsSearch: list(string),
  ExtraHosts: strings,
  GroupAdd: strings,
  IpcMode: str('container.IpcMode'),
  Cgroup: str('container.CgroupSpec'),
  Links: strings,
  OomScoreAdj: int('int'),
  PidMode: str('container.PidMode'),
  Privileged: bool,
  PublishAllPorts: bool,
  ReadonlyRootfs: bool,
  SecurityOpt: strings,
  StorageOpt: opt(map(string)),
  Tmpfs: opt(map(string)),
  UTSMode: str('container.UTSMode'),
  UsernsMode: str('container.UsernsMode'),
  ShmSize: int64,
  Sysctls: opt(map(string)),
  Runtime: string,
  Isolation: str('container.Isolation'),
  ...embed('Resources', resourceFields),
  Mounts: opt(list(mount, '[]mount.Mount')),
  MaskedPaths: list(string),
  ReadonlyPaths: list(string),
  Init: ptr(bool),
};

export const hostConfig = struct<HostConfig>('container.HostConfig', hostConfigFields, defaultHostConfig);

const ipamConfig = struct<NonNullable<EndpointConfig['IPAMConfig']>>(
  'network.EndpointIPAMConfig',
  { IPv4Address: opt(string), IPv6Address: opt(string), LinkLocalIPs: opt(strings) },
  () => ({}),
);

export const endpointSettings = struct<EndpointConfig>(
  'network.EndpointSettings',
  { IPAMConfig: ptr(ipamConfig), Links: strings, Aliases: strings, MacAddress: opt(string), DriverOpts: map(string) },
  () => ({}),
);

const networkingConfig = struct<NetworkingConfig>('network.NetworkingConfig', { EndpointsConfig: map(endpointSettings) }, () => ({}));

type CreateBody = CreateConfig & { HostConfig?: HostConfig | null; NetworkingConfig?: NetworkingConfig | null };

/** container.CreateRequest: Config's fields at the top level, beside HostConfig and NetworkingConfig. */
const createBody = struct<CreateBody>(
  'container.CreateRequest',
  { ...embed('Config', configFields), HostConfig: opt(hostConfig), NetworkingConfig: ptr(networkingConfig) },
  () => ({}),
);

function splitCreateBody(v: Json | undefined): { config?: CreateConfig; hostConfig?: HostConfig | null; networkingConfig?: NetworkingConfig | null } {
  if (v === undefined || v === null) return {};
  const { HostConfig, NetworkingConfig, ...config } = createBody.decode(v, undefined, {});
  return { config: Object.keys(config).length ? config : undefined, hostConfig: HostConfig, networkingConfig: NetworkingConfig };
}

/** The body of POST /containers/create. */
export function decodeCreateContainer(v: Json | undefined, q: { name?: string; platform?: string }): CreateContainerRequest {
  const { config, hostConfig, networkingConfig } = splitCreateBody(v);
  return { name: q.name, platform: q.platform, config, hostConfig: hostConfig ?? defaultHostConfig(), networkingConfig };
}

/** The body of POST /commit: a container Config (dockerd reads it with the create decoder). */
export function decodeCommitConfig(v: Json | undefined): CreateConfig | undefined {
  return splitCreateBody(v).config;
}

const updateConfig = struct<UpdateConfig & Pick<Resources, Exclude<keyof Resources, keyof UpdateConfig>>>(
  'container.UpdateConfig',
  {
    ...embed('Resources', resourceFields),
    RestartPolicy: opt(restartPolicy),
  },
  () => ({}) as never,
);

/** The body of POST /containers/{id}/update (the resources berth can change live, and the restart policy). */
export function decodeUpdate(v: Json | undefined): UpdateConfig {
  if (v === undefined || v === null) return {};
  return updateConfig.decode(v, undefined, {} as never);
}

/** The API-version rules of moby's container create route for HostConfig.Mounts. */
export function normalizeMountsForVersion(hc: Partial<HostConfig> | undefined, version: number): void {
  const mounts = hc?.Mounts;
  if (!mounts) return;
  const v = Math.round(version * 100);
  for (const m of mounts) {
    if (v < 142) {
      if (m.BindOptions) m.BindOptions.CreateMountpoint = false;
      // invalid combinations that older APIs did not check
      if (m.VolumeOptions && m.Type !== 'volume') delete m.VolumeOptions;
      if (m.TmpfsOptions && m.Type !== 'tmpfs') delete m.TmpfsOptions;
    } else {
      if (m.VolumeOptions && m.Type !== 'volume') throw badRequest(`VolumeOptions must not be specified on mount type "${m.Type}"`);
      if (m.BindOptions && m.Type !== 'bind') throw badRequest(`BindOptions must not be specified on mount type "${m.Type}"`);
      if (m.TmpfsOptions && m.Type !== 'tmpfs') throw badRequest(`TmpfsOptions must not be specified on mount type "${m.Type}"`);
    }
    if (v < 145 && m.VolumeOptions?.Subpath) throw badRequest('VolumeOptions.Subpath needs API v1.45 or newer');
  }
}
