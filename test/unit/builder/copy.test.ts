// COPY/ADD into a root filesystem: directory contents, destination rules,
// owners and modes, ADD archives, heredoc files, symlinks in the destination
// resolved inside the root only.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { ContextIndex, DiskFS, applyCopy, indexContext, resolveSources, type CopyOptions, type ResolveOptions } from '../../../src/builder';
import { tarBuf } from '../../helpers/tar';

let tmp: string;
let ctx: ContextIndex;
let hostDir: string;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copy-'));
  hostDir = path.join(tmp, 'host-only');
  fs.mkdirSync(hostDir);
  const archive = zlib.gzipSync(
    await tarBuf([
      { name: 'pkg/', type: 'directory', mode: 0o755, uid: 7, gid: 8 },
      { name: 'pkg/lib.so', body: 'elf', uid: 7, gid: 8, mode: 0o755 },
    ]),
  );
  ctx = await indexContext(
    Readable.from([
      await tarBuf([
        { name: 'app/', type: 'directory', mode: 0o750 },
        { name: 'app/main.js', body: 'main', mode: 0o644 },
        { name: 'app/bin/', type: 'directory', mode: 0o755 },
        { name: 'app/bin/run', body: '#!/bin/sh', mode: 0o755 },
        { name: 'app/link', type: 'symlink', linkname: 'main.js' },
        { name: 'one.txt', body: 'one' },
        { name: 'two.txt', body: 'two' },
        { name: 'vendor.tar.gz', body: archive },
        { name: 'plain.gz', body: zlib.gzipSync(Buffer.from('not a tar')) },
        { name: 'blank/', type: 'directory', mode: 0o755 },
        { name: 'blank/empty', body: '' },
      ]),
    ]),
    { spoolDir: tmp },
  );
});
after(() => {
  ctx.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(tmp, 'rootfs-'));
  fs.mkdirSync(path.join(root, 'existing'));
  fs.mkdirSync(path.join(root, 'real'));
  fs.symlinkSync('/real', path.join(root, 'abslink'));
  fs.symlinkSync(hostDir, path.join(root, 'hostlink'));
  fs.writeFileSync(path.join(root, 'afile'), 'x');
});

const R: ResolveOptions = { cmd: 'COPY', context: true, destIsDir: true };
async function copy(srcs: string[], dest: string, opts: CopyOptions = {}, contents: Array<{ path: string; data: string }> = []) {
  const destIsDir = dest.endsWith('/');
  const infos = srcs.length ? resolveSources(ctx, srcs, { ...R, destIsDir, otherSources: contents.length }) : [];
  await applyCopy(root, { dest: path.posix.normalize(dest).replace(/(.)\/$/, '$1'), destIsDir }, infos, contents, opts);
}
const at = (p: string) => path.join(root, p);
const owner = (p: string) => {
  const st = fs.lstatSync(at(p));
  return `${st.uid}:${st.gid}`;
};

describe('applyCopy: destinations', () => {
  it('a directory source copies its contents; dest is created', async () => {
    await copy(['app'], '/srv/app');
    assert.deepEqual(fs.readdirSync(at('srv/app')).sort(), ['bin', 'link', 'main.js']);
    assert.equal(fs.readFileSync(at('srv/app/bin/run'), 'utf8'), '#!/bin/sh');
    assert.equal(fs.readlinkSync(at('srv/app/link')), 'main.js');
    assert.equal(fs.statSync(at('srv')).mode & 0o777, 0o755);
    assert.equal(fs.statSync(at('srv/app/bin/run')).mode & 0o777, 0o755);
    assert.equal(fs.statSync(at('srv/app/main.js')).mtimeMs, 1_600_000_000_000);
  });

  it('a file goes to dest, or into it when dest ends in / or is a directory', async () => {
    await copy(['one.txt'], '/new/name.txt');
    await copy(['one.txt'], '/dir/');
    await copy(['two.txt'], '/existing');
    assert.equal(fs.readFileSync(at('new/name.txt'), 'utf8'), 'one');
    assert.equal(fs.readFileSync(at('dir/one.txt'), 'utf8'), 'one');
    assert.equal(fs.readFileSync(at('existing/two.txt'), 'utf8'), 'two');
  });

  it('empty files, alone or in a directory, are copied (and do not stall the copy)', async () => {
    await copy(['blank'], '/b1');
    await copy(['blank/empty'], '/b2/');
    assert.equal(fs.statSync(at('b1/empty')).size, 0);
    assert.equal(fs.statSync(at('b2/empty')).size, 0);
  });

  it('several sources into a directory; an existing file is replaced', async () => {
    await copy(['*.txt'], '/multi/');
    assert.deepEqual(fs.readdirSync(at('multi')).sort(), ['one.txt', 'two.txt']);
    await copy(['two.txt'], '/afile');
    assert.equal(fs.readFileSync(at('afile'), 'utf8'), 'two');
  });

  it('symlinks in the destination resolve inside the root, never outside', async () => {
    await copy(['one.txt'], '/abslink/');
    assert.equal(fs.readFileSync(at('real/one.txt'), 'utf8'), 'one');
    await copy(['app'], '/hostlink/sub');
    await copy(['two.txt'], '/hostlink/');
    assert.deepEqual(fs.readdirSync(hostDir), [], 'nothing written on the host');
    assert.equal(fs.readFileSync(path.join(root, hostDir, 'two.txt'), 'utf8'), 'two');
    assert.ok(fs.existsSync(path.join(root, hostDir, 'sub/main.js')));
  });

  it('a file where a directory is needed is an error', async () => {
    await assert.rejects(copy(['one.txt'], '/afile/x/'), /mkdir \/afile: not a directory/);
  });
});

describe('applyCopy: owners and modes', () => {
  it('root by default, --chown for everything copied and every directory created', async () => {
    await copy(['app'], '/a');
    assert.equal(owner('a/main.js'), '0:0');
    await copy(['app'], '/b/c', { owner: { uid: 1000, gid: 1001 } });
    for (const p of ['b', 'b/c', 'b/c/main.js', 'b/c/bin', 'b/c/link']) assert.equal(owner(p), '1000:1001', p);
    assert.equal(owner('existing'), '0:0');
    await copy(['one.txt'], '/existing/', { owner: { uid: 5, gid: 6 } });
    assert.equal(owner('existing'), '0:0', 'an existing destination directory keeps its owner');
    assert.equal(owner('existing/one.txt'), '5:6');
  });

  it('--chmod replaces permission bits', async () => {
    await copy(['app'], '/m', { chmod: 0o700 });
    assert.equal(fs.statSync(at('m/main.js')).mode & 0o7777, 0o700);
    assert.equal(fs.statSync(at('m/bin')).mode & 0o7777, 0o700);
  });

  it('COPY --from keeps the source owners', async () => {
    const src = fs.mkdtempSync(path.join(tmp, 'stage-'));
    fs.writeFileSync(path.join(src, 'f'), 'f');
    fs.chownSync(path.join(src, 'f'), 1234, 4321);
    const infos = resolveSources(src, ['f'], { ...R, context: false });
    await applyCopy(root, { dest: '/from', destIsDir: true }, infos, [], { preserveOwnership: true });
    assert.equal(owner('from/f'), '1234:4321');
    assert.equal(owner('from'), '0:0');
  });
});

describe('applyCopy: file data from a directory on disk', () => {
  it('many small files (read at once) and a large one (streamed) arrive whole', async () => {
    const src = fs.mkdtempSync(path.join(tmp, 'disk-'));
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(src, `f${i}`), `file ${i}\n`);
    const big = Buffer.alloc(3 << 20, 'b');
    fs.writeFileSync(path.join(src, 'big'), big);
    const infos = resolveSources(new DiskFS(src), ['.'], { ...R, context: false });
    await applyCopy(root, { dest: '/out', destIsDir: true }, infos, []);
    for (let i = 0; i < 300; i++) assert.equal(fs.readFileSync(path.join(root, 'out', `f${i}`), 'utf8'), `file ${i}\n`);
    assert.ok(fs.readFileSync(path.join(root, 'out', 'big')).equals(big));
  });

  it('a small file that changed size after it was listed fails the copy', async () => {
    const src = fs.mkdtempSync(path.join(tmp, 'disk-'));
    fs.writeFileSync(path.join(src, 'f'), 'short');
    const tree = new DiskFS(src);
    const infos = resolveSources(tree, ['f'], { ...R, context: false });
    fs.writeFileSync(path.join(src, 'f'), 'much longer now');
    await assert.rejects(applyCopy(root, { dest: '/grown/', destIsDir: true }, infos, []), /changed size/);
    // control: listed after the change, the same file copies
    const again = resolveSources(tree, ['f'], { ...R, context: false });
    await applyCopy(root, { dest: '/grown/', destIsDir: true }, again, []);
    assert.equal(fs.readFileSync(path.join(root, 'grown', 'f'), 'utf8'), 'much longer now');
  });
});

describe('applyCopy: ADD and heredocs', () => {
  it('ADD extracts local archives (keeping their owners) and copies other files as they are', async () => {
    await copy(['vendor.tar.gz', 'plain.gz'], '/opt/', { allowDecompress: true });
    assert.equal(fs.readFileSync(at('opt/pkg/lib.so'), 'utf8'), 'elf');
    assert.equal(owner('opt/pkg/lib.so'), '7:8');
    assert.ok(fs.statSync(at('opt/plain.gz')).isFile());
    await copy(['vendor.tar.gz'], '/copied/');
    assert.ok(fs.statSync(at('copied/vendor.tar.gz')).isFile(), 'COPY never extracts');
  });

  it('heredoc files', async () => {
    await copy([], '/etc/motd', {}, [{ path: 'EOF', data: 'hello\n' }]);
    assert.equal(fs.readFileSync(at('etc/motd'), 'utf8'), 'hello\n');
    assert.equal(fs.statSync(at('etc/motd')).mode & 0o777, 0o644);
    await copy([], '/conf/', { chmod: 0o600, owner: { uid: 3, gid: 3 } }, [
      { path: 'a.conf', data: 'a' },
      { path: 'b.conf', data: 'b' },
    ]);
    assert.deepEqual(fs.readdirSync(at('conf')).sort(), ['a.conf', 'b.conf']);
    assert.equal(fs.statSync(at('conf/a.conf')).mode & 0o777, 0o600);
    assert.equal(owner('conf/b.conf'), '3:3');
  });
});
