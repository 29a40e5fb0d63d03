// Typed instructions: arguments, flags and errors per instruction.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileError, Instruction, parseDockerfile, toInstructions } from '../../../src/builder';

const BK = 'requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled';

function stageOf(text: string) {
  return toInstructions(parseDockerfile(text));
}

/** The single command after `FROM busybox`. */
function cmd(line: string): Instruction {
  const ins = stageOf(`FROM busybox\n${line}\n`);
  assert.equal(ins.stages[0].commands.length, 1);
  return ins.stages[0].commands[0];
}

function fails(text: string, line: number, msg: string | RegExp): void {
  assert.throws(
    () => stageOf(text),
    (e: unknown) => {
      assert.ok(e instanceof DockerfileError, String(e));
      assert.equal(e.line, line, e.message);
      if (typeof msg === 'string') assert.equal(e.detail, msg);
      else assert.match(e.detail, msg);
      assert.equal(e.message, `Dockerfile:${line}: ${e.detail}`);
      return true;
    },
  );
}
const failsCmd = (line: string, msg: string | RegExp) => fails(`FROM busybox\n${line}\n`, 2, msg);

describe('instructions: stages and global ARGs', () => {
  it('ARGs before FROM are global; others belong to the current stage', () => {
    const ins = stageOf('ARG A=1\nARG B\nFROM busybox AS Build\nARG C\nFROM scratch\nCOPY --from=build /x /x\n');
    assert.deepEqual(
      ins.metaArgs.map((a) => a.args),
      [[{ key: 'A', value: '1' }], [{ key: 'B' }]],
    );
    assert.equal(ins.stages.length, 2);
    assert.equal(ins.stages[0].from.stageName, 'build');
    assert.equal(ins.stages[0].commands[0].kind, 'ARG');
    assert.equal(ins.stages[1].from.base, 'scratch');
    assert.equal(ins.stages[0].from.text, 'FROM busybox AS Build');
  });

  it('FROM forms and errors', () => {
    const f = stageOf('FROM --platform=$BUILDPLATFORM golang:1.22 as b1\n').stages[0].from;
    assert.deepEqual([f.base, f.stageName, f.platform], ['golang:1.22', 'b1', '$BUILDPLATFORM']);
    fails('FROM a b\n', 1, 'FROM requires either one or three arguments');
    fails('FROM a AS 1x\n', 1, 'invalid name for build stage: "1x", name can\'t start with a number or contain symbols');
    fails('FROM --foo=1 a\n', 1, 'unknown flag: --foo');
    fails('FROM --platform a\n', 1, 'missing a value on flag: --platform');
  });

  it('an instruction before FROM', () => {
    fails('RUN true\nFROM busybox\n', 1, 'no build stage in current context');
  });

  it('unknown instructions name the keyword and line', () => {
    fails('FROM busybox\nRUN true\nfoo bar\n', 3, 'unknown instruction: FOO');
  });
});

describe('instructions: arguments', () => {
  it('ENV and LABEL pairs', () => {
    assert.deepEqual(cmd('ENV A=1 B="x y"'), {
      kind: 'ENV',
      loc: { file: 'Dockerfile', line: 2, endLine: 2 },
      text: 'ENV A=1 B="x y"',
      env: [
        { key: 'A', value: '1' },
        { key: 'B', value: '"x y"' },
      ],
    });
    failsCmd('ENV', 'ENV requires at least one argument');
    failsCmd('LABEL =x', 'LABEL names can not be blank');
  });

  it('ARG', () => {
    assert.deepEqual((cmd('ARG A B=2 C=') as { args: unknown }).args, [{ key: 'A' }, { key: 'B', value: '2' }, { key: 'C', value: '' }]);
    failsCmd('ARG', 'ARG requires at least one argument');
    failsCmd('ARG =1', 'ARG names can not be blank');
  });

  it('RUN, CMD, ENTRYPOINT in both forms', () => {
    assert.deepEqual((cmd('RUN echo "$A"') as { cmd: unknown }).cmd, { args: ['echo "$A"'], prependShell: true, files: [] });
    assert.deepEqual((cmd('CMD ["a", "b"]') as { cmd: unknown }).cmd, { args: ['a', 'b'], prependShell: false, files: [] });
    assert.deepEqual((cmd('ENTRYPOINT []') as { cmd: unknown }).cmd, { args: [], prependShell: false, files: [] });
    failsCmd('RUN', 'RUN requires at least one argument');
  });

  it('RUN flags that need BuildKit are refused clearly (--mount is supported)', () => {
    assert.equal((cmd('RUN --mount=type=cache,target=/x true') as { mounts: unknown[] }).mounts.length, 1);
    failsCmd('RUN --network=bridge true', 'unsupported network mode "bridge"');
    failsCmd('RUN --device=/dev/fuse true', `the --device option ${BK}`);
    failsCmd('RUN --mount=type=cache,target=/x --security=root true', 'security can only be set to insecure or sandbox, not "root"');
    failsCmd('RUN --bogus true', 'unknown flag: --bogus');
  });

  it('SHELL needs JSON', () => {
    assert.deepEqual((cmd('SHELL ["/bin/bash", "-c"]') as { shell: unknown }).shell, ['/bin/bash', '-c']);
    failsCmd('SHELL /bin/bash -c', 'SHELL requires the arguments to be in JSON form');
    failsCmd('SHELL []', 'SHELL requires at least one argument');
  });

  it('COPY and ADD with flags', () => {
    const c = cmd('COPY --from=build --chown=app:app --chmod=0755 --link a b /dst/');
    assert.deepEqual(c, {
      kind: 'COPY',
      loc: { file: 'Dockerfile', line: 2, endLine: 2 },
      text: 'COPY --from=build --chown=app:app --chmod=0755 --link a b /dst/',
      sources: ['a', 'b'],
      contents: [],
      dest: '/dst/',
      from: 'build',
      chown: 'app:app',
      chmod: '0755',
      link: true,
      excludes: [],
      parents: false,
    });
    const a = cmd('ADD --checksum=sha256:abc https://example.invalid/x.tgz /x');
    assert.equal(a.kind, 'ADD');
    assert.equal((a as { checksum: string }).checksum, 'sha256:abc');
    failsCmd('COPY onlyone', 'COPY requires at least two arguments, but only one was provided. Destination could not be determined');
    failsCmd('ADD x', 'ADD requires at least two arguments, but only one was provided. Destination could not be determined');
    failsCmd('COPY --from=a --from=b x y', 'duplicate flag specified: --from');
    failsCmd('COPY --chown x y', 'missing a value on flag: --chown');
    failsCmd('COPY --link=maybe x y', 'expecting boolean value for flag --link, not: maybe');
    assert.equal((cmd('COPY --parents a/b /dst/') as { parents: boolean }).parents, true);
    assert.deepEqual((cmd('COPY --exclude=*.txt --exclude=x a/ /dst/') as { excludes: string[] }).excludes, ['*.txt', 'x']);
    assert.equal((cmd('ADD --keep-git-dir https://x.invalid/r.git /src') as { keepGitDir: boolean }).keepGitDir, true);
    assert.equal((cmd('ADD --unpack=false x.tar /src') as { unpack?: boolean }).unpack, false);
    assert.equal((cmd('ADD x.tar /src') as { unpack?: boolean }).unpack, undefined);
    failsCmd('COPY --platform=linux/amd64 a b', 'unknown flag: --platform');
  });

  it('COPY/ADD heredoc sources', () => {
    const ins = stageOf('FROM busybox\nCOPY <<one <<"two" /dst/\nhello $A\none\n\tworld $A\ntwo\nCOPY <<-EOT /f\n\t\tx\n\tEOT\n');
    const [c1, c2] = ins.stages[0].commands as Array<{ sources: string[]; contents: unknown[]; dest: string }>;
    assert.deepEqual(c1.sources, []);
    assert.deepEqual(c1.contents, [
      { path: 'one', data: 'hello $A\n', expand: true },
      { path: 'two', data: '\tworld $A\n', expand: false },
    ]);
    assert.deepEqual(c2.contents, [{ path: 'EOT', data: 'x\n', expand: true }]);
    fails('FROM busybox\nCOPY x <<EOF\nEOF\n', 2, 'COPY cannot accept a heredoc as a destination');
  });

  it('EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER', () => {
    assert.deepEqual((cmd('EXPOSE 8080 80/udp 443') as { ports: string[] }).ports, ['443', '80/udp', '8080']);
    assert.deepEqual((cmd('VOLUME /a /b') as { volumes: string[] }).volumes, ['/a', '/b']);
    assert.deepEqual((cmd('VOLUME ["/a", "/b c"]') as { volumes: string[] }).volumes, ['/a', '/b c']);
    assert.equal((cmd('USER app:grp') as { user: string }).user, 'app:grp');
    assert.equal((cmd('WORKDIR /my dir') as { path: string }).path, '/my dir');
    assert.equal((cmd('STOPSIGNAL SIGKILL') as { signal: string }).signal, 'SIGKILL');
    assert.equal((cmd('MAINTAINER Jane <j@example.invalid>') as { maintainer: string }).maintainer, 'Jane <j@example.invalid>');
    failsCmd('EXPOSE', 'EXPOSE requires at least one argument');
    failsCmd('VOLUME', 'VOLUME requires at least one argument');
    failsCmd('VOLUME [""]', 'VOLUME specified can not be an empty string');
    failsCmd('USER', 'USER requires exactly one argument');
    failsCmd('WORKDIR', 'WORKDIR requires exactly one argument');
    failsCmd('STOPSIGNAL', 'STOPSIGNAL requires exactly one argument');
    failsCmd('MAINTAINER', 'MAINTAINER requires exactly one argument');
    failsCmd('USER --x=1 app', 'unknown flag: --x');
  });

  it('HEALTHCHECK options, NONE, errors', () => {
    assert.deepEqual((cmd('HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/ || exit 1') as { health: unknown }).health, {
      Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
      Interval: 5e9,
      Retries: 3,
    });
    assert.deepEqual((cmd('HEALTHCHECK --timeout=2s CMD ["true", "x y"]') as { health: unknown }).health, { Test: ['CMD', 'true', 'x y'], Timeout: 2e9 });
    assert.deepEqual((cmd('HEALTHCHECK NONE') as { health: unknown }).health, { Test: ['NONE'] });
    failsCmd('HEALTHCHECK', 'HEALTHCHECK requires at least one argument');
    failsCmd('HEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments');
    failsCmd('HEALTHCHECK RUN true', 'Unknown type "RUN" in HEALTHCHECK (try CMD)');
    failsCmd('HEALTHCHECK CMD', 'Missing command after HEALTHCHECK CMD');
    failsCmd('HEALTHCHECK --foo=1 CMD true', 'unknown flag: --foo');
    failsCmd('HEALTHCHECK --interval=1s --interval=2s CMD true', 'duplicate flag specified: --interval');
    failsCmd('HEALTHCHECK --interval=10us CMD true', 'Interval "interval" cannot be less than 1ms');
    failsCmd('HEALTHCHECK --retries=-1 CMD true', '--retries cannot be negative (-1)');
  });

  it('ONBUILD stores its trigger; ONBUILD ONBUILD, FROM and MAINTAINER are refused', () => {
    assert.equal((cmd('onbuild   RUN echo "hi"') as { expression: string }).expression, 'RUN echo "hi"');
    const ins = stageOf('FROM busybox\nONBUILD RUN <<EOF\necho hi\nEOF\n');
    assert.equal((ins.stages[0].commands[0] as { expression: string }).expression, 'RUN <<EOF\necho hi\nEOF');
    failsCmd('ONBUILD ONBUILD RUN true', "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    failsCmd('ONBUILD FROM busybox', "FROM isn't allowed as an ONBUILD trigger");
    failsCmd('ONBUILD maintainer me', "MAINTAINER isn't allowed as an ONBUILD trigger");
    failsCmd('ONBUILD', 'ONBUILD requires at least one argument');
  });

  it('errors in continued instructions point at their first line', () => {
    fails('FROM busybox\nRUN true\nCOPY \\\n  onlyone\n', 3, /COPY requires at least two arguments/);
  });
});
