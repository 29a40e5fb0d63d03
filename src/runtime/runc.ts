// Thin async wrappers around the runc CLI. Every call passes --root <stateDir>
// (berth keeps its own runc state, apart from /run/runc and Docker's). No
// shell is involved; failures carry runc's own error message.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runNoFork } from '../sys/spawn';
import { EngineError } from '../util/errors';
import { OciResources } from './oci';

export const DEFAULT_RUNC = '/usr/sbin/runc';

export class RuncError extends EngineError {
  constructor(
    status: number,
    message: string,
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(status, message);
    this.name = 'RuncError';
  }
}

/** Output of `runc state` (and the entries of `runc list --format json`). */
export interface RuncState {
  ociVersion: string;
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  rootfs: string;
  created: string;
  owner?: string;
  annotations?: Record<string, string>;
}

export interface RuncOptions {
  /** runc state directory (--root) */
  stateDir: string;
  /** runc binary; default /usr/sbin/runc */
  binary?: string;
  /** extra global flags placed before the subcommand, e.g. ["--systemd-cgroup"] */
  globalArgs?: string[];
  /** per-call timeout in ms (default 30 s); the child is SIGKILLed after it */
  timeoutMs?: number;
}

interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** runc's logrus lines: time="…" level=error msg="container does not exist" → the msg part. */
export function runcMessage(stderr: string): string {
  const msgs: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m) msgs.push(m[1].replace(/\\(.)/g, '$1'));
    else if (line.trim()) msgs.push(line.trim());
  }
  return msgs.join('; ');
}

const NOT_EXIST = /container does not exist|container "[^"]*" does not exist/;
const CONFLICT = /not running|is paused|is not paused|container is stopped|cannot (?:pause|resume|start)/;

export class Runc {
  readonly binary: string;
  constructor(readonly opts: RuncOptions) {
    this.binary = opts.binary ?? DEFAULT_RUNC;
  }

  private async exec(args: string[], stdin?: string): Promise<RunResult> {
    const full = ['--root', this.opts.stateDir, ...(this.opts.globalArgs ?? []), ...args];
    try {
      // without forking berthd (posix_spawn): a fork costs milliseconds that grow with its memory
      const r = await runNoFork(this.binary, full, { input: stdin, timeoutMs: this.opts.timeoutMs ?? 30_000 });
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    } catch (e) {
      throw new RuncError(500, `cannot run ${this.binary}: ${(e as Error).message}`, full, null, '');
    }
  }

  private async run(args: string[], stdin?: string): Promise<string> {
    const r = await this.exec(args, stdin);
    if (r.code === 0) return r.stdout;
    const msg = runcMessage(r.stderr) || `runc ${args[0]} exited with status ${r.code}`;
    const status = NOT_EXIST.test(msg) ? 404 : CONFLICT.test(msg) ? 409 : 500;
    throw new RuncError(status, `runc ${args[0]}: ${msg}`, args, r.code, r.stderr);
  }

  /** `runc state`; null when runc does not know the container. */
  async state(id: string): Promise<RuncState | null> {
    try {
      return JSON.parse(await this.run(['state', id])) as RuncState;
    } catch (e) {
      if (e instanceof RuncError && e.status === 404) return null;
      throw e;
    }
  }

  /**
   * Starts a created container (runs the user process). `runc start` only reads
   * the byte runc init writes to `<root>/<id>/exec.fifo` and removes the fifo;
   * done here it saves a runc process per start. A runtime without that fifo
   * (or a container whose init pid is not known) gets `<runtime> start`.
   */
  async start(id: string, initPid?: number): Promise<void> {
    const fifo = path.join(this.opts.stateDir, id, 'exec.fifo');
    if (initPid && fs.existsSync(fifo)) return startThroughFifo(fifo, initPid, id);
    await this.run(['start', id]);
  }

  /** Sends a signal (number or name, e.g. 15 / "SIGTERM" / "TERM") to the init process, or to all with {all}. */
  async kill(id: string, signal: number | string = 'SIGTERM', opts: { all?: boolean } = {}): Promise<void> {
    await this.run(['kill', ...(opts.all ? ['--all'] : []), id, String(signal)]);
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  /** Deletes runc's state (and the cgroup); {force} kills a running container first. Missing ⇒ no-op. */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    // runc keeps one state dir per container: without it there is nothing to delete,
    // and not spawning runc saves ~7 ms on every start and removal
    if (!fs.existsSync(path.join(this.opts.stateDir, id))) return;
    try {
      await this.run(['delete', ...(opts.force ? ['--force'] : []), id]);
    } catch (e) {
      if (e instanceof RuncError && e.status === 404) return;
      throw e;
    }
  }

  /** `runc update -r -`: applies OCI linux.resources to a live container. */
  async update(id: string, resources: OciResources): Promise<void> {
    await this.run(['update', '-r', '-', id], JSON.stringify(resources));
  }

  /** PIDs (host namespace) of every process in the container (`runc ps --format json`). */
  async ps(id: string): Promise<number[]> {
    const out = (await this.run(['ps', '--format', 'json', id])).trim();
    const pids = out ? (JSON.parse(out) as number[] | null) : null;
    return pids ?? [];
  }

  /** Every container in the state dir. */
  async list(): Promise<RuncState[]> {
    const out = (await this.run(['list', '--format', 'json'])).trim();
    return (out ? (JSON.parse(out) as RuncState[] | null) : null) ?? [];
  }
}

/** runc's `start`: open the exec fifo (waits for runc init to open it to write), read its byte, remove it. */
async function startThroughFifo(fifo: string, initPid: number, id: string): Promise<void> {
  // a blocked open never returns if init died first: runc polls its pid too, and so do we,
  // then open the fifo to write ourselves, which ends the open with nothing to read
  const watch = setInterval(() => {
    if (!processGone(initPid)) return;
    clearInterval(watch);
    fs.open(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK, (err, fd) => err || fs.close(fd, () => {}));
  }, 100);
  let data: Buffer;
  try {
    const fh = await fs.promises.open(fifo, 'r');
    try {
      data = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new RuncError(500, `runc start: ${(e as Error).message}`, ['start', id], null, '');
  } finally {
    clearInterval(watch);
  }
  if (!data.length) throw new RuncError(409, 'runc start: container process is already dead', ['start', id], null, '');
  await fs.promises.rm(fifo, { force: true });
}

/** The process is gone or a zombie (its parent, conmon, not having reaped it yet). */
function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return true;
  }
}

// Function forms: (stateDir, id, …) with an optional runc binary.
type Bin = { binary?: string };
const r = (stateDir: string, o?: Bin) => new Runc({ stateDir, binary: o?.binary });

export const state = (stateDir: string, id: string, o?: Bin) => r(stateDir, o).state(id);
export const start = (stateDir: string, id: string, o?: Bin) => r(stateDir, o).start(id);
export const kill = (stateDir: string, id: string, signal: number | string, o?: Bin & { all?: boolean }) => r(stateDir, o).kill(id, signal, o);
export const pause = (stateDir: string, id: string, o?: Bin) => r(stateDir, o).pause(id);
export const resume = (stateDir: string, id: string, o?: Bin) => r(stateDir, o).resume(id);
export const deleteContainer = (stateDir: string, id: string, o?: Bin & { force?: boolean }) => r(stateDir, o).delete(id, o);
export const update = (stateDir: string, id: string, resources: OciResources, o?: Bin) => r(stateDir, o).update(id, resources);
export const ps = (stateDir: string, id: string, o?: Bin) => r(stateDir, o).ps(id);
export const list = (stateDir: string, o?: Bin) => r(stateDir, o).list();
