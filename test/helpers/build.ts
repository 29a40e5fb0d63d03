// Build tests' helpers: contexts written to temp dirs, and one call that runs
// a build with either client (`DOCKER_BUILDKIT=0 docker build` or `berth
// build`) against a TestDaemon.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunResult, TestDaemon } from './daemon';

// the classic builder (POST /build) for every docker CLI call of a build test file
process.env.DOCKER_BUILDKIT = '0';

export type Client = 'docker' | 'berth';
export const CLIENTS: Client[] = ['docker', 'berth'];

export type FileSpec = string | Buffer | { data?: string | Buffer; mode?: number; link?: string; dir?: boolean };

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A context directory with these files (parents created); removed when the process exits. */
export function contextDir(files: Record<string, FileSpec>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctx-'));
  made.push(dir);
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, FileSpec>): void {
  for (const [rel, spec] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      fs.rmSync(p, { force: true });
      fs.writeFileSync(p, spec);
      continue;
    }
    if (spec.dir) {
      fs.mkdirSync(p, { recursive: true });
      if (spec.mode !== undefined) fs.chmodSync(p, spec.mode);
      continue;
    }
    fs.rmSync(p, { force: true });
    if (spec.link !== undefined) fs.symlinkSync(spec.link, p);
    else fs.writeFileSync(p, spec.data ?? '');
    if (spec.mode !== undefined && spec.link === undefined) fs.chmodSync(p, spec.mode);
  }
}

/** Runs a build of `dir` (or '-' with `input`) with the given client. Extra args come before the context. */
export function build(d: TestDaemon, client: Client, dir: string, args: string[] = [], input?: string | Buffer): RunResult {
  const argv = ['build', ...args, dir];
  if (client === 'docker') return d.docker(argv, { input, timeout: 120000 });
  return d.berth(argv, { input, timeout: 120000 });
}

/** A build that must succeed; returns its output. */
export function buildOk(d: TestDaemon, client: Client, dir: string, args: string[] = [], input?: string | Buffer): string {
  const r = build(d, client, dir, args, input);
  assert.equal(r.status, 0, `${client} build failed: ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** The final image ID a classic build printed ("Successfully built <id>"). */
export function builtId(out: string): string {
  const m = /Successfully built ([0-9a-f]{12})/.exec(out);
  assert.ok(m, `no image ID in: ${out}`);
  return m[1];
}

/** The steps of a classic build's output (their first two words, FROM left out) that were cached, and those that ran. */
export function cacheSteps(out: string): { cached: string[]; built: string[] } {
  const cached: string[] = [];
  const built: string[] = [];
  for (const block of out.split(/^Step \d+\/\d+ : /m).slice(1)) {
    const text = block.slice(0, block.indexOf('\n'));
    if (text.startsWith('FROM ')) continue;
    (block.includes(' ---> Using cache\n') ? cached : built).push(text.split(' ').slice(0, 2).join(' '));
  }
  return { cached, built };
}

export function ok(r: RunResult, what = ''): string {
  assert.equal(r.status, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Output of a command run in a new container of the image (removed afterwards). */
export function runIn(d: TestDaemon, image: string, script: string, extra: string[] = []): string {
  return ok(d.docker(['run', '--rm', '--network', 'none', ...extra, image, 'sh', '-c', script]), `run in ${image}`);
}

/** `docker image inspect -f` */
export function inspect(d: TestDaemon, image: string, format: string): string {
  return ok(d.docker(['image', 'inspect', '-f', format, image])).trim();
}

/** IDs of every container of the daemon, stopped or not. */
export function allContainers(d: TestDaemon): string[] {
  return ok(d.docker(['ps', '-aq', '--no-trunc']))
    .split('\n')
    .filter(Boolean);
}
