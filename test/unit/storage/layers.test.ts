// The layer store: unpacked layers by chain ID, a layer existing only once its
// layer.json is written (last). What a user relies on: IDs are Docker's (diff
// ID = sha256 of the tar, chain ID = sha256("parent diffID")), a wrong layer
// never lands, and whatever a crash leaves half-made is gone at the next start
// while committed layers stay.
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { LayerStore, chainIdOf } from '../../../src/storage';
import { tarBuf } from '../../helpers/tar';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

describe('layer store', () => {
  let root: string;
  let tmp: string;
  let layersDir: string;
  let store: LayerStore;
  let base: Buffer;
  let top: Buffer;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-layers-'));
    tmp = path.join(root, 'tmp');
    layersDir = path.join(root, 'layers');
    fs.mkdirSync(layersDir);
    store = new LayerStore(layersDir, tmp);
    base = await tarBuf([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/hostname', body: 'base\n', mode: 0o644 },
    ]);
    top = await tarBuf([{ name: 'etc/motd', body: 'hello\n', mode: 0o644 }]);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("names layers as Docker does: diff ID is the tar's digest, chain ID folds in the parent", async () => {
    const b = await store.create(null, Readable.from([base]));
    assert.equal(b.diffId, sha(base));
    assert.equal(b.chainId, b.diffId);
    assert.equal(b.parent, null);
    const t = await store.create(b.chainId, Readable.from([top]));
    assert.equal(t.chainId, sha(`${b.chainId} ${sha(top)}`));
    assert.equal(t.chainId, chainIdOf(b.chainId, t.diffId));
    assert.equal(fs.readFileSync(path.join(store.diffDir(b.chainId), 'etc/hostname'), 'utf8'), 'base\n');
    assert.equal(fs.readFileSync(path.join(store.diffDir(t.chainId), 'etc/motd'), 'utf8'), 'hello\n');
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it('gives overlay a lower chain of short links, top first, each leading to its diff', async () => {
    const b = await store.create(null, Readable.from([base]));
    const t = await store.create(b.chainId, Readable.from([top]));
    const chain = store.lowerChain(t.chainId);
    assert.equal(chain.length, 2);
    assert.deepEqual(chain.slice(1), store.lowerChain(b.chainId));
    for (const [i, l] of chain.entries()) {
      assert.match(l, /^l\/[A-Z0-9x]{12}$/);
      assert.equal(fs.realpathSync(path.join(layersDir, l)), fs.realpathSync([store.diffDir(t.chainId), store.diffDir(b.chainId)][i]));
    }
    assert.deepEqual(store.diffDirs(t.chainId), [store.diffDir(t.chainId), store.diffDir(b.chainId)]);
  });

  it('refuses a layer whose diff ID is not the expected one and keeps nothing of it', async () => {
    await assert.rejects(store.create(null, Readable.from([base]), sha('something else')), /layer diff ID mismatch: expected sha256:[0-9a-f]{64}, got sha256:/);
    assert.deepEqual(store.all(), []);
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.deepEqual(fs.readdirSync(store.linkDir), []);
    // the same bytes with the right expectation are accepted
    const ok = await store.create(null, Readable.from([base]), sha(base));
    assert.equal(ok.diffId, sha(base));
  });

  it('refuses a layer on a parent that does not exist', async () => {
    await assert.rejects(store.create(sha('no parent'), Readable.from([top])), /parent layer sha256:[0-9a-f]{64} does not exist/);
    assert.deepEqual(store.all(), []);
  });

  it('reuses an existing layer: a second commit of the same chain ID drops its staging dir', async () => {
    const first = await store.create(null, Readable.from([base]));
    const staged = await store.stage(Readable.from([base]));
    assert.ok(fs.existsSync(staged.dir));
    const again = store.commitStaged(null, staged, [{ digest: sha('blob'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1 }]);
    assert.equal(again, first);
    assert.equal(fs.existsSync(staged.dir), false);
    assert.deepEqual(
      store.blobsOf(first.diffId).map((b) => b.digest),
      [sha('blob')],
    );
  });

  it('after a crash, drops layers that were never committed and dangling short links, and keeps committed ones', async () => {
    const b = await store.create(null, Readable.from([base]));
    // a layer dir renamed into place without its layer.json, and a link to nothing
    const half = path.join(layersDir, 'a'.repeat(64));
    fs.mkdirSync(path.join(half, 'diff'), { recursive: true });
    fs.symlinkSync('../' + 'b'.repeat(64) + '/diff', path.join(store.linkDir, 'DANGLINGLINK'));
    const reopened = new LayerStore(layersDir, tmp);
    assert.equal(fs.existsSync(half), false);
    assert.equal(fs.existsSync(path.join(store.linkDir, 'DANGLINGLINK')), false);
    assert.deepEqual(reopened.get(b.chainId), b);
    assert.deepEqual(reopened.lowerChain(b.chainId), store.lowerChain(b.chainId));
  });

  it('removing a layer frees its files and link, and reports blobs no other layer or operation holds', async () => {
    const gz = { digest: sha('gz'), mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 2 };
    const pinnedBlob = { digest: sha('pinned'), mediaType: gz.mediaType, size: 2 };
    const b = await store.create(null, Readable.from([base]), undefined, [gz, pinnedBlob]);
    const link = store.lowerChain(b.chainId)[0];
    const release = store.pin([pinnedBlob.digest]);
    assert.deepEqual(store.remove(b.chainId), [gz.digest]);
    release();
    assert.equal(store.has(b.chainId), false);
    assert.equal(fs.existsSync(store.dir(b.chainId)), false);
    assert.equal(fs.existsSync(path.join(layersDir, link)), false);
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.equal(store.isPinned(pinnedBlob.digest), false);
  });
});
