// Start, stop, kill, pause, wait and exit handling for containers, on conmon +
// runc. One operation at a time per container (a promise chain per ID), and
// the exit of a container is learned from conmon's exit file, never by polling.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../container';
import { createContainer, type AttachConnection, connectAttach } from '../../monitor';
import { serializeSpec } from '../../runtime';
import { createRwLayer, mountRwLayer, unmountRwLayer } from '../../storage';
import { conflict, EngineError, internal, notModified } from '../../util/errors';
import { crashPoint } from '../../util/fault';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import { RestartManager } from './restart';
import { prepareInitLayer } from './create';
import { buildContainerSpec } from './spec';
import { initHealthState } from './healthcheck';
import { writeNetworkFiles } from './netfiles';
import { mountVolumes, unmountVolumes } from './mounts';
import { liveSizeCap, logLocks, logStartError } from '../logs';

/** How long a SIGKILL waits for the exit before answering (Docker waits too). */
const KILL_WAIT_MS = 10_000;

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve: (code: number) => void;
}

export type AttachHook = (conn: AttachConnection) => void;

export class Lifecycle {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** attach requests that arrived before start: connected after create, before runc start */
  private readonly pendingAttach = new Map<string, Set<AttachHook>>();
  /** containers a removal has claimed: the removal deletes their runtime state itself, after answering */
  readonly removalPending = new Set<string>();
  private watcher?: fs.FSWatcher;
  readonly restarts: RestartManager;
  /** set by the container service: removes an auto-remove container after exit */
  onAutoRemove: (c: Container) => void = () => {};

  constructor(private readonly ctx: EngineContext) {
    this.restarts = new RestartManager((c) => this.restartAfterExit(c));
  }

  /** Serialises lifecycle operations on one container. */
  locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.chains.set(id, tail);
    tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return next;
  }

  rwDir(c: Container): string {
    return path.join(this.ctx.containers.dir(c.ID), 'rootfs-rw');
  }
  initDir(c: Container): string {
    return path.join(this.rwDir(c), 'init');
  }
  bundle(c: Container): string {
    return path.join(this.ctx.paths.bundles, c.ID);
  }

  /** Creates the writable layer and init layer at create time. */
  prepareFilesystem(c: Container): void {
    createRwLayer(this.rwDir(c));
    prepareInitLayer(this.initDir(c));
  }

  mountRootfs(c: Container): string {
    return mountRwLayer(this.ctx.layers, c.ImageTopLayer, this.rwDir(c), this.initDir(c));
  }

  /** Readers that stream the rootfs without holding the container's lock (export). */
  private readonly rootfsReaders = new Map<string, number>();

  /** Mounts the rootfs for a reader; the exit of the container leaves it mounted until releaseRootfs. */
  holdRootfs(c: Container): string {
    const rootfs = this.mountRootfs(c);
    this.rootfsReaders.set(c.ID, (this.rootfsReaders.get(c.ID) ?? 0) + 1);
    return rootfs;
  }

  releaseRootfs(c: Container): void {
    const n = (this.rootfsReaders.get(c.ID) ?? 1) - 1;
    if (n > 0) return void this.rootfsReaders.set(c.ID, n);
    this.rootfsReaders.delete(c.ID);
    if (!c.State.Running) this.unmountRootfs(c);
  }

  /** Unmounts the rootfs unless a reader still streams it (`force`: removal, which ends the readers). */
  unmountRootfs(c: Container, force = false): void {
    if (!force && this.rootfsReaders.has(c.ID)) return;
    try {
      unmountRwLayer(this.rwDir(c));
    } catch (e) {
      log().warn({ err: e, id: c.ID }, 'unmount failed');
    }
  }

  // ---------- start ----------

  start(c: Container): Promise<void> {
    return this.locked(c.ID, () => this.startLocked(c));
  }

  private async startLocked(c: Container): Promise<void> {
    if (c.State.Status === 'removing' || c.State.Dead) throw conflict(`container ${c.ID} is marked for removal and cannot be started`);
    if (c.State.Paused) throw conflict(`cannot start a paused container, try unpause instead`);
    if (c.State.Running) throw notModified();
    const rt = this.ctx.cfg.runtimes[c.HostConfig.Runtime] ? c.HostConfig.Runtime : this.ctx.cfg.defaultRuntime;
    const mcfg = this.ctx.monitorConfig(rt);
    const bundle = this.bundle(c);
    const rootfs = this.mountRootfs(c);
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
              h(await connectAttach(path.join(bundle, 'attach')));
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
      await this.ctx.runc.start(mcfg.runtimeRoot, c.ID);
      crashPoint('start.running');
      const now = new Date().toISOString();
      Object.assign(c.State, {
        Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
        Pid: pid, ExitCode: 0, Error: '', StartedAt: now,
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
      const early = readExitCode(path.join(this.ctx.paths.exits, c.ID));
      if (early !== undefined) setImmediate(() => void this.handleExit(c, early).catch(() => {}));
    } catch (e) {
      if (created) await this.ctx.runc.deleteContainer(mcfg.runtimeRoot, c.ID, { force: true }).catch(() => {});
      if (volumes) unmountVolumes(this.ctx, c);
      if (networked) await this.ctx.networks.detach(c).catch((err) => log().warn({ err, id: c.ID }, 'network detach failed'));
      this.unmountRootfs(c);
      const msg = startErrorMessage(e);
      c.State.Error = msg;
      c.State.ExitCode = /executable file not found|no such file or directory/.test(msg) ? 127 : /permission denied|is a directory/.test(msg) ? 126 : 128;
      if (c.State.Status === 'restarting') {
        c.State.Status = 'exited';
        c.State.Restarting = false;
      }
      this.ctx.containers.save(c);
      this.ctx.events.emit('container', 'die', c.ID, { ...this.attrs(c), exitCode: String(c.State.ExitCode) });
      this.notifyWaiters(c, 'exit');
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
    return { ...c.Config.Labels, image: c.Config.Image, name: c.Name.slice(1) };
  }

  // ---------- signals ----------

  kill(c: Container, signal: number): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Running) throw conflict(`Cannot kill container: ${c.ID}: Container ${c.ID} is not running`);
      const exited = signal === 9 ? this.waitExit(c) : undefined;
      this.sendSignal(c, signal);
      if (signal === 9 || signal === 15 || signal === 2) c.HasBeenManuallyStopped = true;
      this.ctx.events.emit('container', 'kill', c.ID, { ...this.attrs(c), signal: String(signal) });
      // Docker answers a SIGKILL once the container is dead: an `rm` right after must not see it running
      if (exited) await Promise.race([exited, sleep(KILL_WAIT_MS)]);
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
      const exited = this.waitExit(c);
      if (timeoutSec !== 0) {
        this.sendSignal(c, signal);
        if (c.State.Paused) await this.resumeQuiet(c);
        crashPoint('stop.signalled');
      }
      const done = timeoutSec < 0 ? await exited.then(() => true) : await Promise.race([exited.then(() => true), sleep(timeoutSec * 1000).then(() => false)]);
      if (!done) {
        this.sendSignal(c, 9);
        if (c.State.Paused) await this.resumeQuiet(c);
        await exited;
      }
      this.ctx.events.emit('container', 'stop', c.ID, this.attrs(c));
    });
  }

  private async resumeQuiet(c: Container): Promise<void> {
    await this.ctx.runc.resume(this.runtimeRoot(c), c.ID).catch(() => {});
    c.State.Paused = false;
    c.State.Status = 'running';
  }

  pause(c: Container): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
      if (c.State.Paused) throw conflict(`Container ${c.ID} is already paused`);
      await this.ctx.runc.pause(this.runtimeRoot(c), c.ID);
      c.State.Paused = true;
      c.State.Status = 'paused';
      this.ctx.containers.save(c);
      this.ctx.events.emit('container', 'pause', c.ID, this.attrs(c));
    });
  }

  unpause(c: Container): Promise<void> {
    return this.locked(c.ID, async () => {
      if (!c.State.Paused) throw conflict(`Container ${c.ID} is not paused`);
      await this.ctx.runc.resume(this.runtimeRoot(c), c.ID);
      c.State.Paused = false;
      c.State.Status = 'running';
      this.ctx.containers.save(c);
      this.ctx.events.emit('container', 'unpause', c.ID, this.attrs(c));
    });
  }

  runtimeRoot(c: Container): string {
    return this.ctx.monitorConfig(c.HostConfig.Runtime).runtimeRoot;
  }

  // ---------- wait ----------

  /** Resolves when the running container exits (or at once if it is not running). */
  waitExit(c: Container): Promise<number> {
    if (!c.State.Running) return Promise.resolve(c.State.ExitCode);
    return this.wait(c, 'next-exit');
  }

  wait(c: Container, condition: WaitCondition): Promise<number> {
    if (condition === 'not-running' && !c.State.Running && c.State.Status !== 'restarting') return Promise.resolve(c.State.ExitCode);
    return new Promise((resolve) => {
      let set = this.waiters.get(c.ID);
      if (!set) this.waiters.set(c.ID, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  cancelWait(c: Container, resolve: (n: number) => void): void {
    const set = this.waiters.get(c.ID);
    if (set) for (const w of set) if (w.resolve === resolve) set.delete(w);
  }

  notifyWaiters(c: Container, what: 'exit' | 'removed'): void {
    const set = this.waiters.get(c.ID);
    if (!set) return;
    for (const w of [...set]) {
      if (what === 'removed' || w.condition !== 'removed') {
        // every exit ends a not-running wait, one the restart policy follows too (Docker 20.10)
        set.delete(w);
        w.resolve(c.State.ExitCode);
      }
    }
    if (set.size === 0) this.waiters.delete(c.ID);
  }

  // ---------- exits ----------

  watchExits(): void {
    fs.mkdirSync(this.ctx.paths.exits, { recursive: true });
    this.watcher = fs.watch(this.ctx.paths.exits, (_ev, name) => {
      if (name && /^[a-f0-9]{64}$/.test(name)) this.onExitFile(name);
    });
  }

  stopWatching(): void {
    this.watcher?.close();
    this.restarts.cancelAll();
  }

  private onExitFile(id: string): void {
    const c = this.ctx.containers.find(id);
    if (!c || !c.State.Running) return;
    const code = readExitCode(path.join(this.ctx.paths.exits, id));
    if (code === undefined) return; // written atomically by conmon; an empty read means not yet
    // not through the lock: stop/remove hold it while they wait for this very exit
    void this.handleExit(c, code).catch((e) => log().warn({ err: e, id }, 'exit handling failed'));
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
    const oom = fs.existsSync(path.join(this.ctx.containers.dir(c.ID), 'oom'));
    fs.rmSync(path.join(this.ctx.paths.exits, c.ID), { force: true });
    await this.ctx.networks.detach(c).catch((e) => log().warn({ err: e, id: c.ID }, 'network detach failed'));
    crashPoint('exit.network');
    // mounts go now (users see them, and Docker has them gone when stop answers); runc's
    // state goes on the container's chain: stop and wait answer without waiting for a runc
    // spawn, while a start right after still does
    this.unmountRootfs(c);
    unmountVolumes(this.ctx, c);
    crashPoint('exit.unmounted');
    if (!c.HostConfig.AutoRemove && !this.removalPending.has(c.ID))
      void this.locked(c.ID, () => this.deleteRuntimeState(c)).catch((e) => log().warn({ err: e, id: c.ID }, 'runc delete after exit failed'));
    Object.assign(c.State, {
      Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: oom, Pid: 0,
      ExitCode: code, FinishedAt: finishedAt.toISOString(),
    });
    if (c.State.Health) c.State.Health.Status = 'unhealthy';
    c.MonitorPid = 0;
    const willRestart = !c.HostConfig.AutoRemove && this.restarts.shouldRestart(c);
    if (willRestart) {
      c.State.Restarting = true;
      c.State.Status = 'restarting';
    }
    this.ctx.containers.save(c);
    if (oom) this.ctx.events.emit('container', 'oom', c.ID, this.attrs(c));
    this.ctx.events.emit('container', 'die', c.ID, { ...this.attrs(c), exitCode: String(code) });
    this.notifyWaiters(c, 'exit');
    if (c.HostConfig.AutoRemove) this.onAutoRemove(c);
    else if (willRestart) this.restarts.schedule(c);
  }

  private async deleteRuntimeState(c: Container): Promise<void> {
    if (c.State.Running) return; // already started again
    await this.ctx.runc.deleteContainer(this.runtimeRoot(c), c.ID, { force: true }).catch(() => {});
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

export function readExitCode(file: string): number | undefined {
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t === '') return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function startErrorMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (e instanceof EngineError) return m;
  return `failed to create task for container: OCI runtime create failed: ${m}: unknown`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
