// A conmon that dies while its container runs (killed by a user, the OOM
// killer, a crash) leaves no exit file, so the inotify path never hears of the
// container's end: stop would wait forever and ps would say "Up". This notices
// a lost monitor — from a slow sweep of the running containers (one kill(0)
// each) and from stop's own wait — and reports what should be recorded.
import * as fs from 'node:fs';
import type { Container } from '../../container';
import { alive } from '../../util/proctree';

/** How often running containers' monitors are looked at (a safety net, not the exit path). */
export const MONITOR_SWEEP_MS = 10_000;

/** A live process that is not a zombie waiting to be reaped. */
export function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export type MonitorVerdict =
  /** the monitor is there: its exit file will tell */
  | { kind: 'monitored' }
  /** the monitor is gone, the process still runs: nothing can record its exit code */
  | { kind: 'unmonitored' }
  /** the monitor and the process are gone: record the exit (the file's code, else Docker's 255 for unknown) */
  | { kind: 'exited'; code: number };

/** What a container's monitor and process say; `exitCode` reads the exit file conmon may have left. */
export function monitorVerdict(c: Container, exitCode: () => number | undefined): MonitorVerdict {
  if (running(c.MonitorPid)) return { kind: 'monitored' };
  const code = exitCode();
  if (code !== undefined) return { kind: 'exited', code };
  if (running(c.State.Pid)) return { kind: 'unmonitored' };
  return { kind: 'exited', code: 255 };
}
