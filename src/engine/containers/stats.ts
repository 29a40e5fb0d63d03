// `docker top` and `docker stats`: the container's processes (runc's pid list
// over the host's ps) and samples of its cgroup, as dockerd answers them.
import { execFile } from 'node:child_process';
import type { Container } from '../../container';
import { cgroupsPathFor, readStats } from '../../runtime';
import { badRequest, internal } from '../../util/errors';
import { ZERO_TIME } from '../../util/time';
import type { EngineContext } from '../context';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** `ps` with the host's arguments, reduced to the container's processes. */
export async function top(ctx: EngineContext, c: Container, runtimeRoot: string, psArgs: string): Promise<TopResult> {
  const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
  const pids = new Set(await ctx.runc.ps(runtimeRoot, c.ID));
  const out = await new Promise<string>((resolve, reject) =>
    execFile('ps', args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(badRequest(`Error running ps: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
  const lines = out.split('\n').filter(Boolean);
  const header = lines[0].trim().split(/\s+/);
  const pidCol = header.indexOf('PID');
  if (pidCol < 0) throw internal(`Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const l of lines.slice(1)) {
    const f = l.trim().split(/\s+/);
    if (!pids.has(Number(f[pidCol]))) continue;
    // the last column (command) keeps its spaces
    processes.push([...f.slice(0, header.length - 1), f.slice(header.length - 1).join(' ')]);
  }
  return { Titles: header, Processes: processes };
}

export interface StatsOptions {
  /** keep sampling once a second (docker stats) rather than answer once */
  stream: boolean;
  /** with !stream: answer at once, without the sample a second earlier that CPU% needs */
  oneShot: boolean;
}

export type StatsSample = Record<string, unknown>;

const zeroCpu = () => ({
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});

/**
 * The samples Docker's stats endpoint sends, each with the one before as its
 * `pre` fields: one sample (after a second, unless one-shot) or one a second
 * until the container is gone or `signal` aborts.
 */
export async function* statsSamples(ctx: EngineContext, c: Container, o: StatsOptions, signal: AbortSignal): AsyncGenerator<StatsSample> {
  const cgPath = cgroupsPathFor(c.ID, c.HostConfig.CgroupParent || ctx.cfg.cgroupParent);
  const sample = (): StatsSample => {
    const base = { name: c.Name, id: c.ID };
    if (!c.State.Running) {
      return {
        ...base,
        read: ZERO_TIME,
        preread: ZERO_TIME,
        pids_stats: {},
        blkio_stats: {},
        num_procs: 0,
        storage_stats: {},
        cpu_stats: zeroCpu(),
        precpu_stats: zeroCpu(),
        memory_stats: {},
      };
    }
    // read: when this sample was taken (clients compute rates from read/preread)
    return { ...base, read: new Date().toISOString(), ...readStats(cgPath, { pid: c.State.Pid }) } as StatsSample;
  };
  let prev: StatsSample | undefined;
  const withPre = (cur: StatsSample) => ({
    ...cur,
    preread: prev?.read ?? ZERO_TIME,
    precpu_stats: prev?.cpu_stats ?? { cpu_usage: { total_usage: 0 }, throttling_data: {} },
  });
  const tick = () =>
    new Promise<void>((r) => {
      const t = setTimeout(done, 1000);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        r();
      }
      signal.addEventListener('abort', done);
    });
  if (!o.stream) {
    if (!o.oneShot && c.State.Running) {
      // `docker stats --no-stream` computes CPU% from a sample one second older
      prev = sample();
      await tick();
    }
    yield withPre(sample());
    return;
  }
  while (!signal.aborted) {
    const cur = sample();
    yield withPre(cur);
    prev = cur;
    if (!c.State.Running && !ctx.containers.find(c.ID)) break;
    await tick();
  }
}
