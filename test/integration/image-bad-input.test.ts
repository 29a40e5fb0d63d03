// Bad input on the image paths: corrupted, truncated or malformed registry
// content, hostile archives and layers, garbage instead of a tar, a pull cut by
// the network (resumed) and by killing berthd (the store stays consistent and
// pulling again completes). Every failure must leave nothing half-written.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { TestDaemon, waitFor } from '../helpers/daemon';
import { FaultProxy } from '../helpers/proxy';
import { TestRegistry, skopeo } from '../helpers/registry';
import { buildImage, dockerArchive, noise, tarOf, type Entry } from '../fixtures/images';

function ok(r: { status: number; stdout: string; stderr: string }, what = ''): string {
  assert.equal(r.status, 0, `${what} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** What must not change when an operation fails: images, layers, blobs; and tmp/ must be empty. */
/** Bytes staged under the data root's tmp/ (a download in progress). */
function stagedBytes(d: TestDaemon): number {
  let n = 0;
  const walk = (dir: string) => {
    let ents: fs.Dirent[] = [];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      const p = path.join(dir, e.name);
      try {
        if (e.isDirectory()) walk(p);
        else n += fs.statSync(p).size;
      } catch {
        /* gone meanwhile */
      }
    }
  };
  walk(path.join(d.dataRoot, 'tmp'));
  return n;
}

function snapshot(d: TestDaemon) {
  const ls = (p: string) => (fs.existsSync(p) ? fs.readdirSync(p).sort() : []);
  return {
    images: d.docker(['images', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean).sort(),
    layers: ls(path.join(d.dataRoot, 'layers')).filter((n) => /^[a-f0-9]{64}$/.test(n)),
    blobs: ls(path.join(d.dataRoot, 'content', 'blobs', 'sha256')),
  };
}

function assertUnchanged(d: TestDaemon, before: ReturnType<typeof snapshot>): void {
  assert.deepEqual(snapshot(d), before);
  assert.deepEqual(fs.readdirSync(path.join(d.dataRoot, 'tmp')), []);
}

function registryBlob(reg: TestRegistry, digest: string): string {
  const hex = digest.slice(7);
  return path.join(reg.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

describe('bad input from registries', () => {
  const d = new TestDaemon('badreg');
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let layerDigest: string;
  before(async () => {
    reg = await TestRegistry.start();
    proxy = await FaultProxy.start(reg.host);
    d.configure({ 'max-download-attempts': 2 });
    await d.start();
    await d.importBusybox();
    const img = await buildImage([[{ name: 'data.bin', content: noise(3 << 20, 7) }], [{ name: 'more.txt', content: 'more\n'.repeat(1000) }]]);
    ok(d.docker(['load'], { input: await dockerArchive([{ img, tags: [`${reg.host}/victim:1`] }]) }), 'load');
    ok(d.docker(['push', `${reg.host}/victim:1`]), 'push');
    ok(d.docker(['rmi', `${reg.host}/victim:1`]), 'rmi');
    const raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/victim:1`]), 'skopeo'));
    layerDigest = raw.layers[0].digest;
  });
  after(async () => {
    await d.stop();
    await proxy.stop();
    await reg.stop();
  });

  it('a blob whose digest does not match fails verification and leaves nothing behind', () => {
    const file = registryBlob(reg, layerDigest);
    const orig = fs.readFileSync(file);
    const bad = Buffer.from(orig);
    bad[Math.floor(bad.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bad);
    try {
      const s = snapshot(d);
      const r = d.docker(['pull', `${reg.host}/victim:1`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr + r.stdout, new RegExp(`filesystem layer verification failed for digest ${layerDigest}: digest mismatch`));
      assertUnchanged(d, s);
    } finally {
      fs.writeFileSync(file, orig);
    }
  });

  it('a truncated download fails with unexpected EOF after its retries and leaves nothing behind', () => {
    const file = registryBlob(reg, layerDigest);
    const orig = fs.readFileSync(file);
    fs.writeFileSync(file, orig.subarray(0, orig.length >> 1));
    try {
      const s = snapshot(d);
      const r = d.docker(['pull', `${reg.host}/victim:1`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr + r.stdout, /unexpected EOF/);
      assertUnchanged(d, s);
    } finally {
      fs.writeFileSync(file, orig);
    }
  });

  it('a download cut by the network resumes where it stopped (Range)', async () => {
    proxy.cuts = 1;
    proxy.cutAfter = 256 * 1024;
    proxy.ranges.length = 0;
    const r = await d.dockerAsync(['pull', `${proxy.host}/victim:1`]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.ok(
      proxy.ranges.some((x) => /^bytes=\d+-$/.test(x) && x !== 'bytes=0-'),
      `ranges: ${proxy.ranges}`,
    );
    assert.match(ok(d.docker(['image', 'inspect', '-f', '{{len .RootFS.Layers}}', `${proxy.host}/victim:1`])), /^2$/m);
    ok(d.docker(['rmi', `${proxy.host}/victim:1`]));
  });

  it('an upload cut by the network is retried and the push completes', async () => {
    const img = await buildImage([[{ name: 'up.bin', content: noise(2 << 20, 31) }]]);
    ok(d.docker(['load'], { input: await dockerArchive([{ img, tags: [`${proxy.host}/upload:1`] }]) }), 'load');
    proxy.uploadCuts = 1;
    proxy.cutAfter = 256 * 1024;
    const r = await d.dockerAsync(['push', `${proxy.host}/upload:1`]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Retrying in 1 second/);
    assert.equal(proxy.uploadCuts, 0);
    const raw = JSON.parse(ok(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/upload:1`]), 'skopeo'));
    assert.equal(raw.layers.length, 1);
  });

  it('malformed manifests and indexes, schema 1, and indexes without our platform are refused clearly', async () => {
    const answers: Record<string, { type: string; body: string }> = {
      garbage: { type: 'application/vnd.docker.distribution.manifest.v2+json', body: '{not json' },
      noindex: {
        type: 'application/vnd.oci.image.index.v1+json',
        body: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: 'nope' }),
      },
      baddigest: {
        type: 'application/vnd.docker.distribution.manifest.v2+json',
        body: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:1234', size: 10 },
          layers: [],
        }),
      },
      schema1: {
        type: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        body: JSON.stringify({ schemaVersion: 1, name: 'schema1', tag: 'latest', fsLayers: [] }),
      },
      otherplatform: {
        type: 'application/vnd.oci.image.index.v1+json',
        body: JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: 'sha256:' + 'a'.repeat(64),
              size: 100,
              platform: { os: 'windows', architecture: 'amd64' },
            },
          ],
        }),
      },
    };
    proxy.override((req, res) => {
      const m = /^\/v2\/(\w+)\/manifests\/latest$/.exec(req.url ?? '');
      if (!m || !answers[m[1]]) return false;
      res.writeHead(200, { 'Content-Type': answers[m[1]].type });
      res.end(req.method === 'HEAD' ? undefined : answers[m[1]].body);
      return true;
    });
    try {
      const s = snapshot(d);
      const expect: Record<string, RegExp> = {
        garbage: /invalid manifest: .*JSON/,
        noindex: /invalid manifest list/,
        baddigest: /invalid manifest: config: unsupported digest algorithm or length/,
        schema1: /Docker Image manifest version 2, schema 1 support has been removed/,
        otherplatform: /no matching manifest for linux\/amd64 in the manifest list entries/,
      };
      for (const [name, re] of Object.entries(expect)) {
        const r = await d.dockerAsync(['pull', `${proxy.host}/${name}`]);
        assert.equal(r.status, 1, name);
        assert.match(r.stderr, re, name);
      }
      assertUnchanged(d, s);
    } finally {
      proxy.clearOverrides();
    }
  });

  it('a pull the client abandons is cancelled and cleaned up', async () => {
    const img = await buildImage([[{ name: 'c.bin', content: noise(6 << 20, 21) }]]);
    ok(d.docker(['load'], { input: await dockerArchive([{ img, tags: [`${reg.host}/gone:1`] }]) }), 'load');
    ok(d.docker(['push', `${reg.host}/gone:1`]), 'push');
    ok(d.docker(['rmi', `${reg.host}/gone:1`]), 'rmi');
    const s = snapshot(d);
    proxy.throttle = 1 << 20;
    const pull = d.spawnDocker(['pull', `${proxy.host}/gone:1`]);
    pull.stdout!.resume();
    pull.stderr!.resume();
    try {
      // the download is under way: some of it is staged
      await waitFor(() => stagedBytes(d) >= 256 << 10, 30000);
      pull.kill('SIGKILL');
      // the daemon notices the closed connection, stops the download and removes its staging
      await waitFor(() => fs.readdirSync(path.join(d.dataRoot, 'tmp')).length === 0, 20000);
    } finally {
      proxy.throttle = 0;
      pull.kill('SIGKILL');
    }
    assertUnchanged(d, s);
    assert.notEqual(d.docker(['image', 'inspect', `${proxy.host}/gone:1`]).status, 0);
  });

  it('a pull interrupted by killing berthd leaves the store consistent; pulling again completes', async () => {
    const big = await buildImage([[{ name: 'a.bin', content: noise(6 << 20, 11) }], [{ name: 'b.bin', content: noise(6 << 20, 12) }]]);
    ok(d.docker(['load'], { input: await dockerArchive([{ img: big, tags: [`${reg.host}/big:1`] }]) }), 'load big');
    ok(d.docker(['push', `${reg.host}/big:1`]), 'push big');
    ok(d.docker(['rmi', `${reg.host}/big:1`]), 'rmi big');
    const s = snapshot(d);
    proxy.throttle = 2 << 20;
    const pull = d.spawnDocker(['pull', `${proxy.host}/big:1`]);
    pull.stdout!.resume();
    pull.stderr!.resume();
    try {
      await waitFor(() => proxy.requests.some((r) => /GET \/v2\/big\/blobs\/sha256:/.test(r) && !r.includes(big.configDigest)), 20000);
      // part of a layer is staged, not all of it (2 MiB/s of 12 MiB)
      await waitFor(() => stagedBytes(d) >= 1 << 20, 30000);
      await d.stopDaemon('SIGKILL');
    } finally {
      proxy.throttle = 0;
      pull.kill('SIGKILL');
    }
    // staging dirs from the interrupted pull are still there: garbage by definition
    assert.ok(fs.readdirSync(path.join(d.dataRoot, 'tmp')).length > 0, 'the pull was interrupted mid-download');
    await d.start();
    // every layer dir the store has is complete, the image is not there, tmp/ is empty
    for (const n of fs.readdirSync(path.join(d.dataRoot, 'layers')).filter((x) => /^[a-f0-9]{64}$/.test(x)))
      assert.ok(fs.existsSync(path.join(d.dataRoot, 'layers', n, 'layer.json')), `layer ${n} is complete`);
    assertUnchanged(d, s);
    assert.notEqual(d.docker(['image', 'inspect', `${reg.host}/big:1`]).status, 0);
    const again = ok(d.docker(['pull', `${reg.host}/big:1`]), 'pull again');
    assert.match(again, /Status: Downloaded newer image/);
    assert.equal(ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/big:1`])).trim(), big.configDigest);
  });
});

describe('bad archives and layers on load', () => {
  const d = new TestDaemon('badload');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const layerCase = async (entries: Entry[]) => dockerArchive([{ img: await buildImage([entries]), tags: ['hostile:1'] }]);

  it('refuses hostile archives and layers with a clear error and leaves nothing half-written', async () => {
    const good = await buildImage([[{ name: 'ok.txt', content: 'ok' }]]);
    const cases: Array<[string, Buffer, RegExp]> = [
      [
        '../ in the archive',
        await tarOf([
          { name: '../evil', content: 'x' },
          { name: 'manifest.json', content: '[]' },
        ]),
        /climbs out of the archive/,
      ],
      ['absolute path in the archive', await tarOf([{ name: '/abs', content: 'x' }]), /has an absolute path/],
      [
        'device node in the archive',
        await tarOf([{ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 }]),
        /character-device, which an image archive may not contain/,
      ],
      [
        'manifest pointing outside',
        await dockerArchive([{ img: good, tags: ['x:1'] }], { manifest: [{ Config: '../../../etc/passwd', RepoTags: ['x:1'], Layers: [] }] }),
        /escapes the archive/,
      ],
      ['no manifest', await tarOf([{ name: 'hello.txt', content: 'hi' }]), /no manifest\.json or index\.json/],
      ['garbage', Buffer.from('this is not a tar archive at all, just text that goes on and on '.repeat(20)), /not a tar archive/],
      ['../ in a layer', await layerCase([{ name: '../../escape', content: 'x' }]), /path escapes the destination directory/],
      ['absolute path in a layer', await layerCase([{ name: '/etc/abs', content: 'x' }]), /absolute path/],
      ['hard link out of a layer', await layerCase([{ name: 'l', type: 'link', linkname: '../../../etc/passwd' }]), /hardlink target .* escapes/],
      ['symlink out of a layer', await layerCase([{ name: 'up', type: 'symlink', linkname: '../../../../etc' }]), /target outside the layer/],
      ['device node outside /dev', await layerCase([{ name: 'bin/sda', type: 'block-device', devmajor: 8, devminor: 0 }]), /device node outside \/dev/],
      ['fake whiteout device', await layerCase([{ name: 'dev/x', type: 'character-device', devmajor: 0, devminor: 0 }]), /0:0 character device/],
    ];
    // a layer whose bytes do not match the config's diff ID
    const lie = await buildImage([[{ name: 'a', content: 'a' }]]);
    lie.layers[0] = await tarOf([{ name: 'a', content: 'b' }]);
    cases.push(['layer not matching its diff ID', await dockerArchive([{ img: lie, tags: ['lie:1'] }]), /diff ID mismatch/]);
    const s = snapshot(d);
    for (const [what, data, re] of cases) {
      const r = d.docker(['load'], { input: data });
      assert.equal(r.status, 1, `${what}: ${r.stdout}`);
      assert.match(r.stderr, re, what);
      assertUnchanged(d, s);
    }
    // and the berth CLI says the same
    const b = d.berth(['load'], { input: cases[0][1] });
    assert.equal(b.status, 1);
    assert.match(b.stderr, /invalid archive: .*climbs out/);
  });

  it('garbage and hostile tars given to import fail clearly too', async () => {
    const s = snapshot(d);
    const r = d.docker(['import', '-', 'junk:1'], { input: zlib.gzipSync(Buffer.from('no tar in here')) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /invalid tar archive|Invalid tar header|Unexpected end/i);
    const e = d.docker(['import', '-', 'junk:2'], { input: await tarOf([{ name: '../../x', content: 'x' }]) });
    assert.equal(e.status, 1);
    assert.match(e.stderr, /escapes the destination/);
    assertUnchanged(d, s);
  });
});
