// The engine's cache-mount store: one directory per ID, `private` gives a
// busy cache's second user a fresh one, `locked` makes the second wait.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheMountStore } from '../../../../src/engine/builder/mounts';
import type { StepMount } from '../../../../src/builder/plan/stage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cm-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mount = (id: string, sharing: StepMount['sharing']): StepMount => ({
  type: 'cache',
  target: '/c',
  source: '',
  readOnly: false,
  id,
  sharing,
  required: false,
  size: 0,
});

describe('cache mounts', () => {
  const store = new CacheMountStore(path.join(tmp, 'mounts'));

  it('shared: the same directory for every user, kept after release', async () => {
    const a = await store.acquire(mount('s', 'shared'), tmp);
    const b = await store.acquire(mount('s', 'shared'), tmp);
    assert.equal(a.path, b.path);
    fs.writeFileSync(path.join(a.path, 'x'), '1');
    a.release();
    b.release();
    const c = await store.acquire(mount('s', ''), tmp);
    assert.equal(fs.readFileSync(path.join(c.path, 'x'), 'utf8'), '1');
    c.release();
    assert.deepEqual(
      store.all().map((r) => [r.id, r.inUse]),
      [['s', false]],
    );
  });

  it("private: a busy cache's second user gets an empty directory of its own, dropped after", async () => {
    const a = await store.acquire(mount('p', 'private'), tmp);
    fs.writeFileSync(path.join(a.path, 'x'), '1');
    const b = await store.acquire(mount('p', 'private'), tmp);
    assert.notEqual(b.path, a.path);
    assert.deepEqual(fs.readdirSync(b.path), []);
    b.release();
    assert.equal(fs.existsSync(b.path), false);
    a.release();
    const c = await store.acquire(mount('p', 'private'), tmp);
    assert.equal(c.path, a.path, 'free again: the kept cache');
    c.release();
  });

  it('locked: the second user waits for the first to release', async () => {
    const a = await store.acquire(mount('l', 'locked'), tmp);
    let got = false;
    const second = store.acquire(mount('l', 'locked'), tmp).then((r) => ((got = true), r));
    await new Promise((r) => setImmediate(r));
    assert.equal(got, false, 'still held');
    a.release();
    const b = await second;
    assert.equal(got, true);
    assert.equal(b.path, a.path);
    b.release();
  });

  it('remove: refused while in use, else the directory and its bytes go', async () => {
    const a = await store.acquire(mount('r', 'shared'), tmp);
    fs.writeFileSync(path.join(a.path, 'data'), Buffer.alloc(1000));
    const rec = store.all().find((r) => r.id === 'r')!;
    assert.equal(store.remove(rec), -1);
    a.release();
    assert.equal(store.remove(rec), 1000);
    assert.equal(
      store.all().some((r) => r.id === 'r'),
      false,
    );
  });
  it('a cache being made or seeded when the daemon stopped is dropped at the next start; a made one stays', async () => {
    const dir = path.join(tmp, 'restart');
    const first = new CacheMountStore(dir);
    const a = await first.acquire(mount('kept', 'shared'), tmp);
    fs.writeFileSync(path.join(a.path, 'f'), 'x');
    a.release();
    const base = path.dirname(a.path);
    fs.mkdirSync(path.join(dir, 'new-cut'));
    fs.mkdirSync(path.join(base, 'new-seed'));
    const again = new CacheMountStore(dir);
    assert.deepEqual(fs.readdirSync(dir), [path.basename(base)]);
    assert.deepEqual(fs.readdirSync(base).sort(), ['data', 'meta.json']);
    assert.deepEqual(
      again.all().map((r) => r.id),
      ['kept'],
    );
  });
});
