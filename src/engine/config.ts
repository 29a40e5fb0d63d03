// Daemon settings the engine needs (from flags and daemon.json).
import * as path from 'node:path';
import { defaultNetworkConfig, type NetworkDaemonConfig } from '../network/types';
import { defaultRegistryConfig, type RegistryConfig } from '../registry/transport';
import type { Ulimit } from '../common/units';

export interface RuntimeEntry {
  path: string;
  runtimeArgs?: string[];
}

export interface EngineConfig {
  dataRoot: string;
  execRoot: string;
  runtimes: Record<string, RuntimeEntry>;
  defaultRuntime: string;
  conmonPath: string;
  seccompProfile: string;
  initPath?: string;
  logDriver: string;
  logOpts: Record<string, string>;
  liveRestore: boolean;
  shmSize: number;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  cgroupParent: string;
  logLevel: string;
  network: NetworkDaemonConfig;
  /** registry-mirrors, insecure-registries, download/upload concurrency, proxies */
  registry: RegistryConfig;
  /** the daemon's labels (docker info) */
  labels: string[];
  experimental: boolean;
  /** no-new-privileges for every container */
  noNewPrivileges: boolean;
  /** ulimits a container gets unless it sets the same one */
  defaultUlimits: Ulimit[];
  /** IpcMode of containers that ask for none */
  defaultIpcMode: 'private' | 'shareable';
  /** CgroupnsMode of containers that ask for none; unset: private on cgroup v2, host on v1 (Docker's) */
  defaultCgroupnsMode?: 'private' | 'host';
  features: Record<string, boolean>;
}

export function defaultEngineConfig(partial: Partial<EngineConfig> = {}): EngineConfig {
  return {
    dataRoot: '/var/lib/berth',
    execRoot: '/run/berth',
    runtimes: { runc: { path: '/usr/sbin/runc' }, crun: { path: '/usr/bin/crun' } },
    defaultRuntime: 'runc',
    conmonPath: '/usr/bin/conmon',
    seccompProfile: '/usr/share/berth/seccomp/default.json',
    logDriver: 'json-file',
    logOpts: {},
    liveRestore: false,
    shmSize: 64 * 1024 * 1024,
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    cgroupParent: '/berth',
    logLevel: 'info',
    network: defaultNetworkConfig(),
    registry: defaultRegistryConfig(),
    labels: [],
    experimental: false,
    noNewPrivileges: false,
    defaultUlimits: [],
    defaultIpcMode: 'private',
    features: {},
    ...partial,
  };
}

export interface EnginePaths {
  content: string;
  image: string;
  layers: string;
  containers: string;
  volumes: string;
  tmp: string;
  /** on the exec root (tmpfs): runtime state that does not survive a reboot */
  bundles: string;
  exits: string;
  runcRoot: string;
  execs: string;
}

export function enginePaths(cfg: EngineConfig): EnginePaths {
  const d = cfg.dataRoot;
  const r = cfg.execRoot;
  return {
    content: path.join(d, 'content'),
    image: path.join(d, 'image'),
    layers: path.join(d, 'layers'),
    containers: path.join(d, 'containers'),
    volumes: path.join(d, 'volumes'),
    tmp: path.join(d, 'tmp'),
    bundles: path.join(r, 'containers'),
    exits: path.join(r, 'exits'),
    runcRoot: path.join(r, 'runc'),
    execs: path.join(r, 'exec'),
  };
}
