// Counting the programs an engine's daemons start for one operation: strace
// follows the daemon processes (and everything they fork: monitor, runtime,
// network tools) and records every successful execve while the operation runs and until the
// daemon settles (what it starts after answering counts too).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sleep, waitUntil } from './util';

export interface SpawnCount {
  count: number;
  /** program basename -> how many times */
  programs: Record<string, number>;
}

/** Runs `action` with strace attached to `pids`; counts the execve calls that succeeded. */
export async function countSpawns(pids: number[], action: () => Promise<unknown>): Promise<SpawnCount> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-strace-'));
  const args = [
    '-f',
    '-ff',
    '-qq',
    '-e',
    'trace=execve',
    '-e',
    'signal=none',
    '--successful-only',
    '-o',
    path.join(dir, 'trace'),
    ...pids.flatMap((p) => ['-p', String(p)]),
  ];
  const st = spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  st.stderr!.on('data', (b) => (err += b));
  const gone = new Promise<void>((r) => st.once('close', () => r()));
  try {
    // attached once each daemon shows strace as its tracer
    const attached = await waitUntil(() => pids.every((p) => tracerOf(p) === st.pid), 10_000, 10);
    if (!attached) throw new Error(`strace did not attach: ${err.trim()}`);
    await action();
    // what the daemon starts after answering (runc delete after a --rm removal) counts too:
    // the trace settles once no new process has appeared for 250 ms
    let seen = -1;
    let still = 0;
    for (let i = 0; i < 80 && still < 5; i++) {
      await sleep(50);
      const n = fs.readdirSync(dir).length;
      still = n === seen ? still + 1 : 0;
      seen = n;
    }
  } finally {
    st.kill('SIGINT');
    await gone;
  }
  // -ff: one file per process, so no call is split across lines
  const text = fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  fs.rmSync(dir, { recursive: true, force: true });
  const programs: Record<string, number> = {};
  let count = 0;
  for (const line of text.split('\n')) {
    const m = /execve\("([^"]+)"/.exec(line);
    if (!m || !/= 0$/.test(line)) continue;
    count++;
    const name = path.basename(m[1]);
    programs[name] = (programs[name] ?? 0) + 1;
  }
  return { count, programs };
}

function tracerOf(pid: number): number {
  try {
    return Number(/^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
