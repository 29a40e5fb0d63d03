// Container healthchecks as Docker runs them: a monitor per running container:
// timers in berthd, each probe an exec session in the
// container (through conmon, like any exec), results folded into State.Health.
//
// Docker's rules, kept here:
// - the first probe runs one Interval after start, the next one Interval after
//   the previous probe ended;
// - `starting` until a probe succeeds (`healthy`); `unhealthy` after Retries
//   consecutive failures; a success resets FailingStreak; while still starting,
//   failures inside StartPeriod do not count;
// - the last 5 results are kept, each Output capped at 4096 bytes (+ "...");
// - a probe over Timeout is killed: ExitCode -1, "Health check exceeded timeout (1s)"
//   (berth kills the probe's whole process tree, so no orphans are left behind);
// - `health_status: <status>` is emitted when the status changes;
// - stopping the monitor (exit, pause) leaves the status `unhealthy`, as
//   Docker's CloseMonitorChannel does; start resets to `starting` and keeps the log;
//   a daemon restart resumes the monitor without resetting anything.
// State is written to disk when the status changes and at daemon shutdown;
// probe results that change only the log/streak stay in memory until the next save.
import type { Container } from '../../container';
import type { AttachConnection } from '../../monitor';
import { log } from '../../util/log';
import { killTree } from '../../util/proctree';
import { formatGoDuration, nowNs, nsToRfc3339 } from '../../util/time';
import type { EngineContext } from '../context';
import { containerAttributes } from '../events';
import type { ExecConfig } from '../exec/types';
import { applyProbeResult, effective, hasProbe, initHealthState, MAX_OUTPUT_BYTES, probeCommand } from './healthcheck';

/** how long starting the probe's exec may take before the probe counts as failed (Docker: 30s) */
const EXEC_START_TIMEOUT_MS = 30_000;
/** after the exit is known, how long to wait for the last output */
const OUTPUT_DRAIN_MS = 1_000;

// ---------- running a probe ----------

export interface ProbeResult {
  exitCode: number;
  output: string;
}

/** Runs one probe in the container; resolves with its result (errors reject). */
export type ProbeRunner = (c: Container, cmd: string[], timeoutNs: number, abort: AbortSignal) => Promise<ProbeResult>;

/** What the probe needs of the exec service. */
export interface ExecPort {
  create(ref: string, cfg: ExecConfig): { Id: string };
  start(id: string, opts: { tty?: boolean; attach: boolean; onAttach?: (conn: AttachConnection) => void }): Promise<{ exited: Promise<number> }>;
  get(id: string): { Pid: number; Running: boolean };
  forget(id: string): void;
}

/** Keeps the first `max` bytes; the rest is dropped and marked with "...". */
class LimitedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;
  constructor(private readonly max: number) {}
  write(d: Buffer): void {
    const keep = Math.min(this.max - this.size, d.length);
    if (keep > 0) {
      this.chunks.push(d.subarray(0, keep));
      this.size += keep;
    }
    if (keep < d.length) this.truncated = true;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8') + (this.truncated ? '...' : '');
  }
}

const delay = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());

/**
 * Probes as exec sessions: the container's user, working dir and env (the exec
 * defaults), no TTY, stdout and stderr captured together. The exec events
 * (exec_create/exec_start/exec_die) are emitted as for any exec, as Docker does;
 * the session record is dropped once the probe is done.
 */
export function execProbeRunner(exec: ExecPort): ProbeRunner {
  return async (c, cmd, timeoutNs, abort) => {
    const out = new LimitedBuffer(MAX_OUTPUT_BYTES);
    const { Id } = exec.create(c.ID, { Cmd: cmd, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Privileged: false });
    const kill = () => {
      try {
        const rec = exec.get(Id);
        // the probe and whatever it started: Docker kills only the probe, and its
        // orphans (a `sleep` under `sh -c`) pile up in the container
        if (rec.Running && rec.Pid > 1) killTree(rec.Pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    };
    let conn: AttachConnection | undefined;
    try {
      let drained: Promise<void> = Promise.resolve();
      const starting = exec.start(Id, {
        tty: false,
        attach: true,
        onAttach: (cn) => {
          conn = cn;
          drained = new Promise((r) => cn.onClose(r));
          cn.onData((_s, d) => out.write(d));
        },
      });
      const first = await Promise.race([starting, delay(EXEC_START_TIMEOUT_MS)]);
      if (first === 'timeout') {
        starting.then(
          () => (kill(), conn?.close()),
          () => {},
        );
        throw new Error(`timed out starting health check for container ${c.ID}`);
      }
      const { exited } = first;
      if (abort.aborted) kill();
      const onAbort = () => kill();
      abort.addEventListener('abort', onAbort);
      let timedOut = false;
      const timer = setTimeout(
        () => {
          timedOut = true;
          kill();
        },
        Math.max(1, Math.round(timeoutNs / 1e6)),
      );
      let code: number | 'timeout';
      try {
        code = await exited;
      } finally {
        clearTimeout(timer);
        abort.removeEventListener('abort', onAbort);
      }
      if (timedOut) {
        // the process was killed; give its output a moment, but never wait on a stuck stream
        await Promise.race([drained, delay(OUTPUT_DRAIN_MS)]);
        const text = out.toString();
        const base = `Health check exceeded timeout (${formatGoDuration(timeoutNs)})`;
        return { exitCode: -1, output: text ? `${base}: ${text}` : base };
      }
      await Promise.race([drained, delay(OUTPUT_DRAIN_MS)]);
      return { exitCode: code, output: out.toString() };
    } finally {
      // the probe owns its attach socket: it goes with the probe, whatever the output did
      conn?.close();
      exec.forget(Id);
    }
  };
}

// ---------- the monitor ----------

interface Watch {
  c: Container;
  timer?: NodeJS.Timeout;
  inflight?: AbortController;
  /** settles when the running probe is over (killed if it was aborted) */
  probing?: Promise<unknown>;
  stopped: boolean;
}

/** How long a daemon shutdown waits for aborted probes to be killed. */
const SHUTDOWN_PROBE_WAIT_MS = 5_000;

/** setTimeout caps at 2^31-1 ms; longer intervals are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  /** containers whose health changed in memory since the last save */
  private readonly dirty = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly runProbe: ProbeRunner,
  ) {
    ctx.events.subscribe((e) => {
      if (e.Type !== 'container') return;
      switch (e.Action) {
        case 'start':
        case 'unpause': {
          // a fresh start never inherits a monitor (Docker stops it first too)
          if (e.Action === 'start') this.close(e.Actor.ID, false);
          const c = ctx.containers.find(e.Actor.ID);
          if (c) this.ensure(c);
          break;
        }
        case 'die':
          this.close(e.Actor.ID);
          this.dirty.delete(e.Actor.ID); // the exit was just saved, health included
          break;
        case 'pause':
          this.close(e.Actor.ID);
          break;
        case 'destroy':
          this.close(e.Actor.ID, false);
          this.dirty.delete(e.Actor.ID);
          break;
      }
    });
  }

  /** Starts the monitor if the container is running, unpaused and has a probe (and none is running). */
  ensure(c: Container): void {
    if (!c.State.Running || c.State.Paused || !hasProbe(c)) return;
    if (this.watches.has(c.ID)) return;
    if (!c.State.Health) initHealthState(c);
    const w: Watch = { c, stopped: false };
    this.watches.set(c.ID, w);
    this.schedule(w);
  }

  /** After a daemon restart: the monitor of a running container comes back as it was. */
  resume(c: Container): void {
    this.ensure(c);
  }

  /** Stops the monitor; like Docker, a monitor that was running leaves the status `unhealthy`. */
  close(id: string, markUnhealthy = true): void {
    const w = this.watches.get(id);
    if (!w) return;
    this.watches.delete(id);
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    w.inflight?.abort();
    const h = w.c.State.Health;
    if (markUnhealthy && h && h.Status !== 'unhealthy') {
      h.Status = 'unhealthy';
      this.persist(w.c);
    }
  }

  /**
   * Daemon shutdown: timers off, probes killed, in-memory health written out.
   * Status is left as it is. A probe still being started is killed once it
   * runs: the shutdown waits for that (bounded), so no probe outlives the daemon.
   */
  async stopAll(): Promise<void> {
    const probing = [...this.watches.values()].map((w) => w.probing).filter((p) => p !== undefined);
    for (const id of [...this.watches.keys()]) this.close(id, false);
    for (const id of this.dirty) {
      const c = this.ctx.containers.find(id);
      if (c) this.persist(c);
    }
    this.dirty.clear();
    if (probing.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(probing), new Promise((r) => (timer = setTimeout(r, SHUTDOWN_PROBE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Is a monitor running for this container? (for tests and diagnostics) */
  watching(id: string): boolean {
    return this.watches.has(id);
  }

  private nextIntervalNs(c: Container): number {
    const eff = effective(c.Config.Healthcheck);
    if (eff.startIntervalNs > 0 && c.State.Health?.Status === 'starting') {
      const sinceStartNs = (Date.now() - Date.parse(c.State.StartedAt)) * 1e6;
      if (sinceStartNs < eff.startPeriodNs) return eff.startIntervalNs;
    }
    return eff.intervalNs;
  }

  private schedule(w: Watch): void {
    if (w.stopped) return;
    const due = Date.now() + this.nextIntervalNs(w.c) / 1e6;
    const arm = () => {
      if (w.stopped) return;
      const left = due - Date.now();
      if (left > MAX_TIMER_MS) w.timer = setTimeout(arm, MAX_TIMER_MS);
      else w.timer = setTimeout(() => void this.probe(w), Math.max(0, left));
      w.timer.unref();
    };
    arm();
  }

  private async probe(w: Watch): Promise<void> {
    w.timer = undefined;
    const c = w.c;
    if (w.stopped) return;
    const cmd = probeCommand(c);
    if (!cmd || !c.State.Running || c.State.Paused) {
      this.close(c.ID, false);
      return;
    }
    const eff = effective(c.Config.Healthcheck);
    const ac = new AbortController();
    w.inflight = ac;
    const startNs = nowNs();
    const startMs = Date.now();
    let res: ProbeResult;
    const probing = this.runProbe(c, cmd, eff.timeoutNs, ac.signal);
    w.probing = probing;
    try {
      res = await probing;
    } catch (e) {
      res = { exitCode: -1, output: e instanceof Error ? e.message : String(e) };
    }
    const endNs = nowNs();
    w.inflight = undefined;
    w.probing = undefined;
    // stopped (exit, pause, removal) while probing: the result no longer means anything
    if (w.stopped || this.watches.get(c.ID) !== w) return;
    const { before, after } = applyProbeResult(
      c,
      { Start: nsToRfc3339(startNs), End: nsToRfc3339(endNs), ExitCode: res.exitCode, Output: res.output },
      startMs,
    );
    if (before !== after) {
      this.persist(c);
      this.ctx.events.emit('container', `health_status: ${after}`, c.ID, containerAttributes(c));
    } else {
      this.dirty.add(c.ID);
    }
    this.schedule(w);
  }

  private persist(c: Container): void {
    this.dirty.delete(c.ID);
    if (!this.ctx.containers.find(c.ID)) return;
    try {
      this.ctx.containers.save(c);
    } catch (e) {
      log().warn({ err: e, id: c.ID }, 'saving health state failed');
    }
  }
}
