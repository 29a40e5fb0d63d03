// The big image of the image figures, made reproducibly on disk: N layers of
// F files each, filled with pseudo-random bytes from AES-128-CTR keyed by the
// layer and file number (incompressible, so gzip flatters no one; the same
// bytes on every run). Written as a docker-archive in Docker 20.10's legacy
// layout (<diff-id>/layer.tar, <config>.json, manifest.json), streamed to
// disk, never held in memory.
import { createCipheriv, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { tap } from '../src/util/tap';

export interface ImageSpec {
  layers: number;
  filesPerLayer: number;
  fileBytes: number;
}

export interface ImageFixture {
  spec: ImageSpec;
  /** docker-archive of the image, tagged `tag` */
  archive: string;
  archiveBytes: number;
  tag: string;
  diffIds: string[];
  /** sum of the uncompressed layer tars: the size every throughput figure divides by */
  contentBytes: number;
}

type EntryHeader = Parameters<tar.Pack['entry']>[0];

const MTIME = new Date(1_700_000_000_000);

/** `n` deterministic pseudo-random bytes as a stream (AES-128-CTR over zeros). */
function noiseStream(n: number, seed: string): Readable {
  const key = createHash('sha256').update(`berth-bench:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  let left = n;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const k = Math.min(left, zeros.length);
      left -= k;
      this.push(cipher.update(k === zeros.length ? zeros : zeros.subarray(0, k)));
    },
  });
}

/** Writes one layer tar to `file`; returns its sha256 (the diff ID) and size. */
async function writeLayer(file: string, layer: number, spec: ImageSpec): Promise<{ diffId: string; size: number }> {
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  const counter = tap((chunk) => {
    hash.update(chunk);
    size += chunk.length;
  });
  const done = pipeline(pack, counter, fs.createWriteStream(file));
  const entry = (h: EntryHeader, body?: Readable) =>
    new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (body) body.pipe(pack.entry(h, cb));
      else pack.entry(h, Buffer.alloc(0), cb);
    });
  await entry({ name: `data${layer}/`, type: 'directory', mode: 0o755, mtime: MTIME });
  for (let f = 0; f < spec.filesPerLayer; f++) {
    await entry({ name: `data${layer}/f${f}.bin`, size: spec.fileBytes, mode: 0o644, mtime: MTIME }, noiseStream(spec.fileBytes, `${layer}/${f}`));
  }
  pack.finalize();
  await done;
  return { diffId: 'sha256:' + hash.digest('hex'), size };
}

export async function makeImageFixture(dir: string, spec: ImageSpec, tag: string): Promise<ImageFixture> {
  fs.mkdirSync(dir, { recursive: true });
  const layerFiles: string[] = [];
  const diffIds: string[] = [];
  let contentBytes = 0;
  for (let l = 0; l < spec.layers; l++) {
    const file = path.join(dir, `layer${l}.tar`);
    const r = await writeLayer(file, l, spec);
    layerFiles.push(file);
    diffIds.push(r.diffId);
    contentBytes += r.size;
  }
  const created = '2024-01-01T00:00:00Z';
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created,
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'], Labels: { 'org.berth.bench': 'image-figures' } },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created, created_by: `bench layer ${i}` })),
    }),
  );
  const configName = createHash('sha256').update(config).digest('hex') + '.json';
  const archive = path.join(dir, 'image.tar');
  const pack = tar.pack();
  const done = pipeline(pack, fs.createWriteStream(archive));
  const add = (h: EntryHeader, body?: Buffer | Readable) =>
    new Promise<void>((resolve, reject) => {
      if (body instanceof Readable) body.pipe(pack.entry(h, (e) => (e ? reject(e) : resolve())));
      else pack.entry(h, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve()));
    });
  const layerPaths: string[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const id = diffIds[l].slice(7);
    layerPaths.push(`${id}/layer.tar`);
    await add({ name: `${id}/`, type: 'directory', mode: 0o755, mtime: MTIME });
    await add({ name: `${id}/VERSION`, mode: 0o644, mtime: MTIME }, Buffer.from('1.0'));
    await add({ name: `${id}/json`, mode: 0o644, mtime: MTIME }, Buffer.from(JSON.stringify({ id })));
    await add({ name: `${id}/layer.tar`, size: fs.statSync(layerFiles[l]).size, mode: 0o644, mtime: MTIME }, fs.createReadStream(layerFiles[l]));
  }
  await add({ name: configName, mode: 0o644, mtime: MTIME }, config);
  await add({ name: 'manifest.json', mode: 0o644, mtime: MTIME }, Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerPaths }])));
  pack.finalize();
  await done;
  for (const f of layerFiles) fs.rmSync(f, { force: true });
  return { spec, archive, archiveBytes: fs.statSync(archive).size, tag, diffIds, contentBytes };
}
