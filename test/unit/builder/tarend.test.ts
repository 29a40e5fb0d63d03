// Context tars that end right after the last entry's data (no padding, no
// end-of-archive blocks), as the docker CLI sends some: accepted; a tar cut
// inside an entry's data is still refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { Readable } from 'node:stream';
import { createPack } from '../../../src/archive/tarfmt';
import { indexContext } from '../../../src/builder';

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = createPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res) => p.on('end', () => res()));
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  for (const [name, body] of Object.entries(files)) await new Promise<void>((res, rej) => p.entry({ name, mode: 0o644 }, body, (e) => (e ? rej(e) : res())));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const index = (b: Buffer) => indexContext(Readable.from([b]), { spoolDir: os.tmpdir() });

describe('context tars with a missing end', () => {
  it('accepts a tar that stops after the last entry data, or after its padding', async () => {
    const full = await tarOf({ Dockerfile: 'FROM busybox\n', '.dockerignore': 'x\n' });
    // header+data of both entries, the last one's data unpadded: 512*3 + 2 bytes
    for (const cut of [512 * 3 + 2, 512 * 4, full.length]) {
      const idx = await index(full.subarray(0, cut));
      assert.equal(idx.readFile('.dockerignore').toString(), 'x\n', `cut at ${cut}`);
      assert.equal(idx.readFile('Dockerfile').toString(), 'FROM busybox\n');
      idx.close();
    }
  });

  it('refuses a tar cut inside an entry data or inside a header', async () => {
    const full = await tarOf({ a: 'x'.repeat(1000), b: 'y' });
    for (const cut of [512 + 600, 512 * 3 + 100]) await assert.rejects(index(full.subarray(0, cut)), /invalid tar archive/, `cut at ${cut}`);
  });
});
