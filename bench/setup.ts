// Bench-time setup: makes sure Debian's docker.io (dockerd + containerd) is
// installed so the bench can compare berth with a real Docker engine. The
// package's init script must never start a system-wide dockerd (this machine
// has no systemd; sysvinit scripts would start one): a policy-rc.d that answers
// 101 blocks it while apt runs, and anything dockerd/containerd that shows up
// during the install anyway is stopped by pid afterwards.
// The test suite never calls this.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { listProcs } from './procs';

/** Debian docker.io's binaries; BENCH_DOCKERD / BENCH_CONTAINERD point elsewhere (another build, or a failure test). */
export const DOCKERD = process.env.BENCH_DOCKERD || '/usr/sbin/dockerd';
export const CONTAINERD = process.env.BENCH_CONTAINERD || '/usr/bin/containerd';
const POLICY_RC = '/usr/sbin/policy-rc.d';

export function dockerInstalled(): boolean {
  return isExecutable(DOCKERD) && isExecutable(CONTAINERD);
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface SetupResult {
  ok: boolean;
  message: string;
}

/** Installs docker.io when it is missing. Never throws; says what happened. */
export function ensureDocker(log: (s: string) => void): SetupResult {
  if (dockerInstalled()) return { ok: true, message: 'docker.io already installed' };
  if (process.getuid?.() !== 0) return { ok: false, message: 'docker.io is not installed and the bench is not root, so it cannot install it' };
  if (!isExecutable('/usr/bin/apt-get')) return { ok: false, message: 'docker.io is not installed and there is no apt-get' };

  const before = new Set(daemonPids());
  const restorePolicy = blockInitScripts();
  let result: SetupResult;
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'docker.io'], { env, encoding: 'utf8', timeout: 600_000 });
    log('installing docker.io with apt-get (init scripts blocked by policy-rc.d)');
    let r = install();
    if (r.status !== 0) {
      log('apt-get install failed; running apt-get update once and retrying');
      spawnSync('apt-get', ['update'], { env, encoding: 'utf8', timeout: 600_000 });
      r = install();
    }
    result =
      r.status === 0 && dockerInstalled()
        ? { ok: true, message: 'installed docker.io' }
        : { ok: false, message: `apt-get install docker.io failed: ${lastLines(r.stderr || r.stdout || String(r.error))}` };
  } finally {
    restorePolicy();
  }
  // Nothing system-wide may be left running: stop any dockerd/containerd the install started.
  for (const pid of daemonPids()) {
    if (before.has(pid)) continue;
    log(`stopping pid ${pid}, a daemon the package install started`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  return result;
}

/** Pids of dockerd/containerd processes currently running on the machine. */
export function daemonPids(): number[] {
  return listProcs()
    .filter((p) => p.comm === 'dockerd' || p.comm === 'containerd')
    .map((p) => p.pid);
}

/** Puts a policy-rc.d that forbids starting services; returns the undo. */
function blockInitScripts(): () => void {
  let previous: Buffer | undefined;
  try {
    previous = fs.readFileSync(POLICY_RC);
  } catch {
    previous = undefined;
  }
  if (previous && /^\s*exit\s+101\s*$/m.test(previous.toString())) return () => undefined; // already blocks everything
  fs.writeFileSync(POLICY_RC, '#!/bin/sh\n# placed by berth bench while installing docker.io\nexit 101\n', { mode: 0o755 });
  return () => {
    if (previous) fs.writeFileSync(POLICY_RC, previous);
    else fs.rmSync(POLICY_RC, { force: true });
  };
}

function lastLines(s: string, n = 5): string {
  return s.trim().split('\n').slice(-n).join(' | ');
}
