// Facts about the machine and the software under test, for the report.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Engine } from './engines';
import { DOCKER_CLI } from './engines';
import { commandLine } from './util';

export interface MachineFacts {
  cpu: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  distro: string;
  cgroups: string;
  node: string;
  loadStart: string;
  /** process-spawn cost of this machine: median ms of /bin/true and of `docker --version` */
  spawnTrueMs: number;
  spawnDockerVersionMs: number;
}

export function machineFacts(): MachineFacts {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const distro = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(safeRead('/etc/os-release'))?.[1] ?? 'unknown';
  return {
    cpu: model,
    cores: os.cpus().length,
    ramGiB: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()}`,
    distro,
    cgroups: cgroupLayout(),
    node: process.version,
    loadStart: loadavg(),
    spawnTrueMs: spawnMedian('/bin/true', []),
    spawnDockerVersionMs: spawnMedian(DOCKER_CLI, ['--version']),
  };
}

/** Median wall time of running a program to its end, 15 runs after one discarded; NaN when it cannot run. */
export function spawnMedian(cmd: string, args: string[], n = 15): number {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error || r.status !== 0) return NaN;
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function loadavg(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** v2 unified, v1, or hybrid (v1 controllers plus a v2 mount), read from /proc/self/mountinfo. */
export function cgroupLayout(): string {
  const mounts = safeRead('/proc/self/mountinfo')
    .split('\n')
    .map((l) => {
      const f = l.split(' ');
      const dash = f.indexOf('-');
      return { point: f[4], type: f[dash + 1], opts: f[dash + 3] ?? '' };
    })
    .filter((m) => m.type === 'cgroup' || m.type === 'cgroup2');
  const v2 = mounts.filter((m) => m.type === 'cgroup2');
  const v1 = mounts.filter((m) => m.type === 'cgroup');
  if (v1.length === 0 && v2.some((m) => m.point === '/sys/fs/cgroup')) return 'cgroup v2 (unified)';
  const ctrls = v1.map((m) => path.basename(m.point)).filter((n) => n !== 'systemd');
  if (v1.length && v2.length) {
    const v2ctrl = safeRead(path.join(v2[0].point, 'cgroup.controllers')).trim();
    return `hybrid: cgroup v1 (${ctrls.join(', ')}) + v2 at ${v2[0].point}${v2ctrl ? ` (${v2ctrl})` : ''}`;
  }
  if (v1.length) return `cgroup v1 (${ctrls.join(', ')})`;
  return 'no cgroup mounts found';
}

export interface Versions {
  [k: string]: string;
}

/** Versions of both engines (from their /version) and of the tools underneath. */
export async function versions(engines: Engine[]): Promise<Versions> {
  const v: Versions = {};
  for (const e of engines) {
    try {
      const ver = await e.version();
      v[e.label] = `${ver.Version} (API ${ver.ApiVersion})`;
      for (const comp of ver.Components ?? []) {
        if (comp.Name === 'Engine') continue;
        v[`${e.label}: ${comp.Name}`] = comp.Version || '(no version reported)';
      }
    } catch (err) {
      v[e.label] = `unknown (${(err as Error).message})`;
    }
  }
  const git = commandLine('git', ['-C', path.resolve(__dirname, '..', '..'), 'describe', '--always', '--dirty']);
  if (git) v['berth commit'] = git;
  v['runc'] = commandLine('runc', ['--version']).replace(/^runc version /, '') || 'absent';
  v['conmon'] = commandLine('conmon', ['--version']).replace(/^conmon version /, '') || 'absent';
  if (engines.some((e) => e.name === 'docker')) v['containerd'] = commandLine('containerd', ['--version']).replace(/^containerd \S+ /, '') || 'absent';
  v['docker CLI'] = `${commandLine(DOCKER_CLI, ['--version'])} (${DOCKER_CLI})`;
  v['node'] = process.version;
  return v;
}

function safeRead(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
