// Image figures on a ~300 MB, 6-layer image of incompressible data (see
// image-fixture.ts), through registries the bench starts on 127.0.0.1:
//  - pull: from a source registry seeded once per run (the first engine loads
//    the fixture and pushes it there, then forgets it); every sample starts
//    from an image-less engine (rmi + prune, and a check that the engine's
//    image files are back to where they were).
//  - push: the fixture loaded fresh (untimed) and pushed to a registry started
//    for that sample alone: no layer exists there and no cross-repository
//    mount is possible, so each push compresses and uploads every layer, as a
//    first push of a freshly built image does.
//  - push of a pulled image: to a registry started for that sample, from
//    blobs the engine kept at pull time (no compression on the way out).
//  - save / load: `docker load -i` of the fixture archive and `docker save -o`
//    of the loaded image, to and from files in the bench's data dir.
// Throughput is MB (10^6 bytes) per second: of the image content (the sum of
// its uncompressed layer tars) for pull and push, of the archive for save/load.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../engines';
import type { Case, CaseEnv } from '../framework';
import { makeImageFixture, type ImageFixture, type ImageSpec } from '../image-fixture';
import { BenchRegistry, registryInstalled } from '../registry';

const FULL: ImageSpec = { layers: 6, filesPerLayer: 10, fileBytes: 5_000_000 };
const QUICK: ImageSpec = { layers: 6, filesPerLayer: 2, fileBytes: 2_500_000 };
const TAG = 'berth-bench/big:latest';
const LONG = 900_000; // ms: a slow push of 300 MB on a busy machine still finishes

const MB = 1e6;

function describe(f: ImageFixture): string {
  return `${f.spec.layers} layers × ${f.spec.filesPerLayer} files × ${f.spec.fileBytes / MB} MB of random data, ${(f.contentBytes / MB).toFixed(0)} MB of layer tars`;
}

/** The image fixture of this run (quick mode: a tenth of the size, said in the report). */
export function imageFixture({ shared, opts }: CaseEnv): Promise<ImageFixture> {
  return shared.once('image-fixture', async () => {
    const f = await makeImageFixture(shared.dir('image-fixture'), opts.quick ? QUICK : FULL, TAG);
    shared.note(`image figures: the image is ${describe(f)}${opts.quick ? ' (shrunk for --quick; a full run uses ~300 MB)' : ''}`);
    return f;
  });
}

/** Removes refs (absent ones are fine) and dangling images. */
async function forget(engine: Engine, refs: string[]): Promise<void> {
  await engine.docker(['rmi', '-f', ...refs], LONG);
  await engine.dockerOk(['image', 'prune', '-f'], LONG);
}

async function registry(env: CaseEnv, name: string): Promise<BenchRegistry> {
  const r = new BenchRegistry(path.join(env.shared.dirs.data, 'registries', name));
  env.shared.defer(`stop registry ${name}`, () => r.stop());
  await r.start();
  return r;
}

interface Source {
  ref: string;
  seededBy: string;
}

/** The pull source: a registry holding the fixture, pushed once by the first engine that asks. */
function source(env: CaseEnv): Promise<Source> {
  return env.shared.once('source-registry', async () => {
    const f = await imageFixture(env);
    const r = await registry(env, 'source');
    const ref = `${r.host}/bench/big:1`;
    const e = env.engine;
    env.log(`    seeding the source registry ${r.host} from ${e.label} (untimed)`);
    await e.dockerOk(['load', '-i', f.archive], LONG);
    await e.dockerOk(['tag', f.tag, ref]);
    await e.dockerOk(['push', ref], LONG);
    await forget(e, [ref, f.tag]);
    env.shared.note(`pull: the source registry was seeded by ${e.label}'s push (its gzip layers are what both engines pull)`);
    return { ref, seededBy: e.label };
  });
}

function available(): true | string {
  return registryInstalled() ? true : 'docker-registry is not installed (Debian package docker-registry)';
}

/** Warns when an engine still holds image files after rmi + prune (a pull that could skip work). */
function checkEmpty(engine: Engine, baseline: number, when: string): void {
  const n = engine.imageFileCount();
  if (n > baseline) engine.note(`${when}: ${n - baseline} image file(s) more in the data root than before the image existed, after rmi + image prune`);
}

interface PullState {
  src: Source;
  f: ImageFixture;
  baseline: number;
}

export const pull: Case<PullState> = {
  id: 'pull',
  title: 'pull of a 6-layer ~300 MB image',
  section: 'Images (6 layers, ~300 MB)',
  how: 'MB/s of `docker pull 127.0.0.1:PORT/bench/big:1` from a local docker-registry (image content: 6 layers of random data, ~300 MB; --quick: ~30 MB), each sample from an image-less engine (`rmi` + `image prune` between samples, untimed)',
  heavy: true,
  metrics: [
    { id: 'pull', label: 'pull (MB/s of image content)', unit: 'MB/s', better: 'higher', target: { ratioMin: 1.5, text: "≥ 1.5× Docker's throughput" } },
  ],
  available,
  async setup(env) {
    const f = await imageFixture(env);
    const src = await source(env);
    await forget(env.engine, [src.ref, f.tag]);
    return { src, f, baseline: env.engine.imageFileCount() };
  },
  async sample({ engine }, s) {
    checkEmpty(engine, s.baseline, 'before a pull');
    const r = await engine.dockerOk(['pull', s.src.ref], LONG);
    const layers = (await engine.dockerOk(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', s.src.ref])).stdout.trim();
    if (layers !== String(s.f.spec.layers)) engine.note(`pull: the pulled image has ${layers} layers, expected ${s.f.spec.layers}`);
    await forget(engine, [s.src.ref]);
    return { pull: s.f.contentBytes / MB / (r.ms / 1000) };
  },
  async teardown({ engine }, s) {
    await forget(engine, [s.src.ref]);
  },
};

interface LocalState {
  f: ImageFixture;
  baseline: number;
}

async function localSetup(env: CaseEnv): Promise<LocalState> {
  const f = await imageFixture(env);
  await forget(env.engine, [f.tag]);
  return { f, baseline: env.engine.imageFileCount() };
}

export const push: Case<LocalState> = {
  id: 'push',
  title: 'push of a 6-layer ~300 MB image',
  section: 'Images (6 layers, ~300 MB)',
  how: 'MB/s of `docker push` of the image freshly loaded from its archive (untimed; layers made here, so the push compresses them) to a docker-registry started for that sample alone (no layer there, no cross-repository mount); the image is removed after each sample',
  heavy: true,
  metrics: [{ id: 'push', label: 'push (MB/s of image content)', unit: 'MB/s', better: 'higher', target: { ratioMin: 2, text: "≥ 2× Docker's throughput" } }],
  available,
  setup: localSetup,
  async sample(env, s) {
    const { engine } = env;
    checkEmpty(engine, s.baseline, 'before a push sample');
    const r = await registry(env, `push-${engine.name}-${Date.now()}`);
    const ref = `${r.host}/bench/pushed:1`;
    try {
      await engine.dockerOk(['load', '-i', s.f.archive], LONG);
      await engine.dockerOk(['tag', s.f.tag, ref]);
      const p = await engine.dockerOk(['push', ref], LONG);
      if (/already exists|Mounted from/.test(p.stdout))
        engine.note(
          `push: the registry reported layers as already there: ${p.stdout
            .split('\n')
            .filter((l) => /already exists|Mounted/.test(l))
            .slice(0, 2)
            .join('; ')}`,
        );
      return { push: s.f.contentBytes / MB / (p.ms / 1000) };
    } finally {
      await forget(engine, [ref, s.f.tag]);
      await r.stop();
    }
  },
};

interface PushPulledState {
  src: Source;
  f: ImageFixture;
}

export const pushPulled: Case<PushPulledState> = {
  id: 'push-pulled',
  title: 'push of a pulled 6-layer ~300 MB image',
  section: 'Images (6 layers, ~300 MB)',
  how: 'MB/s of `docker push` of the image pulled (untimed) from the source registry, to a docker-registry started for that sample alone: the engine sends the compressed blobs it stored at pull time instead of compressing again; the image is removed after each sample',
  heavy: true,
  metrics: [{ id: 'push-pulled', label: 'push of a pulled image (MB/s of image content)', unit: 'MB/s', better: 'higher' }],
  available,
  async setup(env) {
    const f = await imageFixture(env);
    const src = await source(env);
    await forget(env.engine, [src.ref, f.tag]);
    return { src, f };
  },
  async sample(env, s) {
    const { engine } = env;
    const r = await registry(env, `push-pulled-${engine.name}-${Date.now()}`);
    const ref = `${r.host}/bench/repushed:1`;
    try {
      await engine.dockerOk(['pull', s.src.ref], LONG);
      await engine.dockerOk(['tag', s.src.ref, ref]);
      const p = await engine.dockerOk(['push', ref], LONG);
      return { 'push-pulled': s.f.contentBytes / MB / (p.ms / 1000) };
    } finally {
      await forget(engine, [ref, s.src.ref]);
      await r.stop();
    }
  },
  async teardown({ engine }, s) {
    await forget(engine, [s.src.ref]);
  },
};

export const saveLoad: Case<LocalState> = {
  id: 'save-load',
  title: 'save / load of a 6-layer ~300 MB image',
  section: 'Images (6 layers, ~300 MB)',
  how: "MB/s of the archive: `docker load -i FILE` of the image's docker-archive (into an image-less engine), then `docker save -o FILE IMG` of it; the saved file is deleted and the image removed after each sample (untimed)",
  heavy: true,
  metrics: [
    { id: 'load', label: 'load -i (MB/s of archive)', unit: 'MB/s', better: 'higher' },
    { id: 'save', label: 'save -o (MB/s of archive)', unit: 'MB/s', better: 'higher' },
  ],
  available,
  setup: localSetup,
  async sample(env, s) {
    const { engine } = env;
    checkEmpty(engine, s.baseline, 'before a load sample');
    const out = path.join(env.shared.dir('saved'), `${engine.name}.tar`);
    try {
      const l = await engine.dockerOk(['load', '-i', s.f.archive], LONG);
      const sv = await engine.dockerOk(['save', '-o', out, s.f.tag], LONG);
      const size = fs.statSync(out).size;
      if (size < s.f.contentBytes) engine.note(`save: the archive (${size} bytes) is smaller than the image's layers (${s.f.contentBytes} bytes)`);
      return { load: s.f.archiveBytes / MB / (l.ms / 1000), save: size / MB / (sv.ms / 1000) };
    } finally {
      fs.rmSync(out, { force: true });
      await forget(engine, [s.f.tag]);
    }
  },
};
