// The Go types behind `docker inspect` output, as far as templates can tell
// them apart: the docker CLI runs a template first on the typed struct (a
// null slice is an empty []; an omitted string is ""; a nil pointer prints
// <nil>; an unknown field is an error) and only when that fails on the raw
// JSON, with missing keys as errors and numbers as json.Number strings. Only
// the fields where typed and raw differ (nullable, omitted, struct{} sets)
// are described; the rest of each object passes through unchanged.
import { goNilMap, goNilSlice } from './template/values';

type Leaf = 'string' | 'int' | 'bool' | 'slice' | 'map' | 'set' | 'ptr' | 'time';
interface Struct {
  name: string;
  fields: Record<string, Schema>;
  /** a pointer to the struct: null stays nil */
  ptr?: boolean;
}
type Schema = Leaf | Struct | { sliceOf: Struct } | { mapOf: Struct };

const struct = (name: string, fields: Record<string, Schema>, ptr = false): Struct => ({ name, fields, ptr });
const ptr = (s: Struct): Struct => ({ ...s, ptr: true });

/** Go's `struct{}`: prints {} and marshals as {}. */
class GoEmptyStruct {}
const EMPTY = Object.freeze(new GoEmptyStruct());

const classes = new Map<string, new () => object>();
/** A class per Go struct name: the template engine treats instances as structs. */
function classFor(name: string): new () => object {
  let c = classes.get(name);
  if (!c) {
    c = { [name]: class {} }[name] as new () => object;
    // marshal in field order, as Go's encoder does
    Object.defineProperty(c.prototype, 'toJSON', {
      value: function (this: object) {
        return { ...this };
      },
      enumerable: false,
    });
    classes.set(name, c);
  }
  return c;
}

function apply(v: unknown, s: Schema): unknown {
  if (typeof s === 'string') {
    switch (s) {
      case 'string':
        return v ?? '';
      case 'int':
        return v ?? 0;
      case 'bool':
        return v ?? false;
      case 'slice':
        return v == null ? goNilSlice() : v;
      // a Go map: a JS Map, so json marshals it with sorted keys and printing sorts it, as Go does
      case 'map':
        return v == null ? goNilMap() : new Map(Object.entries(v as object));
      case 'set':
        return v == null ? goNilMap() : new Map(Object.keys(v as object).map((k) => [k, EMPTY]));
      case 'ptr':
        return v ?? null;
      case 'time':
        return new Date(typeof v === 'string' ? v : '0001-01-01T00:00:00Z');
    }
  }
  if ('sliceOf' in s) return v == null ? goNilSlice() : (v as unknown[]).map((e) => apply(e, s.sliceOf));
  if ('mapOf' in s) return v == null ? goNilMap() : new Map(Object.entries(v as object).map(([k, e]) => [k, apply(e, s.mapOf)]));
  if (v == null && s.ptr) return null;
  const src = (v ?? {}) as Record<string, unknown>;
  const out = new (classFor(s.name))() as Record<string, unknown>;
  for (const [k, e] of Object.entries(src)) out[k] = k in s.fields ? apply(e, s.fields[k]) : e;
  for (const [k, fs] of Object.entries(s.fields)) if (!(k in src)) out[k] = apply(undefined, fs);
  return out;
}

const healthConfig = struct('HealthConfig', { Test: 'slice', Interval: 'int', Timeout: 'int', StartPeriod: 'int', Retries: 'int' }, true);
const config = struct(
  'Config',
  {
    Hostname: 'string',
    Domainname: 'string',
    User: 'string',
    ExposedPorts: 'set',
    Env: 'slice',
    Cmd: 'slice',
    Healthcheck: healthConfig,
    ArgsEscaped: 'bool',
    Image: 'string',
    Volumes: 'set',
    WorkingDir: 'string',
    Entrypoint: 'slice',
    NetworkDisabled: 'bool',
    MacAddress: 'string',
    OnBuild: 'slice',
    Labels: 'map',
    StopSignal: 'string',
    StopTimeout: 'ptr',
    Shell: 'slice',
  },
  true,
);
const health = struct('Health', { Status: 'string', FailingStreak: 'int', Log: { sliceOf: struct('HealthcheckResult', {}, true) } }, true);
const endpoint = struct('EndpointSettings', { IPAMConfig: 'ptr', Links: 'slice', Aliases: 'slice', DriverOpts: 'map', DNSNames: 'slice' }, true);
const mountPoint = struct('MountPoint', {
  Type: 'string',
  Name: 'string',
  Source: 'string',
  Destination: 'string',
  Driver: 'string',
  Mode: 'string',
  RW: 'bool',
  Propagation: 'string',
});
const hostConfig = struct(
  'HostConfig',
  {
    Binds: 'slice',
    LogConfig: struct('LogConfig', { Type: 'string', Config: 'map' }),
    PortBindings: 'map',
    RestartPolicy: struct('RestartPolicy', { Name: 'string', MaximumRetryCount: 'int' }),
    VolumeDriver: 'string',
    VolumesFrom: 'slice',
    ConsoleSize: 'slice',
    Annotations: 'map',
    CapAdd: 'slice',
    CapDrop: 'slice',
    Dns: 'slice',
    DnsOptions: 'slice',
    DnsSearch: 'slice',
    ExtraHosts: 'slice',
    GroupAdd: 'slice',
    Links: 'slice',
    SecurityOpt: 'slice',
    StorageOpt: 'map',
    Tmpfs: 'map',
    Sysctls: 'map',
    BlkioWeightDevice: 'slice',
    BlkioDeviceReadBps: 'slice',
    BlkioDeviceWriteBps: 'slice',
    BlkioDeviceReadIOps: 'slice',
    BlkioDeviceWriteIOps: 'slice',
    Devices: 'slice',
    DeviceCgroupRules: 'slice',
    DeviceRequests: 'slice',
    Ulimits: 'slice',
    Mounts: 'slice',
    MaskedPaths: 'slice',
    ReadonlyPaths: 'slice',
    Init: 'ptr',
    OomKillDisable: 'ptr',
    PidsLimit: 'ptr',
    MemorySwappiness: 'ptr',
    ContainerIDFile: 'string',
    Runtime: 'string',
  },
  true,
);

const CONTAINER = struct('ContainerJSON', {
  State: ptr(struct('ContainerState', { Health: health })),
  Config: config,
  HostConfig: hostConfig,
  ExecIDs: 'slice',
  Mounts: { sliceOf: mountPoint },
  NetworkSettings: ptr(
    struct('NetworkSettings', {
      Ports: 'map',
      Networks: { mapOf: endpoint },
      SecondaryIPAddresses: 'slice',
      SecondaryIPv6Addresses: 'slice',
      Bridge: 'string',
      HairpinMode: 'bool',
    }),
  ),
  SizeRw: 'ptr',
  SizeRootFs: 'ptr',
  Node: 'ptr',
  Platform: 'string',
  AppArmorProfile: 'string',
});

const IMAGE = struct('ImageInspect', {
  RepoTags: 'slice',
  RepoDigests: 'slice',
  Parent: 'string',
  Comment: 'string',
  Container: 'string',
  ContainerConfig: config,
  DockerVersion: 'string',
  Author: 'string',
  Config: config,
  Variant: 'string',
  OsVersion: 'string',
  GraphDriver: struct('GraphDriverData', { Data: 'map', Name: 'string' }),
  RootFS: struct('RootFS', { Type: 'string', Layers: 'slice' }),
  Metadata: struct('Metadata', { LastTagTime: 'time' }),
});

const NETWORK = struct('NetworkResource', {
  Labels: 'map',
  Options: 'map',
  Containers: 'map',
  Peers: 'slice',
  Services: 'map',
  ConfigFrom: struct('ConfigReference', { Network: 'string' }),
  IPAM: struct('IPAM', {
    Driver: 'string',
    Options: 'map',
    Config: { sliceOf: struct('IPAMConfig', { Subnet: 'string', IPRange: 'string', Gateway: 'string', AuxiliaryAddresses: 'map' }) },
  }),
});

const VOLUME = struct('volume.Volume', { Labels: 'map', Options: 'map', Status: 'map', UsageData: 'ptr', ClusterVolume: 'ptr' });

const SCHEMAS = { container: CONTAINER, image: IMAGE, network: NETWORK, volume: VOLUME };
export type InspectKind = keyof typeof SCHEMAS;

/** The raw API object as the docker CLI's typed struct of that kind. */
export function typedObject(kind: InspectKind, raw: unknown): unknown {
  return apply(raw, SCHEMAS[kind]);
}

/** The raw JSON as Go decodes it with UseNumber: numbers become json.Number strings. */
export function rawObject(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(rawObject);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, rawObject(e)]));
  return v;
}
