// Runs the CRI validation suite (critest, sigs.k8s.io/cri-tools) area by area
// against a private berthd and, as the reference, Debian's containerd (its
// built-in CRI plugin) on a private root, and prints passed/failed/skipped per
// area side by side. Not part of `npm test`: it takes minutes and judges berth
// against Kubernetes' expectations, some of which berth does not meet yet.
//
// Every image critest pulls is rewritten by --registry-prefix to a registry on
// 127.0.0.1 this script fills with stand-ins built FROM busybox
// (critest-images.ts). Nothing leaves the host.
//
// Usage: node dist/test/conformance/critest.js [--engine berth|containerd|both] [area-regexp...]
//   CRITEST=/path/to/critest (default tools/bin/critest: `scripts/setup-tools.sh critest` builds it)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Containerd, cniChains, containerdAvailable, removeCniChainsSince } from '../helpers/containerd';
import { TestDaemon } from '../helpers/daemon';
import { unmountAllUnder } from '../../src/storage/rwlayer';
import { bridgeConflist, CNI_PLUGINS } from '../helpers/cni';
import { TestRegistry } from '../helpers/registry';
import { dockerfiles, prepareContext, repoPath, standIns } from './critest-images';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CRITEST = process.env.CRITEST ?? path.join(REPO, 'tools', 'bin', 'critest');
const CRICTL = path.join(REPO, 'tools', 'bin', 'crictl');
const PLUGINS = CNI_PLUGINS;
const AREAS = ['Runtime info', 'PodSandbox', 'Container', 'Streaming', 'Networking', 'Image Manager', 'Security Context', 'Idempotence'];
// ('Container' also matches Container OOM/Mount*/Multiple Containers: ginkgo focus is a regexp)
const CATATONIT = '/usr/bin/catatonit';

type Engine = 'berth' | 'containerd';
interface AreaResult {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  /** specs the suite skipped itself (a feature the runtime or host lacks), with its reason */
  skips: string[];
  note?: string;
}

function runArea(engine: Engine, endpoint: string, registry: string, area: string, base: string): AreaResult {
  const report = path.join(base, 'report.json');
  fs.rmSync(report, { force: true });
  const r = spawnSync(
    CRITEST,
    [
      '--runtime-endpoint',
      endpoint,
      '--image-endpoint',
      endpoint,
      '--registry-prefix',
      registry,
      `--ginkgo.focus=${area}`,
      '--ginkgo.no-color',
      `--ginkgo.json-report=${report}`,
      '--ginkgo.timeout=20m',
    ],
    // TMPDIR: the suite's own scratch dirs (the mount-propagation specs leave a bind mount in theirs) stay under base
    { encoding: 'utf8', timeout: 25 * 60000, cwd: base, env: { ...process.env, HOME: base, TMPDIR: scratch(base) } },
  );
  fs.writeFileSync(path.join(os.tmpdir(), `berth-critest-${engine}-${area.replace(/\W+/g, '-')}.log`), `${r.stdout}\n${r.stderr}`);
  if (!fs.existsSync(report)) return { passed: 0, failed: 0, skipped: 0, failures: [], skips: [], note: `no report (exit ${r.status})` };
  const specs = (
    JSON.parse(fs.readFileSync(report, 'utf8')) as Array<{
      SpecReports?: Array<{ State: string; LeafNodeType: string; LeafNodeText: string; ContainerHierarchyTexts?: string[]; Failure?: { Message?: string } }>;
    }>
  )
    .flatMap((s) => s.SpecReports ?? [])
    .filter((s) => s.LeafNodeType === 'It');
  const run = specs.filter((s) => s.State !== 'skipped');
  const passed = run.filter((s) => s.State === 'passed').length;
  return {
    passed,
    failed: run.length - passed,
    skipped: specs.length - run.length,
    failures: run
      .filter((s) => s.State !== 'passed')
      .map(
        (f) =>
          `${f.State.toUpperCase()} ${[...(f.ContainerHierarchyTexts ?? []), f.LeafNodeText].join(' ')}: ${(f.Failure?.Message ?? '').split('\n')[0].slice(0, 200)}`,
      ),
    // (a spec left out by the focus has no message)
    skips: specs
      .filter((s) => s.State === 'skipped' && s.Failure?.Message)
      .map((f) => `${[...(f.ContainerHierarchyTexts ?? []), f.LeafNodeText].join(' ')}: ${(f.Failure?.Message ?? '').split('\n')[0].slice(0, 160)}`),
  };
}

function table(areas: string[], results: Partial<Record<Engine, Record<string, AreaResult>>>): string {
  const engines = (Object.keys(results) as Engine[]).filter((e) => results[e]);
  const cell = (r?: AreaResult) => (r ? (r.note ?? `${r.passed} / ${r.failed} / ${r.skipped}`) : '-');
  const lines = [`| area | ${engines.map((e) => `${e} (passed / failed / skipped)`).join(' | ')} |`, `|---|${engines.map(() => '--:').join('|')}|`];
  for (const a of areas) lines.push(`| ${a} | ${engines.map((e) => cell(results[e]?.[a])).join(' | ')} |`);
  const out = [lines.join('\n')];
  for (const e of engines) {
    const f = areas.flatMap((a) => results[e]?.[a]?.failures ?? []);
    if (f.length) out.push(`\n${e} failures:\n${[...new Set(f)].map((l) => `  ${l}`).join('\n')}`);
    const k = areas.flatMap((a) => results[e]?.[a]?.skips ?? []);
    if (k.length) out.push(`\n${e}: skipped by the suite itself:\n${[...new Set(k)].map((l) => `  ${l}`).join('\n')}`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let engines: Engine[] = ['berth'];
  const i = args.indexOf('--engine');
  if (i >= 0) {
    const v = args.splice(i, 2)[1];
    if (v === 'both') engines = ['berth', 'containerd'];
    else if (v === 'berth' || v === 'containerd') engines = [v];
    else throw new Error(`--engine berth|containerd|both, not ${v}`);
  }
  const areas = args.length ? args : AREAS;
  if (!fs.existsSync(CRITEST)) throw new Error(`no critest at ${CRITEST}: run scripts/setup-tools.sh critest`);
  if (!fs.existsSync(CRICTL)) throw new Error(`no crictl at ${CRICTL}: run scripts/setup-tools.sh`);
  if (!PLUGINS) throw new Error('CNI plugins are not installed');
  if (engines.includes('containerd')) {
    const why = containerdAvailable();
    if (why) throw new Error(why);
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-critest-'));
  const chainsBefore = cniChains();
  const berthNet = bridgeConflist(path.join(base, 'net.d'), 'berth-critest');
  const sock = path.join(base, 'cri.sock');
  const reg = await TestRegistry.start();
  // berthd builds the stand-ins (and is the engine under test when asked)
  const d = new TestDaemon('critest');
  let ctrd: Containerd | undefined;
  const results: Partial<Record<Engine, Record<string, AreaResult>>> = {};
  try {
    await d.start(['--cri-socket', `unix://${sock}`, '--cni-conf-dir', berthNet.dir, '--cni-bin-dir', PLUGINS]);
    await d.importBusybox();
    const ctx = path.join(base, 'ctx');
    prepareContext(ctx);
    const build = (dockerfile: string, tags: string[]) => {
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
      const b = d.docker(['build', '-q', ...tags.flatMap((t) => ['-t', t]), ctx], { timeout: 120000 });
      if (b.status !== 0) throw new Error(`build ${tags[0]}: ${b.stderr}`);
    };
    const push = (tag: string) => {
      const p = d.docker(['push', tag], { timeout: 120000 });
      if (p.status !== 0) throw new Error(`push ${tag}: ${p.stderr}`);
    };
    const images = standIns();
    for (const { ref, dockerfile } of dockerfiles()) {
      if (!(ref in images)) {
        build(dockerfile, [ref]);
        continue;
      }
      const tag = `${reg.host}/${repoPath(ref)}:latest`;
      build(dockerfile, [tag, ref]);
      push(tag);
      d.docker(['rmi', tag]);
    }
    if (engines.includes('berth')) {
      results.berth = {};
      for (const area of areas) {
        results.berth[area] = runArea('berth', `unix://${sock}`, reg.host, area, base);
        console.error(`critest: berth: ${area} done`);
      }
    }
    if (engines.includes('containerd')) {
      // containerd's pod infra image: catatonit, as berth's own
      fs.copyFileSync(CATATONIT, path.join(ctx, 'catatonit'));
      const pause = `${reg.host}/pause:catatonit`;
      build('FROM scratch\nCOPY catatonit /catatonit\nENTRYPOINT ["/catatonit", "-P"]\n', [pause]);
      push(pause);
      const net = bridgeConflist(path.join(base, 'containerd-net.d'), 'containerd-critest');
      ctrd = new Containerd({ cniConfDir: net.dir, cniBinDir: PLUGINS, sandboxImage: pause, httpRegistries: [reg.host], bridge: net.bridge, crictl: CRICTL });
      await ctrd.start();
      for (const ref of Object.keys(images)) ctrd.importImage(CRICTL, `${reg.host}/${repoPath(ref)}:latest`, ref.includes(':') ? ref : `${ref}:latest`);
      results.containerd = {};
      for (const area of areas) {
        results.containerd[area] = runArea('containerd', ctrd.endpoint, reg.host, area, base);
        console.error(`critest: containerd: ${area} done`);
      }
    }
    console.log(`\n${table(areas, results)}`);
  } finally {
    if (ctrd) {
      const left = await ctrd.stop(CRICTL);
      if (left.length) console.error(`containerd left behind (removed): ${left.join(', ')}`);
    }
    // pods first, through the CRI: their CNI addresses and port rules go with them
    const ep = ['--runtime-endpoint', `unix://${sock}`];
    for (const id of spawnSync(CRICTL, [...ep, 'pods', '-q'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean))
      spawnSync(CRICTL, [...ep, 'rmp', '-f', id]);
    await d.stop();
    await reg.stop();
    spawnSync('ip', ['link', 'del', berthNet.bridge]);
    const kept = removeCniChainsSince(chainsBefore);
    if (kept.length) console.error(kept.join('\n'));
    unmountAllUnder(base);
    fs.rmSync(base, { recursive: true, force: true });
  }
}

function scratch(base: string): string {
  const d = path.join(base, 'tmp');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
