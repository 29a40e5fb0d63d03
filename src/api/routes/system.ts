// /_ping, /version, /info, /events.
import * as os from 'node:os';
import type { Engine } from '../../engine/engine';
import { matchEvent, type EngineEvent } from '../../engine/events';
import { badRequest } from '../../util/errors';
import { parseTimeArg } from '../../util/time';
import { ClientStream } from '../client-stream';
import { sendJson } from '../http';
import { filtersParam, type Router } from '../router';
import { API_VERSION, MIN_API_VERSION, SERVER_VERSION } from '../server';
import { cgroupLayout } from '../../runtime/cgroups';
import { toolVersion } from '../../runtime/host';

export function systemRoutes(r: Router, engine: Engine): void {
  r.get('/_ping', ({ req, res }) => {
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Builder-Version': '1',
      Swarm: 'inactive',
      'Content-Length': req.method === 'HEAD' ? '0' : '2',
    });
    res.end(req.method === 'HEAD' ? undefined : 'OK');
  });

  r.get('/version', async ({ res }) => {
    const arch = goArch();
    const cfg = engine.cfg;
    const [rt, mon] = await Promise.all([toolVersion(cfg.runtimes[cfg.defaultRuntime]?.path ?? 'runc'), toolVersion(cfg.conmonPath)]);
    sendJson(res, 200, {
      Platform: { Name: 'berth' },
      Components: [
        {
          Name: 'Engine',
          Version: SERVER_VERSION,
          Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: 'berth', GoVersion: `node${process.versions.node}`, Os: 'linux', Arch: arch, KernelVersion: os.release(), BuildTime: '', Experimental: String(cfg.experimental) },
        },
        { Name: cfg.defaultRuntime, Version: rt.version, Details: { GitCommit: rt.commit } },
        { Name: 'conmon', Version: mon.version, Details: { GitCommit: mon.commit } },
      ],
      Version: SERVER_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      ...(cfg.experimental ? { Experimental: true } : {}),
      GitCommit: 'berth',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: arch,
      KernelVersion: os.release(),
      BuildTime: '',
    });
  });

  r.get('/info', async ({ res }) => {
    const n = engine.counts();
    const cfg = engine.cfg;
    const rt = await toolVersion(cfg.runtimes[cfg.defaultRuntime]?.path ?? 'runc');
    const layout = cgroupLayout();
    sendJson(res, 200, {
      ID: '',
      Containers: n.total,
      ContainersRunning: n.running,
      ContainersPaused: n.paused,
      ContainersStopped: n.stopped,
      Images: engine.ctx.images.list().length,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']],
      Plugins: { Volume: ['local'], Network: ['host', 'null'], Authorization: null, Log: ['json-file', 'none'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: cfg.logLevel === 'debug',
      NFd: 0,
      OomKillDisable: true,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: cfg.logDriver,
      CgroupDriver: 'cgroupfs',
      CgroupVersion: layout.mode === 'v2' ? '2' : '1',
      NEventsListener: 0,
      KernelVersion: os.release(),
      OperatingSystem: osName(),
      OSVersion: '',
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: registryInfo(cfg.registry),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      GenericResources: null,
      DockerRootDir: cfg.dataRoot,
      HttpProxy: process.env.HTTP_PROXY ?? '',
      HttpsProxy: process.env.HTTPS_PROXY ?? '',
      NoProxy: process.env.NO_PROXY ?? '',
      Name: os.hostname(),
      Labels: cfg.labels,
      ExperimentalBuild: cfg.experimental,
      ServerVersion: SERVER_VERSION,
      Runtimes: Object.fromEntries(Object.entries(cfg.runtimes).map(([k, v]) => [k, { path: v.path }])),
      DefaultRuntime: cfg.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: cfg.liveRestore,
      Isolation: '',
      InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: rt.commit, Expected: rt.commit },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: [],
    });
  });

  r.get('/events', ({ res, query }) => {
    const filters = filtersParam(query);
    const nowMs = Date.now();
    const since = query.get('since');
    const until = query.get('until');
    const sinceMs = since ? parseTimeArg(since, nowMs) : undefined;
    const untilMs = until ? parseTimeArg(until, nowMs) : undefined;
    if (Number.isNaN(sinceMs) || Number.isNaN(untilMs)) throw badRequest('invalid time value for since/until');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const client = new ClientStream(res);
    const send = (e: EngineEvent) => {
      if (matchEvent(e, filters)) client.send(JSON.stringify(e) + '\n');
    };
    if (sinceMs !== undefined) for (const e of engine.ctx.events.since(sinceMs * 1e6)) if (untilMs === undefined || e.timeNano < untilMs * 1e6) send(e);
    if (untilMs !== undefined && untilMs <= nowMs) {
      client.end();
      return;
    }
    const unsub = engine.ctx.events.subscribe(send);
    let timer: NodeJS.Timeout | undefined;
    const end = () => {
      unsub();
      if (timer) clearTimeout(timer);
      client.end();
    };
    if (untilMs !== undefined) timer = setTimeout(end, untilMs - nowMs);
    if (client.gone) end();
    else client.signal.addEventListener('abort', end, { once: true });
  });
}

/** daemon.json's registry settings as `docker info` shows them. */
function registryInfo(r: { mirrors: string[]; insecureRegistries: string[] }) {
  const cidrs = r.insecureRegistries.filter((x) => x.includes('/'));
  const names = r.insecureRegistries.filter((x) => !x.includes('/'));
  const IndexConfigs: Record<string, unknown> = {
    'docker.io': { Name: 'docker.io', Mirrors: r.mirrors.map((m) => m + '/'), Secure: true, Official: true },
  };
  for (const n of names) IndexConfigs[n] = { Name: n, Mirrors: [], Secure: false, Official: false };
  return { AllowNondistributableArtifactsCIDRs: [], AllowNondistributableArtifactsHostnames: [], InsecureRegistryCIDRs: ['127.0.0.0/8', ...cidrs], IndexConfigs, Mirrors: r.mirrors.map((m) => m + '/') };
}

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}

function osName(): string {
  try {
    const t = require('node:fs').readFileSync('/etc/os-release', 'utf8') as string;
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(t);
    if (m) return m[1];
  } catch {
    /* fall through */
  }
  return 'linux';
}
