// The content store is the crash-safety core of pulls and loads: a blob is
// hashed while it is written to tmp/ and reaches blobs/sha256/ only by a rename
// once its digest is right. What a user relies on: a wrong or cut download
// never leaves a blob (or a staging file) behind, and a stored blob is exactly
// the bytes its name says.
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ContentStore } from '../../../src/storage';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** A source that yields some bytes and then fails, as a dropped connection does. */
function cutSource(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
      } else this.destroy(new Error('connection reset'));
    },
  });
}

describe('content store', () => {
  let root: string;
  let tmp: string;
  let store: ContentStore;
  const blobs = () => fs.readdirSync(store.blobsDir).sort();
  const staging = () => fs.readdirSync(tmp);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-content-'));
    tmp = path.join(root, 'tmp');
    store = new ContentStore(path.join(root, 'content'), tmp);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('stores bytes under their sha256 and reads them back; storing again is a no-op', () => {
    const data = Buffer.from('hello blob');
    const d = store.putBytes(data);
    assert.equal(d, sha(data));
    assert.ok(store.has(d));
    assert.deepEqual(store.read(d), data);
    assert.equal(store.size(d), data.length);
    assert.equal(store.putBytes(data), d);
    assert.deepEqual(blobs(), [d.slice(7)]);
    assert.deepEqual(staging(), []);
  });

  it('streams a blob in and verifies it against the expected digest', async () => {
    const data = Buffer.alloc(300_000, 7);
    const r = await store.putStream(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), sha(data));
    assert.deepEqual(r, { digest: sha(data), size: data.length });
    assert.deepEqual(store.read(r.digest), data);
    assert.deepEqual(staging(), []);
  });

  it('refuses a stream whose digest is not the expected one, leaving nothing behind', async () => {
    const data = Buffer.from('the bytes that came');
    const claimed = sha('the bytes that were promised');
    await assert.rejects(store.putStream(Readable.from([data]), claimed), /digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:/);
    assert.equal(store.has(claimed), false);
    assert.equal(store.has(sha(data)), false);
    assert.deepEqual(blobs(), []);
    assert.deepEqual(staging(), []);
  });

  it('leaves no partial blob when the source fails mid-stream', async () => {
    await assert.rejects(store.putStream(cutSource(Buffer.alloc(4096, 1))), /connection reset/);
    assert.deepEqual(blobs(), []);
    assert.deepEqual(staging(), []);
  });

  it('a writer commits only verified content and an abort leaves nothing', async () => {
    const a = Buffer.alloc(100_000, 3);
    const b = Buffer.from('tail');
    const w = store.writer();
    w.write(a);
    w.write(b);
    const whole = Buffer.concat([a, b]);
    assert.deepEqual(await w.commit(sha(whole)), { digest: sha(whole), size: whole.length });
    assert.deepEqual(store.read(sha(whole)), whole);
    assert.deepEqual(staging(), []);

    const bad = store.writer();
    bad.write(Buffer.from('not what the manifest said'));
    await assert.rejects(bad.commit(sha('other')), /digest mismatch/);
    assert.equal(fs.existsSync(bad.tmp), false);

    const cut = store.writer();
    cut.write(Buffer.alloc(10_000, 9));
    cut.abort();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(staging(), []);
    assert.deepEqual(blobs(), [sha(whole).slice(7)]);
  });

  it('adopting a blob that is already stored keeps the stored one and drops the temp file', () => {
    const d = store.putBytes(Buffer.from('first'));
    const t = path.join(tmp, 'late');
    fs.writeFileSync(t, 'first');
    store.adopt(t, d);
    assert.equal(fs.existsSync(t), false);
    assert.deepEqual(store.read(d), Buffer.from('first'));
  });

  it('names only well-formed digests: no path escapes the blob directory', () => {
    assert.throws(() => store.path('sha256:../../etc/passwd'), /invalid digest/);
    assert.throws(() => store.path('md5:d41d8cd98f00b204e9800998ecf8427e'), /invalid digest/);
    assert.equal(store.path(sha('x')), path.join(store.blobsDir, sha('x').slice(7)));
  });

  it('lists stored blobs only, not stray files in the blob directory', () => {
    const d = store.putBytes(Buffer.from('listed'));
    fs.writeFileSync(path.join(store.blobsDir, 'not-a-digest'), 'x');
    assert.deepEqual(store.list(), [d]);
    store.delete(d);
    assert.deepEqual(store.list(), []);
  });
});
