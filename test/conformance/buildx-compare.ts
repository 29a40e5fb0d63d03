// berth's builder against Docker's BuildKit, image by image: the same
// Dockerfiles (cache mounts, secrets, multi-stage, COPY --chmod/--chown/
// --link/--exclude, heredocs, metadata) built with the real buildx CLI plugin
// (tools/bin/buildx, from scripts/setup-tools.sh) against Debian's dockerd and
// with `berth build` against a private berthd (RUN steps with --network none
// on both: dockerd has no bridge); the resulting images are saved
// and compared (files, modes, owners, content, config). Differences are
// printed per case and written to dist/buildx-compare.md.
//
// Not part of `npm test` (no test may depend on a Docker daemon). dockerd runs
// only for the comparison, through the bench's engine (private data root,
// exec root, socket, containerd), with `--bridge none --iptables=false
// --ip-forward=false --ip-masq=false`, and is stopped by pid at the end; the
// run then checks that no iptables rule or bridge of Docker's is left.
//
// Debian's dockerd (20.10) has BuildKit 0.8 and its built-in Dockerfile
// frontend (1.2): no heredocs, --link or --exclude. When a newer frontend is
// built (`scripts/setup-tools.sh frontend` puts BuildKit's dockerfile-frontend
// in tools/bin), it is pushed as an image to a registry on 127.0.0.1 and the
// reference builds name it with `# syntax=` (berth builds the same Dockerfile
// without that line: berth runs no frontend images).
//
// Usage: node dist/test/conformance/buildx-compare.js [case-substring...]
//   BUILDX=/path/to/buildx (default tools/bin/buildx)
//   FRONTEND=/path/to/dockerfile-frontend (default tools/bin/dockerfile-frontend, optional)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOCKER_CLI } from '../../bench/engines';
import { referenceDockerd } from './reference-dockerd';
import { TestDaemon, busyboxTarball } from '../helpers/daemon';
import { writeFiles, type FileSpec } from '../helpers/build';
import { TestRegistry } from '../helpers/registry';
import { diffImages, readSavedImage } from './imagediff';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUILDX = process.env.BUILDX ?? path.join(REPO, 'tools', 'bin', 'buildx');
const FRONTEND = process.env.FRONTEND ?? path.join(REPO, 'tools', 'bin', 'dockerfile-frontend');

/** Pushes the dockerfile frontend as an image (built by berth) to the registry; answers its reference. */
function pushFrontend(berth: TestDaemon, reg: TestRegistry, base: string, env: NodeJS.ProcessEnv): string {
  const dir = path.join(base, 'frontend');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(FRONTEND, path.join(dir, 'dockerfile-frontend'));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM scratch\nCOPY dockerfile-frontend /bin/dockerfile-frontend\nLABEL moby.buildkit.frontend.network.none="true"\nLABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"\nENTRYPOINT ["/bin/dockerfile-frontend"]\n',
  );
  const ref = `${reg.host}/dockerfile:local`;
  for (const argv of [
    ['build', '-q', '-t', ref, '.'],
    ['push', ref],
  ]) {
    const r = run(process.execPath, [path.join(REPO, 'bin', 'berth'), '-H', berth.host, ...argv], env, dir);
    if (r.status !== 0) throw new Error(`frontend image: berth ${argv[0]}: ${r.err}`);
  }
  return ref;
}

interface CompareCase {
  name: string;
  files: Record<string, FileSpec>;
  /** build flags both builders take (secrets, build args) */
  args?: string[];
  /** what the case needs of the Dockerfile frontend (printed when the reference refuses it) */
  needs?: string;
}

const CASES: CompareCase[] = [
  {
    name: 'metadata',
    files: {
      Dockerfile: `FROM busybox
ENV A=1 B="two words"
ARG V=3
LABEL org.example.v=$V
WORKDIR /srv/app
USER 1000:1000
EXPOSE 8080/tcp 53/udp
VOLUME ["/data"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=2s CMD ["true"]
ENTRYPOINT ["sh", "-c"]
CMD ["echo hi"]
`,
    },
  },
  {
    name: 'cache mount',
    files: {
      Dockerfile: `FROM busybox
RUN --mount=type=cache,target=/root/.cache,id=pkgs sh -c 'mkdir -p /root/.cache/p && i=0; while [ $i -lt 50 ]; do echo $i > /root/.cache/p/$i; i=$((i+1)); done; mkdir -p /opt/deps && cp -r /root/.cache/p /opt/deps/'
RUN --mount=type=cache,target=/var/cache/x,uid=1000,gid=1000,mode=0750 sh -c 'ls -ld /var/cache/x | cut -d" " -f1,3,4 > /cache-perms'
`,
    },
  },
  {
    name: 'secret',
    files: {
      Dockerfile: `FROM busybox
RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /secret-len && test ! -e /secret-copy
RUN --mount=type=secret,id=tok,target=/etc/tok,mode=0400 ls -l /etc/tok | cut -c1-10 > /secret-mode
`,
      'tok.txt': 's3cr3t-value\n',
    },
    args: ['--secret', 'id=tok,src=tok.txt'],
  },
  {
    name: 'bind and tmpfs mounts',
    files: {
      Dockerfile: `FROM busybox AS src
RUN mkdir /out && echo from-stage > /out/f
FROM busybox
RUN --mount=type=bind,from=src,source=/out,target=/in cat /in/f > /bound
RUN --mount=type=bind,source=ctx.txt,target=/c.txt cat /c.txt > /ctx-copy
RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch > /tmpfs-list
`,
      'ctx.txt': 'context file\n',
    },
  },
  {
    name: 'multi-stage',
    files: {
      Dockerfile: `FROM busybox AS base
RUN echo base > /base
FROM base AS a
RUN mkdir -p /out && echo a > /out/a && chmod 0640 /out/a
FROM base AS b
RUN mkdir -p /out && echo b > /out/b && ln -s b /out/link-b
FROM busybox AS unused
RUN exit 1
FROM base
COPY --from=a /out/ /app/
COPY --from=b /out/ /app/
COPY --from=busybox /bin/busybox /opt/busybox-copy
`,
    },
  },
  {
    name: 'COPY --chmod and --chown',
    files: {
      Dockerfile: `FROM busybox
COPY --chmod=0750 run.sh /usr/local/bin/
COPY --chown=1000:1000 --chmod=600 conf/ /etc/app/
COPY --chown=berth dir /home/berth/dir
ADD --chown=1000:50 add.txt /added.txt
`,
      'run.sh': { data: '#!/bin/sh\necho run\n', mode: 0o644 },
      'conf/a.conf': 'a=1\n',
      'conf/sub/b.conf': 'b=2\n',
      'dir/x': 'x\n',
      'add.txt': 'added\n',
    },
  },
  {
    name: 'COPY --chmod symbolic',
    needs: 'dockerfile 1.10 (symbolic --chmod)',
    files: { Dockerfile: 'FROM busybox\nCOPY --chmod=u=rwx,g=rx,o= run.sh /run.sh\n', 'run.sh': 'x\n' },
  },
  {
    name: 'COPY --link',
    needs: 'dockerfile 1.4 (--link)',
    files: {
      Dockerfile: 'FROM busybox\nWORKDIR /w\nCOPY --link a.txt sub/ /w/\nCOPY --link --chmod=0755 a.txt /linked/a\n',
      'a.txt': 'a\n',
      'sub/b.txt': 'b\n',
    },
  },
  {
    name: 'COPY --exclude',
    needs: 'dockerfile 1.7-labs / 1.19 (--exclude)',
    files: {
      Dockerfile: 'FROM busybox\nCOPY --exclude=*.log --exclude=tmp/ . /app/\n',
      'a.txt': 'a\n',
      'b.log': 'log\n',
      'tmp/t': 't\n',
      'src/c.txt': 'c\n',
      'src/d.log': 'd\n',
    },
  },
  {
    name: 'heredocs',
    needs: 'dockerfile 1.4 (heredocs)',
    files: {
      Dockerfile: `FROM busybox
RUN <<EOF
echo one > /h1
echo two >> /h1
EOF
RUN <<EOF sh
set -e
mkdir -p /h2
echo "$HOME" > /h2/home
EOF
COPY <<EOF /etc/hello.conf
greeting=hello
EOF
COPY <<-A <<-B /multi/
	first
	A
	second
	B
`,
    },
  },
];

const log = (s: string) => process.stdout.write(s + '\n');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): { status: number; out: string; err: string; stdout: Buffer } {
  const r = spawnSync(cmd, args, { env, cwd, maxBuffer: 1 << 30, timeout: 600_000 });
  return { status: r.status ?? -1, out: r.stdout?.toString() ?? '', err: r.stderr?.toString() ?? '', stdout: r.stdout ?? Buffer.alloc(0) };
}

async function main(): Promise<void> {
  if (!fs.existsSync(BUILDX)) throw new Error(`no buildx at ${BUILDX}: run scripts/setup-tools.sh`);
  const only = process.argv.slice(2);
  const cases = only.length ? CASES.filter((c) => only.some((o) => c.name.includes(o))) : CASES;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-buildx-compare-'));
  // the docker CLI with the buildx plugin, its own config dir
  const cfg = path.join(base, 'docker-config');
  fs.mkdirSync(path.join(cfg, 'cli-plugins'), { recursive: true });
  fs.symlinkSync(BUILDX, path.join(cfg, 'cli-plugins', 'docker-buildx'));
  const ref = referenceDockerd();
  const docker = ref.docker;
  const berth = new TestDaemon('bxcmp');
  const report: string[] = [`# berth build vs buildx (Docker's BuildKit)`, '', `${new Date().toISOString()}`, ''];
  let failed = 0;
  let reg: TestRegistry | undefined;
  try {
    await Promise.all([docker.start(), berth.start()]);
    const denv: NodeJS.ProcessEnv = {
      ...process.env,
      DOCKER_HOST: docker.host,
      DOCKER_CONFIG: cfg,
      DOCKER_CLI_HINTS: 'false',
      BUILDX_NO_DEFAULT_ATTESTATIONS: '1',
    };
    delete denv.DOCKER_BUILDKIT;
    const bb = await busyboxTarball();
    const imp = run(DOCKER_CLI, ['import', bb, 'busybox:latest'], denv);
    if (imp.status !== 0) throw new Error(`docker import: ${imp.err}`);
    await berth.importBusybox();
    const dv = run(DOCKER_CLI, ['version', '--format', '{{.Server.Version}}'], denv).out.trim();
    const bv = run(DOCKER_CLI, ['buildx', 'version'], denv).out.trim();
    log(`reference: dockerd ${dv}, ${bv}`);
    report.push(`Reference: dockerd ${dv} (Debian), its built-in BuildKit, driven by ${bv} (docker driver).`, '');
    let syntax = '';
    if (fs.existsSync(FRONTEND)) {
      reg = await TestRegistry.start();
      syntax = `# syntax=${pushFrontend(berth, reg, base, { ...process.env, DOCKER_CONFIG: cfg })}\n`;
      log(`reference frontend for the cases that need one: ${syntax.trim()}`);
      report.push(
        `Cases marked (frontend) give the reference BuildKit's dockerfile frontend built from its Go module (${FRONTEND}) with \`${syntax.trim()}\`; berth builds them without that line.`,
        '',
      );
    }
    for (const [i, c] of cases.entries()) {
      const dir = path.join(base, `ctx${i}`);
      writeFiles(dir, c.files);
      const tag = `cmp/case${i}:latest`;
      const withFrontend = !!(c.needs && syntax);
      log(`== ${c.name}${withFrontend ? ' (frontend)' : ''}`);
      report.push(`## ${c.name}${withFrontend ? ' (frontend)' : ''}`, '');
      // outside the context, so a COPY . sees the same files on both sides
      const refDockerfile = path.join(base, `ctx${i}.Dockerfile`);
      if (withFrontend) fs.writeFileSync(refDockerfile, syntax + String(c.files.Dockerfile));
      const ref = run(
        DOCKER_CLI,
        [
          'buildx',
          'build',
          '--progress',
          'plain',
          '--provenance=false',
          '--network',
          'none',
          '-t',
          tag,
          ...(withFrontend ? ['-f', refDockerfile] : []),
          ...(c.args ?? []),
          '.',
        ],
        denv,
        dir,
      );
      const mine = run(
        process.execPath,
        [path.join(REPO, 'bin', 'berth'), '-H', berth.host, 'build', '-q', '--network', 'none', '-t', tag, ...(c.args ?? []), '.'],
        { ...process.env, DOCKER_CONFIG: cfg },
        dir,
      );
      if (ref.status !== 0 || mine.status !== 0) {
        const why = (r: typeof ref) =>
          r.err
            .trim()
            .split('\n')
            .filter((l) => /error|ERROR|failed/i.test(l))
            .slice(-2)
            .join(' / ') || r.err.trim().split('\n').slice(-2).join(' / ');
        const line = `build: buildx ${ref.status === 0 ? 'ok' : `failed (${why(ref)})`}; berth ${mine.status === 0 ? 'ok' : `failed (${why(mine)})`}${c.needs && ref.status !== 0 ? ` — needs ${c.needs}` : ''}`;
        log(`  ${line}`);
        report.push(`- ${line}`, '');
        if (mine.status !== 0) failed++;
        continue;
      }
      const a = await readSavedImage(run(DOCKER_CLI, ['save', tag], denv).stdout);
      const b = await readSavedImage(run(DOCKER_CLI, ['-H', berth.host, 'save', tag], { ...process.env, DOCKER_CONFIG: cfg }).stdout);
      const diffs = diffImages(a, b);
      if (!diffs.length) {
        log(`  identical: ${a.files.size} paths, config`);
        report.push(`- identical (${a.files.size} paths; config; layers: buildx ${a.layers}, berth ${b.layers})`, '');
      } else {
        failed++;
        for (const d of diffs) log(`  ${d}`);
        report.push(...diffs.map((d) => `- ${d}`), '');
      }
    }
  } finally {
    await reg?.stop();
    await berth.stop().catch((e) => log(`stopping berthd: ${(e as Error).message}`));
    const hostCheck = await ref.stop(log);
    fs.rmSync(base, { recursive: true, force: true });
    report.push(hostCheck);
    const outFile = path.join(REPO, 'dist', 'buildx-compare.md');
    fs.writeFileSync(outFile, report.join('\n') + '\n');
    log(`report: ${outFile}`);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(2);
});
