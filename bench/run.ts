// `npm run bench`: berth against a real Docker engine on the same machine.
// Starts both daemons on private directories, imports the same busybox image
// into each, runs every case interleaved, prints a table, writes RESULTS.md and
// a PNG chart, and removes everything it made, also on SIGINT/SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderChart } from './chart';
import { CASES } from './cases';
import { BerthEngine, DockerEngine, type Engine } from './engines';
import { abort, Aborted, BENCH_IMAGE, runCase, type Case, type CaseEnv, type CaseResult } from './framework';
import { loadavg, machineFacts, versions } from './machine';
import { parseOptions, USAGE } from './options';
import { listProcs } from './procs';
import { buildRows, markdown, textTable } from './report';
import { daemonPids, dockerInstalled, ensureDocker } from './setup';
import { makeBusyboxTar } from '../test/fixtures/make-busybox';
import { Shared } from './shared';
import { Cleanup, makeRunDirs, removeRunDirs, staleRunDirs, SystemPathGuard } from './workspace';
import { errorText } from './util';

const REPO = path.resolve(__dirname, '..', '..');
const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    log(errorText(e));
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (opts.list) {
    for (const c of CASES) process.stdout.write(`${c.id.padEnd(16)} ${c.title}${c.metrics.length ? '' : '  (not measured yet)'}\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    log('the bench starts container engines: run it as root');
    return 1;
  }
  const unknown = (opts.only ?? []).filter((id) => !CASES.some((c) => c.id === id));
  if (unknown.length) {
    log(`unknown case(s): ${unknown.join(', ')} (see --list)`);
    return 2;
  }
  const selected = CASES.filter((c) => !opts.only || opts.only.includes(c.id));
  const full = !opts.quick && !opts.only;
  const outDir = path.resolve(opts.out ?? (full ? path.join(REPO, 'bench') : path.join(REPO, 'dist', 'bench-results')));
  const command = ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  const started = Date.now();
  const machine = machineFacts();
  log(
    `bench: process spawn on this machine: /bin/true ${machine.spawnTrueMs.toFixed(1)} ms, docker --version ${machine.spawnDockerVersionMs.toFixed(1)} ms (medians)`,
  );

  const cleanup = new Cleanup(log);
  cleanup.installSignalHandlers();
  const engines: Engine[] = [];
  let dockerAbsentReason: string | undefined;
  const results: CaseResult[] = [];
  const planned: Array<{ c: Case; reason: string }> = [];
  let shared: Shared | undefined;
  try {
    const stale = staleRunDirs();
    if (stale.length)
      log(
        `bench: warning: directories of an earlier bench run that did not finish: ${stale.join(', ')} (this run leaves them alone; another bench may be running)`,
      );
    const d = makeRunDirs();
    cleanup.after = () => verifyClean(d.run, d.data, engines);
    cleanup.add('remove bench directories', () => removeRunDirs(d));
    // registered after the directories: its steps (registries, …) run before they go
    shared = new Shared(d, cleanup);
    log(`bench: run dir ${d.run}, data ${d.data}, daemon logs ${d.logs}`);

    // Docker: installed (or installable) and wanted?
    if (!opts.docker) dockerAbsentReason = 'measured without Docker (--no-docker)';
    else if (!dockerInstalled()) {
      if (opts.install) {
        const r = ensureDocker(log);
        if (!r.ok) dockerAbsentReason = r.message;
      } else dockerAbsentReason = 'docker.io is not installed (and --no-install)';
    }

    const tarball = path.join(d.data, 'busybox.tar');
    await makeBusyboxTar(tarball);

    const berth = new BerthEngine(d);
    cleanup.add('stop berth', () => berth.stop());
    log('bench: starting berthd');
    await berth.start();
    await berth.dockerOk(['import', tarball, BENCH_IMAGE]);
    engines.push(berth);

    if (!dockerAbsentReason) {
      const guard = new SystemPathGuard();
      cleanup.add('remove system paths Docker created', () => {
        const removed = guard.restore(new Set());
        if (removed.length) log(`bench: removed ${removed.join(', ')} (made by dockerd/containerd during the run)`);
      });
      const docker = new DockerEngine(d);
      cleanup.add('stop Docker', () => docker.stop());
      try {
        log('bench: starting containerd + dockerd');
        await docker.start();
        await docker.dockerOk(['import', tarball, BENCH_IMAGE]);
        engines.push(docker);
      } catch (e) {
        dockerAbsentReason = `dockerd failed to start: ${errorText(e)}`;
        await docker.stop();
      }
    }
    if (dockerAbsentReason) log(`bench: Docker absent: ${dockerAbsentReason}; measuring berth alone`);

    const vers = await versions(engines);
    for (const c of selected) {
      if (c.available) {
        const why = await c.available({ engine: berth, image: BENCH_IMAGE, opts, log, shared } as CaseEnv);
        if (why !== true) {
          planned.push({ c, reason: why });
          continue;
        }
      }
      log(`case ${c.id}: ${c.title}`);
      results.push(await runCase(c, engines, opts, log, shared));
    }

    if (abort.requested) throw new Aborted();
    // report
    const rows = buildRows(results);
    const dockerPresent = engines.some((e) => e.name === 'docker');
    process.stdout.write('\n' + textTable(rows, dockerPresent) + '\n\n');
    if (dockerAbsentReason) process.stdout.write(`Docker was absent: ${dockerAbsentReason}\n`);
    process.stdout.write("Containers ran with --network none on both engines, except in the Networking figures (each engine's default bridge).\n");

    fs.mkdirSync(outDir, { recursive: true });
    let chartFile: string | undefined;
    if (dockerPresent && rows.some((r) => r.ratio !== undefined)) {
      chartFile = 'results.png';
      const png = renderChart(rows, 'berth vs Docker', [
        `median ratio per figure, ${new Date().toISOString().slice(0, 10)}, ${machine.cores} cores, ${opts.quick ? 'quick run' : `${opts.runs} samples per figure`}`,
        'containers with --network none on both engines, except for the networking figures',
      ]);
      fs.writeFileSync(path.join(outDir, chartFile), png);
    } else {
      fs.rmSync(path.join(outDir, 'results.png'), { force: true }); // a stale chart would not match this RESULTS.md
    }
    const notes: Record<string, string[]> = {};
    for (const e of engines) if (e.notes.length) notes[e.label] = [...e.notes];
    const md = markdown({
      date: new Date(started),
      command,
      quick: opts.quick,
      runs: opts.runs,
      heavyRuns: opts.heavyRuns,
      apiSeconds: opts.apiSeconds,
      warmup: opts.warmup,
      machine,
      loadEnd: loadavg(),
      versions: vers,
      dockerPresent,
      dockerAbsentReason,
      dockerBridge: dockerBridgeText(engines),
      rows,
      results,
      planned,
      notes,
      info: shared.notes,
      chartFile,
      seconds: (Date.now() - started) / 1000,
    });
    fs.writeFileSync(path.join(outDir, 'RESULTS.md'), md);
    process.stdout.write(
      `Wrote ${path.relative(process.cwd(), path.join(outDir, 'RESULTS.md'))}${chartFile ? ` and ${path.relative(process.cwd(), path.join(outDir, chartFile))}` : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof Aborted) return 130;
    log(`bench failed: ${e instanceof Error ? e.stack : e}`);
    return 1;
  } finally {
    log('bench: cleaning up');
    await cleanup.run();
    log(`bench: done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

function dockerBridgeText(engines: Engine[]): string | undefined {
  const d = engines.find((e): e is DockerEngine => e instanceof DockerEngine);
  if (!d) return undefined;
  if (!d.bridge) return `with \`--bridge none --iptables=false\` (${d.noBridge})`;
  return `with a default bridge of the bench's own: device \`${d.bridge.name}\` with address ${d.bridge.bip}, both set by the bench (\`--bridge ${d.bridge.name}\`), iptables on, \`--ip-forward=false\` (the host's forwarding setting is left alone), the default userland proxy for published ports; its bridge and the iptables rules dockerd leaves behind are removed at the end`;
}

/** After cleanup: nothing of ours may be left (processes, mounts, directories). */
function verifyClean(run: string, data: string, engines: Engine[]): void {
  const left: string[] = [];
  for (const p of listProcs()) {
    const cmd = p.cmdline.join(' ');
    if (cmd.includes(run) || cmd.includes(data)) left.push(`process ${p.pid} ${p.comm}`);
  }
  for (const e of engines) for (const d of e.daemonProcs()) left.push(`${d.name} pid ${d.pid}`);
  for (const e of engines) left.push(...e.netLeftovers().map((x) => `${e.label}: ${x}`));
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && (m.startsWith(run) || m.startsWith(data)));
  left.push(...mounts.map((m) => `mount ${m}`));
  for (const d of [run, data]) if (fs.existsSync(d)) left.push(`directory ${d}`);
  if (left.length) log(`bench: NOT CLEAN after cleanup: ${left.join('; ')}`);
  else log('bench: clean: no daemon, monitor, shim, registry, mount, directory, bridge or iptables rule of this run is left');
  const system = daemonPids();
  if (system.length) log(`bench: note: dockerd/containerd running on this machine, not started by this run (left alone): pids ${system.join(', ')}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    log(String(e));
    process.exit(1);
  },
);
