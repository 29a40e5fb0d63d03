// The engine façade: what the Engine API (src/api) and the CRI (src/cri) may
// ask of the engine, one backend per resource, as moby's routers depend on a
// `Backend` interface and never on the daemon. Nothing else in src/engine is
// imported from those layers (test/unit/imports.test.ts holds the rule), so
// the engine's inside can change without a route noticing.
//
// Each backend lists what its callers use of a service; a method added to a
// service is not reachable from a route until it is named here.
import type { BuildCacheRecord, BuildService } from './builder';
import type { ContainerService } from './containers/service';
import type { EventBus } from './events';
import type { ExecService } from './exec';
import type { ImageService } from './images';
import type { NetworkService } from './networks';
import type { ComponentVersions, SystemService } from './system';
import type { ApiVolume, VolumeService } from './volumes';

/**
 * Containers: create, the lifecycle verbs, inspect and list, the stdio
 * (attach, logs), observation (top, stats) and the filesystem (cp, export, diff).
 * A `ref` is a name, an ID or a unique ID prefix; an unknown one is not-found.
 */
export type ContainerBackend = Pick<
  ContainerService,
  | 'get'
  | 'create'
  | 'list'
  | 'inspect'
  | 'start'
  | 'stop'
  | 'restart'
  | 'kill'
  | 'pause'
  | 'unpause'
  | 'wait'
  | 'remove'
  | 'rename'
  | 'update'
  | 'resize'
  | 'prune'
  | 'top'
  | 'stats'
  | 'logs'
  | 'attach'
  | 'userOf'
  // the CRI's: records as they are, its pod state beside them, the kubelet's log file, cgroup readings
  | 'find'
  | 'all'
  | 'dir'
  | 'setLogPath'
  | 'reopenLog'
  | 'cgroupStats'
  | 'sizes'
> & {
  /** `docker cp` (archive HEAD/GET/PUT), `docker export`, `docker diff` */
  readonly fs: ContainerService['fs'];
};

/** Exec sessions: created on a running container, started once, inspected until the container stops. */
export type ExecBackend = Pick<ExecService, 'create' | 'get' | 'start' | 'resize' | 'inspect' | 'forget'>;

/** Images: pull, push, import, load, save, commit, tag, remove, list, inspect, prune, search, login. */
export type ImageBackend = Pick<
  ImageService,
  | 'pull'
  | 'pullAllTags'
  | 'push'
  | 'import'
  | 'importUrl'
  | 'load'
  | 'checkSave'
  | 'save'
  | 'commit'
  | 'tag'
  | 'remove'
  | 'list'
  | 'inspect'
  | 'history'
  | 'prune'
  | 'search'
  | 'login'
  | 'distribution'
  | 'find'
  | 'records'
  | 'tagsOf'
  | 'parsePlatform'
>;

/** POST /build (the classic builder), its cache, and an image's filesystem for `berth build --output`. */
export type BuildBackend = Pick<BuildService, 'build' | 'prune' | 'exportFilesystem'>;

export type VolumeBackend = Pick<VolumeService, 'list' | 'create' | 'inspect' | 'remove' | 'prune'>;

/** Networks, and containers' endpoints on them (connect, disconnect). */
export type NetworkBackend = Pick<NetworkService, 'list' | 'inspect' | 'create' | 'remove' | 'prune' | 'connect' | 'disconnect'>;

export interface DiskUsage extends ReturnType<ImageService['df']> {
  Containers: ReturnType<ContainerService['list']>;
  Volumes: ApiVolume[];
  BuildCache: BuildCacheRecord[];
}

/** The daemon's own facts. */
export interface SystemBackend {
  /** GET /info; the server version is the API's to say */
  info(serverVersion: string): ReturnType<SystemService['info']>;
  /** the runtime and conmon versions /version lists */
  components(): Promise<ComponentVersions>;
  /** `system df` */
  df(): DiskUsage;
  /** is experimental mode on (it can change on a reload) */
  experimental(): boolean;
  runtimes: SystemService['runtimes'];
  cgroupDriver: SystemService['cgroupDriver'];
  filesystems: SystemService['filesystems'];
}

/** The event log: recent events and live subscribers (`client`: a /events stream, counted in /info). */
export type EventsBackend = Pick<EventBus, 'since' | 'subscribe'>;

/** Everything the API and the CRI may ask of the engine. */
export interface Backend {
  readonly containers: ContainerBackend;
  readonly exec: ExecBackend;
  readonly images: ImageBackend;
  readonly build: BuildBackend;
  readonly volumes: VolumeBackend;
  readonly networks: NetworkBackend;
  readonly system: SystemBackend;
  readonly events: EventsBackend;
}

// What callers need beside the backends: request and answer types, the errors
// they branch on, and the pure helpers that read them. Docker's own parsers
// (references, signals, X-Registry-Auth) are src/common's, imported from there.
export type { AttachConnection } from '../monitor';
export type { AttachStream } from './containers/attach';
export type { ContainerLogs } from './containers/service';
export type { StatsSample, TopResult } from './containers/stats';
export type { WaitCondition } from './containers/waiters';
export type { CreateRequest } from './containers/create';
export type { LogRecord } from './logs/records';
export type { EngineEvent } from './events';
export type { ExecConfig, ExecRecord } from './exec/types';
export { ExecStartError } from './exec/types';
export type { Emit, JsonMessage } from './images';
export type { BuildRequest } from './builder';
export { StepError } from './builder';
export type { CreateVolumeRequest } from './volumes';
export type { CgroupStats, NetworkStats } from '../runtime/cgroup-stats';
export { matchEvent } from './events';
