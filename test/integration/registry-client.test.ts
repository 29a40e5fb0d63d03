// The registry client on its own against real registries: monolithic,
// streamed and chunked uploads, cross-repository mounts, Range reads, and the
// token flow (one token per scope set, reused).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Registry, defaultRegistryConfig, type Endpoint } from '../../src/registry';
import { TestRegistry, skopeo } from '../helpers/registry';

const digestOf = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('registry client', () => {
  let open: TestRegistry;
  let token: TestRegistry;
  let client: Registry;
  let ep: Endpoint;
  before(async () => {
    [open, token] = await Promise.all([TestRegistry.start(), TestRegistry.start({ auth: 'token' })]);
    client = new Registry(defaultRegistryConfig({ uploadChunkSize: 0 }));
    ep = (await client.endpoints(open.host, false))[0];
  });
  after(async () => {
    await client.close();
    await open.stop();
    await token.stop();
  });

  it('uploads monolithically, as one streamed PATCH, and in Content-Range chunks; HEAD and Range reads see them', async () => {
    const repo = client.repository(ep, 'up/load', undefined, true);
    const blobs = [randomBytes(1000), randomBytes(300_000), randomBytes(333_333)];
    const mono = await repo.startUpload();
    assert.equal(mono.mounted, false);
    await repo.putBlob((mono as { location: string }).location, digestOf(blobs[0]), blobs[0], blobs[0].length);
    const streamed = (await repo.startUpload()) as { location: string };
    await repo.patchBlob(streamed.location, digestOf(blobs[1]), Readable.from([blobs[1].subarray(0, 1000), blobs[1].subarray(1000)]), 0);
    const chunked = (await repo.startUpload()) as { location: string };
    const sizes: number[] = [];
    await repo.patchBlob(
      chunked.location,
      () => digestOf(blobs[2]),
      Readable.from([blobs[2]]),
      64 * 1024,
      (n) => sizes.push(n),
    );
    assert.deepEqual(sizes, [65536, 65536, 65536, 65536, 65536, 5653]);
    for (const b of blobs) {
      assert.equal(await repo.hasBlob(digestOf(b)), b.length);
      const { body } = await repo.openBlob(digestOf(b));
      assert.ok((await readAll(body)).equals(b));
    }
    const tail = await repo.openBlob(digestOf(blobs[1]), 299_000);
    assert.ok((await readAll(tail.body)).equals(blobs[1].subarray(299_000)));
    assert.equal(await repo.hasBlob(digestOf(randomBytes(8))), undefined);
  });

  it('mounts a blob from another repository of the same registry; a manifest put there is read by skopeo', async () => {
    const layer = randomBytes(2048);
    const src = client.repository(ep, 'mount/src', undefined, true);
    const up = (await src.startUpload()) as { location: string };
    await src.putBlob(up.location, digestOf(layer), layer, layer.length);
    const dst = client.repository(ep, 'mount/dst', undefined, true, ['repository:mount/src:pull']);
    const m = await dst.startUpload({ digest: digestOf(layer), from: 'mount/src' });
    assert.equal(m.mounted, true);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } }));
    const cu = (await dst.startUpload()) as { location: string };
    await dst.putBlob(cu.location, digestOf(config), config, config.length);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: digestOf(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digestOf(layer), size: layer.length }],
      }),
    );
    const d = await dst.putManifest('v1', 'application/vnd.docker.distribution.manifest.v2+json', manifest);
    assert.equal(d, digestOf(manifest));
    const info = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${open.host}/mount/dst:v1`]).stdout);
    assert.equal(info.layers[0].digest, digestOf(layer));
    const got = await dst.manifest('v1', 'x');
    assert.equal(got.digest, d);
    assert.deepEqual(await dst.tags(), ['v1']);
  });

  it('token auth: one token per scope set, reused across requests; wrong credentials fail clearly', async () => {
    const tep = (await client.endpoints(token.host, false))[0];
    const creds = { username: 'berth', password: 'secret-pw' };
    const repo = client.repository(tep, 'tok/en', creds, true);
    const before = token.tokenRequests.length;
    const blob = randomBytes(100);
    for (let i = 0; i < 3; i++) assert.equal(await repo.hasBlob(digestOf(blob)), undefined);
    const up = (await repo.startUpload()) as { location: string };
    await repo.putBlob(up.location, digestOf(blob), blob, blob.length);
    assert.equal(await repo.hasBlob(digestOf(blob)), 100);
    const reqs = token.tokenRequests.slice(before);
    assert.equal(reqs.length, 1, JSON.stringify(reqs));
    assert.deepEqual(reqs[0], { scopes: ['repository:tok/en:pull,push'], account: 'berth' });
    const bad = client.repository(tep, 'tok/en', { username: 'berth', password: 'no' });
    await assert.rejects(() => bad.hasBlob(digestOf(blob)), /incorrect username or password/);
    const login = await client.login({ ...creds, serveraddress: token.host });
    assert.equal(login.Status, 'Login Succeeded');
    await assert.rejects(() => client.login({ username: 'berth', password: 'x', serveraddress: token.host }), /incorrect username or password/);
  });
});
