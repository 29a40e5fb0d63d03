// Image throughput with the real docker CLI against berthd and a local
// registry: push (a locally made image: compression included), pull, push of
// the pulled image to a fresh registry (stored blobs, no recompression), save
// and load. The image is made reproducibly: 6 layers of ~50 MB each, files of
// pseudo-random (incompressible) data, or with --text base64 text that
// compresses to ~75%. Not a test: run `node dist/test/perf/images-bench.js [--text]`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { TestRegistry } from '../helpers/registry';
import { buildImage, dockerArchive, noise, type Entry } from '../fixtures/images';

const LAYERS = 6;
const FILES = 10;
const FILE_SIZE = 5 * 1000 * 1000;

function content(seed: number, text: boolean): Buffer {
  if (!text) return noise(FILE_SIZE, seed);
  return Buffer.from(noise((FILE_SIZE * 3) / 4, seed).toString('base64')).subarray(0, FILE_SIZE);
}

function time<T>(what: string, fn: () => T): { ms: number; value: T } {
  const t = process.hrtime.bigint();
  const value = fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  process.stderr.write(`${what}: ${(ms / 1000).toFixed(2)} s\n`);
  return { ms, value };
}

function must(r: { status: number; stdout: string; stderr: string }, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const text = process.argv.includes('--text');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  const d = new TestDaemon('bench');
  try {
    await d.start();
    const layers: Entry[][] = [];
    for (let l = 0; l < LAYERS; l++) {
      const files: Entry[] = [{ name: `layer${l}/`, type: 'directory' }];
      for (let f = 0; f < FILES; f++) files.push({ name: `layer${l}/f${f}.bin`, content: content(l * 100 + f, text) });
      layers.push(files);
    }
    const img = await buildImage(layers);
    const total = img.layers.reduce((s, l) => s + l.length, 0);
    const archive = path.join(tmp, 'made.tar');
    fs.writeFileSync(archive, await dockerArchive([{ img, tags: ['bench:made'] }]));
    img.layers.length = 0;
    const mb = total / 1e6;
    const ROUNDS = Number(process.env.ROUNDS ?? 3);
    const times: Record<string, number[]> = {};
    const record = (name: string, ms: number) => (times[name] ??= []).push(ms);
    for (let round = 0; round < ROUNDS; round++) {
      // fresh registries each round: nothing to skip or mount, compression not cached
      const r1 = await TestRegistry.start();
      const r2 = await TestRegistry.start();
      try {
        const ref = `${r1.host}/bench/big:1`;
        const ref2 = `${r2.host}/bench/big:1`;
        const saved = path.join(tmp, 'saved.tar');
        record('load (docker load -i, docker-archive)', time('load', () => must(d.docker(['load', '-i', archive], { timeout: 600000 }), 'load')).ms);
        must(d.docker(['tag', 'bench:made', ref]), 'tag');
        record('push, image made here (compresses)', time('push', () => must(d.docker(['push', ref], { timeout: 600000 }), 'push')).ms);
        must(d.docker(['rmi', ref, 'bench:made']), 'rmi');
        record('pull (6 layers, 3 concurrent)', time('pull', () => must(d.docker(['pull', ref], { timeout: 600000 }), 'pull')).ms);
        must(d.docker(['tag', ref, ref2]), 'tag');
        record('push of the pulled image (stored blobs)', time('push pulled', () => must(d.docker(['push', ref2], { timeout: 600000 }), 'push 2')).ms);
        record('save (docker save -o)', time('save', () => must(d.docker(['save', '-o', saved, ref], { timeout: 600000 }), 'save')).ms);
        must(d.docker(['rmi', ref, ref2]), 'rmi');
        record('load of the saved archive', time('load saved', () => must(d.docker(['load', '-i', saved], { timeout: 600000 }), 'load saved')).ms);
        must(d.docker(['rmi', ref]), 'rmi');
        fs.rmSync(saved, { force: true });
      } finally {
        await r1.stop();
        await r2.stop();
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rows = Object.entries(times).map(([name, xs]) => {
      const m = median(xs);
      return [name, `${(m / 1000).toFixed(2)} s`, `${(mb / (m / 1000)).toFixed(0)} MB/s`, xs.map((x) => (x / 1000).toFixed(2)).join(' / ')];
    });
    process.stdout.write(`\nimage: ${LAYERS} layers, ${mb.toFixed(0)} MB of layer tars, ${text ? 'base64 text (compressible)' : 'random data (incompressible)'}\n`);
    process.stdout.write(`| operation | median | throughput | runs (s) |\n|---|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
  } finally {
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
