import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as sys from '../../../src/sys';

describe('sys', () => {
  let tmp: string;
  const mounted: string[] = [];

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sys-'));
  });

  after(() => {
    for (const m of mounted.reverse()) {
      try {
        sys.umount2(m, sys.MNT_DETACH);
      } catch {
        /* already unmounted */
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('importing the module does not load koffi', () => {
    const mod = path.join(__dirname, '../../../src/sys/index.js');
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(mod)}); console.log(Object.keys(require.cache).some((k) => k.includes('koffi')))`]);
    assert.equal(r.stdout.toString().trim(), 'false');
  });

  test('makeWhiteout creates char 0:0 and isWhiteout recognises it', () => {
    const p = path.join(tmp, 'wh');
    sys.makeWhiteout(p);
    const st = fs.lstatSync(p);
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, 0);
    assert.ok(sys.isWhiteout(st));
    assert.ok(sys.isWhiteout(fs.lstatSync(p, { bigint: true })));
    assert.ok(!sys.isWhiteout(fs.lstatSync(tmp)));
  });

  test('mknod errors are Node-style', () => {
    const p = path.join(tmp, 'dup');
    sys.mknod(p, sys.S_IFIFO | 0o644, 0);
    assert.ok(fs.lstatSync(p).isFIFO());
    assert.throws(
      () => sys.mknod(p, sys.S_IFIFO | 0o644, 0),
      (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'EEXIST');
        assert.equal(e.errno, -17);
        assert.equal(e.syscall, 'mknod');
        assert.equal(e.path, p);
        assert.match(e.message, /^EEXIST: file already exists, mknod '/);
        return true;
      },
    );
  });

  test('mknod char device with makedev', () => {
    const p = path.join(tmp, 'null');
    sys.mknod(p, sys.S_IFCHR | 0o666, sys.makedev(1, 3));
    const st = fs.lstatSync(p);
    assert.ok(st.isCharacterDevice());
    assert.equal(sys.major(st.rdev), 1);
    assert.equal(sys.minor(st.rdev), 3);
  });

  test('makedev/major/minor round-trip large numbers', () => {
    for (const [ma, mi] of [
      [0, 0],
      [8, 1],
      [259, 65536],
      [4095, 1048575],
      [65536, 300],
    ]) {
      const d = sys.makedev(ma, mi);
      assert.equal(sys.major(d), ma);
      assert.equal(sys.minor(d), mi);
    }
    assert.equal(sys.makedev(1, 3), 0x103);
  });

  test('xattrs: set, get, list, remove (binary values)', () => {
    const f = path.join(tmp, 'x');
    fs.writeFileSync(f, 'x');
    const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]);
    sys.lsetxattr(f, 'user.bin', bin);
    sys.lsetxattr(f, 'trusted.overlay.opaque', Buffer.from('y'));
    assert.deepEqual(sys.lgetxattr(f, 'user.bin'), bin);
    assert.deepEqual(sys.lgetxattr(f, 'trusted.overlay.opaque'), Buffer.from('y'));
    assert.equal(sys.lgetxattr(f, 'user.none'), undefined);
    assert.deepEqual(sys.llistxattr(f).sort(), ['trusted.overlay.opaque', 'user.bin']);
    sys.lremovexattr(f, 'user.bin');
    assert.deepEqual(sys.llistxattr(f), ['trusted.overlay.opaque']);
    assert.throws(() => sys.lremovexattr(f, 'user.bin'), { code: 'ENODATA' });
    assert.throws(() => sys.lgetxattr(path.join(tmp, 'nope'), 'user.a'), { code: 'ENOENT', syscall: 'lgetxattr' });
    assert.throws(() => sys.lsetxattr(f, 'user.bin', bin, sys.XATTR_REPLACE), { code: 'ENODATA' });
  });

  test("xattrs on a symlink are the link's own", () => {
    const l = path.join(tmp, 'lnk');
    fs.symlinkSync('/nonexistent', l);
    sys.lsetxattr(l, 'trusted.test', Buffer.from('v'));
    assert.deepEqual(sys.lgetxattr(l, 'trusted.test'), Buffer.from('v'));
    assert.deepEqual(sys.llistxattr(l), ['trusted.test']);
  });

  test('mount tmpfs and umount2 with MNT_DETACH', () => {
    const m = path.join(tmp, 'mnt');
    fs.mkdirSync(m);
    sys.mount('tmpfs', m, 'tmpfs', sys.MS_NOSUID | sys.MS_NODEV, 'size=1m,mode=0750');
    mounted.push(m);
    assert.ok(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${m} `));
    assert.equal(fs.statSync(m).mode & 0o777, 0o750);
    fs.writeFileSync(path.join(m, 'f'), 'data');
    sys.umount2(m, sys.MNT_DETACH);
    mounted.pop();
    assert.ok(!fs.existsSync(path.join(m, 'f')));
    assert.throws(() => sys.umount2(m, 0), { code: 'EINVAL', syscall: 'umount2' });
    assert.throws(() => sys.mount('none', path.join(tmp, 'missing'), 'tmpfs', 0, ''), { code: 'ENOENT' });
  });

  test('bind mount read-only remount', () => {
    const src = path.join(tmp, 'bsrc');
    const dst = path.join(tmp, 'bdst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    fs.writeFileSync(path.join(src, 'a'), 'a');
    sys.mount(src, dst, '', sys.MS_BIND, '');
    mounted.push(dst);
    sys.mount('', dst, '', sys.MS_BIND | sys.MS_REMOUNT | sys.MS_RDONLY, '');
    assert.equal(fs.readFileSync(path.join(dst, 'a'), 'utf8'), 'a');
    assert.throws(() => fs.writeFileSync(path.join(dst, 'b'), 'b'), { code: 'EROFS' });
    sys.umount2(dst, sys.MNT_DETACH);
    mounted.pop();
  });

  test('prctl child subreaper', () => {
    sys.setChildSubreaper(true);
    assert.equal(sys.isChildSubreaper(), true);
    sys.setChildSubreaper(false);
    assert.equal(sys.isChildSubreaper(), false);
    assert.throws(() => sys.prctl(-1), { code: 'EINVAL', syscall: 'prctl' });
  });
  test('spreadSubdirs marks an ext4 directory as a top of hierarchies (chattr +T), keeping its other flags; elsewhere it declines', (t) => {
    const d = path.join(tmp, 'spread');
    fs.mkdirSync(d);
    const attrs = () => spawnSync('lsattr', ['-d', d]).stdout.toString().split(' ')[0];
    const before = attrs();
    if (before === '') return t.skip('lsattr cannot read flags here (not ext2/3/4)');
    assert.doesNotMatch(before, /T/);
    spawnSync('chattr', ['+A', d]);
    assert.equal(sys.spreadSubdirs(d), true);
    assert.match(attrs(), /T/);
    assert.match(attrs(), /A/, 'noatime flag kept');
    assert.equal(sys.spreadSubdirs(d), true, 'already set');
    // tmpfs has no file flags; a missing directory is no error either
    const shm = fs.mkdtempSync('/dev/shm/berth-sys-');
    try {
      assert.equal(sys.spreadSubdirs(shm), false);
    } finally {
      fs.rmSync(shm, { recursive: true });
    }
    assert.equal(sys.spreadSubdirs(path.join(tmp, 'missing')), false);
  });
});
