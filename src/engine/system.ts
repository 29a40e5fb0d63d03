// The engine's own facts: GET /info as Docker 20.10 fills it, from what berth
// knows (counts, storage, cgroups, kernel, registries, runtimes) and a stable
// engine ID kept in the data root.
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupLayout } from '../runtime/cgroups';
import { toolVersion } from '../runtime/host';
import { writeFileAtomicSync } from '../util/fsutil';
import type { EngineContext } from './context';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Docker 20.10's engine ID: the libtrust key ID of the daemon's key — the
 * first 240 bits of the SHA-256 of its public key (DER), base32, in twelve
 * groups of four ("7TRN:IPZB:QYBB:…").
 */
export function keyId(publicKeyDer: Buffer): string {
  const bytes = createHash('sha256').update(publicKeyDer).digest().subarray(0, 30);
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join(':');
}

const ID_RE = /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/;

/** The engine ID in <data-root>/engine-id, made once from a new P-256 key. */
export function engineId(dataRoot: string): string {
  const file = path.join(dataRoot, 'engine-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (ID_RE.test(id)) return id;
  } catch {
    /* first start */
  }
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const id = keyId(publicKey.export({ type: 'spki', format: 'der' }));
  writeFileAtomicSync(file, id + '\n', 0o600);
  return id;
}

/** statfs magic numbers of the filesystems an overlay2 data root sits on, as Docker names them. */
const FS_NAMES: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0xf2f52010: 'f2fs',
};

function backingFs(dir: string): string {
  try {
    const t = Number(fs.statfsSync(dir).type);
    return FS_NAMES[t >>> 0] ?? `<unknown (${(t >>> 0).toString(16)})>`;
  } catch {
    return '<unknown>';
  }
}

function readText(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function osRelease(): { pretty: string; version: string } {
  const t = readText('/etc/os-release') ?? '';
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(t)?.[1];
  return { pretty: field('PRETTY_NAME') ?? 'linux', version: field('VERSION_ID') ?? '' };
}

/** cgroup facts Docker reports: swap and kernel-memory accounting, per hierarchy. */
function cgroupFacts() {
  const layout = cgroupLayout();
  const v2 = layout.mode === 'v2';
  const mem = layout.v1.get('memory')?.mountpoint;
  const exists = (p: string | undefined) => !!p && fs.existsSync(p);
  return {
    version: v2 ? '2' : '1',
    swap: v2
      ? exists(path.join(layout.unified?.mountpoint ?? '/sys/fs/cgroup', 'memory.swap.max')) || exists('/proc/swaps')
      : exists(mem && path.join(mem, 'memory.memsw.limit_in_bytes')),
    kmem: !v2 && exists(mem && path.join(mem, 'memory.kmem.limit_in_bytes')),
    kmemTcp: !v2 && exists(mem && path.join(mem, 'memory.kmem.tcp.limit_in_bytes')),
    oomKillDisable: !v2 && exists(mem && path.join(mem, 'memory.oom_control')),
  };
}

const sysctlOn = (name: string) => (readText(`/proc/sys/${name}`) ?? '').trim() === '1';

export interface InfoInputs {
  serverVersion: string;
  counts: { total: number; running: number; paused: number; stopped: number };
}

export interface ComponentVersions {
  runtime: { name: string; version: string; commit: string };
  conmon: { version: string; commit: string };
  experimental: boolean;
}

export class SystemService {
  readonly id: string;

  constructor(private readonly ctx: EngineContext) {
    this.id = engineId(ctx.cfg.dataRoot);
  }

  /** How many containers run, are paused, are stopped (for /info). */
  counts(): InfoInputs['counts'] {
    let running = 0;
    let paused = 0;
    let stopped = 0;
    for (const c of this.ctx.containers.all()) {
      if (c.State.Paused) paused++;
      else if (c.State.Running) running++;
      else stopped++;
    }
    return { total: this.ctx.containers.size, running, paused, stopped };
  }

  /** The configured runtimes' names (the CRI's runtime handlers). */
  runtimes(): string[] {
    return Object.keys(this.ctx.cfg.runtimes);
  }

  /** How container cgroups are named: systemd slices or plain cgroupfs paths. */
  cgroupDriver(): 'systemd' | 'cgroupfs' {
    return this.ctx.cfg.cgroupParent?.endsWith('.slice') ? 'systemd' : 'cgroupfs';
  }

  /** Where images' layers and containers' writable layers live, and the layers' size (the CRI's ImageFsInfo). */
  filesystems(): { layers: string; containers: string; layersUsed: number } {
    return { layers: this.ctx.paths.layers, containers: this.ctx.paths.containers, layersUsed: this.ctx.layers.all().reduce((s, l) => s + l.size, 0) };
  }

  /** The components /version lists beside the engine: the default runtime and conmon. */
  async components(): Promise<ComponentVersions> {
    const cfg = this.ctx.cfg;
    const [rt, mon] = await Promise.all([toolVersion(cfg.runtimes[cfg.defaultRuntime]?.path ?? 'runc'), toolVersion(cfg.conmonPath)]);
    return { runtime: { name: cfg.defaultRuntime, ...rt }, conmon: mon, experimental: cfg.experimental };
  }

  /** GET /info, field for field as Docker 20.10's types.Info. */
  async info(inputs: InfoInputs) {
    const cfg = this.ctx.cfg;
    const rt = await toolVersion(cfg.runtimes[cfg.defaultRuntime]?.path ?? 'runc');
    const cg = cgroupFacts();
    const rel = osRelease();
    const bridgeNf4 = sysctlOn('net/bridge/bridge-nf-call-iptables');
    const bridgeNf6 = sysctlOn('net/bridge/bridge-nf-call-ip6tables');
    const warnings: string[] = [];
    if (!cg.swap) warnings.push('WARNING: No swap limit support');
    if (!bridgeNf4) warnings.push('WARNING: bridge-nf-call-iptables is disabled');
    if (!bridgeNf6) warnings.push('WARNING: bridge-nf-call-ip6tables is disabled');
    let nfd = 0;
    try {
      nfd = fs.readdirSync('/proc/self/fd').length;
    } catch {
      /* not Linux procfs */
    }
    const n = inputs.counts;
    const pools = cfg.network.defaultAddressPools?.map((p) => ({ Base: p.base, Size: p.size }));
    return {
      ID: this.id,
      Containers: n.total,
      ContainersRunning: n.running,
      ContainersPaused: n.paused,
      ContainersStopped: n.stopped,
      Images: this.ctx.images.list().length,
      Driver: 'overlay2',
      DriverStatus: [
        ['Backing Filesystem', backingFs(cfg.dataRoot)],
        ['Supports d_type', 'true'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      SystemStatus: null,
      // Docker lists every driver it has; berth has these
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: cg.swap,
      KernelMemory: cg.kmem,
      KernelMemoryTCP: cg.kmemTcp,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: sysctlOn('net/ipv4/ip_forward'),
      BridgeNfIptables: bridgeNf4,
      BridgeNfIp6tables: bridgeNf6,
      Debug: cfg.logLevel === 'debug',
      NFd: nfd,
      OomKillDisable: cg.oomKillDisable,
      NGoroutines: 0,
      SystemTime: rfc3339NanoLocal(new Date()),
      LoggingDriver: cfg.logDriver,
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cg.version,
      NEventsListener: this.ctx.events.listeners,
      KernelVersion: os.release(),
      OperatingSystem: rel.pretty,
      OSVersion: rel.version,
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: registryInfo(cfg.registry),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      GenericResources: null,
      DockerRootDir: cfg.dataRoot,
      HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
      HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
      NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
      Name: os.hostname(),
      Labels: cfg.labels,
      ExperimentalBuild: cfg.experimental,
      ServerVersion: inputs.serverVersion,
      ClusterStore: '',
      ClusterAdvertise: '',
      Runtimes: Object.fromEntries(
        Object.entries(cfg.runtimes).map(([k, v]) => [k, { path: v.path, ...(v.runtimeArgs?.length ? { runtimeArgs: v.runtimeArgs } : {}) }]),
      ),
      DefaultRuntime: cfg.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: cfg.liveRestore,
      Isolation: '',
      InitBinary: 'docker-init',
      ContainerdCommit: { ID: '', Expected: '' },
      RuncCommit: { ID: rt.commit, Expected: rt.commit },
      InitCommit: { ID: '', Expected: '' },
      SecurityOptions: ['name=seccomp,profile=default', ...(cg.version === '2' ? ['name=cgroupns'] : [])],
      ...(pools?.length ? { DefaultAddressPools: pools } : {}),
      Warnings: warnings,
    };
  }
}

/** Go's time.Now() in RFC 3339 with nanoseconds and the local offset. */
function rfc3339NanoLocal(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60000).toISOString().replace(/Z$/, '');
  const frac = local.slice(20).replace(/0+$/, '');
  const base = local.slice(0, 19) + (frac ? '.' + frac : '');
  if (off === 0) return base + 'Z';
  const a = Math.abs(off);
  return `${base}${off > 0 ? '+' : '-'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** daemon.json's registry settings as `docker info` shows them. */
function registryInfo(r: { mirrors: string[]; insecureRegistries: string[] }) {
  const cidrs = r.insecureRegistries.filter((x) => x.includes('/'));
  const names = r.insecureRegistries.filter((x) => !x.includes('/'));
  const IndexConfigs: Record<string, unknown> = {
    'docker.io': { Name: 'docker.io', Mirrors: r.mirrors.map((m) => m + '/'), Secure: true, Official: true },
  };
  for (const n of names) IndexConfigs[n] = { Name: n, Mirrors: [], Secure: false, Official: false };
  return {
    AllowNondistributableArtifactsCIDRs: [],
    AllowNondistributableArtifactsHostnames: [],
    InsecureRegistryCIDRs: ['127.0.0.0/8', ...cidrs],
    IndexConfigs,
    Mirrors: r.mirrors.map((m) => m + '/'),
  };
}
