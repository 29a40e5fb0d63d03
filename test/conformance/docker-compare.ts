// berth against Debian's dockerd, command by command, through the real docker
// CLI: each scenario (scenarios.ts) is a sequence of docker commands run on
// both engines; per command the exit code, stdout and stderr are compared
// after normalizing what legitimately differs (IDs and short IDs mapped to
// placeholders in order of appearance, digests, timestamps and "x ago", sizes,
// version strings, the data roots and the run's work directories). Per
// scenario the events it caused (type, action, actor attributes) and the
// flattened `inspect` JSON of the objects it made (every key; the values that
// are not IDs, times or paths) are compared too. The output is a unified diff
// per scenario and summary counts, also written to dist/docker-compare.md;
// differences matching the KNOWN list (known.ts: deliberate, with the reason)
// are counted apart.
//
// Not part of `npm test` (no test may depend on a Docker daemon). dockerd runs
// only for the comparison, through the bench's engine (private data root,
// exec root, socket, containerd), with `--bridge none --iptables=false
// --ip-forward=false --ip-masq=false`, and is stopped by pid at the end; the
// run then checks that no iptables rule, docker0 or network bridge of Docker's
// is left. Containers run with `--network none` on both (dockerd has no
// default bridge), unless a scenario names a network.
//
// Usage: npm run compare:docker [scenario-substring...]
//   (node dist/test/conformance/docker-compare.js [scenario-substring...])
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCKER_CLI } from '../../bench/engines';
import { referenceDockerd } from './reference-dockerd';
import { TestDaemon, busyboxTarball } from '../helpers/daemon';
import { KNOWN, type Known } from './docker-compare/known';
import { flattenInspect, Normalizer } from './docker-compare/normalize';
import { SCENARIOS, type Scenario, type Step } from './docker-compare/scenarios';

const REPO = path.resolve(__dirname, '..', '..', '..');
const log = (s: string) => process.stdout.write(s + '\n');

interface Side {
  name: 'docker' | 'berth';
  host: string;
  /** directory of the run's files for this engine (cp, export, import): $W in the steps */
  work: string;
  /** strings to replace by placeholders before comparing (data roots, sockets) */
  roots: Array<[string, string]>;
  env: NodeJS.ProcessEnv;
  versions: string[];
  /** the first three octets of the subnet this engine's networks get (<NET> in the steps) */
  net: string;
}

interface Result {
  code: number;
  out: string;
  err: string;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: env.W && fs.existsSync(env.W) ? env.W : undefined });
    p.on('error', (e) => resolve({ code: -3, out: '', err: `${e.message}\n` }));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code, sig) => {
      clearTimeout(t);
      resolve({ code: code ?? (sig ? -1 : -2), out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() + (sig ? `[killed by ${sig}]\n` : '') });
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}

/** One step on one engine: docker argv (with $W expanded) or a bash line with $D = docker -H. */
async function runStep(side: Side, step: Step): Promise<Result> {
  const expand = (s: string) => s.replaceAll('$W', side.work).replaceAll('<SUBNET>', `${side.net}.0/24`).replaceAll('<NET>', side.net);
  const once = () =>
    step.sh !== undefined
      ? exec('bash', ['-c', step.sh], { ...side.env, D: `${DOCKER_CLI} -H ${side.host}` }, step.input, step.timeoutMs)
      : exec(DOCKER_CLI, ['-H', side.host, ...step.argv.map(expand)], side.env, step.input, step.timeoutMs);
  if (!step.until) return once();
  // polled: the transcript shows the first answer that matches (or the last one at the deadline)
  const deadline = Date.now() + (step.untilMs ?? 30_000);
  for (;;) {
    const r = await once();
    if (step.until.test(r.out) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

function stepLabel(step: Step): string {
  return step.sh !== undefined
    ? `sh: ${step.sh.replaceAll('$D', 'docker')}`
    : `docker ${step.argv.map((a) => (/[\s'"{}|]/.test(a) || a === '' ? `'${a}'` : a)).join(' ')}`;
}

/** Runs a scenario on one engine; answers its normalized transcript. */
async function transcript(side: Side, sc: Scenario): Promise<string> {
  const norm = new Normalizer(side.roots, side.versions);
  const lines: string[] = [];
  // the work dir is fresh for every scenario
  fs.rmSync(side.work, { recursive: true, force: true });
  fs.mkdirSync(side.work, { recursive: true });
  fs.writeFileSync(path.join(side.work, 'in.txt'), 'host file\n');
  fs.mkdirSync(path.join(side.work, 'dir', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(side.work, 'dir', 'sub', 'f'), 'f\n');
  // the image every scenario starts from (a scenario that removed it must not make the next one pull)
  if ((await exec(DOCKER_CLI, ['-H', side.host, 'image', 'inspect', 'busybox'], side.env)).code !== 0) {
    await exec(DOCKER_CLI, ['-H', side.host, 'import', await busyboxTarball(), 'busybox:latest'], side.env);
  }
  const since = (Date.now() / 1000).toFixed(3);
  for (const step of sc.steps) {
    const r = await runStep(side, step);
    lines.push(`$ ${stepLabel(step)}`, `[exit ${r.code}]`);
    const out = norm.text(step.sortOut ? sortLines(r.out) : r.out);
    const err = norm.text(r.err);
    if (out.trim())
      lines.push(
        ...out
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `  ${l}`),
      );
    if (err.trim())
      lines.push(
        ...err
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `! ${l}`),
      );
  }
  // events of the scenario (before its cleanup)
  if (!sc.noEvents) {
    const until = (Date.now() / 1000 + 1).toFixed(3);
    const ev = await exec(
      DOCKER_CLI,
      ['-H', side.host, 'events', '--since', since, '--until', until, '--format', '{{.Type}} {{.Action}} {{json .Actor.Attributes}}'],
      side.env,
    );
    lines.push('## events');
    for (const l of ev.out.split('\n').filter(Boolean)) {
      if (sc.eventFilter && !sc.eventFilter.test(l)) continue;
      lines.push(`  ${norm.generatedNames(norm.text(l))}`);
    }
    if (ev.code !== 0) lines.push(`! events exited ${ev.code}: ${norm.text(ev.err)}`);
  }
  for (const obj of sc.inspect ?? []) {
    const [kind, name] = obj.split(' ');
    const r = await exec(DOCKER_CLI, ['-H', side.host, kind, 'inspect', name], side.env);
    lines.push(`## inspect ${obj}`);
    if (r.code !== 0) {
      lines.push(`! ${norm.text(r.err).trim()}`);
      continue;
    }
    const json = JSON.parse(r.out)[0];
    lines.push(...flattenInspect(json, norm).map((l) => `  ${l}`));
  }
  if (side.name === 'docker') {
    const nets = await exec(DOCKER_CLI, ['-H', side.host, 'network', 'ls', '-q', '--no-trunc'], side.env);
    for (const id of nets.out.split('\n').filter(Boolean)) dockerNets.add(id);
  }
  for (const step of sc.cleanup ?? []) await runStep(side, step);
  return lines.join('\n') + '\n';
}

/** dockerd's networks seen during the run (their bridges must be gone at the end). */
const dockerNets = new Set<string>();

function sortLines(s: string): string {
  return (
    s
      .split('\n')
      .filter((l) => l !== '')
      .sort()
      .join('\n') + (s.endsWith('\n') ? '\n' : '')
  );
}

/** Transcripts are kept in dist/docker-compare/ (NAME.docker, NAME.berth) for reading whole. */
function unifiedDiff(a: string, b: string, dir: string, name: string): string {
  const fa = path.join(dir, `${name}.docker`);
  const fb = path.join(dir, `${name}.berth`);
  fs.writeFileSync(fa, a);
  fs.writeFileSync(fb, b);
  const r = spawnSync('diff', ['-u', '--label', 'dockerd', '--label', 'berth', fa, fb], { encoding: 'utf8' });
  return r.stdout;
}

/** The +/- lines of a diff, each either matched by a KNOWN entry or not. */
function classify(sc: Scenario, diff: string): { known: Array<[string, Known]>; unknown: string[] } {
  const known: Array<[string, Known]> = [];
  const unknown: string[] = [];
  for (const l of diff.split('\n')) {
    if (!/^[+-]/.test(l) || /^(\+\+\+|---) /.test(l)) continue;
    const k = KNOWN.find((k) => (!k.scenario || sc.name.includes(k.scenario)) && k.line.test(l));
    if (k) known.push([l, k]);
    else unknown.push(l);
  }
  return { known, unknown };
}

/** dockerd's user-defined bridge networks are br-<first 12 of the id>: any left after the run? */
function dockerBridgesLeft(ids: Set<string>): string[] {
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  return [...ids].filter((id) => links.includes(`br-${id.slice(0, 12)}`)).map((id) => `bridge br-${id.slice(0, 12)}`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const scenarios = only.length ? SCENARIOS.filter((s) => only.some((o) => s.name.includes(o))) : SCENARIOS;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-docker-compare-'));
  const diffDir = path.join(REPO, 'dist', 'docker-compare');
  fs.rmSync(diffDir, { recursive: true, force: true });
  fs.mkdirSync(diffDir, { recursive: true });
  const ref = referenceDockerd();
  const docker = ref.docker;
  const berth = new TestDaemon('dcmp');
  const report: string[] = ['# docker CLI against dockerd and berthd, side by side', '', new Date().toISOString(), ''];
  let unknownTotal = 0;
  let knownTotal = 0;
  const summary: string[] = [];
  try {
    await Promise.all([docker.start(), berth.start()]);
    const cliEnv = (cfg: string): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: cfg, DOCKER_CLI_HINTS: 'false', TZ: 'UTC' };
      for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION', 'BERTH_HOST', 'DOCKER_BUILDKIT'])
        delete env[k];
      return env;
    };
    // explicit subnets, one per engine: both run at once and must not pick the same one
    const mkSide = (name: 'docker' | 'berth', host: string, net: string, roots: Array<[string, string]>): Side => {
      const work = path.join(base, `work-${name}`);
      const cfg = path.join(base, `cfg-${name}`);
      fs.mkdirSync(cfg, { recursive: true });
      return { name, host, work, net, roots: [[work, '<W>'], [`${net}.`, '<NET>.'], ...roots], env: { ...cliEnv(cfg), W: work }, versions: [] };
    };
    const dside = mkSide('docker', docker.host, '10.213.7', [
      [docker.host, '<HOST>'],
      [docker.dataRoot, '<ROOT>'],
      [docker.execRoot, '<EXECROOT>'],
    ]);
    const bside = mkSide('berth', berth.host, '10.213.8', [
      [berth.host, '<HOST>'],
      [berth.dataRoot, '<ROOT>'],
      [berth.execRoot, '<EXECROOT>'],
    ]);
    const bb = await busyboxTarball();
    for (const s of [dside, bside]) {
      // the same rootfs tarball imported on both (an image made by neither engine's builder)
      const imp = await exec(DOCKER_CLI, ['-H', s.host, 'import', bb, 'busybox:latest'], s.env);
      if (imp.code !== 0) throw new Error(`${s.name}: docker import: ${imp.err}`);
      const v = await exec(DOCKER_CLI, ['-H', s.host, 'version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}'], s.env);
      s.versions.push(v.out.split(' ')[0]);
      log(`${s.name}: ${v.out.trim()}`);
      report.push(`- ${s.name}: server ${v.out.trim()}`);
    }
    const cv = await exec(DOCKER_CLI, ['version', '--format', '{{.Client.Version}}'], dside.env);
    report.push(`- client: docker CLI ${cv.out.trim()} (${DOCKER_CLI})`, '');
    const details: string[] = [];
    for (const sc of scenarios) {
      const [a, b] = await Promise.all([transcript(dside, sc), transcript(bside, sc)]);
      // both engines must be clean between scenarios: a leftover changes the next one's ps/ls output
      for (const s of [dside, bside]) {
        const ids = (await exec(DOCKER_CLI, ['-H', s.host, 'ps', '-aq'], s.env)).out.split('\n').filter(Boolean);
        if (ids.length) await exec(DOCKER_CLI, ['-H', s.host, 'rm', '-f', ...ids], s.env);
      }
      const name = sc.name.replace(/[^a-z0-9]+/gi, '-');
      const diff = unifiedDiff(a, b, diffDir, name);
      const { known, unknown } = classify(sc, diff);
      unknownTotal += unknown.length;
      knownTotal += known.length;
      const status = !diff
        ? 'same'
        : unknown.length
          ? `${unknown.length} differing line(s)${known.length ? `, ${known.length} known` : ''}`
          : `known differences only (${known.length})`;
      log(`== ${sc.name}: ${status}`);
      summary.push(`| ${sc.name} | ${status} |`);
      if (unknown.length) log(diff.replace(/\n$/, ''));
      if (diff) {
        details.push(`## ${sc.name}`, '', '```diff', diff.replace(/\n$/, ''), '```', '');
        if (known.length) {
          const reasons = [...new Set(known.map(([, k]) => k.reason))];
          details.push('Known (deliberate):', ...reasons.map((r) => `- ${r}`), '');
        }
      }
    }
    const same = summary.filter((l) => l.endsWith('| same |')).length;
    const counts = `${scenarios.length} scenarios: ${same} the same, ${summary.filter((l) => l.includes('known differences only')).length} with known differences only, ${summary.filter((l) => l.includes('differing')).length} with differences; ${unknownTotal} differing line(s), ${knownTotal} known`;
    log(counts);
    report.push(counts, '', '| scenario | result |', '|---|---|', ...summary, '', ...details);
  } finally {
    await berth.stop().catch((e) => log(`stopping berthd: ${(e as Error).message}`));
    const hostCheck = await ref.stop(log, () => dockerBridgesLeft(dockerNets));
    fs.rmSync(base, { recursive: true, force: true });
    report.push(hostCheck);
    const outFile = path.join(REPO, 'dist', 'docker-compare.md');
    fs.writeFileSync(outFile, report.join('\n') + '\n');
    log(`report: ${outFile}`);
  }
  process.exitCode = unknownTotal ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(2);
});
