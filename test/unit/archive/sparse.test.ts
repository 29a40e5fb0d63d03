// Sparse files (GNU 'S' headers and GNU's PAX formats 0.0, 0.1 and 1.0), as
// GNU tar writes them, expanded by the shared unpacker into real sparse files:
// same bytes and size as the original, holes left unallocated. Both entry
// points are checked: extractLayer (pull, load, import) and extractInto (cp, build).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { extractInto, extractLayer } from '../../../src/archive';

const MiB = 1 << 20;
const SIZE = 64 * MiB;

describe('sparse files', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sparse-'));
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  // the source: 64 MiB with three small data regions (one at the start, one in
  // the middle, one just before a hole that runs to the end)
  const src = path.join(base, 'src');
  fs.mkdirSync(src);
  const file = path.join(src, 'sparse.img');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, Buffer.alloc(4096, 'a'), 0, 4096, 0);
  fs.writeSync(fd, Buffer.alloc(8192, 'b'), 0, 8192, 20 * MiB);
  fs.writeSync(fd, Buffer.alloc(100, 'c'), 0, 100, 40 * MiB + 17);
  fs.ftruncateSync(fd, SIZE);
  fs.closeSync(fd);
  const original = fs.readFileSync(file);
  // a second one with 30 data segments: GNU headers hold 4, the rest go to extension blocks
  const many = path.join(src, 'many.img');
  const mfd = fs.openSync(many, 'w');
  for (let i = 0; i < 30; i++) fs.writeSync(mfd, Buffer.alloc(4096, String.fromCharCode(65 + (i % 26))), 0, 4096, i * MiB);
  fs.ftruncateSync(mfd, 40 * MiB);
  fs.closeSync(mfd);
  const manyBytes = fs.readFileSync(many);

  const formats: Array<[string, string[]]> = [
    ['GNU', ['--format=gnu']],
    ['PAX 0.0', ['--format=pax', '--sparse-version=0.0']],
    ['PAX 0.1', ['--format=pax', '--sparse-version=0.1']],
    ['PAX 1.0', ['--format=pax', '--sparse-version=1.0']],
  ];

  function check(out: string): void {
    const st = fs.statSync(out);
    assert.equal(st.size, SIZE, 'the real size');
    assert.ok(st.blocks * 512 < 2 * MiB, `holes stay holes: ${st.blocks * 512} bytes allocated`);
    assert.ok(fs.readFileSync(out).equals(original), 'the same bytes');
  }

  test('GNU: a map continued in extension blocks (30 segments)', async () => {
    const tarball = spawnSync('tar', ['-C', src, '-S', '--format=gnu', '-cf', '-', 'many.img', 'sparse.img'], { maxBuffer: 1 << 28 }).stdout;
    assert.ok(tarball.length < 4 * MiB, 'a sparse tar (control)');
    const dir = path.join(base, 'layer-many');
    await extractLayer(Readable.from([tarball]), dir);
    const st = fs.statSync(path.join(dir, 'many.img'));
    assert.equal(st.size, 40 * MiB);
    assert.ok(st.blocks * 512 < 2 * MiB, `holes stay holes: ${st.blocks * 512}`);
    assert.ok(fs.readFileSync(path.join(dir, 'many.img')).equals(manyBytes));
    // the entry after it is read from the right place
    check(path.join(dir, 'sparse.img'));
  });

  for (const [name, flags] of formats) {
    const tarball = spawnSync('tar', ['-C', src, '-S', ...flags, '-cf', '-', 'sparse.img'], { maxBuffer: 1 << 28 }).stdout;

    test(`${name}: the archive is really sparse (control)`, () => {
      assert.ok(tarball.length < 4 * MiB, `tar of ${tarball.length} bytes`);
      const list = spawnSync('tar', ['-tvf', '-'], { input: tarball }).stdout.toString();
      assert.match(list, /sparse\.img/);
    });

    test(`${name}: extractLayer writes a sparse file`, async () => {
      const dir = path.join(base, `layer-${name.replace(/\W/g, '')}`);
      await extractLayer(Readable.from([tarball]), dir);
      assert.deepEqual(fs.readdirSync(dir), ['sparse.img'], 'the file under its real name, no GNUSparseFile.N');
      check(path.join(dir, 'sparse.img'));
    });

    test(`${name}: extractInto writes a sparse file`, async () => {
      const dir = path.join(base, `into-${name.replace(/\W/g, '')}`);
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      await extractInto(Readable.from([tarball]), dir, '/data', { noOverwriteDirNonDir: false, copyUIDGID: false });
      check(path.join(dir, 'data', 'sparse.img'));
    });
  }
});
