// A container's state transitions on conmon + runc: start, stop, kill, pause,
// and what an exit does (record, release, --rm or the restart policy). Its parts
// are beside it: one operation at a time per container (locks.ts), where files
// are (paths.ts), the rootfs mount (rootfs.ts), waits (waiters.ts), exits learned
// from conmon's exit files, never by polling (exits.ts), restart policy (restart.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../container';
import { createContainer, type AttachConnection, connectAttach } from '../../monitor';
import { serializeSpec } from '../../runtime';
import { conflict, EngineError, internal, notModified } from '../../util/errors';
import { crashPoint } from '../../util/fault';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import { containerAttributes } from '../events';
import { RestartManager } from './restart';
import { ExitWatcher } from './exits';
import { MONITOR_SWEEP_MS, monitorVerdict } from './monitorloss';
import { ContainerLocks } from './locks';
import { ContainerPaths } from './paths';
import { Rootfs } from './rootfs';
import { Waiters } from './waiters';
import { buildContainerSpec } from './spec';
import { initHealthState } from './healthcheck';
import { writeNetworkFiles } from './netfiles';
import { mountVolumes, unmountVolumes } from './mounts';
import { liveSizeCap, logLocks, logStartError } from '../logs';

/** How long a SIGKILL waits for the exit before answering (Docker waits too). */
const KILL_WAIT_MS = 10_000;

export type AttachHook = (conn: AttachConnection) => void;

export class Lifecycle {
  private readonly locks = new ContainerLocks();
  readonly paths: ContainerPaths;
  readonly rootfs: Rootfs;
  readonly waiters = new Waiters();
  private readonly exits: ExitWatcher;
  private monitorSweep?: NodeJS.Timeout;
  /** containers already logged as running without their monitor */
  private readonly unmonitored = new Set<string>();
  /** attach requests that arrived before start: connected after create, before runc start */
  private readonly pendingAttach = new Map<string, Set<AttachHook>>();
  /** containers a removal has claimed: the removal deletes their runtime state itself, after answering */
  readonly removalPending = new Set<string>();
  readonly restarts: RestartManager;
  /** set by the container service: removes an auto-remove container after exit */
  onAutoRemove: (c: Container) => void = () => {};

  constructor(private readonly ctx: EngineContext) {
    this.paths = new ContainerPaths(ctx);
    this.rootfs = new Rootfs(ctx, this.paths);
    this.exits = new ExitWatcher(ctx.paths.exits);
    this.restarts = new RestartManager((c) => this.restartAfterExit(c));
  }

  /** Serialises lifecycle operations on one container. */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.locked(id, fn);
  }

  // ---------- start ----------

  start(c: Container): Promise<void> {
    return this.locked(c.ID, () => this.startLocked(c));
  }

  private async startLocked(c: Container): Promise<void> {
    if (c.State.Status === 'removing' || c.State.Dead) throw conflict(`container ${c.ID} is marked for removal and cannot be started`);
    if (c.State.Paused) throw conflict(`cannot start a paused container, try unpause instead`);
    if (c.State.Running) throw notModified();
    // an unknown runtime name falls back to the default there
    const mcfg = this.ctx.monitorConfig(c.HostConfig.Runtime);
    const bundle = this.paths.bundle(c);
    const rootfs = this.rootfs.mount(c);
    crashPoint('start.rootfs');
    let created = false;
    let volumes = false;
    let networked = false;
    try {
      fs.mkdirSync(bundle, { recursive: true, mode: 0o700 });
      await this.ctx.networks.attach(c);
      networked = true;
      writeNetworkFiles(this.ctx, c);
      mountVolumes(this.ctx, c);
      volumes = true;
      const spec = await buildContainerSpec(this.ctx, c, rootfs);
      fs.writeFileSync(path.join(bundle, 'config.json'), serializeSpec(spec));
      crashPoint('start.spec');
      await this.ctx.runc.deleteContainer(mcfg.runtimeRoot, c.ID, { force: true }).catch(() => {});
      // the rotation of the last run first: conmon appends to the live file it leaves
      if (c.LogPath) await logLocks.idle(c.LogPath);
      const logErr = c.HostConfig.LogConfig.Type === 'json-file' ? logStartError(c.HostConfig.LogConfig.Config) : undefined;
      if (logErr) throw internal(`failed to initialize logging driver: ${logErr}`);
      const logSizeMax = liveSizeCap(c.HostConfig.LogConfig);
      const { pid, conmonPid } = await createContainer(mcfg, {
        id: c.ID,
        name: c.Name.slice(1),
        bundle,
        exitDir: this.ctx.paths.exits,
        persistDir: this.ctx.containers.dir(c.ID),
        logPath: c.LogPath || null,
        logSizeMax,
        tty: c.Config.Tty,
        stdin: c.Config.OpenStdin,
        leaveStdinOpen: c.Config.OpenStdin && !c.Config.StdinOnce,
      });
      created = true;
      crashPoint('start.created');
      // attach clients waiting for this start see every byte
      const hooks = this.pendingAttach.get(c.ID);
      if (hooks?.size) {
        this.pendingAttach.delete(c.ID);
        await Promise.all(
          [...hooks].map(async (h) => {
            try {
              h(await connectAttach(this.paths.attachSocket(c)));
            } catch (e) {
              log().warn({ err: e }, 'attach before start failed');
            }
          }),
        );
      }
      await this.ctx.networks.ready(c);
      // the endpoints reach the record before the process runs: a crash after runc start
      // leaves a record whose network the next daemon keeps (a daemon crash loses no
      // page cache, so no fsync on this path)
      this.ctx.containers.save(c, false, false);
      await this.ctx.runc.start(mcfg.runtimeRoot, c.ID, pid);
      crashPoint('start.running');
      const now = new Date().toISOString();
      Object.assign(c.State, {
        Status: 'running',
        Running: true,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: pid,
        ExitCode: 0,
        Error: '',
        StartedAt: now,
      });
      initHealthState(c);
      c.MonitorPid = conmonPid;
      c.HasBeenStartedBefore = true;
      c.HasBeenManuallyStopped = false;
      this.ctx.containers.save(c);
      crashPoint('start.recorded');
      this.restarts.started(c);
      this.ctx.events.emit('container', 'start', c.ID, this.attrs(c));
      // a process that exited before we marked it running: its exit file event was ignored
      const early = this.exits.code(c.ID);
      if (early !== undefined) setImmediate(() => void this.handleExit(c, early).catch(() => {}));
    } catch (e) {
      if (created) await this.ctx.runc.deleteContainer(mcfg.runtimeRoot, c.ID, { force: true }).catch(() => {});
      if (volumes) unmountVolumes(this.ctx, c);
      if (networked) await this.ctx.networks.detach(c).catch((err) => log().warn({ err, id: c.ID }, 'network detach failed'));
      this.rootfs.unmount(c);
      const msg = startErrorMessage(e);
      c.State.Error = msg;
      c.State.ExitCode = /executable file not found|no such file or directory/.test(msg) ? 127 : /permission denied|is a directory/.test(msg) ? 126 : 128;
      if (c.State.Status === 'restarting') {
        c.State.Status = 'exited';
        c.State.Restarting = false;
      }
      this.ctx.containers.save(c);
      this.ctx.events.emit('container', 'die', c.ID, { ...this.attrs(c), exitCode: String(c.State.ExitCode) });
      this.waiters.notify(c, 'exit');
      if (c.HostConfig.AutoRemove) this.onAutoRemove(c);
      throw e instanceof EngineError ? e : new EngineError(c.State.ExitCode === 128 ? 500 : 400, msg);
    }
  }

  /** Registers an attach for the next start (container not running yet). */
  attachOnStart(id: string, hook: AttachHook): () => void {
    let set = this.pendingAttach.get(id);
    if (!set) this.pendingAttach.set(id, (set = new Set()));
    set.add(hook);
    return () => set!.delete(hook);
  }

  attrs(c: Container): Record<string, string> {
    return containerAttributes(c);
  }

  // ---------- signals ----------

  kill(c: Container, signal: number): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
      const exited = signal === 9 ? this.waiters.waitExit(c) : undefined;
      this.sendSignal(c, signal);
      if (signal === 9 || signal === 15 || signal === 2) c.HasBeenManuallyStopped = true;
      this.ctx.events.emit('container', 'kill', c.ID, { ...this.attrs(c), signal: String(signal) });
      // Docker answers a SIGKILL once the container is dead: an `rm` right after must not see it running
      if (exited && !(await Promise.race([exited.then(() => true), sleep(KILL_WAIT_MS).then(() => false)]))) this.checkMonitor(c);
    });
  }

  private sendSignal(c: Container, signal: number): void {
    try {
      process.kill(c.State.Pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw internal(`cannot kill container: ${(e as Error).message}`);
    }
  }

  stop(c: Container, signal: number, timeoutSec: number): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Running) throw notModified();
      c.HasBeenManuallyStopped = true;
      this.restarts.cancel(c.ID);
      this.ctx.containers.save(c);
      const exited = this.waiters.waitExit(c);
      // as dockerd: the stop signal (also with -t 0), then SIGKILL once the time is up, each a `kill` event
      this.sendSignal(c, signal);
      this.ctx.events.emit('container', 'kill', c.ID, { ...this.attrs(c), signal: String(signal) });
      if (c.State.Paused) await this.resumeQuiet(c);
      crashPoint('stop.signalled');
      const done = timeoutSec < 0 ? await exited.then(() => true) : await Promise.race([exited.then(() => true), sleep(timeoutSec * 1000).then(() => false)]);
      if (!done) {
        this.sendSignal(c, 9);
        this.ctx.events.emit('container', 'kill', c.ID, { ...this.attrs(c), signal: '9' });
        if (c.State.Paused) await this.resumeQuiet(c);
        // a killed process whose conmon is gone has no one to report its exit
        while (!(await Promise.race([exited.then(() => true), sleep(1000).then(() => false)]))) this.checkMonitor(c);
      }
      this.ctx.events.emit('container', 'stop', c.ID, this.attrs(c));
    });
  }

  private async resumeQuiet(c: Container): Promise<void> {
    await this.ctx.runc.resume(this.paths.runtimeRoot(c), c.ID).catch(() => {});
    c.State.Paused = false;
    c.State.Status = 'running';
  }

  pause(c: Container): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
      if (c.State.Paused) throw conflict(`Container ${c.ID} is already paused`);
      await this.ctx.runc.pause(this.paths.runtimeRoot(c), c.ID);
      c.State.Paused = true;
      c.State.Status = 'paused';
      this.ctx.containers.save(c);
      this.ctx.events.emit('container', 'pause', c.ID, this.attrs(c));
    });
  }

  unpause(c: Container): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Paused) throw conflict(`Container ${c.ID} is not paused`);
      await this.ctx.runc.resume(this.paths.runtimeRoot(c), c.ID);
      c.State.Paused = false;
      c.State.Status = 'running';
      this.ctx.containers.save(c);
      this.ctx.events.emit('container', 'unpause', c.ID, this.attrs(c));
    });
  }

  // ---------- exits ----------

  watchExits(): void {
    // not through the lock: stop/remove hold it while they wait for this very exit
    this.exits.watch((id, code) => {
      const c = this.ctx.containers.find(id);
      if (c?.State.Running) void this.handleExit(c, code).catch((e) => log().warn({ err: e, id }, 'exit handling failed'));
    });
    this.monitorSweep = setInterval(() => {
      for (const c of this.ctx.containers.all()) if (c.State.Running) this.checkMonitor(c);
    }, MONITOR_SWEEP_MS).unref();
  }

  /** A container whose conmon died: its exit recorded once its process is gone too. */
  private checkMonitor(c: Container): void {
    const v = monitorVerdict(c, () => this.exits.code(c.ID));
    if (v.kind === 'monitored') return;
    if (v.kind === 'unmonitored') {
      if (!this.unmonitored.has(c.ID))
        log().warn({ id: c.ID, monitor: c.MonitorPid }, 'the container runs without its monitor (conmon is gone): its exit code will be unknown');
      this.unmonitored.add(c.ID);
      return;
    }
    this.unmonitored.delete(c.ID);
    if (v.code === 255) log().warn({ id: c.ID }, 'the container and its monitor are gone without an exit file: recorded as exited (255)');
    void this.handleExit(c, v.code).catch((e) => log().warn({ err: e, id: c.ID }, 'exit handling failed'));
  }

  stopWatching(): void {
    clearInterval(this.monitorSweep);
    this.exits.stop();
    this.restarts.cancelAll();
  }

  /** Records an exit: state, runtime cleanup, events, waiters, then --rm or the restart policy. */
  private readonly exiting = new Set<string>();

  async handleExit(c: Container, code: number, finishedAt = new Date()): Promise<void> {
    if (!c.State.Running || this.exiting.has(c.ID)) return;
    this.exiting.add(c.ID);
    try {
      await this.recordExit(c, code, finishedAt);
    } finally {
      this.exiting.delete(c.ID);
    }
  }

  private async recordExit(c: Container, code: number, finishedAt: Date): Promise<void> {
    // dockerd announces `die` before the network disconnect and volume unmount of the cleanup
    const release = this.ctx.events.hold((type, a) => (type === 'network' || type === 'volume') && a.container === c.ID);
    try {
      await this.recordExitHeld(c, code, finishedAt, release);
    } finally {
      release();
    }
  }

  private async recordExitHeld(c: Container, code: number, finishedAt: Date, release: () => void): Promise<void> {
    const oom = fs.existsSync(path.join(this.ctx.containers.dir(c.ID), 'oom'));
    this.exits.remove(c.ID);
    await this.ctx.networks.detach(c).catch((e) => log().warn({ err: e, id: c.ID }, 'network detach failed'));
    crashPoint('exit.network');
    // mounts go now (users see them, and Docker has them gone when stop answers); runc's
    // state goes on the container's chain: stop and wait answer without waiting for a runc
    // spawn, while a start right after still does
    this.rootfs.unmount(c);
    unmountVolumes(this.ctx, c);
    crashPoint('exit.unmounted');
    if (!c.HostConfig.AutoRemove && !this.removalPending.has(c.ID))
      void this.locked(c.ID, () => this.deleteRuntimeState(c)).catch((e) => log().warn({ err: e, id: c.ID }, 'runc delete after exit failed'));
    Object.assign(c.State, {
      Status: 'exited',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: oom,
      Pid: 0,
      ExitCode: code,
      FinishedAt: finishedAt.toISOString(),
    });
    if (c.State.Health) c.State.Health.Status = 'unhealthy';
    c.MonitorPid = 0;
    const willRestart = !c.HostConfig.AutoRemove && this.restarts.shouldRestart(c);
    if (willRestart) {
      c.State.Restarting = true;
      c.State.Status = 'restarting';
    }
    // a --rm container's record goes next: its exit is not written (a crash before the removal
    // leaves it recorded running, which the next daemon start finds exited and removes)
    if (!c.HostConfig.AutoRemove) this.ctx.containers.save(c);
    if (oom) this.ctx.events.emit('container', 'oom', c.ID, this.attrs(c));
    this.ctx.events.emit('container', 'die', c.ID, { ...this.attrs(c), exitCode: String(code) });
    release();
    this.waiters.notify(c, 'exit');
    if (c.HostConfig.AutoRemove) this.onAutoRemove(c);
    else if (willRestart) this.restarts.schedule(c);
  }

  private async deleteRuntimeState(c: Container): Promise<void> {
    if (c.State.Running) return; // already started again
    await this.ctx.runc.deleteContainer(this.paths.runtimeRoot(c), c.ID, { force: true }).catch(() => {});
  }

  private async restartAfterExit(c: Container): Promise<void> {
    if (!this.ctx.containers.find(c.ID) || c.State.Running) return;
    c.RestartCount++;
    try {
      await this.start(c);
      this.ctx.events.emit('container', 'restart', c.ID, this.attrs(c));
    } catch (e) {
      log().warn({ err: e, id: c.ID }, 'restart failed');
    }
  }
}

function startErrorMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (e instanceof EngineError) return m;
  return `failed to create task for container: OCI runtime create failed: ${m}: unknown`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
