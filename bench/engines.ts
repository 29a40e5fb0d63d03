// The two engines under test. Each one starts its own daemon on private
// sockets, data roots and exec roots (never /var/lib/docker, /var/run/docker.sock
// or /var/lib/berth), is driven by the same docker CLI, and on stop() removes
// what it made: containers, the daemons it started (by pid), leftover runtime
// state and monitor/shim processes. Mounts and directories under the run's
// directories are removed afterwards by workspace.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { api, ping } from './api';
import { abort, Aborted } from './framework';
import { exited, listProcs } from './procs';
import { CONTAINERD, DOCKERD } from './setup';
import { DockerBridge } from './docker-net';
import { cleanupNetworks, footprint as netFootprint, leftovers as netLeftovers, type Footprint } from '../test/helpers/netclean';
import { excerpt, mapLimit, runCommand, waitUntil, type CommandResult } from './util';
import { freePort } from '../test/helpers/net';

export type EngineName = 'berth' | 'docker';

const REPO = path.resolve(__dirname, '..', '..');
const BERTHD = path.join(REPO, 'bin', 'berthd');
export const BERTH_CLI = path.join(REPO, 'bin', 'berth');

/** The docker CLI both engines are driven with (the project's client, not docker.io's older one). */
export const DOCKER_CLI = process.env.BENCH_DOCKER_CLI || (fs.existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : 'docker');

/** Where one bench run keeps its state: short runtime dir under /run, data under /var/lib/berth-bench. */
export interface RunDirs {
  run: string;
  data: string;
  logs: string;
}

export interface DaemonProc {
  name: string;
  pid: number;
}

export abstract class Engine {
  abstract readonly name: EngineName;
  abstract readonly label: string;
  /** Name of the per-container host process (monitor or shim). */
  abstract readonly monitorName: string;
  readonly socket: string;
  readonly host: string;
  /** Notes for the report: anything odd seen while driving this engine. */
  readonly notes: string[] = [];
  protected readonly cliEnv: NodeJS.ProcessEnv;

  constructor(
    protected readonly dirs: RunDirs,
    socketName: string,
  ) {
    this.socket = path.join(dirs.run, socketName);
    this.host = `unix://${this.socket}`;
    const cfgDir = path.join(dirs.data, 'docker-cli-config');
    fs.mkdirSync(cfgDir, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: cfgDir, DOCKER_CLI_HINTS: 'false' };
    for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION', 'BERTH_HOST']) delete env[k];
    this.cliEnv = env;
  }

  /** The TCP port of this engine's mutual-TLS listener (bench/cases/remote.ts), once started. */
  tlsPort = 0;

  /** The files `berth system certs` made for 127.0.0.1: one CA for both engines. */
  get certDir(): string {
    return path.join(this.dirs.data, 'tls-certs');
  }

  /** Daemon flags for a mutual-TLS listener on 127.0.0.1 (dockerd and berthd take the same ones). */
  protected async tlsListenArgs(): Promise<string[]> {
    const dir = this.certDir;
    if (!fs.existsSync(path.join(dir, 'ca.pem'))) {
      const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'berth'), 'system', 'certs', '--host', '127.0.0.1', '--out', dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`berth system certs failed: ${r.stderr}`);
    }
    this.tlsPort = await freePort();
    return this.tlsFlags('server-');
  }

  /** docker CLI flags for this engine's TLS listener. */
  tlsClientArgs(): string[] {
    return this.tlsFlags('');
  }

  /** `-H tcp://127.0.0.1:PORT --tlsverify` with the CA and one key pair (`server-` or the client's) of certDir. */
  private tlsFlags(pair: '' | 'server-'): string[] {
    const f = (name: string) => path.join(this.certDir, name);
    return [
      '-H',
      `tcp://127.0.0.1:${this.tlsPort}`,
      '--tlsverify',
      '--tlscacert',
      f('ca.pem'),
      '--tlscert',
      f(`${pair}cert.pem`),
      '--tlskey',
      f(`${pair}key.pem`),
    ];
  }

  /** Any client command with this engine's CLI environment (no config of the user's), timed; a non-zero exit is an error. */
  async commandOk(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    const r = await runCommand(cmd, args, { env: { ...this.cliEnv, ...env }, timeoutMs: 300_000, stdout: 'pipe' });
    if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.slice(0, 6).join(' ')} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
    return r;
  }

  /** The docker CLI with explicit connection flags (no -H of the unix socket), timed; env adds to the CLI's. */
  async dockerVia(conn: string[], args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    const r = await runCommand(DOCKER_CLI, [...conn, ...args], { env: { ...this.cliEnv, ...env }, timeoutMs: 120_000, stdout: 'pipe' });
    if (r.code !== 0) throw new Error(`docker ${[...conn.slice(0, 2), ...args].join(' ')} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
    return r;
  }

  abstract start(): Promise<void>;
  /** Removes everything this engine made. Idempotent; never throws. */
  abstract stop(): Promise<void>;
  /** The daemon processes whose memory counts as "the daemon" (berthd; dockerd + containerd). */
  abstract daemonProcs(): DaemonProc[];
  /** The per-container monitor/shim processes that belong to this engine. */
  abstract monitorPids(): number[];
  /** Why this engine cannot run bridge-networked containers in this run, or undefined when it can. */
  abstract readonly noBridge: string | undefined;
  /** Network devices, rules and helper processes of this engine still on the host (after stop). */
  abstract netLeftovers(): string[];
  /** Files of image content in the data root (blobs / layer records): should fall back after rmi + prune. */
  abstract imageFileCount(): number;
  /** Where the runtime's bundle (config.json) and runc state of a running container are (the runtime-floor figures). */
  abstract runtimeOf(id: string): { bundle: string; runcRoot: string };

  /** The docker CLI against this engine, timed from spawn to exit. */
  docker(args: string[], timeoutMs = 120_000, stdout: 'pipe' | 'ignore' = 'pipe'): Promise<CommandResult> {
    return runCommand(DOCKER_CLI, ['-H', this.host, ...args], { env: this.cliEnv, timeoutMs, stdout });
  }

  /** The docker CLI; a non-zero exit is an error with the CLI's message. Returns the result (ms included). */
  async dockerOk(args: string[], timeoutMs = 120_000, stdout: 'pipe' | 'ignore' = 'pipe'): Promise<CommandResult> {
    const r = await this.docker(args, timeoutMs, stdout);
    if (r.code !== 0)
      throw new Error(`docker ${args.slice(0, 8).join(' ')}${args.length > 8 ? ' …' : ''} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
    return r;
  }

  api(method: string, p: string, body?: unknown): Promise<any> {
    return api(this.socket, method, p, body);
  }

  async version(): Promise<any> {
    return this.api('GET', '/version');
  }

  /** Creates (and optionally starts) containers through the API, 4 at a time; setup only, never timed. */
  async createContainers(n: number, body: Record<string, unknown>, startThem: boolean): Promise<string[]> {
    return mapLimit(
      Array.from({ length: n }, (_, i) => i),
      4,
      async () => {
        if (abort.requested) throw new Aborted();
        const r = await this.api('POST', '/containers/create', body);
        if (startThem) await this.api('POST', `/containers/${r.Id}/start`);
        return r.Id as string;
      },
    );
  }

  async removeContainers(ids: string[]): Promise<void> {
    await mapLimit(ids, 4, (id) => this.api('DELETE', `/containers/${id}?force=1&v=1`).catch((e) => this.note(`removing ${id.slice(0, 12)}: ${e.message}`)));
  }

  async allContainerIds(): Promise<string[]> {
    const list = (await this.api('GET', '/containers/json?all=1')) as Array<{ Id: string }>;
    return list.map((c) => c.Id);
  }

  /** Safety net between cases: no container may outlive the case that made it. */
  async removeAllContainers(): Promise<number> {
    const ids = await this.allContainerIds();
    await this.removeContainers(ids);
    return ids.length;
  }

  note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }

  protected spawnDaemon(cmd: string, args: string[], logName: string): ChildProcess {
    const log = fs.openSync(path.join(this.dirs.logs, logName), 'a');
    // detached: a Ctrl-C on the terminal reaches the bench, not the daemons; the bench stops them itself
    const child = spawn(cmd, args, { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    child.on('error', () => undefined);
    return child;
  }

  protected async waitForApi(child: ChildProcess, what: string, timeoutMs: number, logName: string): Promise<void> {
    const ok = await waitUntil(async () => child.exitCode !== null || child.signalCode !== null || (await ping(this.socket)), timeoutMs, 50);
    if (!ok || child.exitCode !== null || child.signalCode !== null) {
      const tail = tailFile(path.join(this.dirs.logs, logName), 15);
      throw new Error(`${what} did not come up (${child.exitCode !== null ? `exited ${child.exitCode}` : 'no answer on its socket'}): ${tail}`);
    }
  }

  private readonly stopping = new WeakSet<ChildProcess>();

  /** Notes a daemon that died before the bench stopped it. */
  protected checkCrashed(child: ChildProcess | undefined, name: string): void {
    if (!child || this.stopping.has(child)) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.note(`${name} died during the bench (${child.exitCode !== null ? `exit code ${child.exitCode}` : child.signalCode}); see its log`);
    }
  }

  /** SIGTERM a process we started, wait, SIGKILL if it lingers. */
  protected async stopProcess(child: ChildProcess | undefined, graceMs: number): Promise<void> {
    if (!child?.pid) return;
    this.stopping.add(child);
    const pid = child.pid;
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    if (await waitUntil(() => child.exitCode !== null || child.signalCode !== null, graceMs, 50)) return;
    this.note(`${path.basename(String(child.spawnfile))} (pid ${pid}) ignored SIGTERM for ${graceMs} ms; killed`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await waitUntil(() => child.exitCode !== null || child.signalCode !== null, 5000, 50);
  }

  /** Deletes runc containers left in any runc state dir under `dir` (containers a failed cleanup left running). */
  protected deleteLeftoverRuncContainers(dir: string): void {
    for (const root of runcRootsUnder(dir)) {
      for (const id of fs.readdirSync(root)) {
        if (!fs.existsSync(path.join(root, id, 'state.json'))) continue;
        this.note(`container ${id.slice(0, 12)} was still known to runc at cleanup; deleted with runc delete -f`);
        spawnSync('runc', ['--root', root, 'delete', '-f', id], { timeout: 20_000 });
      }
    }
  }

  /** Kills (by pid) monitor/shim processes of this engine that outlived their containers. */
  protected killLeftoverMonitors(): void {
    for (const pid of this.monitorPids()) {
      this.note(`${this.monitorName} pid ${pid} outlived its container; killed`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

export class BerthEngine extends Engine {
  readonly name = 'berth' as const;
  readonly label = 'berth';
  readonly monitorName = 'conmon';
  private daemon?: ChildProcess;
  readonly dataRoot: string;
  readonly execRoot: string;

  readonly noBridge = undefined; // berthd always has its default bridge (a device named after its data root)
  private netFp?: Footprint;

  constructor(dirs: RunDirs) {
    super(dirs, 'berth.sock');
    this.dataRoot = path.join(dirs.data, 'berth');
    this.execRoot = path.join(dirs.run, 'b'); // conmon's attach sockets live here: keep it short
  }

  netLeftovers(): string[] {
    return this.netFp ? netLeftovers(this.netFp) : [];
  }

  imageFileCount(): number {
    return countEntries(path.join(this.dataRoot, 'content', 'blobs', 'sha256')) + countEntries(path.join(this.dataRoot, 'layers'));
  }

  runtimeOf(id: string): { bundle: string; runcRoot: string } {
    return { bundle: path.join(this.execRoot, 'containers', id), runcRoot: path.join(this.execRoot, 'runc', 'runc') };
  }

  async start(): Promise<void> {
    const cfg = path.join(this.dirs.data, 'berth-daemon.json');
    fs.writeFileSync(cfg, '{}\n');
    const tls = await this.tlsListenArgs();
    this.daemon = this.spawnDaemon(
      process.execPath,
      // BENCH_BERTHD_NODE_ARGS: node flags for berthd only (e.g. --cpu-prof), to profile a case
      [
        ...(process.env.BENCH_BERTHD_NODE_ARGS ?? '').split(' ').filter(Boolean),
        BERTHD,
        '--data-root',
        this.dataRoot,
        '--exec-root',
        this.execRoot,
        '-H',
        this.host,
        ...tls,
        '--pidfile',
        path.join(this.dirs.run, 'berthd.pid'),
        '--config-file',
        cfg,
      ],
      'berthd.log',
    );
    await this.waitForApi(this.daemon, 'berthd', 30_000, 'berthd.log');
  }

  daemonProcs(): DaemonProc[] {
    return this.daemon?.pid && !exited(this.daemon.pid) ? [{ name: 'berthd', pid: this.daemon.pid }] : [];
  }

  monitorPids(): number[] {
    return listProcs()
      .filter((p) => p.comm === 'conmon' && p.cmdline.some((a) => a.startsWith(this.execRoot + '/') || a.startsWith(this.dataRoot + '/')))
      .map((p) => p.pid);
  }

  async stop(): Promise<void> {
    try {
      if (this.daemon && this.daemon.exitCode === null && (await ping(this.socket))) {
        const n = await this.removeAllContainers();
        if (n) this.note(`${n} container(s) were still there at cleanup`);
      }
    } catch (e) {
      this.note(`cleanup could not list/remove containers: ${(e as Error).message}`);
    }
    // the networks berthd made (from its records, read while they exist): a safety net after it stops
    this.netFp = netFootprint(this.dataRoot, this.execRoot);
    this.checkCrashed(this.daemon, 'berthd');
    await this.stopProcess(this.daemon, 15_000);
    this.deleteLeftoverRuncContainers(this.execRoot);
    this.killLeftoverMonitors();
    const left = netLeftovers(this.netFp);
    if (left.length) {
      this.note(`after berthd stopped, its networking was still there (removed by the bench): ${left.join('; ')}`);
      await cleanupNetworks(this.netFp).catch((e) => this.note(`removing berth's leftover networking failed: ${(e as Error).message}`));
    }
  }
}

const NO_BRIDGE = ['--bridge', 'none', '--iptables=false', '--ip-forward=false', '--ip-masq=false'];

export class DockerEngine extends Engine {
  readonly name = 'docker' as const;
  readonly label = 'Docker';
  readonly monitorName = 'containerd-shim-runc-v2';
  private dockerd?: ChildProcess;
  private containerd?: ChildProcess;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly containerdSocket: string;
  /** dockerd's --cgroup-parent: a name of the bench's own, so cleanup can remove it. */
  static readonly CGROUP_PARENT = 'berth-bench-docker';
  /** dockerd's default bridge: a device and subnet of the bench's own (undefined: --bridge none) */
  bridge?: DockerBridge;
  noBridge: string | undefined = 'not started';

  constructor(dirs: RunDirs) {
    super(dirs, 'docker.sock');
    this.dataRoot = path.join(dirs.data, 'docker');
    this.execRoot = path.join(dirs.run, 'd');
    this.containerdSocket = path.join(dirs.run, 'containerd.sock');
  }

  netLeftovers(): string[] {
    return this.bridge?.leftovers() ?? [];
  }

  imageFileCount(): number {
    return (
      countEntries(path.join(this.dataRoot, 'image', 'overlay2', 'layerdb', 'sha256')) +
      countEntries(path.join(this.dataRoot, 'image', 'overlay2', 'imagedb', 'content', 'sha256'))
    );
  }

  runtimeOf(id: string): { bundle: string; runcRoot: string } {
    // containerd's runc v2 shim keeps the bundle under its state dir; dockerd gives runc its root under the exec root
    return { bundle: path.join(this.dirs.run, 'c', 'io.containerd.runtime.v2.task', 'moby', id), runcRoot: path.join(this.execRoot, 'runtime-runc', 'moby') };
  }

  /** The bridge for dockerd, or --bridge none when the host cannot give it one (noted). */
  private networkArgs(): string[] {
    const none = NO_BRIDGE;
    if (process.env.BENCH_DOCKER_BRIDGE === '0') {
      this.noBridge = 'BENCH_DOCKER_BRIDGE=0: dockerd started with --bridge none';
      return none;
    }
    const b = new DockerBridge();
    try {
      b.setup();
    } catch (e) {
      b.teardown();
      this.noBridge = `no bridge for dockerd: ${(e as Error).message}`;
      this.note(this.noBridge);
      return none;
    }
    this.bridge = b;
    this.noBridge = undefined;
    return b.dockerdArgs();
  }

  async start(): Promise<void> {
    // containerd first, on a private root/state/socket; dockerd is pointed at it with --containerd.
    // (Left to itself dockerd would start one too, but that one writes /opt/containerd.)
    const cdRoot = path.join(this.dirs.data, 'containerd');
    const toml = path.join(this.dirs.data, 'containerd.toml');
    fs.writeFileSync(
      toml,
      [
        'version = 2',
        `root = ${JSON.stringify(cdRoot)}`,
        `state = ${JSON.stringify(path.join(this.dirs.run, 'c'))}`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = ${JSON.stringify(this.containerdSocket)}`,
        '[ttrpc]',
        '  address = ""',
        '[debug]',
        '  address = ""',
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = ${JSON.stringify(path.join(this.dirs.data, 'containerd-opt'))}`,
        '',
      ].join('\n'),
    );
    this.containerd = this.spawnDaemon(CONTAINERD, ['--config', toml], 'containerd.log');
    const up = await waitUntil(() => this.containerd!.exitCode !== null || fs.existsSync(this.containerdSocket), 20_000, 50);
    if (!up || this.containerd.exitCode !== null) throw new Error(`containerd did not come up: ${tailFile(path.join(this.dirs.logs, 'containerd.log'), 10)}`);

    const cfg = path.join(this.dirs.data, 'docker-daemon.json');
    // dockerd 20.10 otherwise writes its trust key to /etc/docker/key.json
    fs.writeFileSync(cfg, JSON.stringify({ 'deprecated-key-path': path.join(this.dirs.data, 'docker-key.json') }) + '\n');
    const tls = await this.tlsListenArgs();
    const launch = async (net: string[]) => {
      this.dockerd = this.spawnDaemon(
        DOCKERD,
        [
          '--host',
          this.host,
          ...tls,
          '--data-root',
          this.dataRoot,
          '--exec-root',
          this.execRoot,
          '--pidfile',
          path.join(this.dirs.run, 'dockerd.pid'),
          '--config-file',
          cfg,
          '--containerd',
          this.containerdSocket,
          ...net,
          '--cgroup-parent',
          `/${DockerEngine.CGROUP_PARENT}`,
        ],
        'dockerd.log',
      );
      await this.waitForApi(this.dockerd, 'dockerd', 60_000, 'dockerd.log');
    };
    try {
      await launch(this.networkArgs());
    } catch (e) {
      if (!this.bridge) throw e;
      // the bridge (iptables) is what failed, most likely: measure without it rather than not at all
      await this.stopProcess(this.dockerd, 30_000);
      this.bridge.teardown();
      this.bridge = undefined;
      this.noBridge = `dockerd did not start with its own bridge (${(e as Error).message}); restarted with --bridge none`;
      this.note(this.noBridge);
      await launch(NO_BRIDGE);
    }
  }

  daemonProcs(): DaemonProc[] {
    const out: DaemonProc[] = [];
    if (this.dockerd?.pid && !exited(this.dockerd.pid)) out.push({ name: 'dockerd', pid: this.dockerd.pid });
    if (this.containerd?.pid && !exited(this.containerd.pid)) out.push({ name: 'containerd', pid: this.containerd.pid });
    return out;
  }

  monitorPids(): number[] {
    return listProcs()
      .filter((p) => p.comm.startsWith('containerd-shim') && p.cmdline.includes(this.containerdSocket))
      .map((p) => p.pid);
  }

  async stop(): Promise<void> {
    try {
      if (this.dockerd && this.dockerd.exitCode === null && (await ping(this.socket))) {
        const n = await this.removeAllContainers();
        if (n) this.note(`${n} container(s) were still there at cleanup`);
      }
    } catch (e) {
      this.note(`cleanup could not list/remove containers: ${(e as Error).message}`);
    }
    this.checkCrashed(this.dockerd, 'dockerd');
    this.checkCrashed(this.containerd, 'containerd');
    // docker-proxy processes are dockerd's children: remembered now, killed if they outlive it
    const proxies = this.dockerd?.pid
      ? listProcs()
          .filter((p) => p.comm === 'docker-proxy' && p.ppid === this.dockerd!.pid)
          .map((p) => p.pid)
      : [];
    await this.stopProcess(this.dockerd, 30_000);
    for (const pid of proxies.filter((p) => !exited(p))) {
      this.note(`docker-proxy pid ${pid} outlived dockerd; killed`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.deleteLeftoverRuncContainers(this.execRoot);
    this.deleteLeftoverRuncContainers(path.join(this.dirs.run, 'c'));
    this.killLeftoverMonitors();
    await this.stopProcess(this.containerd, 15_000);
    removeCgroupParent(DockerEngine.CGROUP_PARENT);
    for (const x of this.bridge?.teardown() ?? []) if (x.includes('failed')) this.note(`removing the bench bridge: ${x}`);
  }
}

function countEntries(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/** runc --root directories (their children hold state.json) anywhere below dir, a few levels deep. */
function runcRootsUnder(dir: string, depth = 4): string[] {
  const out: string[] = [];
  const walk = (d: string, left: number) => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    if (ents.some((e) => e.isDirectory() && fs.existsSync(path.join(d, e.name, 'state.json')))) out.push(d);
    if (left > 0) for (const e of ents) if (e.isDirectory() && !e.isSymbolicLink()) walk(path.join(d, e.name), left - 1);
  };
  walk(dir, depth);
  return out;
}

/** Removes the (empty) cgroup directories named `name` under each cgroup hierarchy root. */
function removeCgroupParent(name: string): void {
  let roots: string[] = [];
  try {
    roots = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 9 && (f[f.indexOf('-') + 1] === 'cgroup' || f[f.indexOf('-') + 1] === 'cgroup2'))
      .map((f) => f[4]);
  } catch {
    return;
  }
  for (const root of new Set(roots)) {
    const dir = path.join(root, name);
    if (!fs.existsSync(dir)) continue;
    // children first (containers' cgroups are normally gone already)
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) if (ent.isDirectory()) tryRmdir(path.join(dir, ent.name));
    tryRmdir(dir);
  }
}

function tryRmdir(d: string): void {
  try {
    fs.rmdirSync(d);
  } catch {
    /* busy or not empty: leave it */
  }
}

export function tailFile(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return text ? excerpt(text.split('\n').slice(-lines).join(' | '), 1500) : '(its log is empty)';
  } catch {
    return '(no log)';
  }
}
