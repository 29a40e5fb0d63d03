// The build cache in a registry: a build on one berthd exports its steps
// (--cache-to type=registry,ref=...,mode=max|min) to a registry on
// 127.0.0.1; a fresh berthd (its own data root, nothing built) imports it
// (--cache-from type=registry,ref=...) and every step is reported cached,
// with the same image IDs. mode=min keeps only the result's steps, as does
// type=inline (in the pushed image's config); a missing cache is a warning;
// unsupported exporters are refused; a secret reaches no blob.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { TestDaemon } from '../helpers/daemon';
import { TestRegistry } from '../helpers/registry';
import { build, buildOk, builtId, cacheSteps, contextDir, inspect, ok, runIn } from '../helpers/build';

// the base comes from the registry, as on another machine: its image ID is its config digest everywhere
const dockerfile = (base: string) => `FROM ${base} AS deps
RUN mkdir -p /deps && for i in 1 2 3; do echo "dep $i" > /deps/$i; done
FROM ${base}
ENV APP=/app
WORKDIR /app
COPY --from=deps /deps ./deps
COPY src/ ./src/
RUN cat deps/* src/* > /app/all && echo built > /app/marker
LABEL stage=final
CMD ["cat", "/app/all"]
`;

describe('registry build cache (--cache-to / --cache-from type=registry)', () => {
  let reg: TestRegistry;
  const origin = new TestDaemon('rcache1');
  const fresh = new TestDaemon('rcache2');
  const third = new TestDaemon('rcache3');
  let dir: string;
  let ref: string;
  let built: string;
  let base: string;
  before(async () => {
    reg = await TestRegistry.start();
    ref = `${reg.host}/cache/app:buildcache`;
    await Promise.all([origin.start(), fresh.start(), third.start()]);
    await origin.importBusybox();
    base = `${reg.host}/library/busybox:1`;
    ok(origin.docker(['tag', 'busybox', base]));
    ok(origin.docker(['push', base]), 'push the base');
    dir = contextDir({ Dockerfile: dockerfile(base), 'src/a.txt': 'a\n', 'src/b.txt': 'b\n' });
  });
  after(async () => {
    await Promise.all([origin.stop(), fresh.stop(), third.stop()]);
    await reg?.stop();
  });

  /** A new, empty berthd importing `from` (the result's steps only) runs the other stage's RUN again, and makes the same image. */
  async function resultStepsOnly(name: string, from: string): Promise<void> {
    const m = new TestDaemon(name);
    try {
      await m.start();
      const out = buildOk(m, 'berth', dir, ['--network', 'none', '--cache-from', `type=registry,ref=${from}`]);
      const s = cacheSteps(out);
      assert.deepEqual(s.built, ['RUN mkdir'], out);
      assert.equal(s.cached.length, 7);
      assert.equal(builtId(out), built);
    } finally {
      await m.stop();
    }
  }

  it('exports every step with mode=max', () => {
    const out = buildOk(origin, 'berth', dir, ['--network', 'none', '-t', 'app:1', '--cache-to', `type=registry,ref=${ref},mode=max`]);
    assert.match(out, new RegExp(`exporting cache to ${ref.replace(/[.]/g, '\\.')} \\(mode=max\\)`));
    assert.match(out, /exported cache to .*: 8 steps, \d+ layers, manifest sha256:[0-9a-f]{64}/);
    built = builtId(out);
  });

  it('a fresh data root imports it: every step is cached, the image is the same', () => {
    const out = buildOk(fresh, 'berth', dir, ['--network', 'none', '-t', 'app:2', '--cache-from', `type=registry,ref=${ref}`]);
    assert.match(out, /importing cache manifest from /);
    const s = cacheSteps(out);
    assert.deepEqual(s.built, [], out);
    assert.equal(s.cached.length, 8, out);
    assert.doesNotMatch(out, /Running in/);
    assert.equal(builtId(out), built, 'the imported steps rebuild the same image IDs');
    assert.equal(runIn(fresh, 'app:2', 'cat /app/all'), 'dep 1\ndep 2\ndep 3\na\nb\n');
    assert.equal(inspect(fresh, 'app:2', '{{.Config.Labels.stage}} {{.Config.WorkingDir}}'), 'final /app');
  });

  it('the docker CLI (classic /build) imports it through cachefrom too', () => {
    // the import filled the local cache of `fresh`: use the third, empty daemon
    const out = buildOk(third, 'docker', dir, ['--network', 'none', '--cache-from', `type=registry,ref=${ref}`]);
    assert.deepEqual(cacheSteps(out).built, [], out);
    assert.equal(builtId(out), built);
  });

  it('a changed source reuses the steps before it and rebuilds from it (positive control for the import)', () => {
    const changed = contextDir({ Dockerfile: dockerfile(base), 'src/a.txt': 'a2\n', 'src/b.txt': 'b\n' });
    const out = buildOk(third, 'berth', changed, ['--network', 'none', '--cache-from', `type=registry,ref=${ref}`]);
    const s = cacheSteps(out);
    assert.deepEqual(s.built, ['COPY src/', 'RUN cat', 'LABEL stage=final', 'CMD ["cat",'], out);
    assert.match(out, /Running in/);
  });

  it('mode=min exports only the steps of the result: the other stage runs again, what follows it is cached', async () => {
    const minRef = `${reg.host}/cache/app:min`;
    const out = buildOk(origin, 'berth', dir, ['--network', 'none', '--cache-to', `type=registry,ref=${minRef},mode=min`]);
    assert.match(out, /exported cache to .*: 7 steps/);
    await resultStepsOnly('rcache4', minRef);
  });

  it("--cache-to type=inline puts the result's steps in its image; --cache-from type=registry,ref=<image> reuses them", async () => {
    const image = `${reg.host}/cache/app:inline`;
    const out = buildOk(origin, 'berth', dir, ['--network', 'none', '-t', image, '--cache-to', 'type=inline', '--push']);
    assert.match(out, /inline cache: [0-9a-f]{12}/);
    assert.notEqual(builtId(out), built, 'the result carries the records: a config of its own');
    await resultStepsOnly('rcache5', image);
    const bad = build(origin, 'berth', dir, ['--cache-to', 'type=inline,mode=max']);
    assert.match(bad.stderr, /invalid cache mode "max" for type=inline/);
  });

  it('a cache that is not there is a warning; the build runs', () => {
    const out = buildOk(origin, 'berth', dir, ['--network', 'none', '--no-cache', '--cache-from', `type=registry,ref=${reg.host}/cache/none:x`]);
    assert.match(out, /\[WARNING\]: no cache manifest at .*cache\/none:x/);
    assert.match(out, /Running in/);
  });

  it('refuses exporters berth does not have, and bad options, before building', () => {
    let r = build(origin, 'berth', dir, ['--cache-to', 'type=local,dest=/tmp/x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cache exporter type "local" is not supported by berth: use type=registry or type=inline/);
    r = build(origin, 'berth', dir, ['--cache-to', `type=registry,ref=${ref},mode=all`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /invalid cache mode "all": use min or max/);
    r = build(origin, 'berth', dir, ['--cache-to', 'type=registry']);
    assert.match(r.stderr, /ref is required/);
  });

  it('a secret never reaches the exported cache (document, layers): its value is in no blob of the cache manifest', async () => {
    const secret = 'TOP-SECRET-9f8e7d';
    const sdir = contextDir({
      Dockerfile: `FROM ${base}\nRUN --mount=type=secret,id=s,env=S sh -c 'test \${#S} = ${secret.length} && echo used > /used'\nRUN --mount=type=secret,id=s wc -c /run/secrets/s > /len\n`,
      's.txt': secret,
    });
    const sref = `${reg.host}/cache/secret:c`;
    ok(
      origin.berth([
        'build',
        '--network',
        'none',
        '--secret',
        'id=s,src=' + path.join(sdir, 's.txt'),
        '--cache-to',
        `type=registry,ref=${sref},mode=max`,
        sdir,
      ]),
      'build with a secret',
    );
    const get = async (p: string, accept?: string) => {
      const r = await fetch(`http://${reg.host}/v2/cache/secret/${p}`, accept ? { headers: { Accept: accept } } : {});
      assert.equal(r.status, 200, p);
      return Buffer.from(await r.arrayBuffer());
    };
    const manifest = JSON.parse(String(await get('manifests/c', 'application/vnd.oci.image.manifest.v1+json')));
    assert.equal(manifest.config.mediaType, 'application/vnd.berth.buildcache.config.v1+json');
    const doc = await get(`blobs/${manifest.config.digest}`);
    assert.match(String(doc), /wc -c \/run\/secrets\/s/, 'the document holds the steps (positive control)');
    assert.doesNotMatch(String(doc), new RegExp(secret));
    assert.ok(manifest.layers.length >= 2);
    let sawUsed = false;
    for (const l of manifest.layers) {
      const tarBytes = zlib.gunzipSync(await get(`blobs/${l.digest}`));
      if (tarBytes.includes('used')) sawUsed = true;
      assert.equal(tarBytes.includes(secret), false, `layer ${l.digest} holds the secret`);
    }
    assert.ok(sawUsed, "the layers are the steps' (positive control)");
  });
});
