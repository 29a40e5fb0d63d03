// Small shared helpers: timing, child processes, waiting, formatting.
import { spawn, spawnSync } from 'node:child_process';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Milliseconds since an arbitrary origin, from the monotonic clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Times an async function; returns its wall-clock duration in ms and its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** wall-clock from spawn to exit, ms */
  ms: number;
}

/**
 * Runs a command to completion and times it from spawn to exit with
 * process.hrtime. stdin is closed; output is collected.
 */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; stdout?: 'pipe' | 'ignore' } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    // stdout 'ignore' is /dev/null: for commands whose output is the workload (docker logs)
    const child = spawn(cmd, args, { stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
      if (done) return;
      done = true;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + extra, ms });
    };
    child.on('error', (e) => finish(null, null, String(e)));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** First line of a command's stdout, or '' when it fails. */
export function commandLine(cmd: string, args: string[]): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) return '';
    return (r.stdout || r.stderr).trim().split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

export async function waitUntil(pred: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(stepMs);
  }
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A short one-line excerpt of command output for error messages. */
export function excerpt(s: string, max = 300): string {
  const one = s.trim().replace(/\s+/g, ' ');
  return one.length > max ? one.slice(0, max) + '…' : one;
}
