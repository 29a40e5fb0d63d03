// The classic builder, side by side: `DOCKER_BUILDKIT=0 docker build` of a
// 13-step Dockerfile (4 RUN, 2 COPY — one of the whole ~20 MB context —,
// WORKDIR and metadata steps) on the same context and base image, cold
// (--no-cache: every step executed) then fully cached (every step reused),
// each one docker CLI command timed from spawn to exit (context upload
// included). RUN steps use --network none on both engines.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DOCKER_CLI, type Engine } from '../engines';
import type { Case } from '../framework';
import { excerpt, runCommand } from '../util';

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

interface State {
  /** Holds ctx/ (the context) and cfg/ (the CLI's config dir). */
  base: string;
  dir: string;
  env: NodeJS.ProcessEnv;
}

/** The docker CLI with the legacy builder forced (whatever plugins the machine has). */
async function build(e: Engine, s: State, extra: string[]): Promise<number> {
  const r = await runCommand(DOCKER_CLI, ['-H', e.host, 'build', '-q', '--network', 'none', '-t', TAG, ...extra, s.dir], { env: s.env, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`docker build ${extra.join(' ')} exited ${r.code ?? r.signal}: ${excerpt(r.stderr || r.stdout)}`);
  return r.ms;
}

export const buildCase: Case<State> = {
  id: 'build',
  title: 'build, cold and cached',
  section: 'Build',
  how: '`DOCKER_BUILDKIT=0 docker build -q --network none` of a 13-step Dockerfile (4 RUN, 2 COPY, WORKDIR, 6 metadata) with a ~20 MB context (1513 files): with `--no-cache` (cold), then again with every step cached',
  metrics: [
    { id: 'cold', label: 'build, cold (--no-cache, 13 steps, 20 MB context)', unit: 'ms', better: 'lower', target: { ratioMax: 1, text: 'no slower than Docker' } },
    { id: 'cached', label: 'build, fully cached rebuild', unit: 'ms', better: 'lower', target: { ratioMax: 0.5, text: '≤ 0.5× Docker' } },
  ],
  async setup({ engine, image, log }) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bench-build-${engine.name}-`));
    const dir = path.join(base, 'ctx');
    const { files, bytes } = writeContext(dir, image);
    log(`    ${engine.label}: build context of ${files} files, ${(bytes / 1e6).toFixed(1)} MB`);
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(base, 'cfg'), DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
    for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_API_VERSION', 'BERTH_HOST']) delete env[k];
    return { base, dir, env };
  },
  async sample({ engine }, s) {
    const cold = await build(engine, s, ['--no-cache']);
    const cached = await build(engine, s, []);
    return { cold, cached };
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
