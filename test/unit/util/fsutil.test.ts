// Every metadata write in the data root goes through writeFileAtomicSync: a
// temp file beside the target, fsync, rename. A crash or a failed write leaves
// the old file or the new one, never a torn one; leftovers of a cut write are
// swept at start.
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dirSize, readJsonSync, removeStaleTemps, writeFileAtomicSync, writeJsonAtomicSync } from '../../../src/util/fsutil';

describe('atomic writes', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fsutil-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces a file whole, with the mode asked for, leaving no temp file', () => {
    const f = path.join(dir, 'config.json');
    writeJsonAtomicSync(f, { a: 1 });
    assert.deepEqual(readJsonSync(f), { a: 1 });
    writeFileAtomicSync(f, '{"a":2}', 0o644);
    assert.deepEqual(readJsonSync(f), { a: 2 });
    assert.equal(fs.statSync(f).mode & 0o777, 0o644);
    assert.deepEqual(fs.readdirSync(dir), ['config.json']);
  });

  it('a write that cannot land keeps the old content and removes its temp file', () => {
    // the rename fails: the target is a non-empty directory
    const target = path.join(dir, 'state');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'old');
    assert.throws(() => writeFileAtomicSync(target, 'new'), { code: 'EISDIR' });
    assert.equal(fs.readFileSync(path.join(target, 'keep'), 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['state']);
  });

  it('readJsonSync: a missing file is undefined, a torn one is an error', () => {
    assert.equal(readJsonSync(path.join(dir, 'absent.json')), undefined);
    fs.writeFileSync(path.join(dir, 'torn.json'), '{"Id": "abc", "Sta');
    assert.throws(() => readJsonSync(path.join(dir, 'torn.json')), SyntaxError);
  });

  it('sweeps the temp files a cut write leaves, and only those', () => {
    fs.writeFileSync(path.join(dir, '.config.json.1a2b3c4d.tmp'), '{"half');
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.writeFileSync(path.join(dir, 'notes.tmp'), 'user file');
    removeStaleTemps(dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'notes.tmp']);
    removeStaleTemps(path.join(dir, 'absent'));
  });

  it('dirSize counts hard-linked files once', () => {
    fs.writeFileSync(path.join(dir, 'a'), Buffer.alloc(1000));
    fs.linkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'c'), Buffer.alloc(24));
    fs.symlinkSync('a', path.join(dir, 'link'));
    assert.equal(dirSize(dir), 1024);
  });
});
