// Measures the build-context path of a classic build on a ~20 MB context:
// taking the context in (indexed in memory vs unpacked on disk), hashing all
// of it (COPY . /app), and planning + resolving a 12-step Dockerfile.
// Run: npx tsc -p . && node dist/bench/build-context.js
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createPack } from '../src/archive/tarfmt';
import { DiskFS, StageState, checksumSources, extractContext, indexContext, planDockerfile, resolveSources } from '../src/builder';

const DOCKERFILE = `FROM busybox
ARG VERSION=1
ENV APP=/app PORT=8080
WORKDIR /app
COPY package.json ./
RUN echo install
COPY . .
RUN echo build $VERSION
LABEL org.example.version=$VERSION
EXPOSE $PORT
USER 1000
CMD ["sh", "-c", "echo run"]
`;

async function contextTar(): Promise<{ tar: Buffer; files: number; bytes: number }> {
  const p = createPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res) => p.on('end', () => res()));
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const add = (h: Parameters<typeof p.entry>[0], body?: Buffer) =>
    new Promise<void>((res, rej) => p.entry(h, body ?? Buffer.alloc(0), (e) => (e ? rej(e) : res())));
  let files = 0;
  let bytes = 0;
  await add({ name: 'Dockerfile', mode: 0o644 }, Buffer.from(DOCKERFILE));
  await add({ name: 'package.json', mode: 0o644 }, Buffer.from('{"name":"x"}\n'));
  for (let d = 0; d < 60; d++) {
    await add({ name: `src/m${d}/`, type: 'directory', mode: 0o755 });
    for (let f = 0; f < 25; f++) {
      const body = randomBytes(2048 + ((d * 25 + f) % 8) * 1024);
      await add({ name: `src/m${d}/f${f}.js`, mode: 0o644 }, body);
      files++;
      bytes += body.length;
    }
  }
  for (let i = 0; i < 11; i++) {
    const body = randomBytes(1 << 20);
    await add({ name: `assets/blob${i}.bin`, mode: 0o644 }, body);
    files++;
    bytes += body.length;
  }
  p.finalize();
  await done;
  return { tar: Buffer.concat(chunks), files, bytes };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const { tar, files, bytes } = await contextTar();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  console.log(`context: ${files} files, ${(bytes / 1e6).toFixed(1)} MB data, tar ${(tar.length / 1e6).toFixed(1)} MB`);
  const runs: Record<string, number[]> = {
    'index (in memory)': [],
    'checksum (indexed)': [],
    'unpack (disk)': [],
    'checksum (unpacked)': [],
    'checksum (unpacked, warm)': [],
    'plan + resolve 12 steps': [],
  };
  const copyAll = { cmd: 'COPY' as const, context: true, destIsDir: true };
  for (let i = 0; i < 5; i++) {
    let t = process.hrtime.bigint();
    const idx = await indexContext(Readable.from([tar]), { spoolDir: tmp });
    runs['index (in memory)'].push(ms(t));
    t = process.hrtime.bigint();
    await checksumSources(resolveSources(idx, ['.'], copyAll));
    runs['checksum (indexed)'].push(ms(t));
    idx.close();

    t = process.hrtime.bigint();
    const ctx = await extractContext(Readable.from([tar]), tmp);
    runs['unpack (disk)'].push(ms(t));
    const disk = new DiskFS(ctx.dir);
    t = process.hrtime.bigint();
    await checksumSources(resolveSources(disk, ['.'], copyAll));
    runs['checksum (unpacked)'].push(ms(t));
    t = process.hrtime.bigint();
    await checksumSources(resolveSources(disk, ['.'], copyAll));
    runs['checksum (unpacked, warm)'].push(ms(t));
    ctx.cleanup();

    t = process.hrtime.bigint();
    const plan = planDockerfile(DOCKERFILE);
    const st = new StageState(plan, plan.target);
    st.begin({ config: { Env: ['PATH=/bin'], Cmd: ['sh'] } });
    for (const c of plan.target.commands) {
      const s = st.resolve(c);
      if (s.kind === 'copy') s.history('file:0');
    }
    runs['plan + resolve 12 steps'].push(ms(t));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [k, v] of Object.entries(runs)) {
    const sorted = [...v].sort((a, b) => a - b);
    console.log(`${k.padEnd(28)} median ${sorted[2].toFixed(1)} ms  (min ${sorted[0].toFixed(1)}, max ${sorted[4].toFixed(1)})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
