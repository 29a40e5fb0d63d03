// After a daemon crash: container records reconciled with runc and conmon.
// runc decides whether a process runs (a crash can fall between `runc start`
// and the record saying so, or between `runc create` and `runc start`); the
// record keeps everything else. A running process is recorded running with
// its pid; a runtime container whose process never ran is deleted with its
// monitor, mounts and network.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../container';
import type { RuncState } from '../../runtime/runc';
import { mountPoints } from '../../volume';
import { log } from '../../util/log';
import type { EngineContext } from '../context';
import { initHealthState } from './healthcheck';
import type { Lifecycle } from './lifecycle';
import { readExitCode } from './exits';
import { alive } from '../../util/proctree';

/**
 * What runc says of each container it knows, by ID (roots runc could not list
 * are absent from `listed`), and the host's mount points, read once.
 */
export interface RuntimeView {
  states: Map<string, RuncState>;
  listed: Set<string>;
  mounts: Set<string>;
}

export async function runtimeView(ctx: EngineContext): Promise<RuntimeView> {
  const view: RuntimeView = { states: new Map(), listed: new Set(), mounts: mountPoints() };
  for (const rt of Object.keys(ctx.cfg.runtimes)) {
    const root = ctx.monitorConfig(rt).runtimeRoot;
    if (view.listed.has(root)) continue;
    if (!fs.existsSync(root)) {
      view.listed.add(root);
      continue;
    }
    try {
      for (const s of await ctx.runc.list(root)) view.states.set(s.id, s);
      view.listed.add(root);
    } catch (e) {
      log().warn({ err: e, root }, 'runc list failed; records of this runtime are trusted as they are');
    }
  }
  return view;
}

const live = (s: RuncState | undefined) => s?.status === 'running' || s?.status === 'paused';

/** The container's conmon, if it is still there (its pid file names a live conmon of this container). */
export function monitorOf(bundle: string, id: string): number {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(bundle, 'conmon.pid'), 'utf8').trim());
    if (!pid) return 0;
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmd[0]?.endsWith('conmon') || !cmd.includes(id)) return 0;
    if (/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) return 0;
  } catch {
    return 0;
  }
  return pid;
}

/**
 * A process runc runs is the container's, whatever the record says: recorded
 * running (or paused) with runc's pid. Records only; the network and mounts of
 * such a container are already in place. Returns true when the record changed.
 */
export function adoptRunning(ctx: EngineContext, c: Container, s: RuncState | undefined, bundle: string): boolean {
  if (!live(s)) return false;
  const paused = s!.status === 'paused';
  if (c.State.Running && c.State.Pid === s!.pid && c.State.Paused === paused) return false;
  const wasRunning = c.State.Running;
  Object.assign(c.State, {
    Status: paused ? 'paused' : 'running',
    Running: true,
    Paused: paused,
    Restarting: false,
    Dead: false,
    Pid: s!.pid,
    ExitCode: 0,
    Error: '',
    StartedAt: wasRunning ? c.State.StartedAt : s!.created,
  });
  if (!wasRunning) {
    // a start ran: what it would have recorded (a user's earlier stop no longer holds back the restart policy)
    initHealthState(c);
    c.HasBeenManuallyStopped = false;
  }
  c.MonitorPid = monitorOf(bundle, c.ID);
  c.HasBeenStartedBefore = true;
  ctx.containers.save(c);
  log().info(
    { id: c.ID, pid: s!.pid },
    wasRunning ? 'container state taken from runc' : 'container found running under runc after a crash: recorded as running',
  );
  return true;
}

/** Does a container that is not running hold anything a start made? */
export function hasLeftovers(ctx: EngineContext, c: Container, view: RuntimeView, bundle: string, rootfs: string): boolean {
  if (c.State.Running) return false;
  if (view.states.has(c.ID) || view.mounts.has(rootfs) || monitorOf(bundle, c.ID)) return true;
  const st = c.NetworkSettings;
  return !!(st?.SandboxKey || Object.values(st?.Networks ?? {}).some((e) => e.EndpointID) || fs.existsSync(path.join(ctx.networks.paths.netns, c.ID)));
}

/**
 * Undoes a start a crash cut short (or an exit a crash cut short): the runtime
 * container and its conmon go, then the caller unmounts and detaches.
 */
export async function deleteRuntime(ctx: EngineContext, c: Container, root: string, bundle: string): Promise<void> {
  await ctx.runc.deleteContainer(root, c.ID, { force: true }).catch((e) => log().warn({ err: e, id: c.ID }, 'runc delete of a half-started container failed'));
  // conmon leaves once its container process is gone; one that is still creating is stopped
  const mon = monitorOf(bundle, c.ID);
  if (!mon) return;
  const deadline = Date.now() + 5000;
  while (monitorOf(bundle, c.ID) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (monitorOf(bundle, c.ID)) {
    try {
      process.kill(mon, 'SIGKILL');
    } catch {
      /* gone */
    }
    await ctx.runc.deleteContainer(root, c.ID, { force: true }).catch(() => {});
  }
}

/** The daemon-start side of the lifecycle: what a crash left, reconciled before the API serves. */
export class Recovery {
  constructor(
    private readonly ctx: EngineContext,
    private readonly lc: Lifecycle,
  ) {}

  /**
   * Records first, before anything is torn down: a process runc runs is
   * recorded running (a crash can fall after `runc start`, before the record).
   */
  reconcile(view: RuntimeView): void {
    for (const c of this.ctx.containers.all()) adoptRunning(this.ctx, c, view.states.get(c.ID), this.lc.paths.bundle(c));
  }

  /**
   * A container that is not running keeps nothing a start made: a runtime
   * container created but never started (or stopped, not deleted), its conmon,
   * its root filesystem mount and its network go.
   */
  async cleanLeftovers(c: Container, view: RuntimeView): Promise<void> {
    const s = view.states.get(c.ID);
    // runc could not say what runs there: nothing is torn down on a guess
    if (!view.listed.has(this.lc.paths.runtimeRoot(c))) return;
    if (!hasLeftovers(this.ctx, c, view, this.lc.paths.bundle(c), path.join(this.lc.paths.rwDir(c), 'merged'))) return;
    log().info({ id: c.ID, runtime: s?.status ?? 'none' }, 'undoing what a cut start or exit left of a container that is not running');
    await deleteRuntime(this.ctx, c, this.lc.paths.runtimeRoot(c), this.lc.paths.bundle(c));
    fs.rmSync(path.join(this.ctx.paths.exits, c.ID), { force: true });
    this.lc.rootfs.unmount(c);
    await this.ctx.networks.detach(c).catch((e) => log().warn({ err: e, id: c.ID }, 'network detach failed'));
    this.ctx.containers.save(c);
  }

  /**
   * Containers runc still runs stay as they are; the ones that exited while we
   * were away get their real exit code (then --rm or their restart policy).
   */
  async restore(c: Container, view: RuntimeView): Promise<'running' | 'exited' | 'stopped'> {
    if (!c.State.Running) return 'stopped';
    const s = view.states.get(c.ID);
    const known = view.listed.has(this.lc.paths.runtimeRoot(c));
    if (known ? live(s) : alive(c.MonitorPid) && alive(c.State.Pid)) {
      this.lc.restarts.started(c);
      return 'running';
    }
    const exitFile = path.join(this.ctx.paths.exits, c.ID);
    const persisted = path.join(this.ctx.containers.dir(c.ID), 'exit');
    let code = readExitCode(exitFile) ?? readExitCode(persisted);
    // runc says the process is gone and its conmon is still there: its exit file is on the way
    for (const deadline = Date.now() + 2000; code === undefined && alive(c.MonitorPid) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
      code = readExitCode(exitFile) ?? readExitCode(persisted);
    }
    let finished = new Date();
    if (code !== undefined) {
      try {
        finished = fs.statSync(fs.existsSync(exitFile) ? exitFile : persisted).mtime;
      } catch {
        /* keep now */
      }
    }
    // no word from the monitor (e.g. a reboot)
    await this.lc.handleExit(c, code ?? 255, finished);
    return 'exited';
  }

  /**
   * Runtime state without a container record: a removal drops the record first
   * and deletes runc's state after answering, so a crash in between leaves one.
   * A record that exists but cannot be read keeps its state (it may be running).
   */
  async sweepRuntimeState(): Promise<void> {
    for (const rt of Object.keys(this.ctx.cfg.runtimes)) {
      const { runtimeRoot } = this.ctx.monitorConfig(rt);
      let ids: string[];
      try {
        ids = fs.readdirSync(runtimeRoot);
      } catch {
        continue;
      }
      for (const id of ids) {
        if (!/^[a-f0-9]{64}$/.test(id) || fs.existsSync(this.ctx.containers.dir(id))) continue;
        await this.ctx.runc.deleteContainer(runtimeRoot, id, { force: true }).catch((e) => log().warn({ err: e, id }, 'removing stale runtime state failed'));
        fs.rmSync(path.join(this.ctx.paths.bundles, id), { recursive: true, force: true });
      }
    }
  }
}
