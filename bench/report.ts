// Turns case results into rows (min/median/max per engine, ratio of medians,
// target check) and renders them as a text table and as RESULTS.md.
import type { Case, CaseResult, Metric } from './framework';
import type { MachineFacts, Versions } from './machine';
import { ratio, summarize, type Summary } from './stats';

export interface TargetCheck {
  /** undefined: could not be checked (a figure is missing) */
  met?: boolean;
  text: string;
}

export interface Row {
  section: string;
  caseId: string;
  metric: Metric;
  berth?: Summary;
  docker?: Summary;
  ratio?: number;
  target?: TargetCheck;
}

export function buildRows(results: CaseResult[]): Row[] {
  const rows: Row[] = [];
  for (const r of results) {
    for (const m of r.c.metrics) {
      const berth = summarize(r.samples.get('berth')?.get(m.id) ?? []);
      const docker = summarize(r.samples.get('docker')?.get(m.id) ?? []);
      const row: Row = { section: r.c.section, caseId: r.c.id, metric: m, berth, docker, ratio: ratio(berth, docker) };
      row.target = checkTarget(row);
      rows.push(row);
    }
  }
  return rows;
}

function checkTarget(row: Row): TargetCheck | undefined {
  const t = row.metric.target;
  if (!t) return undefined;
  if (t.ratioMax !== undefined) {
    if (row.ratio === undefined) return { text: `${t.text}: not checked (${row.berth ? 'no Docker figure' : 'no berth figure'})` };
    const met = row.ratio <= t.ratioMax;
    return {
      met,
      text: met
        ? `met: ${fmtRatio(row.ratio)} (target ${t.text})`
        : `missed: ${fmtRatio(row.ratio)} vs ${t.text}, ${(row.ratio / t.ratioMax).toFixed(2)}× over`,
    };
  }
  if (t.ratioMin !== undefined) {
    if (row.ratio === undefined) return { text: `${t.text}: not checked (${row.berth ? 'no Docker figure' : 'no berth figure'})` };
    const met = row.ratio >= t.ratioMin;
    return {
      met,
      text: met
        ? `met: ${fmtRatio(row.ratio)} (target ${t.text})`
        : `missed: ${fmtRatio(row.ratio)} vs ${t.text}, needs ${(t.ratioMin / row.ratio).toFixed(2)}× more`,
    };
  }
  if (t.absMax !== undefined) {
    if (!row.berth) return { text: `${t.text}: not checked (no berth figure)` };
    const v = row.berth.median;
    const met = v <= t.absMax;
    const vs = `${fmtValue(v, row.metric.unit)} ${row.metric.unit}`;
    return { met, text: met ? `met: ${vs} (target ${t.text})` : `missed: ${vs} vs ${t.text}, ${(v / t.absMax).toFixed(2)}× over` };
  }
  return undefined;
}

export function fmtValue(v: number, unit: string): string {
  if (unit === 'req/s') return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  if (unit === 'per ctr' || unit === 'count') return v.toFixed(2);
  if (unit === 'MiB' || unit === 'MB/s') return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '–';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function fmtSummary(s: Summary | undefined, unit: string, withRange: boolean): string {
  if (!s) return '–';
  const med = fmtValue(s.median, unit);
  return withRange && s.n > 1 ? `${med} (${fmtValue(s.min, unit)}–${fmtValue(s.max, unit)})` : med;
}

/** Plain-text table for stdout. */
export function textTable(rows: Row[], dockerPresent: boolean): string {
  const head = ['figure', 'unit', 'berth median (min–max)', dockerPresent ? 'Docker median (min–max)' : 'Docker', 'berth/Docker', 'target'];
  const body = rows.map((r) => [
    r.metric.label,
    r.metric.unit,
    fmtSummary(r.berth, r.metric.unit, true),
    dockerPresent ? fmtSummary(r.docker, r.metric.unit, true) : 'absent',
    fmtRatio(r.ratio) + (r.ratio !== undefined && r.metric.better === 'higher' ? ' (higher is better)' : ''),
    r.target ? (r.target.met === undefined ? 'n/a ' : r.target.met ? 'OK ' : 'MISS ') + r.target.text.replace(/^(met|missed): /, '') : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let section = '';
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].section !== section) {
      section = rows[i].section;
      out.push(`[${section}]`);
    }
    out.push(line(body[i]));
  }
  return out.join('\n');
}

export interface ReportInput {
  date: Date;
  command: string;
  quick: boolean;
  runs: number;
  heavyRuns: number;
  apiSeconds: number;
  warmup: boolean;
  machine: MachineFacts;
  loadEnd: string;
  versions: Versions;
  dockerPresent: boolean;
  dockerAbsentReason?: string;
  /** how Docker's networking was set up, for the Setup section */
  dockerBridge?: string;
  rows: Row[];
  results: CaseResult[];
  planned: Array<{ c: Case; reason: string }>;
  notes: Record<string, string[]>;
  /** facts about this run's fixtures (not problems) */
  info: string[];
  chartFile?: string;
  seconds: number;
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function markdown(r: ReportInput): string {
  const L: string[] = [];
  L.push('# berth benchmark results', '');
  L.push(
    `Generated by \`${r.command}\` on ${r.date
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}` + ` in ${Math.round(r.seconds)} s${r.quick ? ' (quick mode)' : ''}.`,
  );
  L.push(
    `Samples per engine: ${r.runs} per figure, after ${r.warmup ? 'one discarded warm-up sample' : 'no warm-up'}; ${r.heavyRuns} for the heavy ones (create/rm ×100, memory with 50 containers, logs of 100 MB, pull/push/save/load of 300 MB), without warm-up; load tests ${r.apiSeconds} s per sample.`,
  );
  L.push('Ratios are berth/Docker of the medians: below 1 berth is faster or smaller, except for requests/s where above 1 is better.', '');
  if (!r.dockerPresent) L.push(`**Docker was absent in this run** (${r.dockerAbsentReason ?? 'not requested'}): berth's figures only, no ratios.`, '');

  L.push('## Machine', '');
  L.push('| | |', '|---|---|');
  L.push(`| CPU | ${esc(r.machine.cpu)} |`);
  L.push(`| cores | ${r.machine.cores} |`);
  L.push(`| RAM | ${r.machine.ramGiB.toFixed(1)} GiB |`);
  L.push(`| kernel | ${esc(r.machine.kernel)} |`);
  L.push(`| distribution | ${esc(r.machine.distro)} |`);
  L.push(`| cgroups | ${esc(r.machine.cgroups)} |`);
  L.push(`| process spawn (median of 15): \`/bin/true\` / \`docker --version\` | ${fmtMs(r.machine.spawnTrueMs)} / ${fmtMs(r.machine.spawnDockerVersionMs)} |`);
  L.push(`| load average (1/5/15 min) at start / end | ${r.machine.loadStart} / ${r.loadEnd} |`, '');

  L.push('## Versions', '');
  L.push('| | |', '|---|---|');
  for (const [k, v] of Object.entries(r.versions)) L.push(`| ${esc(k)} | ${esc(v)} |`);
  L.push('');

  L.push('## Setup', '');
  L.push(
    '- The same client drives both engines: the docker CLI listed above with `-H unix://<socket>`, each command timed from spawn to exit with `process.hrtime`; the API figures use node:http over the unix socket.',
  );
  L.push(
    `- berth: \`berthd\` started by the bench on its own data root, exec root, socket and an empty daemon.json (its default bridge is a device of its own, named after the data root). Docker: Debian's \`dockerd\` with its own containerd (private root, state and socket), started by the bench on its own data root, exec root and socket, ${r.dockerBridge ?? 'with `--bridge none --iptables=false`'}.`,
  );
  L.push("- Every CLI figure includes the docker CLI's own start-up, the same for both engines (the `docker --version` row).");
  L.push(
    '- Both engines get the same images: the busybox image of `test/fixtures/make-busybox.ts`, imported with `docker import`, for every container figure; for the image figures, a 6-layer image of random data the bench writes as a docker-archive (`bench/image-fixture.ts`), loaded with `docker load` or pulled from a `docker-registry` the bench starts on 127.0.0.1 (plain HTTP; random port, private storage, removed at the end).',
  );
  L.push("- Containers run with `--network none` on both engines except in the Networking figures, which use each engine's default bridge.");
  L.push(
    '- The engines are measured in the same run, interleaved: each round takes one sample from each engine, and the engine that goes first alternates from round to round.',
  );
  L.push(
    `- The machine is shared (${r.machine.cores} cores, other builds and tests running): absolute numbers are noisy; the ratios are the figures to read.`,
    '',
  );

  L.push('## Results', '');
  L.push('| figure | unit | berth median | berth min–max | Docker median | Docker min–max | berth/Docker | target |');
  L.push('|---|---|--:|--:|--:|--:|--:|---|');
  let section = '';
  for (const row of r.rows) {
    if (row.section !== section) {
      section = row.section;
      L.push(`| **${esc(section)}** | | | | | | | |`);
    }
    const u = row.metric.unit;
    const range = (s?: { min: number; max: number; n: number }) => (s ? `${fmtValue(s.min, u)}–${fmtValue(s.max, u)}` : '–');
    L.push(
      `| ${esc(row.metric.label)} | ${u} | ${row.berth ? fmtValue(row.berth.median, u) : '–'} | ${range(row.berth)} | ${row.docker ? fmtValue(row.docker.median, u) : r.dockerPresent ? '–' : 'absent'} | ${r.dockerPresent ? range(row.docker) : 'absent'} | ${fmtRatio(row.ratio)}${row.ratio !== undefined && row.metric.better === 'higher' ? ' ↑' : ''} | ${row.target ? esc(row.target.text) : ''} |`,
    );
  }
  L.push('');
  if (r.rows.some((x) => x.metric.better === 'higher' && x.ratio !== undefined)) L.push('↑: higher is better for this figure.', '');

  const targets = r.rows.filter((x) => x.target);
  if (targets.length) {
    L.push('## Targets', '');
    for (const t of targets) L.push(`- ${t.target!.met === undefined ? '➖' : t.target!.met ? '✅' : '❌'} ${t.metric.label}: ${t.target!.text}`);
    L.push('', 'Targets are reported, never enforced: the bench does not fail on them.', '');
  }

  if (r.chartFile) {
    L.push('## Chart', '');
    L.push(`![berth/Docker ratio per figure](${r.chartFile})`, '');
    L.push(
      'Bars start at 1.0 (parity) on a log scale; green where berth is ahead, red where it trails, grey within 3% of parity; a blue tick marks the target where there is one.',
      '',
    );
  }

  L.push('## How each figure is measured', '');
  for (const res of r.results) L.push(`- **${res.c.title}** (${res.seconds.toFixed(0)} s): ${res.c.how}.`);
  L.push('');

  if (r.info.length) {
    L.push('## Notes on this run', '');
    for (const i of r.info) L.push(`- ${i}`);
    L.push('');
  }

  if (r.planned.length) {
    L.push('## Not measured yet', '');
    for (const p of r.planned) L.push(`- ${p.c.title}: ${p.c.how}. Waits for ${p.reason.replace(/^not measured yet: /, '')}.`);
    L.push('');
  }

  const problems: string[] = [];
  for (const res of r.results) {
    for (const [eng, errs] of res.errors) for (const e of errs) problems.push(`- ${eng}, ${res.c.id}: ${e}`);
    for (const [eng, why] of res.skipped) if (!why.startsWith('not measured yet')) problems.push(`- ${eng}, ${res.c.id}: skipped: ${why}`);
  }
  for (const [eng, notes] of Object.entries(r.notes)) for (const n of notes) problems.push(`- ${eng}: ${n}`);
  L.push('## Errors and oddities', '');
  L.push(...(problems.length ? problems : ['None seen.']));
  L.push('');
  return L.join('\n');
}

function fmtMs(ms: number | undefined): string {
  return ms === undefined || Number.isNaN(ms) ? 'n/a' : `${ms.toFixed(1)} ms`;
}
