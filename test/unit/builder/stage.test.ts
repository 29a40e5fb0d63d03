// Step resolution: the image config each instruction produces, the history
// text Docker's classic builder records, what RUN/COPY/WORKDIR steps ask of
// the executor, ONBUILD triggers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageRunConfig } from '../../../src/image/types';
import { CopyStep, DockerfileError, ResolvedStep, RunStep, StageState, WorkdirStep, planDockerfile } from '../../../src/builder';

const AMD64 = { os: 'linux', architecture: 'amd64' };

/** Resolves the commands of the last stage on a base with `base` config. */
function steps(body: string, base?: ImageRunConfig | null, buildArgs: Record<string, string> = {}): { steps: ResolvedStep[]; st: StageState } {
  const p = planDockerfile(`FROM base\n${body}`, { buildPlatform: AMD64, buildArgs });
  const st = new StageState(p, p.target);
  const triggers = st.begin({ config: base });
  const out = [...triggers, ...p.target.commands].map((c) => st.resolve(c));
  return { steps: out, st };
}
const one = (line: string, base?: ImageRunConfig | null) => steps(line + '\n', base).steps[0];
const createdBy = (s: ResolvedStep) => (s.kind === 'copy' ? s.history('file:x').createdBy : s.createdBy);

function failsAt(body: string, line: number, msg: string | RegExp, base?: ImageRunConfig): void {
  assert.throws(
    () => steps(body, base),
    (e: unknown) => {
      assert.ok(e instanceof DockerfileError, String(e));
      assert.equal(e.line, line, e.message);
      if (typeof msg === 'string') assert.equal(e.detail, msg);
      else assert.match(e.detail, msg);
      return true;
    },
  );
}

describe('stage: starting on a base', () => {
  it('keeps the base config and adds the default PATH when missing', () => {
    const { st } = steps('', { Env: ['A=1'], Cmd: ['sh'], WorkingDir: '/w' });
    assert.deepEqual(st.runConfig, { Env: ['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], WorkingDir: '/w' });
    assert.deepEqual(steps('', { Env: ['PATH=/x'] }).st.runConfig.Env, ['PATH=/x']);
    assert.deepEqual(steps('', null).st.runConfig, { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
  });
});

describe('stage: metadata instructions', () => {
  const base = { Env: ['PATH=/bin', 'HOME=/root'] };
  it('history text matches the classic builder', () => {
    const cases: Array<[string, string]> = [
      ['ENV A=1 B="x y"', '/bin/sh -c #(nop)  ENV A=1 B=x y'],
      ['ENV LEGACY some value', '/bin/sh -c #(nop)  ENV LEGACY=some value'],
      ['LABEL "com.x.y"="a b" v=$HOME', '/bin/sh -c #(nop)  LABEL com.x.y=a b v=/root'],
      ['MAINTAINER Jane', '/bin/sh -c #(nop)  MAINTAINER Jane'],
      ['EXPOSE 80 53/udp', '/bin/sh -c #(nop)  EXPOSE 53/udp 80'],
      ['VOLUME /data ["/x"]', '/bin/sh -c #(nop)  VOLUME [/data [/x]]'], // shell form: quotes removed by expansion
      ['VOLUME ["/a", "/b"]', '/bin/sh -c #(nop)  VOLUME [/a /b]'],
      ['USER ${HOME}:1', '/bin/sh -c #(nop)  USER /root:1'],
      ['STOPSIGNAL SIGQUIT', '/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT'],
      ['CMD ["sh", "-c", "echo \\"hi\\""]', '/bin/sh -c #(nop)  CMD ["sh" "-c" "echo \\"hi\\""]'],
      ['CMD echo $HOME', '/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "echo $HOME"]'],
      ['ENTRYPOINT ["/init"]', '/bin/sh -c #(nop)  ENTRYPOINT ["/init"]'],
      ['SHELL ["/bin/bash", "-c"]', '/bin/bash -c #(nop)  SHELL [/bin/bash -c]'],
      ['ONBUILD RUN echo $HOME', '/bin/sh -c #(nop)  ONBUILD RUN echo $HOME'],
      ['ARG X=1 Y', '/bin/sh -c #(nop)  ARG X=1 Y'],
      [
        'HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/',
        '/bin/sh -c #(nop)  HEALTHCHECK &{Test:[CMD-SHELL curl -f http://localhost/] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}',
      ],
      ['HEALTHCHECK NONE', '/bin/sh -c #(nop)  HEALTHCHECK &{Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}'],
      ['WORKDIR app', '/bin/sh -c #(nop) WORKDIR /app'],
    ];
    for (const [line, want] of cases) {
      const s = one(line, base);
      assert.equal(createdBy(s), want, line);
      assert.equal(s.kind === 'workdir' ? 'workdir' : s.kind, line.startsWith('WORKDIR') ? 'workdir' : 'meta', line);
    }
  });

  it('updates the image config', () => {
    const { steps: s, st } = steps(
      [
        'ENV A=1 B=$A',
        'ENV A=2 C=$A',
        'LABEL l1=a',
        'LABEL l1=b l2="$C"',
        'EXPOSE 80 8080-8081/udp',
        'VOLUME /data',
        'USER app',
        'STOPSIGNAL 9',
        'HEALTHCHECK CMD true',
        'ONBUILD COPY . /src',
        'MAINTAINER me',
        'WORKDIR /a',
        'WORKDIR b/../c',
        '',
      ].join('\n'),
      { Env: ['PATH=/bin', 'A=0'] },
    );
    assert.deepEqual(st.runConfig, {
      Env: ['PATH=/bin', 'A=2', 'B=0', 'C=1'],
      Labels: { l1: 'b', l2: '1' },
      ExposedPorts: { '80/tcp': {}, '8080/udp': {}, '8081/udp': {} },
      Volumes: { '/data': {} },
      User: 'app',
      StopSignal: '9',
      Healthcheck: { Test: ['CMD-SHELL', 'true'] },
      OnBuild: ['COPY . /src'],
      WorkingDir: '/a/c',
    });
    assert.equal(st.maintainer, 'me');
    assert.equal(s[s.length - 1].author, 'me');
    assert.deepEqual(s[0].config.Env, ['PATH=/bin', 'A=1', 'B=0']);
  });

  it('CMD and ENTRYPOINT: shell form through SHELL; ENTRYPOINT clears an inherited CMD', () => {
    const inherited = { Env: ['PATH=/bin'], Cmd: ['sh'] };
    assert.deepEqual(steps('ENTRYPOINT ["/init"]\n', inherited).st.runConfig.Cmd, null);
    assert.deepEqual(steps('CMD ["x"]\nENTRYPOINT ["/init"]\n', inherited).st.runConfig.Cmd, ['x']);
    const { st } = steps('SHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nENTRYPOINT exec app\nCMD []\n', inherited);
    assert.deepEqual(st.runConfig.Entrypoint, ['/bin/bash', '-eo', 'pipefail', '-c', 'exec app']);
    assert.deepEqual(st.runConfig.Cmd, []);
    assert.deepEqual(st.runConfig.Shell, ['/bin/bash', '-eo', 'pipefail', '-c']);
  });

  it('WORKDIR is relative to the previous one and expands variables', () => {
    const { steps: s } = steps('ENV D=/srv\nWORKDIR $D\nWORKDIR app\nWORKDIR ../other/./x\n', { WorkingDir: '/base' });
    assert.deepEqual(
      s.slice(1).map((x) => (x as WorkdirStep).path),
      ['/srv', '/srv/app', '/srv/other/x'],
    );
    assert.equal(steps('WORKDIR rel\n', {}).steps[0].config.WorkingDir, '/rel');
  });

  it('EXPOSE splits expanded values and checks ports', () => {
    const { st } = steps('ENV PORTS="80 443/tcp"\nEXPOSE $PORTS 53/UDP\n');
    assert.deepEqual(Object.keys(st.runConfig.ExposedPorts ?? {}).sort(), ['443/tcp', '53/udp', '80/tcp']);
    failsAt('EXPOSE 80/xyz\n', 2, 'invalid proto: xyz');
    failsAt('EXPOSE abc\n', 2, 'invalid containerPort: abc');
  });

  it('STOPSIGNAL checks the signal', () => {
    failsAt('RUN true\nSTOPSIGNAL SIGNOPE\n', 3, 'Invalid signal: SIGNOPE');
  });

  it('expansion errors name the line', () => {
    failsAt('RUN true\nENV A=${B\n', 3, /failed to process "\$\{B": syntax error: missing '}'/);
    failsAt('USER "unterminated\n', 2, /unexpected end of statement while looking for matching double-quote/);
  });

  it('cache keys: equal for equal steps, different when the config differs', () => {
    const k = (body: string, base?: ImageRunConfig) => steps(body, base).steps.map((s) => (s.kind === 'copy' ? s.history('file:x').cacheKey : s.cacheKey));
    assert.deepEqual(k('ENV A=1\n'), k('ENV A=1\n'));
    assert.notDeepEqual(k('ENV A=1\n'), k('ENV A=2\n'));
    assert.notDeepEqual(k('RUN true\n', { Env: ['X=1'] }), k('RUN true\n', { Env: ['X=2'] }));
  });
});

describe('stage: RUN', () => {
  it('shell and exec forms; no entrypoint; user and workdir', () => {
    const { steps: s } = steps('USER nobody\nWORKDIR /w\nRUN echo "$HOME"\nRUN ["echo", "x"]\n', { Entrypoint: ['/init'], Env: ['PATH=/bin'] });
    const [a, b] = s.slice(2) as RunStep[];
    assert.deepEqual([a.args, a.user, a.workdir, a.createdBy], [['/bin/sh', '-c', 'echo "$HOME"'], 'nobody', '/w', '/bin/sh -c echo "$HOME"']);
    assert.deepEqual([b.args, b.createdBy], [['echo', 'x'], 'echo x']);
    assert.equal(a.containerConfig.Entrypoint, null);
    assert.deepEqual(a.config.Entrypoint, ['/init']);
    assert.equal(one('RUN true').kind, 'run');
  });

  it('uses SHELL', () => {
    const { steps: s } = steps('SHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nRUN a | b\n');
    assert.deepEqual((s[1] as RunStep).args, ['/bin/ash', '-eo', 'pipefail', '-c', 'a | b']);
  });

  it('build args: sorted, counted, in the cache key but not in the image', () => {
    const { steps: s } = steps('ARG B=2\nARG A\nRUN make\n', { Env: ['PATH=/bin'] }, { A: '1' });
    const run = s[2] as RunStep;
    assert.equal(run.createdBy, '|2 A=1 B=2 /bin/sh -c make');
    assert.deepEqual(run.buildArgs, ['A=1', 'B=2']);
    assert.deepEqual(run.config.Env, ['PATH=/bin']);
    assert.deepEqual(run.env, ['PATH=/bin', 'B=2', 'A=1']);
    const other = steps('ARG B=2\nARG A\nRUN make\n', { Env: ['PATH=/bin'] }, { A: '9' }).steps[2];
    assert.notEqual(other.kind !== 'copy' && other.cacheKey, run.cacheKey);
  });

  it('heredocs: a plain body runs through the shell, a #! body runs as a script, others are given back to the shell', () => {
    const body = [
      'RUN <<EOF',
      'echo a',
      'echo b',
      'EOF',
      'RUN <<-EOT',
      '\t#!/usr/bin/env python3',
      '\tprint(1)',
      '\tEOT',
      'RUN cat <<A > /x && cat <<B',
      'a',
      'A',
      'b',
      'B',
      '',
    ].join('\n');
    const [plain, script, complex] = steps(body).steps as RunStep[];
    assert.deepEqual(plain.args, ['/bin/sh', '-c', 'echo a\necho b\n']);
    assert.deepEqual(plain.scripts, []);
    assert.deepEqual(script.args, ['/bin/sh', '-c', '/dev/pipes/EOT']);
    assert.deepEqual(script.scripts, [{ path: '/dev/pipes/EOT', data: '#!/usr/bin/env python3\nprint(1)\n', mode: 0o755 }]);
    assert.deepEqual(complex.args, ['/bin/sh', '-c', 'cat <<A > /x && cat <<B\na\nA\nb\nB']);
  });
});

describe('stage: COPY and ADD', () => {
  it('destinations: relative to WORKDIR, directory forms, expansion', () => {
    const { steps: s } = steps('ENV D=/opt\nWORKDIR /app\nCOPY a .\nCOPY a b/\nCOPY a sub/./\nCOPY a $D/file\nCOPY a ./x\n');
    const specs = (s.slice(2) as CopyStep[]).map((c) => [c.copy.dest, c.copy.destIsDir]);
    assert.deepEqual(specs, [
      ['/app', true],
      ['/app/b', true],
      ['/app/sub', true],
      ['/opt/file', false],
      ['/app/x', false],
    ]);
  });

  it('history text: sources hash, --chown/--chmod, destination as written', () => {
    const c = one('COPY --chown=1:2 --chmod=640 a b/') as CopyStep;
    assert.equal(c.history('file:abc').createdBy, '/bin/sh -c #(nop) COPY --chown=1:2 --chmod=640 file:abc in b/ ');
    assert.equal((one('ADD x /y') as CopyStep).history('dir:d').createdBy, '/bin/sh -c #(nop) ADD dir:d in /y ');
    assert.notEqual(c.history('file:abc').cacheKey, c.history('file:abd').cacheKey);
  });

  it('flags: chmod parsed, chown/chmod/sources/dest expanded, ownership rules', () => {
    const { steps: s } = steps('ENV U=app M=755 S=src\nCOPY --chown=$U --chmod=$M $S /d\nADD --chmod=0600 a /d\n');
    const c = (s[1] as CopyStep).copy;
    assert.deepEqual([c.chown, c.chmod, c.sources, c.preserveOwnership, c.allowDecompress], ['app', 0o755, ['src'], false, false]);
    assert.deepEqual([(s[2] as CopyStep).copy.chmod, (s[2] as CopyStep).copy.allowDecompress], [0o600, true]);
    failsAt('COPY --chmod=999 a b\n', 2, "invalid chmod parameter: '999'. it should be octal string and between 0 and 07777");
    failsAt('COPY --chown=a:b:c a b\n', 2, 'invalid chown string format: a:b:c');
  });

  it('COPY --from: stage references and preserved ownership', () => {
    const p = planDockerfile(
      'FROM busybox AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=build --chown=0:0 /a /b\nCOPY --from=busybox:1 /c /c\n',
      { buildPlatform: AMD64 },
    );
    const st = new StageState(p, p.target);
    st.begin({});
    const [a, b, c] = p.target.commands.map((x) => st.resolve(x) as CopyStep);
    assert.deepEqual([a.copy.from, a.copy.preserveOwnership], [{ kind: 'stage', stage: 0 }, true]);
    assert.equal(b.copy.preserveOwnership, false);
    assert.deepEqual(c.copy.from, { kind: 'image', ref: 'busybox:1' });
  });

  it('COPY refuses URLs; ADD keeps them', () => {
    failsAt('COPY https://example.invalid/a /a\n', 2, "COPY failed: source can't be a URL for COPY");
    assert.deepEqual((one('ADD https://example.invalid/a.tgz /a/') as CopyStep).copy.sources, ['https://example.invalid/a.tgz']);
  });

  it('heredoc files are expanded unless the delimiter was quoted', () => {
    const { steps: s } = steps('ENV NAME=world\nCOPY <<A <<"B" /etc/\nhello "$NAME"\nA\nbye $NAME\nB\n');
    assert.deepEqual((s[1] as CopyStep).copy.contents, [
      { path: 'A', data: 'hello "world"\n' },
      { path: 'B', data: 'bye $NAME\n' },
    ]);
    failsAt('COPY <<A <<B /etc/x\na\nA\nb\nB\n', 2, 'When using COPY with more than one source file, the destination must be a directory and end with a /');
  });
});

describe('stage: ONBUILD triggers', () => {
  it('runs the base image triggers first and does not pass them on', () => {
    const { steps: s, st } = steps('RUN echo own\n', { Env: ['PATH=/bin'], OnBuild: ['ENV FROM_TRIGGER=1', 'RUN echo $FROM_TRIGGER'] });
    assert.deepEqual(
      s.map((x) => x.kind),
      ['meta', 'run', 'run'],
    );
    assert.equal((s[1] as RunStep).createdBy, '/bin/sh -c echo $FROM_TRIGGER');
    assert.equal(st.runConfig.OnBuild, undefined);
    assert.ok(st.runConfig.Env?.includes('FROM_TRIGGER=1'));
  });

  it('a broken trigger is reported at the FROM line', () => {
    assert.throws(
      () => steps('', { OnBuild: ['BOGUS x'] }),
      (e: unknown) => e instanceof DockerfileError && e.line === 1 && /ONBUILD trigger "BOGUS x": unknown instruction: BOGUS/.test(e.message),
    );
  });
});
