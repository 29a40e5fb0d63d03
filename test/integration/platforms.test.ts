// --platform on pull, create, run and build, against a two-platform busybox
// index (amd64 + arm64) in a registry on 127.0.0.1: the requested variant is
// pulled; a local image of another platform than the one requested makes
// create pull the right one; an image for another platform than the host's,
// none requested, runs with Docker's warning; arm64 programs (RUN steps and
// containers) run through the qemu-aarch64 binfmt handler when the host has
// one registered (skipped, saying why, when not).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon';
import { TestRegistry, skopeo } from '../helpers/registry';
import { buildOk, builtId, cacheSteps, contextDir, inspect, ok } from '../helpers/build';
import { noArm64Busybox, noArm64Emulation, pushMultiArchBusybox } from '../fixtures/multiarch';

const noImage = noArm64Busybox();
const noEmu = noImage ?? noArm64Emulation();
const WARNING =
  /WARNING: The requested image's platform \(linux\/arm64\/v8\) does not match the detected host platform \(linux\/amd64(\/v\d)?\) and no specific platform was requested/;

describe('platforms', { skip: noImage }, () => {
  let reg: TestRegistry;
  const d = new TestDaemon('plat');
  let ids: { amd64: string; arm64: string };
  let img: string;
  before(async () => {
    reg = await TestRegistry.start();
    img = `${reg.host}/multi/busybox:1`;
    ids = await pushMultiArchBusybox(reg.host, 'multi/busybox:1');
    await d.start();
  });
  after(async () => {
    await d.stop();
    await reg?.stop();
  });

  it('pull --platform picks the variant, with either client', () => {
    ok(d.berth(['pull', '--platform', 'linux/arm64', img]), 'berth pull');
    assert.equal(inspect(d, img, '{{.Id}} {{.Os}}/{{.Architecture}}/{{.Variant}}'), `${ids.arm64} linux/arm64/v8`);
    ok(d.docker(['pull', '--platform', 'linux/amd64', img]), 'docker pull');
    assert.equal(inspect(d, img, '{{.Id}} {{.Architecture}}'), `${ids.amd64} amd64`);
  });

  it('create of an image for another platform, none requested, warns as Docker does (control: the host one does not)', () => {
    let r = d.docker(['create', img, 'true']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /WARNING/);
    ok(d.docker(['pull', '--platform', 'linux/arm64', img]));
    for (const cli of ['docker', 'berth'] as const) {
      r = d[cli](['create', img, 'true']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, WARNING, `${cli}: ${r.stderr}`);
    }
  });

  it('create --platform with a local image of another platform pulls the requested one', () => {
    ok(d.docker(['pull', '--platform', 'linux/arm64', img]));
    for (const cli of ['docker', 'berth'] as const) {
      ok(d.docker(['pull', '--platform', 'linux/arm64', img]));
      const r = d[cli](['create', '--platform', 'linux/amd64', img, 'true']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /Unable to find image/);
      assert.doesNotMatch(r.stderr, /WARNING/);
      assert.equal(ok(d.docker(['container', 'inspect', '-f', '{{.Image}}', r.stdout.trim()])).trim(), ids.amd64);
    }
    const bad = d.berth(['create', '--platform', 'linux/nonsense', img, 'true']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /"linux\/nonsense": unknown operating system or architecture: invalid argument/);
  });

  it('run --platform linux/arm64 pulls and runs the arm64 variant under qemu', { skip: noEmu }, () => {
    ok(d.docker(['pull', '--platform', 'linux/amd64', img]));
    for (const cli of ['docker', 'berth'] as const) {
      const r = d[cli](['run', '--rm', '--network', 'none', '--platform', 'linux/arm64', img, 'uname', '-m']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'aarch64\n');
      assert.doesNotMatch(r.stderr, /WARNING/);
      const amd = d[cli](['run', '--rm', '--network', 'none', '--platform', 'linux/amd64', img, 'uname', '-m']);
      assert.equal(amd.stdout, 'x86_64\n', amd.stderr);
    }
  });

  it('build --platform linux/arm64 runs its RUN steps under qemu and makes an arm64 image', { skip: noEmu }, () => {
    const dir = contextDir({ Dockerfile: `FROM ${img}\nRUN uname -m > /arch\nCMD ["cat", "/arch"]\n` });
    const id = builtId(buildOk(d, 'berth', dir, ['--network', 'none', '--platform', 'linux/arm64', '-t', 'arm-built']));
    assert.equal(inspect(d, id, '{{.Os}}/{{.Architecture}}/{{.Variant}}'), 'linux/arm64/v8');
    const r = d.berth(['run', '--rm', '--network', 'none', '--platform', 'linux/arm64', 'arm-built']);
    assert.equal(r.stdout, 'aarch64\n', r.stderr);
  });

  it('build --platform linux/amd64,linux/arm64 --push builds each platform and pushes an index of both', { skip: noEmu }, () => {
    const dir = contextDir({ Dockerfile: `FROM ${img}\nARG TARGETARCH\nRUN uname -m > /arch && echo "$TARGETARCH" > /targetarch\n` });
    const tag = `${reg.host}/multi/app:1`;
    const out = buildOk(d, 'berth', dir, ['--network', 'none', '--platform', 'linux/amd64,linux/arm64', '-t', tag, '--push']);
    assert.match(out, /Building for linux\/amd64/);
    assert.match(out, /Building for linux\/arm64/);
    assert.match(out, /pushed index .*multi\/app:1@sha256:[0-9a-f]{64} \(2 platforms\)/);
    // the local tag is the host's variant
    assert.equal(inspect(d, tag, '{{.Architecture}}'), 'amd64');
    const raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${tag}`]), 'skopeo inspect'));
    assert.deepEqual(raw.manifests.map((m: { platform: { os: string; architecture: string } }) => `${m.platform.os}/${m.platform.architecture}`).sort(), [
      'linux/amd64',
      'linux/arm64',
    ]);
    for (const [platform, arch, goarch] of [
      ['linux/arm64', 'aarch64', 'arm64'],
      ['linux/amd64', 'x86_64', 'amd64'],
    ]) {
      ok(d.docker(['rmi', '-f', tag]));
      ok(d.docker(['pull', '--platform', platform, tag]), `pull ${platform}`);
      const r = d.docker(['run', '--rm', '--network', 'none', '--platform', platform, tag, 'cat', '/arch', '/targetarch']);
      assert.equal(r.stdout, `${arch}\n${goarch}\n`, r.stderr);
    }
  });

  it('a multi-platform inline cache serves each platform its own steps: an arm64 build on a fresh data root is all cached', { skip: noEmu }, async () => {
    const dir = contextDir({ Dockerfile: `FROM ${img}\nRUN uname -m > /arch\nRUN echo done > /done\n` });
    const tag = `${reg.host}/multi/cached:1`;
    buildOk(d, 'berth', dir, ['--network', 'none', '--platform', 'linux/amd64,linux/arm64', '-t', tag, '--cache-to', 'type=inline', '--push']);
    const fresh = new TestDaemon('plat-cache');
    await fresh.start();
    try {
      for (const platform of ['linux/arm64', 'linux/amd64']) {
        const out = buildOk(fresh, 'berth', dir, ['--network', 'none', '--platform', platform, '--cache-from', `type=registry,ref=${tag}`]);
        const s = cacheSteps(out);
        assert.deepEqual(s.built, [], `${platform}: ${out}`);
        assert.equal(s.cached.length, 2, out);
      }
      // control: without the import the same build runs its steps
      const out = buildOk(fresh, 'berth', dir, ['--network', 'none', '--platform', 'linux/arm64', '--no-cache']);
      assert.equal(cacheSteps(out).built.length, 2, out);
    } finally {
      await fresh.stop();
    }
  });

  it('a multi-platform build without --push keeps the index under its tag: create --platform finds the variant, prune keeps it, push sends the index', {
    skip: noEmu,
  }, () => {
    const dir = contextDir({ Dockerfile: `FROM ${img}\nRUN uname -m > /arch && echo kept > /kept\n` });
    const tag = `${reg.host}/multi/kept:1`;
    const out = buildOk(d, 'berth', dir, ['--network', 'none', '--platform', 'linux/amd64,linux/arm64', '-t', tag]);
    const arm = /linux\/arm64\/v8: (sha256:[0-9a-f]{64})/.exec(out)?.[1] ?? /linux\/arm64: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    assert.ok(arm, out);
    assert.doesNotMatch(ok(d.docker(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])), new RegExp(arm.slice(7)));
    ok(d.docker(['image', 'prune', '-f']));
    assert.equal(inspect(d, arm, '{{.Architecture}}'), 'arm64', 'prune keeps the index');
    const r = d.berth(['run', '--rm', '--network', 'none', '--platform', 'linux/arm64', tag, 'cat', '/arch']);
    assert.equal(r.stdout, 'aarch64\n', r.stderr);
    assert.doesNotMatch(r.stderr, /Unable to find image/);
    ok(d.berth(['push', tag]), 'push the kept index');
    let raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${tag}`]), 'skopeo inspect'));
    assert.deepEqual(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort(), ['amd64', 'arm64']);
    // control: a tag moved elsewhere no longer stands for the index
    ok(d.docker(['tag', img, tag]));
    ok(d.berth(['push', tag]));
    raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${tag}`]), 'skopeo inspect'));
    assert.equal(raw.manifests, undefined);
    ok(d.docker(['image', 'prune', '-f']));
    assert.notEqual(d.docker(['image', 'inspect', arm]).status, 0, 'the variant is dangling once the index is gone');
  });
});
