// RUN --mount parsing (BuildKit's defaults and words), the `# syntax=`
// directive, and how mounts enter a RUN step's cache key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileError, StageState, planDockerfile, type RunStep } from '../../../src/builder';
import { parseMount } from '../../../src/builder/dockerfile/mounts';

function runStep(text: string, buildArgs: Record<string, string> = {}): RunStep {
  const plan = planDockerfile(text, { buildArgs });
  const stage = plan.stages[plan.stages.length - 1];
  const st = new StageState(plan, stage);
  st.begin({ config: { Env: ['PATH=/bin'] } });
  let last;
  for (const c of stage.commands) last = st.resolve(c);
  assert.equal(last?.kind, 'run');
  return last as RunStep;
}

function fails(text: string, want: string): void {
  assert.throws(
    () => planDockerfile(text),
    (e: unknown) => e instanceof DockerfileError && e.message === want,
    want,
  );
}

describe('RUN --mount', () => {
  it("parses each type with BuildKit's defaults", () => {
    assert.deepEqual(parseMount('type=cache,target=/c,id=x,sharing=locked,mode=0700,uid=1,gid=2'), {
      type: 'cache',
      target: '/c',
      source: '',
      from: '',
      readOnly: false,
      id: 'x',
      sharing: 'locked',
      required: false,
      size: 0,
      mode: 0o700,
      uid: 1,
      gid: 2,
    });
    assert.equal(parseMount('target=/b').type, 'bind');
    assert.equal(parseMount('target=/b').readOnly, true, 'bind mounts are read-only by default');
    assert.equal(parseMount('target=/b,rw').readOnly, false);
    assert.equal(parseMount('type=tmpfs,dst=/t,size=1m').size, 1024 * 1024);
    assert.equal(parseMount('type=secret,id=s,required').required, true);
    assert.equal(parseMount('type=secret,id=s,env=S').env, 'S');
    assert.equal(parseMount('type=bind,"target=/b,c",source=x').target, '/b,c', 'quotes group commas');
  });

  it("rejects bad input with BuildKit's words", () => {
    const bad: Array<[string, string]> = [
      ['type=foo,target=/x', 'unsupported mount type "foo"'],
      ['type=cache,target=/x,bogus=1', "unexpected key 'bogus' in 'bogus=1'"],
      ['type=cache,target=/x,sharing=no', 'unsupported sharing value "no"'],
      ['type=cache,target=/x,mode=9', 'invalid value 9 for mode'],
      ['type=cache,target=/x,uid=-1', 'invalid value -1 for uid'],
      ['type=bind,target=/x,uid=1', 'uid not allowed for "bind" type mounts'],
      ['type=cache,target=/x,required', "unexpected key 'required' for mount type 'cache'"],
      ['type=secret,id=a,source=b', "both source and id can't be set"],
      ['type=secret,from=x,id=a', 'secret mount should not have a from'],
      ['type=bind,target=/x,sharing=shared', 'invalid cache sharing set for bind mount'],
      ['type=cache,ro=maybe,target=/x', 'invalid value for ro: maybe'],
      ['type=cache,nokey', "invalid field 'nokey' must be a key=value pair"],
      ['type=cache,"target=/x', 'failed to parse csv mounts: extraneous or missing " in quoted-field'],
    ];
    for (const [v, want] of bad) assert.throws(() => parseMount(v), { message: want }, v);
    fails('FROM busybox\nRUN --mount=type=foo,target=/x true\n', 'Dockerfile:2: unsupported mount type "foo"');
  });

  it('a step: defaults applied, variables expanded, the spec in the cache key', () => {
    const df = (m: string) => `FROM busybox\nARG D=/cache\nWORKDIR /w\nRUN ${m} true\n`;
    const s = runStep(df('--mount=type=cache,target=$D --mount=type=secret,id=tok --mount=type=bind,target=rel'));
    assert.deepEqual(
      s.mounts.map((m) => [m.type, m.target, m.id]),
      [
        ['cache', '/cache', '/cache'],
        ['secret', '/run/secrets/tok', 'tok'],
        ['bind', '/w/rel', ''],
      ],
    );
    const plain = runStep(df(''));
    const other = runStep(df('--mount=type=cache,target=/other'));
    const same = runStep(df('--mount=type=cache,target=$D --mount=type=secret,id=tok --mount=type=bind,target=rel'));
    assert.equal(s.createdBy, plain.createdBy, 'history shows the command only');
    assert.notEqual(s.cacheKey, plain.cacheKey);
    assert.notEqual(s.cacheKey, other.cacheKey);
    assert.equal(s.cacheKey, same.cacheKey);
  });

  it('a heredoc RUN keeps its mounts', () => {
    const s = runStep('FROM busybox\nRUN --mount=type=cache,target=/c <<EOF\necho one\necho two\nEOF\n');
    assert.deepEqual(
      s.mounts.map((m) => [m.type, m.target]),
      [['cache', '/c']],
    );
    assert.match(s.args.join(' '), /echo one\necho two/);
  });

  it('from= names a stage the target then needs', () => {
    const plan = planDockerfile('FROM busybox AS a\nFROM busybox AS unused\nFROM busybox\nRUN --mount=from=a,target=/a true\n');
    assert.deepEqual(
      plan.stages.map((s) => s.name),
      ['a', ''],
    );
    assert.deepEqual(plan.stages[1].deps, [0]);
  });
});

describe('# syntax=', () => {
  it('docker/dockerfile 1.x, labs, digests are the built-in frontend', () => {
    for (const s of [
      'docker/dockerfile:1',
      'docker/dockerfile:1.4',
      'docker/dockerfile:1.7.1',
      'docker/dockerfile:1-labs',
      'docker.io/docker/dockerfile:1.6-labs',
      'docker/dockerfile',
      'docker/dockerfile-upstream:1',
      `docker/dockerfile:1@sha256:${'a'.repeat(64)}`,
    ]) {
      assert.equal(planDockerfile(`# syntax=${s}\nFROM busybox\n`).stages.length, 1, s);
    }
  });
  it('another frontend is refused by name, on its line', () => {
    fails(
      '# check=skip=all\n# syntax=ghcr.io/x/frontend:2\nFROM busybox\n',
      'Dockerfile:2: unsupported frontend "ghcr.io/x/frontend:2" in the syntax directive: berth builds with its built-in Dockerfile frontend (docker/dockerfile:1) and does not run frontend images',
    );
    fails(
      '# syntax=docker/dockerfile:2\nFROM busybox\n',
      'Dockerfile:1: unsupported frontend "docker/dockerfile:2" in the syntax directive: berth builds with its built-in Dockerfile frontend (docker/dockerfile:1) and does not run frontend images',
    );
  });
});
