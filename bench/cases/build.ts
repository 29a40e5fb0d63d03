// The classic builder, side by side: `DOCKER_BUILDKIT=0 docker build` of a
// 13-step Dockerfile (4 RUN, 2 COPY — one of the whole ~20 MB context —,
// WORKDIR and metadata steps) on the same context and base image, cold
// (--no-cache: every step executed) then fully cached (every step reused),
// each one docker CLI command timed from spawn to exit (context upload
// included). RUN steps use --network none on both engines.
//
// Then Dockerfile 1.x builds against Docker's BuildKit (the real buildx
// plugin, tools/bin/buildx, driving dockerd's built-in BuildKit; berth through
// the docker CLI's classic /build, which berth extends with RUN --mount): a
// RUN that installs 3000 small files into a cache mount and copies them into
// the image, first with an empty cache, then after a source change (the RUN
// runs again over the warm cache mount); and a two-stage build whose stages
// do not depend on each other (each sleeps 1 s and writes 500 files).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DOCKER_CLI, type Engine } from '../engines';
import type { Case } from '../framework';
import { excerpt, runCommand } from '../util';
import { writeFiles } from '../../test/helpers/build';

const TAG = 'berth-bench/build:latest';

const dockerfile = (base: string) => `FROM ${base}
ARG VERSION=1
ENV APP=/app PORT=8080
WORKDIR /app
COPY package.json ./
RUN echo install > /installed
COPY . .
RUN echo build $VERSION > /built
RUN test -f /app/assets/blob0.bin
LABEL org.example.version=$VERSION
EXPOSE $PORT
USER 1000
CMD ["sh", "-c", "echo run"]
`;

/** ~20 MB: 1500 small source files (2–9 KiB) and 11 one-MiB blobs, random (incompressible) data. */
function writeContext(dir: string, base: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const put = (rel: string, data: Buffer | string) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
    files++;
    bytes += data.length;
  };
  put('Dockerfile', dockerfile(base));
  put('package.json', '{"name":"bench"}\n');
  for (let d = 0; d < 60; d++) for (let f = 0; f < 25; f++) put(`src/m${d}/f${f}.js`, randomBytes(2048 + ((d * 25 + f) % 8) * 1024));
  for (let i = 0; i < 11; i++) put(`assets/blob${i}.bin`, randomBytes(1 << 20));
  return { files, bytes };
}

// the source is copied before the install, so a source change runs the install again (over a warm cache)
const mountsDockerfile = (base: string) => `FROM ${base}
WORKDIR /app
COPY package.json ./
COPY src/ ./src/
RUN --mount=type=cache,target=/cache,id=bench-deps sh -c 'if [ ! -f /cache/.done ]; then i=0; while [ $i -lt 3000 ]; do d=/cache/pkgs/p$((i/100)); [ -d $d ] || mkdir -p $d; echo "module.exports = $i" > $d/m$i.js; i=$((i+1)); done; touch /cache/.done; fi; mkdir -p node_modules && cp -r /cache/pkgs node_modules/ && cat src/*.js > bundle.js'
CMD ["cat", "/app/bundle.js"]
`;

const parallelDockerfile = (base: string) => `FROM ${base} AS a
RUN sleep 1 && mkdir /out && i=0; while [ $i -lt 500 ]; do echo a$i > /out/a$i; i=$((i+1)); done
FROM ${base} AS b
RUN sleep 1 && mkdir /out && i=0; while [ $i -lt 500 ]; do echo b$i > /out/b$i; i=$((i+1)); done
FROM ${base}
COPY --from=a /out /a
COPY --from=b /out /b
`;

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUILDX = process.env.BUILDX ?? path.join(REPO, 'tools', 'bin', 'buildx');

interface State {
  /** Holds ctx/ (the context) and cfg/ (the CLI's config dir). */
  base: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** the cache-mount and parallel-stage contexts */
  mounts: string;
  parallel: string;
  /** how this engine runs a Dockerfile 1.x build; undefined: it cannot here (why in `modernSkip`) */
  modern?: (dir: string, extra: string[]) => Promise<number>;
  modernSkip?: string;
}

/** The docker CLI with the legacy builder forced (whatever plugins the machine has). */
async function build(e: Engine, s: State, extra: string[], dir = s.dir): Promise<number> {
  const r = await runCommand(DOCKER_CLI, ['-H', e.host, 'build', '-q', '--network', 'none', '-t', TAG, ...extra, dir], { env: s.env, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`docker build ${extra.join(' ')} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
  return r.ms;
}

export const buildCase: Case<State> = {
  id: 'build',
  title: 'build, cold and cached',
  section: 'Build',
  how: "`DOCKER_BUILDKIT=0 docker build -q --network none` of a 13-step Dockerfile (4 RUN, 2 COPY, WORKDIR, 6 metadata) with a ~20 MB context (1513 files): with `--no-cache` (cold), then again with every step cached; then, against Docker's BuildKit through the real buildx plugin (berth: the same docker CLI's classic /build), a RUN --mount=type=cache installing 3000 files (empty cache, then after a source change) and a two-stage build with independent stages (--no-cache)",
  metrics: [
    {
      id: 'cold',
      label: 'build, cold (--no-cache, 13 steps, 20 MB context)',
      unit: 'ms',
      better: 'lower',
      target: { ratioMax: 1, text: 'no slower than Docker' },
    },
    { id: 'cached', label: 'build, fully cached rebuild', unit: 'ms', better: 'lower', target: { ratioMax: 0.5, text: '≤ 0.5× Docker' } },
    {
      id: 'mounts-cold',
      label: 'RUN --mount=type=cache, 3000 files, empty cache (vs BuildKit)',
      unit: 'ms',
      better: 'lower',
      target: { ratioMax: 1, text: 'no slower than BuildKit' },
    },
    {
      id: 'mounts-rebuild',
      label: 'RUN --mount=type=cache, rebuild after a source change (vs BuildKit)',
      unit: 'ms',
      better: 'lower',
      target: { ratioMax: 1, text: 'no slower than BuildKit' },
    },
    {
      id: 'parallel',
      label: 'two independent stages, --no-cache (vs BuildKit)',
      unit: 'ms',
      better: 'lower',
      target: { ratioMax: 1, text: 'no slower than BuildKit' },
    },
  ],
  async setup({ engine, image, log }): Promise<State> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bench-build-${engine.name}-`));
    const dir = path.join(base, 'ctx');
    const { files, bytes } = writeContext(dir, image);
    log(`    ${engine.label}: build context of ${files} files, ${(bytes / 1e6).toFixed(1)} MB`);
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(base, 'cfg'), DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
    for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_API_VERSION', 'BERTH_HOST']) delete env[k];
    const mounts = path.join(base, 'mounts');
    const parallel = path.join(base, 'parallel');
    writeFiles(mounts, { Dockerfile: mountsDockerfile(image), 'package.json': '{"name":"bench"}\n', 'src/index.js': 'console.log(1)\n' });
    writeFiles(parallel, { Dockerfile: parallelDockerfile(image) });
    const s: State = { base, dir, env, mounts, parallel };
    if (engine.name === 'berth') s.modern = (d, extra) => build(engine, s, extra, d);
    else if (!fs.existsSync(BUILDX)) s.modernSkip = `no buildx at ${BUILDX} (scripts/setup-tools.sh builds it)`;
    else {
      // the real buildx as a docker CLI plugin, in this case's own config dir, against the bench's dockerd
      fs.mkdirSync(path.join(base, 'cfg', 'cli-plugins'), { recursive: true });
      fs.symlinkSync(BUILDX, path.join(base, 'cfg', 'cli-plugins', 'docker-buildx'));
      const benv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: engine.host, BUILDX_NO_DEFAULT_ATTESTATIONS: '1' };
      delete benv.DOCKER_BUILDKIT;
      s.modern = async (d, extra) => {
        const r = await runCommand(DOCKER_CLI, ['buildx', 'build', '-q', '--provenance=false', '--network', 'none', '-t', TAG, ...extra, d], {
          env: benv,
          timeoutMs: 300_000,
        });
        if (r.code !== 0) throw new Error(`docker buildx build ${extra.join(' ')} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
        return r.ms;
      };
    }
    if (s.modernSkip) log(`    ${engine.label}: the BuildKit figures are not taken: ${s.modernSkip}`);
    return s;
  },
  async sample({ engine }, s): Promise<Record<string, number>> {
    const cold = await build(engine, s, ['--no-cache']);
    const cached = await build(engine, s, []);
    if (!s.modern) return { cold, cached };
    // an empty build cache (cache mounts included) before the first build with the mount
    await engine.docker(['builder', 'prune', '-a', '-f']);
    writeFiles(s.mounts, { 'src/index.js': 'console.log(1)\n' });
    const mountsCold = await s.modern(s.mounts, []);
    writeFiles(s.mounts, { 'src/index.js': `console.log(${Date.now()})\n` });
    const mountsRebuild = await s.modern(s.mounts, []);
    const parallel = await s.modern(s.parallel, ['--no-cache']);
    return { cold, cached, 'mounts-cold': mountsCold, 'mounts-rebuild': mountsRebuild, parallel };
  },
  async teardown({ engine }, s) {
    try {
      await engine.docker(['rmi', TAG]);
      // the chains the --no-cache builds left behind (untagged leaves and their parents)
      await engine.docker(['image', 'prune', '-f']);
      await engine.docker(['builder', 'prune', '-a', '-f']);
    } finally {
      fs.rmSync(s.base, { recursive: true, force: true });
    }
  },
};
