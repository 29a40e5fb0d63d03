// Ingesting one layer (pull, load): the source is hashed into a blob, unpacked
// and hashed again for its diff ID in one pass, and nothing reaches the stores
// until both digests check out. As Docker, a bad blob is reported as a digest
// mismatch even when it also breaks decompression.
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ContentStore, IngestError, LayerStore, ingestLayer } from '../../../src/storage';
import { tarBuf } from '../../helpers/tar';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

describe('layer ingest', () => {
  let root: string;
  let tmp: string;
  let content: ContentStore;
  let layers: LayerStore;
  let tar: Buffer;
  let gz: Buffer;

  const nothingKept = () => {
    assert.deepEqual(content.list(), []);
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.deepEqual(layers.all(), []);
  };

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ingest-'));
    tmp = path.join(root, 'tmp');
    fs.mkdirSync(path.join(root, 'layers'));
    content = new ContentStore(path.join(root, 'content'), tmp);
    layers = new LayerStore(path.join(root, 'layers'), tmp);
    tar = await tarBuf([
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/tool', body: Buffer.alloc(64 * 1024, 0x41), mode: 0o755 },
    ]);
    gz = gzipSync(tar);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps a verified gzip blob and stages the layer under its diff ID', async () => {
    const r = await ingestLayer(content, layers, Readable.from([gz]), {
      compression: 'detect',
      expectedDigest: sha(gz),
      expectedSize: gz.length,
      expectedDiffId: sha(tar),
      keepSource: true,
    });
    assert.deepEqual(r.source, { digest: sha(gz), size: gz.length, compression: 'gzip' });
    assert.equal(r.kept, true);
    assert.equal(r.staged.diffId, sha(tar));
    assert.deepEqual(content.read(sha(gz)), gz);
    const rec = layers.commitStaged(null, r.staged);
    assert.equal(rec.chainId, sha(tar));
    assert.equal(fs.readFileSync(path.join(layers.diffDir(rec.chainId), 'bin/tool')).length, 64 * 1024);
  });

  it('a plain tar is its own diff ID', async () => {
    const r = await ingestLayer(content, layers, Readable.from([tar]), { compression: 'none', keepSource: true });
    assert.equal(r.source.digest, sha(tar));
    assert.equal(r.staged.diffId, sha(tar));
    layers.discard(r.staged);
  });

  it("refuses a blob whose digest is not the descriptor's, keeping neither blob nor layer", async () => {
    await assert.rejects(
      ingestLayer(content, layers, Readable.from([gz]), { compression: 'gzip', expectedDigest: sha('promised'), keepSource: true }),
      (e) => e instanceof IngestError && /^digest mismatch: the content is sha256:[0-9a-f]{64}, expected sha256:/.test(e.message),
    );
    nothingKept();
  });

  it('reports a digest mismatch for a corrupt blob that also breaks decompression', async () => {
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, corrupt.length - 12);
    await assert.rejects(
      ingestLayer(content, layers, Readable.from([corrupt]), { compression: 'gzip', expectedDigest: sha(gz), keepSource: true }),
      (e) => e instanceof IngestError && /digest mismatch/.test(e.message),
    );
    nothingKept();
  });

  it("refuses a blob larger than its descriptor says, and a layer whose content is not the config's diff ID", async () => {
    await assert.rejects(
      ingestLayer(content, layers, Readable.from([gz]), { compression: 'gzip', expectedSize: gz.length - 1, keepSource: true }),
      /blob is larger than its descriptor says/,
    );
    nothingKept();
    await assert.rejects(
      ingestLayer(content, layers, Readable.from([gz]), { compression: 'gzip', expectedDigest: sha(gz), expectedDiffId: sha('other tar'), keepSource: true }),
      /layer diff ID mismatch: the uncompressed content is sha256:[0-9a-f]{64}, the image config says sha256:/,
    );
    nothingKept();
  });

  it('leaves nothing when the source is cut mid-download', async () => {
    let sent = false;
    const src = new Readable({
      read() {
        if (sent) return void this.destroy(new Error('connection reset'));
        sent = true;
        this.push(gz.subarray(0, gz.length >> 1));
      },
    });
    await assert.rejects(ingestLayer(content, layers, src, { compression: 'gzip', expectedDigest: sha(gz), keepSource: true }));
    nothingKept();
  });
});
