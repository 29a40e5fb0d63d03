// A container's writable layer: overlay of the image's layers (by their short
// links, relative to the layer store) under upper/. What a user relies on:
// the container sees the image's files, its writes land in upper/ only, and a
// stop (or a crash cleanup) unmounts whatever is below its directory.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { LayerStore, createRwLayer, isMounted, mountRwLayer, rwLayerPaths, unmountAllUnder, unmountRwLayer } from '../../../src/storage';
import { mount } from '../../../src/sys';
import { tarBuf } from '../../helpers/tar';

const canMount = process.getuid?.() === 0;

describe('writable layer', { skip: canMount ? false : 'needs root to mount overlay' }, () => {
  let root: string;
  let store: LayerStore;
  let top: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rwlayer-'));
    fs.mkdirSync(path.join(root, 'layers'));
    store = new LayerStore(path.join(root, 'layers'), path.join(root, 'tmp'));
    const b = await store.create(
      null,
      Readable.from([
        await tarBuf([
          { name: 'etc/', type: 'directory', mode: 0o755 },
          { name: 'etc/os', body: 'base\n' },
        ]),
      ]),
    );
    top = (await store.create(b.chainId, Readable.from([await tarBuf([{ name: 'etc/app', body: 'app\n' }])]))).chainId;
  });
  after(() => {
    unmountAllUnder(root);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('mounts the image under upper/ and keeps writes out of the layers', () => {
    const dir = path.join(root, 'c1');
    const p = createRwLayer(dir);
    assert.deepEqual(p, rwLayerPaths(dir));
    assert.equal(isMounted(p.merged), false);
    const merged = mountRwLayer(store, top, dir);
    try {
      assert.equal(merged, p.merged);
      assert.equal(isMounted(merged), true);
      // mounting again is a no-op
      assert.equal(mountRwLayer(store, top, dir), merged);
      assert.equal(fs.readFileSync(path.join(merged, 'etc/os'), 'utf8'), 'base\n');
      assert.equal(fs.readFileSync(path.join(merged, 'etc/app'), 'utf8'), 'app\n');
      fs.writeFileSync(path.join(merged, 'etc/os'), 'changed\n');
      assert.equal(fs.readFileSync(path.join(p.upper, 'etc/os'), 'utf8'), 'changed\n');
      const baseDiff = store.diffDirs(top)[1];
      assert.equal(fs.readFileSync(path.join(baseDiff, 'etc/os'), 'utf8'), 'base\n');
    } finally {
      unmountRwLayer(dir);
    }
    assert.equal(isMounted(merged), false);
    // unmounting what is not mounted is fine (a stop after a crash)
    unmountRwLayer(dir);
  });

  it('an image with no layers mounts on the empty lower', () => {
    const dir = path.join(root, 'c2');
    createRwLayer(dir);
    const merged = mountRwLayer(store, null, dir);
    try {
      assert.deepEqual(fs.readdirSync(merged), []);
    } finally {
      unmountRwLayer(dir);
    }
  });

  it('detaches every mount below a directory, nested ones included', () => {
    const dir = path.join(root, 'c3');
    const merged = (createRwLayer(dir), mountRwLayer(store, top, dir));
    const inner = path.join(merged, 'etc');
    mount('tmpfs', inner, 'tmpfs', 0, 'size=1m');
    assert.equal(isMounted(inner), true);
    unmountAllUnder(dir);
    assert.equal(isMounted(inner), false);
    assert.equal(isMounted(merged), false);
  });
});
