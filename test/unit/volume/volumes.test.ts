// The volume store and service (per-API-version prune, df, filters, restart),
// Docker's mount grammar on the daemon side, and copy-up.
import { normalizeMountsForVersion } from '../../../src/api/decode/container';
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VolumeStore, parseMountOptions, ANONYMOUS_LABEL } from '../../../src/volume';
import { VolumeService } from '../../../src/engine/volumes';
import { Filters } from '../../../src/filters';
import { EventBus } from '../../../src/engine/events';
import type { EngineContext } from '../../../src/engine/context';
import { convertTmpfsOptions, parseBind, parseMountSpec, parseVolumesFrom, validMountMode } from '../../../src/engine/containers/mountparse';
import { copyIntoEmpty } from '../../../src/engine/containers/copyup';

describe('volume store and service', () => {
  let root = '';
  let events: EventBus;
  let store: VolumeStore;
  let svc: VolumeService;
  const seen: string[] = [];
  const open = () => {
    store = new VolumeStore(path.join(root, 'volumes'), (action, v) => events.emit('volume', action, v.Name, { driver: v.Driver }));
    store.load();
    svc = new VolumeService({ volumes: store, events } as unknown as EngineContext);
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-volunit-'));
    events = new EventBus();
    seen.length = 0;
    events.subscribe((e) => seen.push(`${e.Action} ${e.Actor.ID}`));
    open();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates named and anonymous volumes; a second create returns the first', () => {
    const a = svc.create({ Name: 'data', Labels: { a: 'b' } });
    assert.equal(a.Mountpoint, path.join(root, 'volumes', 'data', '_data'));
    assert.equal(a.Scope, 'local');
    assert.deepEqual(a.Labels, { a: 'b' });
    assert.equal(fs.statSync(a.Mountpoint).mode & 0o777, 0o755);
    const again = svc.create({ Name: 'data', Labels: { other: 'x' } });
    assert.deepEqual(again.Labels, { a: 'b' });
    const anon = svc.create({});
    assert.match(anon.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(anon.Labels, { [ANONYMOUS_LABEL]: '' });
    assert.deepEqual(seen, ['create data', `create ${anon.Name}`]);
    assert.equal(fs.statSync(path.dirname(a.Mountpoint)).mode & 0o777, 0o701);
    assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')).sort(), [anon.Name, 'data'].sort(), 'nothing made aside is left');
  });

  it('keeps volumes, labels and options across a restart; unreadable records keep their data', () => {
    svc.create({ Name: 'keep', Labels: { k: 'v' }, DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    svc.create({ Name: 'broken' });
    fs.writeFileSync(path.join(root, 'volumes', 'broken', '_data', 'f'), 'data');
    fs.writeFileSync(path.join(root, 'volumes', 'broken', 'volume.json'), '{torn');
    // an interrupted removal is finished at the next start
    fs.mkdirSync(path.join(root, 'volumes', '.trash-gone-1234', '_data'), { recursive: true });
    // so is a create: its tree is made aside and renamed in, a cut one is dropped
    fs.mkdirSync(path.join(root, 'volumes', '.new-cut-5678', '_data'), { recursive: true });
    open();
    assert.deepEqual(svc.inspect('keep').Labels, { k: 'v' });
    assert.deepEqual(svc.inspect('keep').Options, { device: 'tmpfs', type: 'tmpfs' });
    assert.equal(fs.readFileSync(path.join(svc.inspect('broken').Mountpoint, 'f'), 'utf8'), 'data');
    assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')).sort(), ['broken', 'keep']);
  });

  it('refuses to remove a referenced volume; force only forgives a missing one', () => {
    svc.create({ Name: 'used' });
    store.reference('used', 'c1');
    assert.throws(() => svc.remove('used', false), { status: 409, message: 'remove used: volume is in use - [c1]' });
    assert.throws(() => svc.remove('used', true), { status: 409 });
    assert.throws(() => svc.remove('nope', false), { status: 404, message: 'get nope: no such volume' });
    svc.remove('nope', true);
    store.release('used', 'c1');
    svc.remove('used', false);
    assert.ok(!fs.existsSync(path.join(root, 'volumes', 'used')));
    assert.deepEqual(seen, ['create used', 'destroy used']);
  });

  it('validates names and driver options', () => {
    assert.throws(() => svc.create({ Name: 'x' }), {
      status: 400,
      message: 'create x: volume name is too short, names should be at least two alphanumeric characters',
    });
    for (const n of ['../up', 'a/b', '.dot', '-dash', 'sp ace'])
      assert.throws(() => svc.create({ Name: n }), { status: 400, message: /^create .*includes invalid characters/ });
    assert.throws(() => svc.create({ Name: 'ok', DriverOpts: { bogus: '1' } }), { message: 'create ok: invalid option: "bogus"' });
    assert.throws(() => svc.create({ Name: 'ok', DriverOpts: { o: 'size=1m' } }), { message: 'create ok: missing required option: "device"' });
    assert.throws(() => svc.create({ Name: 'ok', DriverOpts: { size: '10m' } }), { message: 'create ok: quota size requested but no quota support' });
    assert.throws(() => svc.create({ Name: 'ok', Driver: 'nfs-plugin' }), {
      status: 404,
      message: 'create ok: error looking up volume plugin nfs-plugin: plugin "nfs-plugin" not found',
    });
    assert.deepEqual(fs.readdirSync(path.join(root, 'volumes')), []);
  });

  it('lists with dangling, name, label and driver filters', () => {
    svc.create({ Name: 'alpha', Labels: { env: 'prod', tier: 'db' } });
    svc.create({ Name: 'beta', Labels: { env: 'dev' } });
    svc.create({ Name: 'gamma' });
    store.reference('alpha', 'c1');
    const names = (f: Record<string, string[]>) =>
      svc
        .list(Filters.of(f))
        .Volumes.map((v) => v.Name)
        .sort();
    assert.deepEqual(names({ dangling: ['true'] }), ['beta', 'gamma']);
    assert.deepEqual(names({ dangling: ['0'] }), ['alpha']);
    assert.deepEqual(names({ name: ['^al'] }), ['alpha']);
    assert.deepEqual(names({ name: ['a$'] }), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(names({ label: ['env'] }), ['alpha', 'beta']);
    assert.deepEqual(names({ label: ['env=prod', 'tier'] }), ['alpha']);
    assert.deepEqual(names({ driver: ['local'] }), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(names({ driver: ['other'] }), []);
    assert.throws(() => svc.list(Filters.of({ bogus: ['1'] })), { status: 400, message: "invalid filter 'bogus'" });
    assert.throws(() => svc.list(Filters.of({ dangling: ['maybe'] })), { status: 400, message: "invalid filter 'dangling=[maybe]'" });
  });

  it('prunes per API version: every unused local volume before 1.42, anonymous ones from 1.42 unless all=true', () => {
    const setup = () => {
      for (const n of store.list().map((v) => v.Name)) for (const r of store.refsOf(n)) store.release(n, r);
      for (const v of store.list()) store.remove(v.Name);
      svc.create({ Name: 'named' });
      svc.create({ Name: 'named-used' });
      svc.create({ Name: 'mounted', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
      const anon = svc.create({}).Name;
      const anonUsed = svc.create({}).Name;
      store.reference('named-used', 'c1');
      store.reference(anonUsed, 'c1');
      fs.writeFileSync(path.join(store.get('named').Mountpoint, 'f'), 'x'.repeat(100));
      return anon;
    };
    let anon = setup();
    const r = svc.prune(Filters.of({}), 1.41);
    assert.deepEqual(r.VolumesDeleted.sort(), [anon, 'named'].sort());
    assert.equal(r.SpaceReclaimed, 100);
    anon = setup();
    assert.deepEqual(svc.prune(Filters.of({}), 1.42).VolumesDeleted, [anon]);
    assert.ok(store.find('named'));
    anon = setup();
    assert.deepEqual(svc.prune(Filters.of({ all: ['true'] }), 1.42).VolumesDeleted.sort(), [anon, 'named'].sort());
    anon = setup();
    assert.deepEqual(svc.prune(Filters.of({ all: ['false'] }), 1.44).VolumesDeleted, [anon]);
    assert.throws(() => svc.prune(Filters.of({ all: ['true', 'false'] }), 1.42), { status: 400 });
    assert.throws(() => svc.prune(Filters.of({ all: ['yes'] }), 1.42), { status: 400 });
    assert.throws(() => svc.prune(Filters.of({ until: ['1h'] }), 1.41), { status: 400, message: "invalid filter 'until'" });
    setup();
    svc.create({ Name: 'labelled', Labels: { keep: '1' } });
    assert.deepEqual(svc.prune(Filters.of({ label: ['keep'] }), 1.41).VolumesDeleted, ['labelled']);
    assert.ok(!svc.prune(Filters.of({ 'label!': ['keep'] }), 1.41).VolumesDeleted.includes('labelled'));
    assert.ok(seen.includes('prune '));
  });

  it("gives system df's Volumes: size and reference count of local volumes without options", () => {
    svc.create({ Name: 'big' });
    svc.create({ Name: 'opts', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    fs.mkdirSync(path.join(store.get('big').Mountpoint, 'sub'));
    fs.writeFileSync(path.join(store.get('big').Mountpoint, 'sub', 'f'), Buffer.alloc(4096));
    store.reference('big', 'c1');
    store.reference('big', 'c2');
    const df = svc.diskUsage();
    assert.equal(df.length, 1);
    assert.deepEqual(df[0].UsageData, { Size: 4096, RefCount: 2 });
    assert.equal(df[0].Name, 'big');
  });
});

describe('mount grammar', () => {
  it('parses -v binds, named and anonymous volumes with modes', () => {
    const b = parseBind('/host/../host/dir:/ctr:ro,rshared,z');
    assert.deepEqual(
      [b.Type, b.Source, b.Destination, b.RW, b.Mode, b.Propagation, b.CreateSource],
      ['bind', '/host/dir', '/ctr', false, 'ro,rshared,z', 'rshared', true],
    );
    const d = parseBind('/h:/c');
    assert.deepEqual([d.Mode, d.Propagation, d.RW], ['', 'rprivate', true]);
    const v = parseBind('data:/var/lib/x/../data:nocopy');
    assert.deepEqual([v.Type, v.Name, v.Destination, v.CopyData], ['volume', 'data', '/var/lib/data', false]);
    assert.equal(parseBind('data:/x').CopyData, true);
    const a = parseBind('/anon');
    assert.deepEqual([a.Type, a.Name, a.Destination], ['volume', undefined, '/anon']);
    assert.equal(parseBind('data:/x', 'mydriver').Driver, 'mydriver');
    assert.equal(parseBind('data:/x//y/').Destination, '/x/y');
    assert.equal(parseBind('/h/:/c:Z,ro').Source, '/h');
  });

  it("refuses bad -v specs with Docker's messages", () => {
    const bad: Array<[string, string]> = [
      ['/x:ro', "invalid volume specification: '/x:ro'"],
      [':/x', "invalid volume specification: ':/x'"],
      ['a:b:c:d', "invalid volume specification: 'a:b:c:d'"],
      ['v:/x:ro,rw', 'invalid mode: ro,rw'],
      ['v:/x:what', 'invalid mode: what'],
      ['v:rel', `invalid volume specification: 'v:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
      ['v:/..', `invalid volume specification: 'v:/..': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
      ['v:/x:rslave', `invalid volume specification: 'v:/x:rslave': invalid mount config for type "volume": field BindOptions must not be specified`],
    ];
    for (const [raw, msg] of bad) assert.throws(() => parseBind(raw), { status: 400, message: msg }, raw);
    assert.ok(validMountMode('ro,z,rslave,nocopy,cached'));
    assert.ok(!validMountMode('z,Z'));
  });

  it('validates --mount specs; a missing bind source is an error here', () => {
    const m = parseMountSpec({ Type: 'bind', Source: os.tmpdir(), Target: '/t', BindOptions: { Propagation: 'rslave', NonRecursive: true } });
    assert.deepEqual([m.Source, m.Propagation, m.CreateSource, m.Mode], [os.tmpdir(), 'rslave', false, '']);
    const bad: Array<[object, string]> = [
      [
        { Type: 'bind', Source: '/nonexistent-berth', Target: '/t' },
        'invalid mount config for type "bind": bind source path does not exist: /nonexistent-berth',
      ],
      [{ Type: 'bind', Target: '/t' }, 'invalid mount config for type "bind": field Source must not be empty'],
      [
        { Type: 'bind', Source: os.tmpdir(), Target: '/t', BindOptions: { Propagation: 'weird' } },
        'invalid mount config for type "bind": invalid propagation mode: weird',
      ],
      [{ Type: 'volume', Target: '' }, 'invalid mount config for type "volume": field Target must not be empty'],
      [{ Type: 'volume', Target: 'rel' }, `invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
      [{ Type: 'volume', Target: '/v', ReadOnly: true }, 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
      [{ Type: 'volume', Source: 'v', Target: '/v', BindOptions: {} }, 'invalid mount config for type "volume": field BindOptions must not be specified'],
      [{ Type: 'tmpfs', Source: 'x', Target: '/t' }, 'invalid mount config for type "tmpfs": field Source must not be specified'],
      [{ Type: 'npipe', Target: '/t' }, 'invalid mount config for type "npipe": mount type unknown'],
    ];
    for (const [spec, msg] of bad) assert.throws(() => parseMountSpec(spec as never), { status: 400, message: msg });
  });

  it('converts tmpfs options and parses --volumes-from', () => {
    assert.equal(convertTmpfsOptions({ SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 }, true), 'ro,mode=1770,size=64m');
    assert.equal(convertTmpfsOptions({ SizeBytes: 1536 }, false), 'size=1536');
    assert.equal(convertTmpfsOptions({ Options: [['exec']] }, false), 'exec');
    assert.throws(() => convertTmpfsOptions({ Options: [['suid']] }, false), { message: 'invalid option: suid' });
    assert.deepEqual(parseVolumesFrom('web'), { id: 'web', mode: 'rw' });
    assert.deepEqual(parseVolumesFrom('web:ro'), { id: 'web', mode: 'ro' });
    assert.throws(() => parseVolumesFrom('web:rshared'), { message: 'invalid mode: rshared' });
    assert.throws(() => parseVolumesFrom('web:nocopy'), { message: 'invalid mode: nocopy' });
    assert.throws(() => parseVolumesFrom(''), { message: 'volumes-from specification cannot be an empty string' });
  });

  it('applies the create route rules per API version', () => {
    const hc = { Mounts: [{ Type: 'bind' as const, Source: '/x', Target: '/y', BindOptions: { CreateMountpoint: true }, VolumeOptions: { NoCopy: true } }] };
    normalizeMountsForVersion(hc, 1.41);
    assert.deepEqual(hc.Mounts[0], { Type: 'bind', Source: '/x', Target: '/y', BindOptions: { CreateMountpoint: false } });
    assert.throws(() => normalizeMountsForVersion({ Mounts: [{ Type: 'bind', Source: '/x', Target: '/y', VolumeOptions: {} }] }, 1.42), {
      message: 'VolumeOptions must not be specified on mount type "bind"',
    });
    assert.throws(() => normalizeMountsForVersion({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/y', VolumeOptions: { Subpath: 'a' } }] }, 1.41), {
      message: 'VolumeOptions.Subpath needs API v1.45 or newer',
    });
  });

  it('parses local volume mount options as moby/sys/mount does', () => {
    assert.deepEqual(parseMountOptions('size=10m,uid=1000'), { flags: 0, data: 'size=10m,uid=1000' });
    assert.deepEqual(parseMountOptions('bind,ro'), { flags: 0x1000 | 0x1, data: '' });
    assert.deepEqual(parseMountOptions('rbind,rw,noexec,addr=1.2.3.4'), { flags: 0x1000 | 0x4000 | 0x8, data: 'addr=1.2.3.4' });
  });
});

describe('copy-up', () => {
  it('copies into an empty directory only, keeping owners, modes, links and times', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copyup-'));
    try {
      const src = path.join(tmp, 'src');
      const dst = path.join(tmp, 'dst');
      fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
      fs.mkdirSync(dst);
      fs.writeFileSync(path.join(src, 'f'), 'hello');
      fs.chownSync(path.join(src, 'f'), 1000, 50);
      fs.chmodSync(path.join(src, 'f'), 0o4750);
      fs.linkSync(path.join(src, 'f'), path.join(src, 'sub', 'hard'));
      fs.symlinkSync('../f', path.join(src, 'sub', 'link'));
      fs.chownSync(path.join(src, 'sub'), 1000, 1000);
      fs.chmodSync(src, 0o710);
      fs.utimesSync(path.join(src, 'f'), new Date(1e9 * 1000), new Date(1e9 * 1000));
      assert.equal(copyIntoEmpty(src, dst), true);
      const f = fs.statSync(path.join(dst, 'f'));
      assert.deepEqual([f.uid, f.gid, f.mode & 0o7777, f.mtimeMs], [1000, 50, 0o4750, 1e12]);
      assert.equal(fs.statSync(path.join(dst, 'sub', 'hard')).ino, f.ino);
      assert.equal(fs.readlinkSync(path.join(dst, 'sub', 'link')), '../f');
      assert.equal(fs.statSync(path.join(dst, 'sub')).uid, 1000);
      assert.equal(fs.statSync(dst).mode & 0o7777, 0o710);
      // not empty any more: nothing is copied again
      fs.rmSync(path.join(dst, 'f'));
      assert.equal(copyIntoEmpty(src, dst), false);
      assert.ok(!fs.existsSync(path.join(dst, 'f')));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
