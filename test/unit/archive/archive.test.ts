import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import * as sys from '../../../src/sys';
import { EngineError } from '../../../src/util/errors';
import { extractLayer, extractInto, packPath, statPath, resolveInRoot, diffLayer, changes, ChangeKind, GO_MODE } from '../../../src/archive';
import { entryIds } from '../../../src/archive/tarfmt';
import { tarBuf, type TarEntry } from '../../helpers/tar';

type E = TarEntry;
const tarStream = async (entries: E[]) => Readable.from([await tarBuf(entries)]);

async function readTar(s: Readable): Promise<Array<tar.Header & { body: Buffer }>> {
  const ex = tar.extract();
  const out: Array<tar.Header & { body: Buffer }> = [];
  s.pipe(ex as unknown as NodeJS.WritableStream);
  for await (const entry of ex) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    const [uid, gid] = entryIds(entry.header);
    out.push({ ...entry.header, uid, gid, body: Buffer.concat(parts) });
  }
  return out;
}

const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_raw+ep
const status = (n: number) => (e: unknown) => e instanceof EngineError && e.status === n;

let tmp: string;
let counter = 0;
const fresh = (name = 'd') => {
  const d = path.join(tmp, `${name}${counter++}`);
  fs.mkdirSync(d);
  return d;
};
const mounts: string[] = [];

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-'));
});
after(() => {
  for (const m of mounts.reverse()) {
    try {
      sys.umount2(m, sys.MNT_DETACH);
    } catch {
      /* not mounted */
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('extractLayer', () => {
  test('normal layer: dirs, files, modes, owners, symlinks, times', async () => {
    const d = fresh();
    const r = await extractLayer(
      await tarStream([
        { name: 'etc/', type: 'directory', mode: 0o755, mtime: new Date(1_500_000_000_000) },
        { name: 'etc/passwd', body: 'root:x:0:0\n', mode: 0o644 },
        { name: 'etc/shadow', body: 'secret', mode: 0o640, uid: 0, gid: 42 },
        { name: 'home/user/', type: 'directory', mode: 0o700, uid: 1000, gid: 1000 },
        { name: 'home/user/.profile', body: 'x', mode: 0o600, uid: 1000, gid: 1000 },
        { name: 'bin/sh', type: 'symlink', linkname: 'busybox', uid: 5, gid: 6 },
        { name: './usr/local/open', body: 'all', mode: 0o777 },
        { name: 'big', body: Buffer.alloc(3 << 20, 7) },
      ]),
      d,
    );
    assert.equal(r.size, 11 + 6 + 1 + 3 + (3 << 20));
    assert.equal(fs.readFileSync(`${d}/etc/passwd`, 'utf8'), 'root:x:0:0\n');
    const sh = fs.lstatSync(`${d}/etc/shadow`);
    assert.equal(sh.mode & 0o7777, 0o640);
    assert.equal(sh.gid, 42);
    assert.equal(sh.mtimeMs, 1_600_000_000_000);
    const home = fs.lstatSync(`${d}/home/user`);
    assert.equal(home.mode & 0o7777, 0o700);
    assert.equal(home.uid, 1000);
    assert.equal(fs.lstatSync(`${d}/home`).mode & 0o777, 0o755, 'implied parent dir');
    assert.equal(fs.lstatSync(`${d}/etc`).mtimeMs, 1_500_000_000_000, 'dir mtime set after its contents');
    assert.equal(fs.readlinkSync(`${d}/bin/sh`), 'busybox');
    assert.equal(fs.lstatSync(`${d}/bin/sh`).uid, 5);
    assert.equal(fs.lstatSync(`${d}/usr/local/open`).mode & 0o777, 0o777, 'umask does not apply');
    assert.equal(fs.statSync(`${d}/big`).size, 3 << 20);
  });

  test('large files (written in the thread pool) keep their bytes, mode, owner and time; a cut archive fails without leaking fds', async () => {
    const { randomBytes, createHash } = await import('node:crypto');
    const a = randomBytes((5 << 20) + 123);
    const b = randomBytes(2 << 20);
    const buf = await tarBuf([
      { name: 'a.bin', body: a, mode: 0o4750, uid: 7, gid: 8, mtime: new Date(1_400_000_000_000) },
      { name: 'b.bin', body: b, mode: 0o600 },
      { name: 'small', body: 'after' },
    ]);
    // many small chunks: many writes in flight at once, out of order in the pool
    const chunked = (data: Buffer, size: number) =>
      Readable.from(
        (function* () {
          for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
        })(),
      );
    const d = fresh();
    await extractLayer(chunked(buf, 64 << 10), d);
    const sum = (x: Buffer) => createHash('sha256').update(x).digest('hex');
    assert.equal(sum(fs.readFileSync(`${d}/a.bin`)), sum(a));
    assert.equal(sum(fs.readFileSync(`${d}/b.bin`)), sum(b));
    assert.equal(fs.readFileSync(`${d}/small`, 'utf8'), 'after');
    const st = fs.statSync(`${d}/a.bin`);
    assert.equal(st.mode & 0o7777, 0o4750);
    assert.equal(st.uid, 7);
    assert.equal(st.mtimeMs, 1_400_000_000_000, 'time set after the last write landed');

    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    const cut = buf.subarray(0, 512 + (3 << 20)); // inside a.bin's data
    await assert.rejects(extractLayer(chunked(cut, 64 << 10), fresh()));
    // closes may still be on their way in the thread pool: wait for them, with a deadline
    for (let i = 0; i < 500 && fds() !== before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fds(), before, 'no descriptor left open');
  });

  test('whiteouts and opaque dirs', async () => {
    const d = fresh();
    await extractLayer(
      await tarStream([
        { name: 'gone/.wh.file', uid: 3, gid: 4 },
        { name: '.wh.toplevel' },
        { name: 'opq/', type: 'directory' },
        { name: 'opq/.wh..wh..opq' },
        { name: 'opq/new', body: 'n' },
        { name: '.wh..wh.plnk/123', body: 'aufs' },
      ]),
      d,
    );
    const wh = fs.lstatSync(`${d}/gone/file`);
    assert.ok(sys.isWhiteout(wh));
    assert.equal(wh.uid, 3);
    assert.ok(sys.isWhiteout(fs.lstatSync(`${d}/toplevel`)));
    assert.deepEqual(sys.lgetxattr(`${d}/opq`, 'trusted.overlay.opaque'), Buffer.from('y'));
    assert.ok(fs.existsSync(`${d}/opq/new`));
    assert.ok(!fs.existsSync(`${d}/.wh..wh.plnk`));
    assert.deepEqual(fs.readdirSync(d).sort(), ['gone', 'opq', 'toplevel']);
  });

  test('devices, fifos, setuid/setgid/sticky bits', async () => {
    const d = fresh();
    await extractLayer(
      await tarStream([
        { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660, gid: 6 },
        { name: 'run/fifo', type: 'fifo', mode: 0o620 },
        { name: 'bin/su', body: 'su', mode: 0o4755, uid: 0, gid: 0 },
        { name: 'bin/wall', body: 'w', mode: 0o2755, uid: 0, gid: 5 },
        { name: 'bin/own', body: 'o', mode: 0o6750, uid: 1000, gid: 1000 },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
        { name: 'shared/', type: 'directory', mode: 0o2775, gid: 50 },
        { name: 'shared/file', body: 'f', mode: 0o644 },
        { name: 'shared/sub/', type: 'directory', mode: 0o755 },
      ]),
      d,
    );
    const nul = fs.lstatSync(`${d}/dev/null`);
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, sys.makedev(1, 3));
    assert.equal(nul.mode & 0o777, 0o666);
    const loop = fs.lstatSync(`${d}/dev/loop0`);
    assert.ok(loop.isBlockDevice());
    assert.equal(loop.rdev, sys.makedev(7, 0));
    assert.equal(loop.gid, 6);
    assert.ok(fs.lstatSync(`${d}/run/fifo`).isFIFO());
    assert.equal(fs.lstatSync(`${d}/run/fifo`).mode & 0o777, 0o620);
    assert.equal(fs.lstatSync(`${d}/bin/su`).mode & 0o7777, 0o4755);
    assert.equal(fs.lstatSync(`${d}/bin/wall`).mode & 0o7777, 0o2755);
    const own = fs.lstatSync(`${d}/bin/own`);
    assert.equal(own.mode & 0o7777, 0o6750, 'chown must not clear setuid');
    assert.equal(own.uid, 1000);
    assert.equal(fs.lstatSync(`${d}/tmp`).mode & 0o7777, 0o1777);
    assert.equal(fs.lstatSync(`${d}/shared/file`).gid, 0, 'setgid parent does not leak its group');
    assert.equal(fs.lstatSync(`${d}/shared/sub`).mode & 0o7777, 0o755, 'setgid parent does not leak its bit');
  });

  test('hardlinks inside the layer', async () => {
    const d = fresh();
    await extractLayer(
      await tarStream([
        { name: 'bin/busybox', body: 'BB', mode: 0o755 },
        { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
        { name: 'sbin/init', type: 'link', linkname: '/bin/busybox' },
        { name: 'bin/ls', type: 'link', linkname: './bin/busybox' },
      ]),
      d,
    );
    const a = fs.lstatSync(`${d}/bin/busybox`);
    assert.equal(fs.lstatSync(`${d}/bin/ls`).ino, a.ino);
    assert.equal(fs.lstatSync(`${d}/sbin/init`).ino, a.ino);
    assert.equal(a.nlink, 3);
  });

  test('xattrs from PAX records, binary values intact', async () => {
    const d = fresh();
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    await extractLayer(
      await tarStream([
        { name: 'bin/ping', body: 'p', mode: 0o755, uid: 0, xattrs: { 'security.capability': cap, 'user.note': Buffer.from('héllo') } },
        { name: 'etc/', type: 'directory', xattrs: { 'user.dir': Buffer.from([0xff, 0]), 'trusted.overlay.redirect': Buffer.from('/x') } },
      ]),
      d,
    );
    assert.deepEqual(sys.lgetxattr(`${d}/bin/ping`, 'security.capability'), cap);
    assert.equal(sys.lgetxattr(`${d}/bin/ping`, 'user.note')!.toString(), 'héllo');
    assert.deepEqual(sys.lgetxattr(`${d}/etc`, 'user.dir'), Buffer.from([0xff, 0]));
    assert.equal(sys.lgetxattr(`${d}/etc`, 'trusted.overlay.redirect'), undefined, 'overlay internals are not taken from tars');
  });

  test('layers written by GNU tar (PAX xattrs, fractional mtimes, long names)', async () => {
    const src = fresh('gnusrc');
    const long = 'L'.repeat(150);
    fs.mkdirSync(`${src}/dir`);
    fs.writeFileSync(`${src}/dir/${long}`, 'long');
    fs.writeFileSync(`${src}/dir/cap`, 'c');
    sys.lsetxattr(`${src}/dir/cap`, 'security.capability', CAP);
    fs.utimesSync(`${src}/dir/cap`, 1, 1_600_000_000.25);
    const r = spawnSync('tar', ['--format=pax', '--xattrs', '--xattrs-include=*', '-C', src, '-cf', '-', 'dir'], { maxBuffer: 1 << 24 });
    assert.equal(r.status, 0, r.stderr.toString());
    const d = fresh();
    await extractLayer(Readable.from([r.stdout]), d);
    assert.deepEqual(sys.lgetxattr(`${d}/dir/cap`, 'security.capability'), CAP);
    assert.equal(fs.lstatSync(`${d}/dir/cap`).mtimeMs, 1_600_000_000_250);
    assert.equal(fs.readFileSync(`${d}/dir/${long}`, 'utf8'), 'long');
  });

  test('long runs of small entries in one chunk do not recurse', async () => {
    const d = fresh();
    const entries: E[] = [];
    for (let i = 0; i < 20000; i++) entries.push({ name: `l${i}`, type: 'symlink', linkname: 't' });
    await extractLayer(Readable.from([await tarBuf(entries)]), d);
    assert.equal(fs.readdirSync(d).length, 20000);
  });

  test('empty and truncated tars', async () => {
    assert.deepEqual(await extractLayer(Readable.from([Buffer.alloc(1024)]), fresh()), { size: 0 });
    const full = await tarBuf([{ name: 'f', body: Buffer.alloc(5000, 1) }]);
    await assert.rejects(extractLayer(Readable.from([full.subarray(0, 2048)]), fresh()), /Unexpected end of data/);
    const bad = Buffer.from(full);
    bad[0] ^= 0xff; // breaks the header checksum
    await assert.rejects(extractLayer(Readable.from([bad]), fresh()), /Invalid tar header/);
  });

  test('replaces file with dir and dir with file within one tar', async () => {
    const d = fresh();
    await extractLayer(
      await tarStream([
        { name: 'a', body: 'file' },
        { name: 'a/', type: 'directory' },
        { name: 'a/inner', body: 'i' },
        { name: 'b/', type: 'directory' },
        { name: 'b/c/', type: 'directory' },
        { name: 'b/c/d', body: 'd' },
        { name: 'b', body: 'now a file' },
        { name: 'l', type: 'symlink', linkname: 'x' },
        { name: 'l', body: 'regular' },
      ]),
      d,
    );
    assert.equal(fs.readFileSync(`${d}/a/inner`, 'utf8'), 'i');
    assert.equal(fs.readFileSync(`${d}/b`, 'utf8'), 'now a file');
    assert.equal(fs.readFileSync(`${d}/l`, 'utf8'), 'regular');
  });
});

describe('extraction never writes outside the root', () => {
  let outside: string;
  before(() => {
    outside = fresh('outside');
  });
  const clean = () => assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside');

  test('"../" entries are rejected', async () => {
    const d = fresh();
    await assert.rejects(extractLayer(await tarStream([{ name: `../${path.basename(outside)}/evil`, body: 'x' }]), d), status(400));
    await assert.rejects(extractLayer(await tarStream([{ name: 'a/../../evil', body: 'x' }]), d), status(400));
    clean();
  });

  test('absolute entry names are made relative', async () => {
    const d = fresh();
    await extractLayer(await tarStream([{ name: `${outside}/abs`, body: 'x' }]), d);
    assert.ok(fs.existsSync(path.join(d, outside, 'abs')));
    clean();
  });

  test('symlink parent to an absolute path is re-rooted', async () => {
    const d = fresh();
    await extractLayer(
      await tarStream([
        { name: 'a', type: 'symlink', linkname: outside },
        { name: 'a/pwned', body: 'x' },
      ]),
      d,
    );
    assert.equal(fs.readFileSync(path.join(d, outside, 'pwned'), 'utf8'), 'x');
    assert.equal(fs.readlinkSync(`${d}/a`), outside);
    clean();
  });

  test('symlink parent climbing with ".." is clamped at the root', async () => {
    const d = fresh();
    const rel = path.relative(d, outside); // ../outsideN
    await extractLayer(
      await tarStream([
        { name: 'up', type: 'symlink', linkname: '../../../../../../..' },
        { name: 'up/pwned1', body: 'x' },
        { name: 'o', type: 'symlink', linkname: rel },
        { name: 'o/pwned2', body: 'x' },
        { name: 'chain1', type: 'symlink', linkname: 'chain2' },
        { name: 'chain2', type: 'symlink', linkname: '/sub/../../up' },
        { name: 'chain1/pwned3', body: 'x' },
      ]),
      d,
    );
    assert.ok(fs.existsSync(`${d}/pwned1`));
    assert.ok(fs.existsSync(`${d}/${path.basename(outside)}/pwned2`));
    assert.ok(fs.existsSync(`${d}/pwned3`));
    clean();
  });

  test('a cached directory replaced by a symlink is not trusted', async () => {
    const d = fresh();
    await extractLayer(
      await tarStream([
        { name: 'x/', type: 'directory' },
        { name: 'x/sub/', type: 'directory' },
        { name: 'x/sub/f', body: '1' },
        { name: 'l', type: 'symlink', linkname: 'x' },
        { name: 'l/sub', type: 'symlink', linkname: outside },
        { name: 'x/sub/pwned', body: '2' },
        { name: 'x', type: 'symlink', linkname: outside },
        { name: 'x/pwned', body: '3' },
      ]),
      d,
    );
    assert.equal(fs.readlinkSync(`${d}/x`), outside);
    assert.equal(fs.readFileSync(path.join(d, outside, 'pwned'), 'utf8'), '3');
    clean();
  });

  test('hardlinks to outside are rejected or confined', async () => {
    const secret = path.join(outside, '..', 'secret-' + counter);
    fs.writeFileSync(secret, 'secret');
    const d = fresh();
    await assert.rejects(extractLayer(await tarStream([{ name: 'h', type: 'link', linkname: '../' + path.basename(secret) }]), d), status(400));
    // absolute link targets resolve inside the layer: the outside file is never linked
    await assert.rejects(extractLayer(await tarStream([{ name: 'h', type: 'link', linkname: secret }]), d), status(400));
    await assert.rejects(
      extractLayer(
        await tarStream([
          { name: 'p', type: 'symlink', linkname: path.dirname(secret) },
          { name: 'h', type: 'link', linkname: 'p/' + path.basename(secret) },
        ]),
        d,
      ),
      status(400),
    );
    assert.ok(!fs.existsSync(`${d}/h`));
    assert.equal(fs.lstatSync(secret).nlink, 1);
    clean();
  });

  test('whiteouts and opaque markers through symlinked parents stay inside', async () => {
    const d = fresh();
    await extractLayer(await tarStream([{ name: 'a', type: 'symlink', linkname: outside }, { name: 'a/.wh.victim' }, { name: 'a/.wh..wh..opq' }]), d);
    assert.ok(sys.isWhiteout(fs.lstatSync(path.join(d, outside, 'victim'))));
    assert.equal(sys.lgetxattr(outside, 'trusted.overlay.opaque'), undefined);
    clean();
  });
});

describe('extractInto', () => {
  const rootfs = () => {
    const r = fresh('rootfs');
    fs.mkdirSync(`${r}/etc`);
    fs.mkdirSync(`${r}/data`);
    fs.writeFileSync(`${r}/etc/hosts`, 'h');
    fs.symlinkSync('/data', `${r}/datalink`);
    return r;
  };

  test('missing destination is 404, a file destination 400', async () => {
    const r = rootfs();
    await assert.rejects(extractInto(await tarStream([{ name: 'a', body: 'a' }]), r, '/nope', { noOverwriteDirNonDir: false, copyUIDGID: false }), status(404));
    await assert.rejects(
      extractInto(await tarStream([{ name: 'a', body: 'a' }]), r, '/etc/hosts', { noOverwriteDirNonDir: false, copyUIDGID: false }),
      (e: unknown) => status(400)(e) && /not a directory/.test((e as Error).message),
    );
  });

  test("noOverwriteDirNonDir rejects both directions with Docker's error (500, entry then extraction dir)", async () => {
    const r = rootfs();
    const o = { noOverwriteDirNonDir: true, copyUIDGID: false };
    await assert.rejects(
      extractInto(await tarStream([{ name: 'etc', body: 'x' }]), r, '/', o),
      (e: unknown) => status(500)(e) && (e as Error).message === 'cannot overwrite directory "etc" with non-directory "/"',
    );
    await assert.rejects(
      extractInto(await tarStream([{ name: 'hosts/', type: 'directory' }]), r, '/etc', o),
      (e: unknown) => status(500)(e) && (e as Error).message === 'cannot overwrite non-directory "hosts/" with directory "/etc"',
    );
    assert.ok(fs.statSync(`${r}/etc`).isDirectory());
    await extractInto(await tarStream([{ name: 'etc', body: 'x' }]), r, '/', { ...o, noOverwriteDirNonDir: false });
    assert.equal(fs.readFileSync(`${r}/etc`, 'utf8'), 'x');
  });

  test('destination through a symlink, owner kept or forced, whiteouts literal', async () => {
    const r = rootfs();
    const t = [
      { name: 'f', body: 'f', uid: 123, gid: 456 },
      { name: '.wh.x', body: '' },
    ];
    await extractInto(await tarStream(t), r, '/datalink', { noOverwriteDirNonDir: false, copyUIDGID: false });
    assert.equal(fs.lstatSync(`${r}/data/f`).uid, 123);
    assert.ok(fs.lstatSync(`${r}/data/.wh.x`).isFile());
    await extractInto(await tarStream(t), r, 'data', { noOverwriteDirNonDir: false, copyUIDGID: true, chown: { uid: 7, gid: 8 } });
    assert.equal(fs.lstatSync(`${r}/data/f`).uid, 7);
    assert.equal(fs.lstatSync(`${r}/data/f`).gid, 8);
  });

  test('entries cannot climb out of the destination nor the rootfs', async () => {
    const r = rootfs();
    const o = { noOverwriteDirNonDir: false, copyUIDGID: false };
    await assert.rejects(extractInto(await tarStream([{ name: '../etc/evil', body: 'x' }]), r, '/data', o), status(400));
    await extractInto(
      await tarStream([
        { name: 'up', type: 'symlink', linkname: '../../../../..' },
        { name: 'up/escaped', body: 'x' },
      ]),
      r,
      '/data',
      o,
    );
    assert.ok(fs.existsSync(`${r}/escaped`));
    await assert.rejects(
      extractInto(
        await tarStream([
          { name: 'self', type: 'symlink', linkname: '/' },
          { name: 'self/data', body: 'x' },
        ]),
        r,
        '/data',
        o,
      ),
      status(400),
    );
  });

  for (const [kind, compress] of [
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['bzip2', (b: Buffer) => spawnSync('bzip2', ['-c'], { input: b }).stdout],
    ['xz', (b: Buffer) => spawnSync('xz', ['-c'], { input: b }).stdout],
  ] as const) {
    test(`${kind} bodies are detected and decompressed`, async () => {
      const r = rootfs();
      const body = compress(await tarBuf([{ name: 'z/file', body: kind }]));
      await extractInto(Readable.from([body.subarray(0, 3), body.subarray(3)]), r, '/', { noOverwriteDirNonDir: false, copyUIDGID: false });
      assert.equal(fs.readFileSync(`${r}/z/file`, 'utf8'), kind);
    });
  }

  test('a corrupt body is a 400', async () => {
    const r = rootfs();
    const body = zlib.gzipSync(Buffer.from('this is not a tar archive, only text that is long enough'.repeat(20)));
    await assert.rejects(extractInto(Readable.from([body]), r, '/', { noOverwriteDirNonDir: false, copyUIDGID: false }), status(400));
  });
});

describe('resolveInRoot', () => {
  test('re-roots absolute links, clamps "..", keeps missing components, detects loops', () => {
    const r = fresh('res');
    fs.mkdirSync(`${r}/usr/lib`, { recursive: true });
    fs.symlinkSync('/usr/lib', `${r}/lib`);
    fs.symlinkSync('../../../../etc', `${r}/usr/up`);
    fs.symlinkSync('loop2', `${r}/loop1`);
    fs.symlinkSync('loop1', `${r}/loop2`);
    assert.equal(resolveInRoot(r, '/lib/x', { followFinal: true }), `${r}/usr/lib/x`);
    assert.equal(resolveInRoot(r, '/lib', { followFinal: false }), `${r}/lib`);
    assert.equal(resolveInRoot(r, '/lib/', { followFinal: false }), `${r}/usr/lib`);
    assert.equal(resolveInRoot(r, '../../..', { followFinal: true }), r);
    assert.equal(resolveInRoot(r, '/usr/up/passwd', { followFinal: true }), `${r}/etc/passwd`);
    assert.equal(resolveInRoot(r, 'missing/../usr', { followFinal: true }), `${r}/usr`);
    assert.throws(() => resolveInRoot(r, '/loop1/x', { followFinal: true }), { code: 'ELOOP' });
  });
});

describe('statPath', () => {
  test('Go file modes, link targets, mtime, 404', () => {
    const r = fresh('stat');
    fs.mkdirSync(`${r}/dir`, 0o755);
    fs.writeFileSync(`${r}/dir/su`, 'abc');
    fs.chmodSync(`${r}/dir/su`, 0o4755);
    fs.mkdirSync(`${r}/tmp`);
    fs.chmodSync(`${r}/tmp`, 0o3777);
    sys.mknod(`${r}/null`, sys.S_IFCHR | 0o666, sys.makedev(1, 3));
    fs.chmodSync(`${r}/null`, 0o666);
    sys.mknod(`${r}/blk`, sys.S_IFBLK | 0o600, sys.makedev(7, 0));
    sys.mknod(`${r}/fifo`, sys.S_IFIFO | 0o644, 0);
    fs.symlinkSync('/dir/su', `${r}/link`);
    fs.symlinkSync('../link', `${r}/dir/rel`);
    fs.utimesSync(`${r}/dir/su`, 1, new Date('2020-01-02T03:04:05.5Z'));
    const su = statPath(r, '/dir/su');
    assert.deepEqual(su, { name: 'su', size: 3, mode: GO_MODE.setuid + 0o755, mtime: '2020-01-02T03:04:05.5Z', linkTarget: '' });
    assert.equal(statPath(r, '/dir').mode, 2 ** 31 + 0o755);
    assert.equal(statPath(r, '/tmp').mode, GO_MODE.dir + GO_MODE.setgid + GO_MODE.sticky + 0o777);
    assert.equal(statPath(r, '/null').mode, GO_MODE.device + GO_MODE.charDevice + 0o666);
    assert.equal(statPath(r, '/blk').mode, GO_MODE.device + 0o600);
    assert.equal(statPath(r, '/fifo').mode, GO_MODE.namedPipe + 0o644);
    const l = statPath(r, '/dir/rel');
    assert.equal(l.mode & 0xffffffff, GO_MODE.symlink + 0o777);
    assert.equal(l.linkTarget, '/dir/su');
    assert.equal(statPath(r, '/').name, '/');
    assert.equal(statPath(r, '/dir/').name, 'dir');
    assert.throws(
      () => statPath(r, '/nope', 'c1'),
      (e: unknown) => status(404)(e) && /Could not find the file \/nope in container c1/.test((e as Error).message),
    );
  });
});

describe('packPath', () => {
  const longName = 'n'.repeat(120) + '/' + 'ü'.repeat(60);
  let src: string;
  before(() => {
    src = fresh('packsrc');
    fs.mkdirSync(`${src}/etc/sub`, { recursive: true });
    fs.writeFileSync(`${src}/etc/passwd`, 'root');
    fs.chownSync(`${src}/etc/passwd`, 1000, 2000);
    fs.chmodSync(`${src}/etc/passwd`, 0o4750);
    fs.writeFileSync(`${src}/etc/big`, Buffer.alloc((2 << 20) + 5, 1));
    fs.linkSync(`${src}/etc/passwd`, `${src}/etc/sub/hard`);
    fs.symlinkSync('/etc/passwd', `${src}/etc/link`);
    fs.symlinkSync('etc', `${src}/etclink`);
    sys.mknod(`${src}/etc/null`, sys.S_IFCHR | 0o666, sys.makedev(1, 3));
    sys.mknod(`${src}/etc/fifo`, sys.S_IFIFO | 0o600, 0);
    sys.lsetxattr(`${src}/etc/passwd`, 'security.capability', CAP);
    sys.lsetxattr(`${src}/etc/sub`, 'trusted.overlay.origin', Buffer.from('internal'));
    fs.mkdirSync(`${src}/etc/${longName.split('/')[0]}`);
    fs.writeFileSync(`${src}/etc/${longName}`, 'long');
    fs.chownSync(`${src}/etc/sub`, 300000, 400000);
  });

  test('directory: entries rebased to the basename, metadata preserved', async () => {
    const { stat, stream } = packPath(src, '/etc');
    assert.equal(stat.name, 'etc');
    assert.equal(stat.mode, GO_MODE.dir + 0o755);
    const entries = await readTar(stream);
    const by = new Map(entries.map((e) => [e.name, e]));
    assert.equal(entries[0].name, 'etc/');
    assert.deepEqual(
      entries.map((e) => e.name).filter((n) => !n.includes('nnn')),
      ['etc/', 'etc/big', 'etc/fifo', 'etc/link', 'etc/null', 'etc/passwd', 'etc/sub/', 'etc/sub/hard'],
    );
    const pw = by.get('etc/passwd')!;
    assert.equal(pw.mode, 0o4750);
    assert.equal(pw.uid, 1000);
    assert.equal(pw.gid, 2000);
    assert.equal(pw.body.toString(), 'root');
    assert.equal(by.get('etc/big')!.body.length, (2 << 20) + 5);
    assert.equal(by.get('etc/sub/hard')!.type, 'link');
    assert.equal(by.get('etc/sub/hard')!.linkname, 'etc/passwd');
    assert.equal(by.get('etc/link')!.type, 'symlink');
    assert.equal(by.get('etc/link')!.linkname, '/etc/passwd');
    assert.equal(by.get('etc/null')!.type, 'character-device');
    assert.equal(by.get('etc/null')!.devminor, 3);
    assert.equal(by.get('etc/fifo')!.type, 'fifo');
    assert.equal(by.get('etc/sub/')!.uid, 300000);
    assert.ok(by.has(`etc/${longName}`), 'long and non-ASCII names survive');
  });

  test('round trip through extractLayer keeps xattrs, links, devices, ids', async () => {
    const d = fresh();
    await extractLayer(packPath(src, '/etc/').stream, d);
    assert.deepEqual(sys.lgetxattr(`${d}/etc/passwd`, 'security.capability'), CAP);
    assert.equal(sys.lgetxattr(`${d}/etc/sub`, 'trusted.overlay.origin'), undefined);
    assert.equal(fs.lstatSync(`${d}/etc/passwd`).mode & 0o7777, 0o4750);
    assert.equal(fs.lstatSync(`${d}/etc/sub/hard`).ino, fs.lstatSync(`${d}/etc/passwd`).ino);
    assert.equal(fs.lstatSync(`${d}/etc/sub`).uid, 300000);
    assert.equal(fs.lstatSync(`${d}/etc/sub`).gid, 400000);
    assert.equal(fs.lstatSync(`${d}/etc/null`).rdev, sys.makedev(1, 3));
    assert.equal(fs.readFileSync(`${d}/etc/${longName}`, 'utf8'), 'long');
    assert.equal(fs.lstatSync(`${d}/etc/passwd`).mtimeMs, Math.floor(fs.lstatSync(`${src}/etc/passwd`).mtimeMs / 1000) * 1000);
  });

  test('GNU tar reads our PAX headers (xattrs, long names, big ids)', async () => {
    const file = path.join(fresh(), 'out.tar');
    const parts: Buffer[] = [];
    for await (const c of packPath(src, '/etc').stream) parts.push(c as Buffer);
    fs.writeFileSync(file, Buffer.concat(parts));
    const d = fresh();
    const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', file, '-C', d]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.deepEqual(sys.lgetxattr(`${d}/etc/passwd`, 'security.capability'), CAP);
    assert.equal(fs.readFileSync(`${d}/etc/${longName}`, 'utf8'), 'long');
    assert.equal(fs.lstatSync(`${d}/etc/sub`).uid, 300000);
  });

  test('a consumer may stop reading early', async () => {
    const { stream } = packPath(src, '/etc');
    for await (const _ of stream) break;
    assert.ok(stream.destroyed);
    // it closes once its producer stopped (the file it was reading is closed by then)
    await new Promise<void>((r) => (stream.closed ? r() : stream.once('close', () => r())));
  });

  test('single file, final symlink not followed unless "/" ends the path, root, export layout, 404', async () => {
    const f = packPath(src, '/etc/passwd');
    assert.deepEqual(
      (await readTar(f.stream)).map((e) => e.name),
      ['passwd'],
    );
    const l = packPath(src, '/etclink');
    assert.equal(l.stat.linkTarget, '/etc');
    const le = await readTar(l.stream);
    assert.deepEqual(
      le.map((e) => [e.name, e.type]),
      [['etclink', 'symlink']],
    );
    const lf = await readTar(packPath(src, '/etclink/').stream);
    assert.equal(lf[0].name, 'etclink/');
    assert.ok(lf.some((e) => e.name === 'etclink/passwd'));
    const root = await readTar(packPath(src, '/').stream);
    assert.equal(root[0].name, '/');
    assert.ok(root.some((e) => e.name === '/etc/passwd'));
    const exp = await readTar(packPath(src, '/', { includeSourceDir: false }).stream);
    assert.equal(exp[0].name, 'etc/');
    assert.ok(exp.some((e) => e.name === 'etclink' && e.type === 'symlink'));
    assert.throws(() => packPath(src, '/missing'), status(404));
  });
});

describe('diffLayer and changes on a real overlay mount', () => {
  let lower: string, upper: string, merged: string;
  before(() => {
    const base = fresh('ovl');
    [lower, upper, merged] = ['lower', 'upper', 'merged'].map((n) => path.join(base, n));
    const work = path.join(base, 'work');
    for (const p of [lower, upper, merged, work]) fs.mkdirSync(p);
    fs.mkdirSync(`${lower}/etc/conf.d`, { recursive: true });
    fs.mkdirSync(`${lower}/var/cache/apt`, { recursive: true });
    fs.mkdirSync(`${lower}/usr/share`, { recursive: true });
    fs.writeFileSync(`${lower}/etc/hostname`, 'old');
    fs.writeFileSync(`${lower}/etc/removed`, 'x');
    fs.writeFileSync(`${lower}/var/cache/apt/pkg`, 'x');
    fs.writeFileSync(`${lower}/usr/share/keep`, 'k');
    sys.mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
    mounts.push(merged);
    fs.writeFileSync(`${merged}/etc/hostname`, 'new');
    fs.unlinkSync(`${merged}/etc/removed`);
    fs.writeFileSync(`${merged}/etc/conf.d/added`, 'a');
    fs.rmSync(`${merged}/var/cache`, { recursive: true });
    fs.mkdirSync(`${merged}/var/cache`);
    fs.writeFileSync(`${merged}/var/cache/fresh`, 'f');
    fs.mkdirSync(`${merged}/newdir`);
    fs.readFileSync(`${merged}/usr/share/keep`);
    sys.umount2(merged, 0);
    mounts.pop();
  });

  test('changes lists modified, added and deleted paths like docker diff', () => {
    const c = changes(upper, [lower]).map((x) => `${'CAD'[x.Kind]} ${x.Path}`);
    assert.deepEqual(c, [
      'C /etc',
      'C /etc/conf.d',
      'A /etc/conf.d/added',
      'C /etc/hostname',
      'D /etc/removed',
      'A /newdir',
      'C /var',
      'D /var/cache',
      'A /var/cache/fresh',
    ]);
    assert.equal(ChangeKind.Deleted, 2);
  });

  test('diffLayer converts whiteouts and opaque dirs; the layer re-applies', async () => {
    const entries = await readTar(diffLayer(upper, [lower]));
    const names = entries.map((e) => e.name);
    assert.ok(names.includes('etc/.wh.removed'));
    assert.ok(names.includes('var/cache/.wh..wh..opq'));
    assert.ok(names.indexOf('var/cache/.wh..wh..opq') === names.indexOf('var/cache/') + 1);
    assert.ok(names.includes('etc/hostname'));
    assert.ok(!names.some((n) => n.includes('apt')));
    const wh = entries.find((e) => e.name === 'etc/.wh.removed')!;
    assert.equal(wh.type, 'file');
    assert.equal(wh.size, 0);
    const d = fresh();
    await extractLayer(diffLayer(upper, [lower]), d);
    assert.ok(sys.isWhiteout(fs.lstatSync(`${d}/etc/removed`)));
    assert.deepEqual(sys.lgetxattr(`${d}/var/cache`, 'trusted.overlay.opaque'), Buffer.from('y'));
    assert.equal(fs.readFileSync(`${d}/etc/hostname`, 'utf8'), 'new');
  });
});
