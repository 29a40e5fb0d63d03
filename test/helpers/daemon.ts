// Starts a real berthd on a private data root, exec root and socket for a test
// file, and drives it with the real docker CLI or berth. Everything it made
// (containers, mounts, the daemon) is removed in stop(), even after failures.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { makeBusyboxTar } from '../fixtures/make-busybox';
import { cleanupNetworks, footprint, type Footprint } from './netclean';

const REPO = path.resolve(__dirname, '..', '..', '..');
export const BERTHD = path.join(REPO, 'bin', 'berthd');
export const BERTH = path.join(REPO, 'bin', 'berth');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

let busyboxTar: string | undefined;
export async function busyboxTarball(): Promise<string> {
  if (busyboxTar && fs.existsSync(busyboxTar)) return busyboxTar;
  const p = path.join(os.tmpdir(), `berth-busybox-${process.pid}.tar`);
  await makeBusyboxTar(p);
  busyboxTar = p;
  process.on('exit', () => fs.rmSync(p, { force: true }));
  return p;
}

export class TestDaemon {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socket: string;
  readonly host: string;
  readonly logFile: string;
  private proc?: ChildProcess;
  private readonly base: string;

  constructor(name = 'd') {
    this.base = fs.mkdtempSync(path.join(os.tmpdir(), `berth-${name}-`));
    this.dataRoot = path.join(this.base, 'data');
    // the exec root holds conmon's attach sockets: keep its path short
    this.execRoot = fs.mkdtempSync('/run/bt-');
    this.socket = path.join(this.base, 'berth.sock');
    this.host = `unix://${this.socket}`;
    this.logFile = path.join(this.base, 'berthd.log');
    fs.writeFileSync(path.join(this.base, 'daemon.json'), '{}');
  }

  /** Replaces daemon.json (takes effect at the next start). */
  configure(cfg: Record<string, unknown>): void {
    fs.writeFileSync(path.join(this.base, 'daemon.json'), JSON.stringify(cfg));
  }

  /** The docker/berth client config dir (config.json with credentials). */
  get clientConfigDir(): string {
    return path.join(this.base, 'docker-config');
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<void> {
    const log = fs.openSync(this.logFile, 'a');
    this.proc = spawn(
      process.execPath,
      [
        BERTHD,
        '--data-root',
        this.dataRoot,
        '--exec-root',
        this.execRoot,
        '-H',
        this.host,
        '--pidfile',
        path.join(this.base, 'berthd.pid'),
        '--config-file',
        path.join(this.base, 'daemon.json'),
        ...extraArgs,
      ],
      // a private credentials dir: the daemon never reads the host's ~/.docker
      { stdio: ['ignore', log, log], env: { ...process.env, DOCKER_CONFIG: path.join(this.base, 'daemon-docker-config'), ...env } },
    );
    fs.closeSync(log);
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`berthd exited: ${fs.readFileSync(this.logFile, 'utf8')}`);
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not answer: ${fs.readFileSync(this.logFile, 'utf8')}`);
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.request({ socketPath: this.socket, path: '/_ping', method: 'GET', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  /** SIGTERM and wait: the daemon exits 0 and leaves containers running. */
  async stopDaemon(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => p.once('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
    p.kill(signal);
    return exited;
  }

  /** An HTTP request to the API; body as JSON or raw. */
  request(
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; json: () => any }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const req = http.request(
        {
          socketPath: this.socket,
          path: p,
          method,
          agent: false,
          headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const b = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b.toString()) });
          });
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  docker(args: string[], opts: { input?: string | Buffer; timeout?: number; env?: Record<string, string> } = {}): RunResult {
    return toResult(
      spawnSync('docker', ['-H', this.host, ...args], {
        input: opts.input,
        timeout: opts.timeout ?? 60000,
        killSignal: 'SIGKILL',
        env: { ...process.env, DOCKER_CONFIG: path.join(this.base, 'docker-config'), ...opts.env },
      }),
    );
  }

  berth(args: string[], opts: { input?: string | Buffer; timeout?: number } = {}): RunResult {
    return toResult(
      spawnSync(BERTH, ['-H', this.host, ...args], {
        input: opts.input,
        timeout: opts.timeout ?? 60000,
        killSignal: 'SIGKILL',
        env: { ...process.env, DOCKER_CONFIG: path.join(this.base, 'docker-config') },
      }),
    );
  }

  /** docker without blocking the event loop (for tests that serve HTTP in this process). */
  dockerAsync(args: string[], opts: { input?: string | Buffer; timeout?: number } = {}): Promise<RunResult> {
    return runAsync('docker', ['-H', this.host, ...args], { ...process.env, DOCKER_CONFIG: path.join(this.base, 'docker-config') }, opts);
  }

  berthAsync(args: string[], opts: { input?: string | Buffer; timeout?: number } = {}): Promise<RunResult> {
    return runAsync(BERTH, ['-H', this.host, ...args], { ...process.env, DOCKER_CONFIG: path.join(this.base, 'docker-config') }, opts);
  }

  /** docker without waiting: for long-running clients (attach, logs -f, events). */
  spawnDocker(args: string[]): ChildProcess {
    return spawn('docker', ['-H', this.host, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DOCKER_CONFIG: path.join(this.base, 'docker-config') },
    });
  }

  async importBusybox(tag = 'busybox:latest'): Promise<string> {
    const tarball = await busyboxTarball();
    const r = this.docker(['import', tarball, tag]);
    if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** The bridges, subnets and rule chains of this daemon's networks (from its records). */
  netFootprint(): Footprint {
    return footprint(this.dataRoot, this.execRoot);
  }

  /** Removes every container, stops the daemon, unmounts and deletes everything it made. */
  async stop(): Promise<void> {
    const fp = this.netFootprint();
    try {
      if (this.proc && this.proc.exitCode === null) {
        const ids = this.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
        if (ids.length) this.docker(['rm', '-f', ...ids], { timeout: 60000 });
      }
    } catch {
      /* best effort */
    }
    await this.stopDaemon();
    killLeftovers(this.execRoot);
    await cleanupNetworks(fp).catch(() => {});
    unmountUnder(this.base);
    unmountUnder(this.execRoot);
    fs.rmSync(this.base, { recursive: true, force: true });
    fs.rmSync(this.execRoot, { recursive: true, force: true });
  }
}

function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, opts: { input?: string | Buffer; timeout?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout!.on('data', (c: Buffer) => out.push(c));
    p.stderr!.on('data', (c: Buffer) => err.push(c));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeout ?? 60000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ status: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    p.stdin!.end(opts.input);
  });
}

function toResult(r: SpawnSyncReturns<Buffer>): RunResult {
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

/** Containers left running by a failed test: kill their conmon-owned processes via runc. */
function killLeftovers(execRoot: string): void {
  const runcRoot = path.join(execRoot, 'runc', 'runc');
  if (!fs.existsSync(runcRoot)) return;
  for (const id of fs.readdirSync(runcRoot)) spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
}

export function unmountUnder(dir: string): void {
  const info = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const targets = info.map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(dir + '/')));
  for (const t of targets.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', t]);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True once no process has this pid (kill -0 fails). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Polls pred until it holds; `what` names the condition in the timeout error. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs = 10000, stepMs = 50, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await sleep(stepMs);
  }
  throw new Error(what === 'condition' ? 'condition not met in time' : `timed out waiting for ${what}`);
}
