// What a benchmark case is, and the runner that measures one case on both
// engines, interleaved. A case is a small object: optional setup/teardown per
// engine (never timed), and sample(), which does one measured iteration and
// returns one number per metric. New figures (pull/push, build, logs,
// networking…) are added as more cases in bench/cases/.
import type { Engine, EngineName } from './engines';
import type { Shared } from './shared';
import { errorText } from './util';

export type Better = 'lower' | 'higher';

/** Set when the bench is interrupted: cases stop taking samples so cleanup has the engines to itself. */
export const abort = { requested: false };

export class Aborted extends Error {
  constructor() {
    super('bench interrupted');
  }
}

export interface Target {
  /** berth/Docker of the medians must be at most this */
  ratioMax?: number;
  /** berth/Docker of the medians must be at least this (throughputs: "≥ 1.5× Docker's MB/s") */
  ratioMin?: number;
  /** berth's median must be at most this, in the metric's unit */
  absMax?: number;
  /** how the target reads in the report, e.g. "≤ 0.3× Docker" */
  text: string;
}

export interface Metric {
  id: string;
  label: string;
  unit: 'ms' | 'req/s' | 'MiB' | 'MB/s' | 'per ctr' | 'count';
  better: Better;
  target?: Target;
  /** false: shown in the table, left out of the chart (context figures) */
  chart?: boolean;
}

export interface Options {
  quick: boolean;
  /** samples per engine for light cases */
  runs: number;
  /** samples per engine for heavy cases (each sample makes dozens of containers) */
  heavyRuns: number;
  /** seconds per load-test sample */
  apiSeconds: number;
  docker: boolean;
  install: boolean;
  only?: string[];
  out?: string;
  warmup: boolean;
}

export interface CaseEnv {
  engine: Engine;
  /** the image every container case runs (same content on both engines) */
  image: string;
  opts: Options;
  log: (s: string) => void;
  /** fixtures shared by cases and engines (made once per run) and cleanup hooks */
  shared: Shared;
}

export interface Case<S = any> {
  id: string;
  title: string;
  /** chart/table group */
  section: string;
  /** one line for the report: what exactly is timed */
  how: string;
  /** heavy: each sample makes many containers; uses opts.heavyRuns */
  heavy?: boolean;
  metrics: Metric[];
  /** true when the case can run on this engine, else why not (features not built yet) */
  available?(env: CaseEnv): Promise<true | string> | true | string;
  setup?(env: CaseEnv): Promise<S>;
  /** round: 0-based sample number (-1 for the warm-up) */
  sample(env: CaseEnv, state: S, round: number): Promise<Record<string, number>>;
  teardown?(env: CaseEnv, state: S): Promise<void>;
}

export interface CaseResult {
  c: Case;
  /** engine -> metric id -> samples */
  samples: Map<EngineName, Map<string, number[]>>;
  errors: Map<EngineName, string[]>;
  skipped: Map<EngineName, string>;
  seconds: number;
}

/**
 * Runs one case: setup on each engine, a warm-up sample each (discarded), then
 * `runs` rounds of one sample per engine, alternating which engine goes first
 * (A B, B A, A B, …) so load and cache effects hit both alike. An engine that
 * fails twice in a row is dropped from the rest of the case; its errors go to
 * the report. Teardown always runs, and any container the case left behind is
 * removed.
 */
export async function runCase(c: Case, engines: Engine[], opts: Options, log: (s: string) => void, shared: Shared): Promise<CaseResult> {
  const t0 = Date.now();
  const res: CaseResult = { c, samples: new Map(), errors: new Map(), skipped: new Map(), seconds: 0 };
  const envs = new Map<EngineName, CaseEnv>();
  const states = new Map<EngineName, unknown>();
  const active: Engine[] = [];
  const fail = (e: Engine, where: string, err: unknown) => {
    if (err instanceof Aborted || abort.requested) throw new Aborted();
    const list = res.errors.get(e.name) ?? [];
    list.push(`${where}: ${errorText(err)}`);
    res.errors.set(e.name, list);
    log(`    ${e.label} ${where} failed: ${errorText(err)}`);
  };

  for (const e of engines) {
    const env: CaseEnv = { engine: e, image: BENCH_IMAGE, opts, log, shared };
    envs.set(e.name, env);
    res.samples.set(e.name, new Map(c.metrics.map((m) => [m.id, []])));
    const avail = c.available ? await c.available(env) : true;
    if (avail !== true) {
      res.skipped.set(e.name, avail);
      continue;
    }
    try {
      states.set(e.name, c.setup ? await c.setup(env) : undefined);
      active.push(e);
    } catch (err) {
      fail(e, 'setup', err);
    }
  }

  const runs = c.heavy ? opts.heavyRuns : opts.runs;
  const failures = new Map<EngineName, number>();
  try {
    if (opts.warmup && !c.heavy) {
      for (const e of [...active]) {
        try {
          await c.sample(envs.get(e.name)!, states.get(e.name), -1);
        } catch (err) {
          fail(e, 'warm-up', err);
        }
      }
    }
    for (let i = 0; i < runs && active.length; i++) {
      if (abort.requested) throw new Aborted();
      const order = i % 2 === 0 ? [...active] : [...active].reverse();
      const line: string[] = [];
      for (const e of order) {
        if (!active.includes(e)) continue;
        if (abort.requested) throw new Aborted();
        try {
          const r = await c.sample(envs.get(e.name)!, states.get(e.name), i);
          const bucket = res.samples.get(e.name)!;
          for (const [k, v] of Object.entries(r)) bucket.get(k)?.push(v);
          failures.set(e.name, 0);
          line.push(`${e.label} ${briefSample(c, r)}`);
        } catch (err) {
          fail(e, `sample ${i + 1}`, err);
          const n = (failures.get(e.name) ?? 0) + 1;
          failures.set(e.name, n);
          if (n >= 2) {
            log(`    ${e.label}: two failures in a row, dropping it from this case`);
            active.splice(active.indexOf(e), 1);
          }
        }
      }
      log(`  ${c.id} ${i + 1}/${runs}: ${line.join('   ')}`);
    }
  } finally {
    for (const e of engines) {
      if (!states.has(e.name) || abort.requested) continue;
      try {
        await c.teardown?.(envs.get(e.name)!, states.get(e.name));
      } catch (err) {
        fail(e, 'teardown', err);
      }
      try {
        const left = await e.removeAllContainers();
        if (left) e.note(`case ${c.id} left ${left} container(s) behind (removed)`);
      } catch (err) {
        fail(e, 'removing leftover containers', err);
      }
    }
  }
  res.seconds = (Date.now() - t0) / 1000;
  return res;
}

/** The image name both engines get the busybox tarball imported as. */
export const BENCH_IMAGE = 'berth-bench/busybox:latest';

function briefSample(c: Case, r: Record<string, number>): string {
  const shown = c.metrics.filter((x) => r[x.id] !== undefined);
  if (!shown.length) return '-';
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
  if (shown.length === 1) return `${fmt(r[shown[0].id])} ${shown[0].unit}`;
  return shown
    .slice(0, 4)
    .map((m) => `${m.id} ${fmt(r[m.id])} ${m.unit}`)
    .join(', ');
}
