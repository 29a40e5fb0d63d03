// The bench's own directories and the cleanup that runs however the bench ends.
//  - /run/bbench-XXXXXX          sockets, pidfiles, exec roots (short: conmon's attach socket paths)
//  - /var/lib/berth-bench/XXXXXX data roots of both engines, the image tarball
//  - dist/bench-logs/<stamp>/    daemon logs (kept after the run, outside git)
// Cleanup steps run last-registered first, each at most once, on normal exit,
// on an error and on SIGINT/SIGTERM (a second signal is ignored while cleanup runs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listProcs } from './procs';
import type { RunDirs } from './engines';
import { abort } from './framework';

const RUN_PARENT = '/run';
const DATA_PARENT = '/var/lib/berth-bench';
const REPO = path.resolve(__dirname, '..', '..');

/** Directories of earlier runs that were killed before they could clean up (SIGKILL, power loss). */
export function staleRunDirs(): string[] {
  const list = (dir: string, prefix: string) => {
    try {
      return fs
        .readdirSync(dir)
        .filter((n) => n.startsWith(prefix))
        .map((n) => path.join(dir, n));
    } catch {
      return [];
    }
  };
  return [...list(RUN_PARENT, 'bbench-'), ...list(DATA_PARENT, 'run-')];
}

export function makeRunDirs(): RunDirs {
  fs.mkdirSync(DATA_PARENT, { recursive: true, mode: 0o700 });
  const run = fs.mkdtempSync(path.join(RUN_PARENT, 'bbench-'));
  const data = fs.mkdtempSync(path.join(DATA_PARENT, 'run-'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logs = path.join(REPO, 'dist', 'bench-logs', stamp);
  fs.mkdirSync(logs, { recursive: true });
  return { run, data, logs };
}

/** Lazily unmounts everything mounted at or below dir, deepest first. */
export function unmountUnder(dir: string): number {
  const targets = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .map((m) => m.replace(/\\040/g, ' '));
  for (const t of [...new Set(targets)].sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', t]);
  return targets.length;
}

export function removeRunDirs(dirs: RunDirs): void {
  for (const d of [dirs.run, dirs.data]) {
    unmountUnder(d);
    fs.rmSync(d, { recursive: true, force: true });
  }
  try {
    fs.rmdirSync(DATA_PARENT); // only when no other run's data is there
  } catch {
    /* not empty or gone */
  }
}

/**
 * System-wide paths dockerd/containerd create whatever their flags say
 * (/run/containerd/s holds the shims' sockets in containerd 1.6; dockerd makes
 * /run/docker/plugins). Remembered before the bench starts Docker; whatever of
 * them the bench created is removed afterwards.
 */
const SYSTEM_PATHS = [
  '/run/containerd',
  '/run/docker',
  '/etc/docker/key.json',
  '/opt/containerd',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/run/docker.sock',
  '/run/docker.pid',
];

export class SystemPathGuard {
  private readonly existed = new Map<string, boolean>();
  constructor() {
    for (const p of SYSTEM_PATHS) this.existed.set(p, fs.existsSync(p));
  }

  /** Removes what appeared since construction; a directory only while no other containerd/dockerd runs. */
  restore(ourPids: Set<number>): string[] {
    const removed: string[] = [];
    const foreign = listProcs().some((p) => (p.comm === 'containerd' || p.comm === 'dockerd') && !ourPids.has(p.pid));
    for (const [p, existed] of this.existed) {
      if (existed || !fs.existsSync(p)) continue;
      if (fs.statSync(p).isDirectory() && foreign) continue;
      unmountUnder(p);
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(p);
    }
    return removed;
  }
}

type Step = { name: string; fn: () => Promise<void> | void };

export class Cleanup {
  private steps: Step[] = [];
  private running?: Promise<void>;
  /** Runs once after every step, on every path (the leftover check). */
  after?: () => void;
  constructor(private readonly log: (s: string) => void) {}

  add(name: string, fn: () => Promise<void> | void): void {
    this.steps.push({ name, fn });
  }

  /** Runs every step (last added first); errors are logged and do not stop the others. */
  run(): Promise<void> {
    if (!this.running) {
      this.running = (async () => {
        while (this.steps.length) {
          const s = this.steps.pop()!;
          try {
            await s.fn();
          } catch (e) {
            this.log(`cleanup: ${s.name} failed: ${(e as Error).message}`);
          }
        }
        this.after?.();
      })();
    }
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit with 128+signal. */
  installSignalHandlers(): void {
    const handler = (sig: NodeJS.Signals) => {
      if (this.running) {
        this.log(`${sig} again: cleanup is already running, please wait`);
        return;
      }
      this.log(`${sig}: stopping the bench and cleaning up`);
      abort.requested = true;
      void this.run().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    process.on('SIGHUP', handler);
  }
}
