// The build plan: global and stage ARGs, build args, platform args, stage
// selection for --target, COPY --from references.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BuildOptions, BuildPlan, DockerfileError, RunStep, StageState, planDockerfile, unusedBuildArgs, unusedBuildArgsWarning } from '../../../src/builder';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const plan = (text: string, opts: BuildOptions = {}) => planDockerfile(text, { buildPlatform: AMD64, ...opts });

/** Resolves every step of every planned stage (bases: scratch configs) and returns them per stage. */
function runAll(p: BuildPlan) {
  return p.stages.map((s) => {
    const st = new StageState(p, s);
    st.begin({ config: { Env: ['PATH=/bin'] } });
    return s.commands.map((c) => st.resolve(c));
  });
}

function fails(fn: () => unknown, line: number, msg: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DockerfileError, String(e));
    assert.equal(e.line, line, e.message);
    if (typeof msg === 'string') assert.equal(e.detail, msg);
    else assert.match(e.detail, msg);
    return true;
  });
}

describe('build plan: global ARGs and FROM', () => {
  it('global ARGs expand in FROM, with defaults and --build-arg overrides', () => {
    const df = 'ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-latest}\n';
    assert.equal(plan(df).stages[0].baseName, 'busybox:latest');
    assert.equal(plan(df, { buildArgs: { TAG: '1.36' } }).stages[0].baseName, 'busybox:1.36');
    assert.equal(plan(df, { buildArgs: { BASE: 'alpine', TAG: null } }).stages[0].baseName, 'alpine:latest');
  });

  it('a global ARG can use an earlier one', () => {
    assert.equal(plan('ARG A=x\nARG B=${A}y\nFROM $B\n').stages[0].baseName, 'xy');
  });

  it('bases: scratch, an earlier stage (case-insensitive), or an image', () => {
    const p = plan('FROM busybox AS base\nFROM Base AS second\nFROM scratch\nCOPY --from=second /a /a\n');
    assert.deepEqual(
      p.allStages.map((s) => s.base),
      [{ kind: 'image', ref: 'busybox' }, { kind: 'stage', stage: 0 }, { kind: 'scratch' }],
    );
  });

  it('a blank base is an error at the FROM line', () => {
    fails(() => plan('ARG X\nFROM $X\n'), 2, 'base name ($X) should not be blank');
  });

  it('FROM --platform is expanded and parsed', () => {
    const p = plan('FROM --platform=$BUILDPLATFORM busybox AS a\nFROM --platform=linux/arm64/v8 busybox\nCOPY --from=a /x /x\n');
    assert.deepEqual(p.allStages[0].platform, AMD64);
    assert.deepEqual(p.allStages[1].platform, { os: 'linux', architecture: 'arm64' });
    fails(
      () => plan('FROM --platform=linux/nope busybox\n'),
      1,
      /failed to parse platform linux\/nope: "linux\/nope": unknown operating system or architecture/,
    );
  });

  it('stage names must be unique', () => {
    fails(() => plan('FROM busybox AS a\nFROM busybox AS A\n'), 2, 'a stage name already used');
  });
});

describe('build plan: predefined platform args', () => {
  it('are global: usable in FROM, visible in a stage only when declared', () => {
    const df = 'FROM busybox:${TARGETARCH}\nARG TARGETPLATFORM\nRUN echo $TARGETPLATFORM $TARGETOS $BUILDARCH\n';
    const p = plan(df, { platform: 'linux/arm64' });
    assert.equal(p.stages[0].baseName, 'busybox:arm64');
    const run = runAll(p)[0][1] as RunStep;
    assert.deepEqual(run.buildArgs, ['TARGETPLATFORM=linux/arm64']);
    assert.ok(run.env.includes('TARGETPLATFORM=linux/arm64'));
    assert.ok(!run.env.some((e) => e.startsWith('TARGETOS=') || e.startsWith('BUILDARCH=')));
  });

  it('default to the build platform; variants are kept', () => {
    const p = plan('FROM x-${TARGETARCH}${TARGETVARIANT}-${BUILDOS}\n', { platform: 'linux/arm/v7' });
    assert.equal(p.stages[0].baseName, 'x-armv7-linux');
    assert.equal(plan('FROM x-${TARGETPLATFORM}\n').stages[0].baseName, 'x-linux/amd64');
    fails(() => plan('FROM x\n', { platform: 'bogus/os' }), 0, /failed to parse platform bogus\/os/);
  });
});

describe('build plan: stage ARG scoping', () => {
  const df = ['ARG V=global', 'FROM busybox', 'RUN echo a$V', 'ARG V', 'RUN echo b$V', 'ARG V=local', 'RUN echo c$V', 'ENV V=env', 'RUN echo d$V', ''].join(
    '\n',
  );

  it('a global ARG is invisible in a stage until declared; a declaration without value takes the global one', () => {
    const steps = runAll(plan(df))[0];
    const runs = steps.filter((s): s is RunStep => s.kind === 'run');
    assert.deepEqual(
      runs.map((r) => r.createdBy),
      ['/bin/sh -c echo a$V', '|1 V=global /bin/sh -c echo b$V', '|1 V=local /bin/sh -c echo c$V', '/bin/sh -c echo d$V'],
    );
    // variables in RUN are the shell's business: the env carries the value
    assert.ok(!runs[0].env.some((e) => e.startsWith('V=')));
    assert.ok(runs[1].env.includes('V=global'));
    assert.ok(runs[3].env.includes('V=env'));
    assert.ok(!runs[3].env.includes('V=local'), 'ENV shadows the ARG');
  });

  it('--build-arg overrides every default', () => {
    const runs = runAll(plan(df, { buildArgs: { V: 'cli' } }))[0].filter((s): s is RunStep => s.kind === 'run');
    assert.deepEqual(
      runs.map((r) => r.buildArgs),
      [[], ['V=cli'], ['V=cli'], []],
    );
  });

  it('build args are not kept in the image env', () => {
    const steps = runAll(plan('FROM busybox\nARG A=1\nRUN true\n', { buildArgs: { A: '2' } }))[0];
    assert.deepEqual(steps[1].config.Env, ['PATH=/bin']);
    assert.deepEqual((steps[1] as RunStep).env, ['PATH=/bin', 'A=2']);
    assert.equal((steps[1] as RunStep).createdBy, '|1 A=2 /bin/sh -c true');
  });

  it('ARG expands with earlier args and env', () => {
    const steps = runAll(plan('FROM busybox\nENV E=e\nARG A=1\nARG B=${A}-$E\nRUN true\n'))[0];
    assert.equal(steps[2].kind === 'meta' && steps[2].createdBy, '/bin/sh -c #(nop)  ARG B=1-e');
    assert.deepEqual((steps[3] as RunStep).buildArgs, ['A=1', 'B=1-e']);
  });

  it('proxy args reach RUN without a declaration but stay out of history', () => {
    const opts = { buildArgs: { HTTP_PROXY: 'http://127.0.0.1:3128', no_proxy: 'x' } };
    const [run] = runAll(plan('FROM busybox\nRUN true\n', opts))[0] as RunStep[];
    assert.ok(run.env.includes('HTTP_PROXY=http://127.0.0.1:3128'));
    assert.equal(run.createdBy, '|0 /bin/sh -c true');
    const [, run2] = runAll(plan('FROM busybox\nARG HTTP_PROXY\nRUN true\n', opts))[0] as RunStep[];
    assert.equal(run2.createdBy, '|1 HTTP_PROXY=http://127.0.0.1:3128 /bin/sh -c true');
  });

  it('reports build args no ARG consumed (global ones count)', () => {
    const p = plan('ARG G\nFROM busybox\nARG S\n', { buildArgs: { G: '1', S: '2', ZED: '3', ALPHA: '4', HTTP_PROXY: 'p' } });
    runAll(p);
    assert.deepEqual(unusedBuildArgs(p), ['ALPHA', 'ZED']);
    assert.equal(unusedBuildArgsWarning(p), '[Warning] One or more build-args [ALPHA ZED] were not consumed\n');
    const q = plan('FROM busybox\nARG A\n', { buildArgs: { A: '1' } });
    runAll(q);
    assert.equal(unusedBuildArgsWarning(q), '');
  });
});

describe('build plan: stages and --target', () => {
  const df = [
    'FROM busybox AS deps', // 0
    'RUN echo deps',
    'FROM busybox AS unrelated', // 1
    'RUN echo unrelated',
    'FROM deps AS build', // 2
    'RUN echo build',
    'FROM busybox AS tools', // 3
    'FROM scratch AS final', // 4
    'COPY --from=build /out /out',
    'COPY --from=3 /bin/tool /bin/',
    'COPY --from=registry.example.invalid/img:1 /x /x',
    'FROM final AS test', // 5
    'RUN echo test',
    '',
  ].join('\n');

  it('builds the last stage and only what it needs', () => {
    const p = plan(df);
    assert.deepEqual(
      p.stages.map((s) => s.index),
      [0, 2, 3, 4, 5],
    );
    assert.equal(p.target.index, 5);
    assert.deepEqual(p.allStages[4].deps, [2, 3]);
    assert.deepEqual(p.allStages[4].copyFromImages, ['registry.example.invalid/img:1']);
    assert.equal(p.totalSteps, 2 + 2 + 1 + 4 + 2);
  });

  it('--target selects a stage by name (case-insensitive)', () => {
    const p = plan(df, { target: 'BUILD' });
    assert.deepEqual(
      p.stages.map((s) => s.name),
      ['deps', 'build'],
    );
    assert.deepEqual(
      plan(df, { target: 'unrelated' }).stages.map((s) => s.index),
      [1],
    );
    assert.throws(() => plan(df, { target: 'nope' }), /target stage "nope" could not be found/);
  });

  it('COPY --from refers to earlier stages only; a later name is an image', () => {
    const p = plan('FROM busybox\nCOPY --from=later /a /a\nFROM busybox AS later\n', { target: undefined });
    assert.deepEqual(p.allStages[0].copyFromImages, []);
    const q = plan('FROM busybox\nCOPY --from=later /a /a\nFROM busybox AS later\nFROM scratch\nCOPY --from=0 /a /a\n');
    assert.deepEqual(q.allStages[0].copyFromImages, ['later']);
  });

  it('COPY --from index errors', () => {
    fails(() => plan('FROM busybox\nCOPY --from=0 /a /a\n'), 2, 'invalid from flag value 0: refers to current build stage');
    fails(() => plan('FROM busybox\nCOPY --from=3 /a /a\n'), 2, 'invalid from flag value 3: index out of bounds');
    fails(() => plan('FROM busybox\nCOPY --from=-1 /a /a\n'), 2, 'invalid from flag value -1: index out of bounds');
  });

  it('--label adds sorted LABEL steps to the target stage', () => {
    const p = plan('FROM busybox AS a\nFROM busybox AS b\n', { target: 'a', labels: { z: '1', a: '$NOT_EXPANDED' } });
    assert.deepEqual(
      p.target.commands.map((c) => c.text),
      ['LABEL a=$NOT_EXPANDED', 'LABEL z=1'],
    );
    const steps = runAll(p)[0];
    assert.deepEqual(steps[1].config.Labels, { a: '$NOT_EXPANDED', z: '1' });
    assert.equal(p.totalSteps, 3);
  });

  it('global ARGs count as steps', () => {
    assert.equal(plan('ARG A\nARG B\nFROM busybox\nRUN true\n').totalSteps, 4);
  });
});

describe('plan: a RUN --mount from= given by a global ARG', () => {
  it('makes the named stage a dependency (so it is built first, not beside)', () => {
    const p = plan('ARG SRC=deps\nFROM busybox AS deps\nRUN true\nFROM busybox AS other\nFROM busybox\nRUN --mount=type=bind,from=${SRC},target=/d true\n');
    assert.deepEqual(p.target.deps, [0]);
    assert.deepEqual(
      p.stages.map((s) => s.index),
      [0, 2],
      'the unrelated stage is not built',
    );
  });
});
