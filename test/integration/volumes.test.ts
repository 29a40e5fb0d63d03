// Volumes and mounts, driven with the real docker CLI (and berth) against
// berthd: named, anonymous and image volumes, binds, tmpfs, --mount,
// --volumes-from, copy-up, read-only, propagation, cp, prune, rm -v, events,
// persistence across daemon restarts, and Docker's errors for bad input.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, type RunResult } from '../helpers/daemon';
import { makeBusyboxTar } from '../fixtures/make-busybox';

const ANON = /^[0-9a-f]{64}$/;

function ok(r: RunResult): string {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function fails(r: RunResult, message: RegExp, status = 125): void {
  assert.equal(r.status, status, `expected exit ${status}, got ${r.status}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
}

describe('volumes and mounts', () => {
  const d = new TestDaemon('vol');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-voltest-'));
  const docker = (...args: string[]) => d.docker(args);
  const volumes = () =>
    ok(docker('volume', 'ls', '-q'))
      .split('\n')
      .filter(Boolean);
  const volDir = (name: string) => path.join(d.dataRoot, 'volumes', name, '_data');

  before(async () => {
    await d.start();
    await d.importBusybox();
    // an image with content at /data: owners, modes, a nested dir and a symlink
    const tarball = path.join(tmp, 'data.tar');
    await makeBusyboxTar(tarball, (pack) => {
      const mtime = new Date(0);
      pack.entry({ name: 'data', type: 'directory', mode: 0o750, uid: 1000, gid: 1000, mtime });
      pack.entry({ name: 'data/owned.txt', mode: 0o640, uid: 1000, gid: 1000, mtime }, 'image content\n');
      pack.entry({ name: 'data/sub', type: 'directory', mode: 0o700, uid: 1000, gid: 1000, mtime });
      pack.entry({ name: 'data/sub/deep', mode: 0o600, uid: 1000, gid: 50, mtime }, 'deep\n');
      pack.entry({ name: 'data/link', type: 'symlink', linkname: 'owned.txt', mtime });
    });
    ok(docker('import', tarball, 'datafile'));
    ok(docker('import', '--change', 'VOLUME /data', tarball, 'datavol'));
  });
  // every test starts from no containers and no volumes, whatever the one before left
  beforeEach(() => {
    const ids = ok(docker('ps', '-aq')).split('\n').filter(Boolean);
    if (ids.length) ok(docker('rm', '-f', '-v', ...ids));
    const vols = volumes();
    if (vols.length) ok(docker('volume', 'rm', '-f', ...vols));
  });
  after(async () => {
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates, lists, inspects and removes volumes', () => {
    assert.equal(ok(docker('volume', 'create', '--label', 'team=web', '--label', 'tier', 'web-data')), 'web-data\n');
    const anon = ok(docker('volume', 'create')).trim();
    assert.match(anon, ANON);
    const [v] = JSON.parse(ok(docker('volume', 'inspect', 'web-data')));
    assert.equal(v.Name, 'web-data');
    assert.equal(v.Driver, 'local');
    assert.equal(v.Scope, 'local');
    assert.equal(v.Mountpoint, volDir('web-data'));
    assert.deepEqual(v.Labels, { team: 'web', tier: '' });
    assert.match(v.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    assert.ok(fs.statSync(volDir('web-data')).isDirectory());
    assert.equal(ok(docker('volume', 'inspect', '-f', '{{json .Labels}}', anon)), '{"com.docker.volume.anonymous":""}\n');
    assert.equal(ok(docker('volume', 'ls')), `DRIVER    VOLUME NAME\nlocal     ${anon}\nlocal     web-data\n`);
    assert.equal(ok(docker('volume', 'ls', '-q', '--filter', 'label=team=web')), 'web-data\n');
    assert.equal(ok(docker('volume', 'ls', '-q', '--filter', 'name=web')), 'web-data\n');
    assert.equal(
      ok(docker('volume', 'ls', '-q', '--filter', 'driver=local'))
        .split('\n')
        .filter(Boolean).length,
      2,
    );
    assert.equal(ok(docker('volume', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Label "team"}}', '--filter', 'name=^web-data$')), 'web-data local web\n');
    // a volume a container uses is not dangling, even while that container is stopped
    ok(docker('create', '--name', 'holder', '-v', 'web-data:/w', 'busybox', 'true'));
    assert.equal(ok(docker('volume', 'ls', '-q', '--filter', 'dangling=true')), `${anon}\n`);
    assert.equal(ok(docker('volume', 'ls', '-q', '--filter', 'dangling=false')), 'web-data\n');
    fails(docker('volume', 'ls', '--filter', 'bogus=1'), /invalid filter 'bogus'/, 1);
    // in use: refused, data kept
    const inUse = docker('volume', 'rm', 'web-data');
    fails(
      inUse,
      new RegExp(`Error response from daemon: remove web-data: volume is in use - \\[${ok(docker('inspect', '-f', '{{.Id}}', 'holder')).trim()}\\]`),
      1,
    );
    fails(docker('volume', 'rm', '-f', 'web-data'), /volume is in use/, 1);
    assert.ok(fs.existsSync(volDir('web-data')));
    ok(docker('rm', 'holder'));
    assert.equal(ok(docker('volume', 'rm', 'web-data', anon)), `web-data\n${anon}\n`);
    assert.ok(!fs.existsSync(path.join(d.dataRoot, 'volumes', 'web-data')));
    fails(docker('volume', 'rm', 'web-data'), /Error response from daemon: get web-data: no such volume/, 1);
    assert.equal(ok(docker('volume', 'rm', '-f', 'web-data')), 'web-data\n');
    fails(docker('volume', 'inspect', 'web-data'), /get web-data: no such volume/, 1);
    assert.deepEqual(volumes(), []);
  });

  it("refuses bad names and options with Docker's errors and creates nothing", async () => {
    fails(docker('volume', 'create', 'x'), /create x: volume name is too short, names should be at least two alphanumeric characters/, 1);
    for (const bad of ['../escape', 'a/b', '.hidden', '/abs'])
      fails(docker('volume', 'create', bad), /includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed/, 1);
    fails(docker('volume', 'create', '-o', 'foo=bar', 'optv'), /create optv: invalid option: "foo"/, 1);
    fails(docker('volume', 'create', '-o', 'type=tmpfs', 'optv'), /create optv: missing required option: "device"/, 1);
    fails(
      docker('volume', 'create', '-d', 'nosuchdriver', 'optv'),
      /create optv: error looking up volume plugin nosuchdriver: plugin "nosuchdriver" not found/,
      1,
    );
    // the docker CLI makes "../x" a host path; through the API it is a volume name, and refused
    const r = await d.request('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['../../etc:/x'] } });
    assert.equal(r.status, 400);
    assert.match(r.json().message, /^create \.\.\/\.\.\/etc: "\.\.\/\.\.\/etc" includes invalid characters/);
    assert.equal(ok(docker('ps', '-aq')), '');
    assert.deepEqual(volumes(), []);
    assert.deepEqual(fs.readdirSync(path.join(d.dataRoot, 'volumes')), []);
    assert.ok(!fs.existsSync(path.join(d.dataRoot, 'etc')) && !fs.existsSync(path.join(d.dataRoot, '..', 'etc')));
  });

  it('keeps data across containers, daemon restarts and kill -9 of the daemon', async () => {
    ok(docker('run', '--rm', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo first > /data/f'));
    assert.equal(ok(docker('run', '--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/f')), 'first\n');
    ok(docker('run', '-d', '--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo running > /data/g; sleep 300'));
    assert.equal(await d.stopDaemon('SIGTERM'), 0);
    await d.start();
    assert.equal(ok(docker('exec', 'writer', 'cat', '/data/f', '/data/g')), 'first\nrunning\n');
    await d.stopDaemon('SIGKILL');
    await d.start();
    assert.deepEqual(volumes(), ['keep']);
    assert.equal(ok(docker('run', '--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/f', '/data/g')), 'first\nrunning\n');
    // still referenced by the running container after the crash
    fails(docker('volume', 'rm', 'keep'), /volume is in use/, 1);
    // removing containers, even with -v, and pruning containers never touch a named volume
    ok(docker('rm', '-f', '-v', 'writer'));
    ok(docker('container', 'prune', '-f'));
    assert.equal(fs.readFileSync(path.join(volDir('keep'), 'f'), 'utf8'), 'first\n');
    ok(docker('volume', 'rm', 'keep'));
  });

  it('keeps a mount-option volume mounted for a running container across a daemon restart', async () => {
    ok(docker('volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'tmpvol'));
    const mounted = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${volDir('tmpvol')} `);
    ok(docker('run', '-d', '--name', 't1', '-v', 'tmpvol:/t', 'busybox', 'sh', '-c', 'echo shared > /t/f; sleep 300'));
    ok(docker('run', '-d', '--name', 't2', '-v', 'tmpvol:/t', 'busybox', 'sleep', '300'));
    assert.ok(mounted());
    await d.stopDaemon('SIGKILL');
    await d.start();
    ok(docker('stop', '-t', '0', 't1'));
    // the other user still has it
    assert.ok(mounted());
    assert.equal(ok(docker('exec', 't2', 'cat', '/t/f')), 'shared\n');
    ok(docker('stop', '-t', '0', 't2'));
    assert.ok(!mounted(), 'unmounted with its last user');
    ok(docker('rm', 't1', 't2'));
    ok(docker('volume', 'rm', 'tmpvol'));
  });

  it('copies image content into an empty volume, keeping owners and modes', () => {
    const show = 'stat -c "%n %U %G %a" /data /data/owned.txt /data/sub /data/sub/deep; readlink /data/link; cat /data/owned.txt';
    const expected =
      '/data berth berth 750\n/data/owned.txt berth berth 640\n/data/sub berth berth 700\n/data/sub/deep berth staff 600\nowned.txt\nimage content\n';
    // a named volume, on first use
    assert.equal(ok(docker('run', '--rm', '-v', 'copied:/data', 'datafile', 'sh', '-c', show)), expected);
    const st = fs.statSync(path.join(volDir('copied'), 'owned.txt'));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 1000, 0o640]);
    assert.equal(fs.statSync(volDir('copied')).mode & 0o7777, 0o750);
    // only an empty volume is filled: what a container changed stays
    ok(docker('run', '--rm', '-v', 'copied:/data', 'datafile', 'sh', '-c', 'rm /data/owned.txt; echo mine > /data/new'));
    assert.equal(ok(docker('run', '--rm', '-v', 'copied:/data', 'datafile', 'ls', '/data')), 'link\nnew\nsub\n');
    // an image VOLUME's anonymous volume, and --mount type=volume
    assert.equal(ok(docker('run', '--rm', 'datavol', 'sh', '-c', show)), expected);
    assert.equal(ok(docker('run', '--rm', '--mount', 'type=volume,src=mounted,dst=/data', 'datafile', 'sh', '-c', show)), expected);
    // not with nocopy, not for binds
    assert.equal(ok(docker('run', '--rm', '-v', 'nocopy1:/data:nocopy', 'datafile', 'ls', '-A', '/data')), '');
    assert.equal(ok(docker('run', '--rm', '--mount', 'type=volume,src=nocopy2,dst=/data,volume-nocopy', 'datafile', 'ls', '-A', '/data')), '');
    const host = path.join(tmp, 'bind-empty');
    fs.mkdirSync(host);
    assert.equal(ok(docker('run', '--rm', '-v', `${host}:/data`, 'datafile', 'ls', '-A', '/data')), '');
    assert.deepEqual(fs.readdirSync(host), []);
    ok(docker('volume', 'rm', 'copied', 'mounted', 'nocopy1', 'nocopy2'));
  });

  it('turns image VOLUMEs into anonymous volumes unless a mount covers them', () => {
    ok(docker('create', '--name', 'iv', 'datavol', 'true'));
    const [m] = JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'iv')));
    assert.match(m.Name, ANON);
    assert.deepEqual(
      { ...m, Name: '' },
      { Type: 'volume', Name: '', Source: volDir(m.Name), Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
    );
    assert.equal(ok(docker('volume', 'inspect', '-f', '{{json .Labels}}', m.Name)), '{"com.docker.volume.anonymous":""}\n');
    assert.deepEqual(volumes(), [m.Name]);
    // a named volume over the same path: no anonymous volume
    ok(docker('create', '--name', 'iv2', '-v', 'cover:/data', 'datavol', 'true'));
    assert.deepEqual(JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'iv2'))), [
      { Type: 'volume', Name: 'cover', Source: volDir('cover'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    ]);
    // a tmpfs or a bind over it: none either
    ok(docker('create', '--name', 'iv3', '--tmpfs', '/data', 'datavol', 'true'));
    assert.equal(ok(docker('inspect', '-f', '{{json .Mounts}}', 'iv3')), '[]\n');
    ok(docker('create', '--name', 'iv4', '--mount', `type=bind,src=${tmp},dst=/data`, 'datavol', 'true'));
    assert.deepEqual(JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'iv4'))), [
      { Type: 'bind', Source: tmp, Destination: '/data', Mode: '', RW: true, Propagation: 'rprivate' },
    ]);
    assert.deepEqual(volumes().sort(), [m.Name, 'cover'].sort());
    ok(docker('rm', '-v', 'iv', 'iv2', 'iv3', 'iv4'));
    assert.deepEqual(volumes(), ['cover']);
    ok(docker('volume', 'rm', 'cover'));
  });

  it('removes anonymous volumes with rm -v and run --rm, never named ones', () => {
    ok(docker('run', '--name', 'rv', '-v', 'named1:/n', '-v', '/anon', 'datavol', 'true'));
    const mounts: Array<{ Name: string; Destination: string }> = JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'rv')));
    const anon = mounts.filter((m) => m.Name !== 'named1').map((m) => m.Name);
    assert.equal(anon.length, 2);
    assert.deepEqual(volumes().sort(), [...anon, 'named1'].sort());
    ok(docker('rm', '-v', 'rv'));
    assert.deepEqual(volumes(), ['named1']);
    // --rm: the anonymous volumes go when the container goes
    ok(docker('run', '--rm', '-v', 'named2:/n', 'datavol', 'touch', '/data/x', '/n/x'));
    assert.deepEqual(volumes().sort(), ['named1', 'named2']);
    // rm without -v leaves them (dangling)
    ok(docker('run', '--name', 'keepanon', 'datavol', 'true'));
    const [kept] = volumes().filter((v) => ANON.test(v));
    ok(docker('rm', 'keepanon'));
    assert.equal(ok(docker('volume', 'ls', '-q', '--filter', 'dangling=true')).includes(kept), true);
    // shared through --volumes-from: in use, so kept until its last user goes
    ok(docker('create', '--name', 'va', '-v', '/shared', 'busybox', 'true'));
    ok(docker('create', '--name', 'vb', '--volumes-from', 'va', 'busybox', 'true'));
    const shared = JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'va')))[0].Name;
    ok(docker('rm', '-v', 'va'));
    assert.ok(volumes().includes(shared));
    ok(docker('rm', '-v', 'vb'));
    assert.ok(!volumes().includes(shared));
    ok(docker('volume', 'rm', 'named1', 'named2', kept));
  });

  it('makes read-only mounts refuse writes', () => {
    ok(docker('run', '--rm', '-v', 'rov:/d', 'busybox', 'sh', '-c', 'echo data > /d/f'));
    const bindDir = path.join(tmp, 'robind');
    fs.mkdirSync(bindDir);
    for (const m of [
      ['-v', 'rov:/d:ro'],
      ['--mount', 'src=rov,dst=/d,readonly'],
      ['-v', `${bindDir}:/d:ro`],
      ['--mount', `type=bind,src=${bindDir},dst=/d,ro=true`],
    ]) {
      const r = docker('run', '--rm', ...m, 'busybox', 'sh', '-c', 'cat /d/f 2>/dev/null; touch /d/new');
      assert.notEqual(r.status, 0, m.join(' '));
      assert.match(r.stderr, /Read-only file system/);
    }
    assert.deepEqual(fs.readdirSync(bindDir), []);
    ok(docker('create', '--name', 'rosrc', '-v', 'rov:/d', 'busybox', 'true'));
    const r = docker('run', '--rm', '--volumes-from', 'rosrc:ro', 'busybox', 'sh', '-c', 'cat /d/f; touch /d/new');
    assert.equal(r.stdout, 'data\n');
    assert.match(r.stderr, /Read-only file system/);
    ok(docker('create', '--name', 'roc', '-v', 'rov:/d:ro', 'busybox', 'true'));
    assert.equal(ok(docker('inspect', '-f', '{{range .Mounts}}{{.Mode}} {{.RW}}{{end}}', 'roc')), 'ro false\n');
    ok(docker('rm', 'rosrc', 'roc'));
    ok(docker('volume', 'rm', 'rov'));
  });

  it('shares mounts with --volumes-from', () => {
    const host = path.join(tmp, 'vf-bind');
    fs.mkdirSync(host);
    ok(
      docker(
        'run',
        '--name',
        'vfsrc',
        '-v',
        'vfnamed:/named',
        '-v',
        '/anon',
        '-v',
        `${host}:/bind`,
        'busybox',
        'sh',
        '-c',
        'echo n > /named/f; echo a > /anon/f',
      ),
    );
    assert.equal(ok(docker('run', '--rm', '--volumes-from', 'vfsrc', 'busybox', 'sh', '-c', 'cat /named/f /anon/f; echo b > /bind/f')), 'n\na\n');
    assert.equal(fs.readFileSync(path.join(host, 'f'), 'utf8'), 'b\n');
    ok(docker('create', '--name', 'vfdst', '--volumes-from', 'vfsrc', 'busybox', 'true'));
    const src = JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'vfsrc')));
    const dst = JSON.parse(ok(docker('inspect', '-f', '{{json .Mounts}}', 'vfdst')));
    const key = (m: { Destination: string; Name?: string; Source: string }) => `${m.Destination} ${m.Name ?? ''} ${m.Source}`;
    assert.deepEqual(dst.map(key).sort(), src.map(key).sort());
    // a later -v over one destination replaces that mount; the volume stays in use where it is still mounted
    ok(docker('create', '--name', 'twice', '-v', 'vtwice:/a', '-v', 'vtwice:/b', 'busybox', 'true'));
    ok(docker('create', '--name', 'over', '--volumes-from', 'twice', '-v', 'vother:/a', 'busybox', 'true'));
    assert.equal(
      ok(docker('inspect', '-f', '{{range .Mounts}}{{.Destination}}={{.Name}} {{end}}', 'over'))
        .trim()
        .split(' ')
        .sort()
        .join(' '),
      '/a=vother /b=vtwice',
    );
    ok(docker('rm', 'twice'));
    fails(docker('volume', 'rm', 'vtwice'), /volume is in use/, 1);
    ok(docker('rm', 'over'));
    ok(docker('volume', 'rm', 'vtwice', 'vother'));
    fails(docker('run', '--rm', '--volumes-from', 'nosuchctr', 'busybox', 'true'), /No such container: nosuchctr/);
    fails(docker('run', '--rm', '--volumes-from', 'vfsrc:rshared', 'busybox', 'true'), /invalid mode: rshared/);
    ok(docker('rm', '-v', 'vfsrc', 'vfdst'));
    ok(docker('volume', 'rm', 'vfnamed'));
    assert.deepEqual(volumes(), []);
  });

  it('takes the full --mount grammar', () => {
    ok(docker('run', '--rm', '--mount', 'type=volume,source=labelled,target=/m,volume-label=owner=me', 'busybox', 'true'));
    assert.equal(ok(docker('volume', 'inspect', '-f', '{{json .Labels}}', 'labelled')), '{"owner":"me"}\n');
    // driver options: a tmpfs-backed local volume
    const t = ok(
      docker(
        'run',
        '--rm',
        '--mount',
        'type=volume,src=tmpv,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=2m',
        'busybox',
        'grep',
        ' /m ',
        '/proc/mounts',
      ),
    );
    assert.match(t, /^tmpfs \/m tmpfs rw,.*size=2048k/);
    assert.equal(ok(docker('volume', 'inspect', '-f', '{{json .Options}}', 'tmpv')), '{"device":"tmpfs","o":"size=2m","type":"tmpfs"}\n');
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(volDir('tmpv')), 'unmounted when the container is gone');
    // tmpfs with size and mode
    const tm = ok(
      docker(
        'run',
        '--rm',
        '--mount',
        'type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770',
        'busybox',
        'sh',
        '-c',
        'grep " /t " /proc/mounts; stat -c %a /t',
      ),
    );
    assert.match(tm, /^tmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770/);
    assert.match(tm, /\n1770\n$/);
    ok(docker('create', '--name', 'tmc', '--mount', 'type=tmpfs,dst=/t', 'busybox', 'true'));
    assert.equal(
      ok(docker('inspect', '-f', '{{json .Mounts}}', 'tmc')),
      '[{"Type":"tmpfs","Source":"","Destination":"/t","Mode":"","RW":true,"Propagation":""}]\n',
    );
    ok(docker('rm', 'tmc'));
    // binds: recursive by default, bind-nonrecursive leaves submounts out
    const outer = path.join(tmp, 'outer');
    fs.mkdirSync(path.join(outer, 'inner'), { recursive: true });
    spawnSync('mount', ['-t', 'tmpfs', 'innerfs', path.join(outer, 'inner')]);
    try {
      fs.writeFileSync(path.join(outer, 'inner', 'f'), 'x');
      assert.equal(ok(docker('run', '--rm', '--mount', `type=bind,src=${outer},dst=/o`, 'busybox', 'ls', '/o/inner')), 'f\n');
      assert.equal(ok(docker('run', '--rm', '--mount', `type=bind,src=${outer},dst=/o,bind-nonrecursive`, 'busybox', 'ls', '/o/inner')), '');
    } finally {
      spawnSync('umount', ['-l', path.join(outer, 'inner')]);
    }
    // a missing bind source: an error for --mount, created for -v
    const missing = path.join(tmp, 'missing', 'deeper');
    fails(
      docker('run', '--rm', '--mount', `type=bind,src=${missing},dst=/x`, 'busybox', 'true'),
      new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${missing}`),
    );
    assert.ok(!fs.existsSync(missing));
    ok(docker('run', '--rm', '-v', `${missing}:/x`, 'busybox', 'true'));
    assert.ok(fs.statSync(missing).isDirectory());
    fails(
      docker('run', '--rm', '--mount', 'type=volume,dst=/x,readonly', 'busybox', 'true'),
      /invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes/,
    );
    fails(
      docker('run', '--rm', '--mount', 'type=bind,src=relative,dst=/x', 'busybox', 'true'),
      /invalid mount config for type "bind": invalid mount path: 'relative' mount path must be absolute/,
    );
    ok(docker('volume', 'rm', 'labelled', 'tmpv'));
  });

  it('mounts --tmpfs with options', () => {
    const r = ok(
      docker('run', '--rm', '--tmpfs', '/scratch:rw,exec,size=512k,mode=700', 'busybox', 'sh', '-c', 'grep " /scratch " /proc/mounts; stat -c %a /scratch'),
    );
    assert.match(r, /^tmpfs \/scratch tmpfs rw,nosuid,nodev,relatime,size=512k,mode=700/);
  });

  it('propagates host mounts into rslave and rshared binds, and back out of rshared', () => {
    const shared = fs.mkdtempSync('/tmp/berth-prop-');
    const priv = fs.mkdtempSync('/tmp/berth-priv-');
    for (const [dir, how] of [
      [shared, '--make-shared'],
      [priv, '--make-private'],
    ]) {
      assert.equal(spawnSync('mount', ['--bind', dir, dir]).status, 0);
      assert.equal(spawnSync('mount', [how, dir]).status, 0);
    }
    try {
      ok(docker('run', '-d', '--name', 'pslave', '-v', `${shared}:/m:rslave`, 'busybox', 'sleep', '300'));
      ok(docker('run', '-d', '--name', 'pprivate', '-v', `${shared}:/m`, 'busybox', 'sleep', '300'));
      ok(docker('run', '-d', '--name', 'pshared', '--privileged', '-v', `${shared}:/m:rshared`, 'busybox', 'sleep', '300'));
      fs.mkdirSync(path.join(shared, 'fromhost'));
      assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'hostside', path.join(shared, 'fromhost')]).status, 0);
      const sees = (c: string) => docker('exec', c, 'grep', ' /m/fromhost ', '/proc/mounts').stdout;
      assert.match(sees('pslave'), /^hostside /);
      assert.match(sees('pshared'), /^hostside /);
      assert.equal(sees('pprivate'), '');
      // a mount made in an rshared container shows on the host
      ok(docker('exec', 'pshared', 'sh', '-c', 'mkdir -p /m/fromctr && mount -t tmpfs ctrside /m/fromctr'));
      assert.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${shared}/fromctr .* ctrside`));
      assert.equal(ok(docker('inspect', '-f', '{{range .Mounts}}{{.Propagation}}{{end}}', 'pslave')), 'rslave\n');
      // shared propagation needs a shared source, as in Docker
      fails(docker('run', '--rm', '-v', `${priv}:/m:shared`, 'busybox', 'true'), new RegExp(`path ${priv} is mounted on ${priv} but it is not a shared mount`));
      fails(
        docker('run', '--rm', '-v', `${priv}:/m:slave`, 'busybox', 'true'),
        new RegExp(`path ${priv} is mounted on ${priv} but it is not a shared or slave mount`),
      );
    } finally {
      docker('rm', '-f', 'pslave', 'pprivate', 'pshared');
      for (const sub of ['fromctr', 'fromhost']) spawnSync('umount', ['-l', path.join(shared, sub)]);
      for (const dir of [shared, priv]) {
        spawnSync('umount', ['-l', dir]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('lets docker cp write into volumes, which diff and commit never see', () => {
    const file = path.join(tmp, 'payload.txt');
    fs.writeFileSync(file, 'payload\n');
    ok(docker('run', '-d', '--name', 'cpv', '-v', 'cpvol:/data', '-v', 'cpro:/ro:ro', 'busybox', 'sleep', '300'));
    ok(docker('cp', file, 'cpv:/data/'));
    assert.equal(fs.readFileSync(path.join(volDir('cpvol'), 'payload.txt'), 'utf8'), 'payload\n');
    assert.equal(ok(docker('exec', 'cpv', 'cat', '/data/payload.txt')), 'payload\n');
    fails(docker('cp', file, 'cpv:/ro/'), /mounted volume is marked read-only/, 1);
    ok(docker('stop', '-t', '0', 'cpv'));
    // a stopped container: the volume is seen through as well, both ways
    fs.writeFileSync(file, 'second\n');
    ok(docker('cp', file, 'cpv:/data/second.txt'));
    assert.equal(fs.readFileSync(path.join(volDir('cpvol'), 'second.txt'), 'utf8'), 'second\n');
    ok(docker('cp', 'cpv:/data/payload.txt', path.join(tmp, 'back.txt')));
    assert.equal(fs.readFileSync(path.join(tmp, 'back.txt'), 'utf8'), 'payload\n');
    fails(docker('cp', file, 'cpv:/ro/'), /mounted volume is marked read-only/, 1);
    assert.deepEqual(fs.readdirSync(volDir('cpro')), []);
    const diff = ok(docker('diff', 'cpv'));
    assert.doesNotMatch(diff, /payload|second/);
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(volDir('cpvol')), 'cp views are unmounted');
    ok(docker('rm', 'cpv'));
    ok(docker('volume', 'rm', 'cpvol', 'cpro'));
  });

  it('prunes every unused local volume at API 1.41, with label filters', async () => {
    ok(docker('volume', 'create', 'unused-named'));
    ok(docker('volume', 'create', '--label', 'keep=yes', 'labelled-named'));
    const anon = ok(docker('volume', 'create')).trim();
    ok(docker('volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'with-options'));
    ok(docker('create', '--name', 'user', '-v', 'used-named:/u', 'busybox', 'true'));
    fs.writeFileSync(path.join(volDir('unused-named'), 'f'), 'x'.repeat(1000));
    const filtered = ok(docker('volume', 'prune', '-f', '--filter', 'label!=keep'));
    assert.deepEqual(filtered.split('\n').slice(1, 3).sort(), [anon, 'unused-named'].sort());
    assert.match(filtered, /^Deleted Volumes:\n.*\n.*\n\nTotal reclaimed space: 1kB\n$/);
    assert.deepEqual(volumes().sort(), ['labelled-named', 'used-named', 'with-options']);
    assert.equal(ok(docker('volume', 'prune', '-f', '--filter', 'label=keep=yes')), 'Deleted Volumes:\nlabelled-named\n\nTotal reclaimed space: 0B\n');
    assert.equal(ok(docker('volume', 'prune', '-f')), 'Total reclaimed space: 0B\n');
    assert.deepEqual(volumes().sort(), ['used-named', 'with-options']);
    // the API answers 1.41; newer paths are refused, as by any 1.41 daemon
    const v142 = await d.request('POST', '/v1.42/volumes/prune');
    assert.equal(v142.status, 400);
    assert.match(v142.json().message, /client version 1.42 is too new/);
    const v141 = await d.request('POST', '/v1.41/volumes/prune');
    assert.deepEqual(v141.json(), { VolumesDeleted: [], SpaceReclaimed: 0 });
    ok(docker('rm', 'user'));
    ok(docker('volume', 'rm', 'used-named', 'with-options'));
  });

  it('counts volumes in system df with their size and links', () => {
    ok(docker('volume', 'create', 'dfvol'));
    ok(docker('run', '--rm', '-v', 'dfvol:/d', 'busybox', 'sh', '-c', 'printf 0123456789 > /d/f'));
    ok(docker('create', '--name', 'dfuser', '-v', 'dfvol:/d', 'busybox', 'true'));
    const v = ok(docker('system', 'df', '-v'));
    assert.match(v, /^dfvol\s+1\s+10B$/m);
    assert.match(ok(docker('system', 'df')), /^Local Volumes\s+\d+\s+\d+\s+\S+/m);
    ok(docker('rm', 'dfuser'));
    ok(docker('volume', 'rm', 'dfvol'));
  });

  it('shows volumes in ps and reports volume events', () => {
    const since = String(Date.now() / 1000);
    ok(docker('run', '--name', 'ev', '-v', 'evvol:/e', 'busybox', 'true'));
    assert.equal(ok(docker('ps', '-a', '--filter', 'volume=evvol', '--format', '{{.Names}} {{.Mounts}}')), 'ev evvol\n');
    ok(docker('rm', 'ev'));
    ok(docker('volume', 'rm', 'evvol'));
    const until = String(Date.now() / 1000 + 1);
    const ev = ok(
      docker(
        'events',
        '--since',
        since,
        '--until',
        until,
        '--filter',
        'type=volume',
        '--format',
        '{{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "driver"}}',
      ),
    );
    assert.equal(ev, 'create evvol local\nmount evvol local\nunmount evvol local\ndestroy evvol local\n');
  });

  it("answers bad mount input with Docker's errors and loses nothing", () => {
    ok(docker('run', '--rm', '-v', 'precious:/p', 'busybox', 'sh', '-c', 'echo keep > /p/f'));
    const cases: Array<[string[], RegExp]> = [
      [
        ['-v', 'vv:relative'],
        /invalid volume specification: 'vv:relative': invalid mount config for type "volume": invalid mount path: 'relative' mount path must be absolute/,
      ],
      [['-v', 'vv:/'], /invalid specification: destination can't be '\/'/],
      [['-v', 'vv:/../..'], /invalid specification: destination can't be '\/'/],
      [['-v', '/host:ro'], /invalid volume specification: '\/host:ro'/],
      [['-v', 'vv:/x:bogus'], /invalid mode: bogus/],
      [['-v', 'vv:/x:shared'], /invalid mount config for type "volume": field BindOptions must not be specified/],
      [['-v', 'v1x:/same', '-v', 'v2x:/same'], /Duplicate mount point: \/same/],
      [['--tmpfs', '/same', '-v', 'v1x:/same'], /Duplicate mount point: \/same/],
      [['-v', 'v1x:/same', '--mount', 'type=tmpfs,dst=/same'], /Duplicate mount point: \/same/],
      [
        ['-v', `${d.dataRoot}:/root-of-daemon:private`],
        /invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root/,
      ],
      [['-v', `${path.join(d.dataRoot, 'volumes')}:/x:rprivate`], /must use either propagation mode "rslave" or "rshared"/],
    ];
    for (const [args, re] of cases) fails(docker('run', '--rm', ...args, 'busybox', 'true'), re);
    // SELinux labels are accepted (and mean nothing here); a trailing "/" is the same destination
    ok(docker('run', '--rm', '-v', `${tmp}:/z1:z`, '-v', `${tmp}:/z2:Z,ro`, 'busybox', 'true'));
    assert.equal(ok(docker('run', '--rm', '-v', 'precious:/data/', 'datavol', 'cat', '/data/f')), 'keep\n');
    // the daemon root may be bound rslave (Docker's default there)
    ok(docker('run', '--rm', '-v', `${path.join(d.dataRoot, 'volumes')}:/x:ro`, 'busybox', 'ls', '/x'));
    // the docker CLI sends -v in Go map order: whichever of v1x/v2x comes first is created
    // before the duplicate is found, as with dockerd; nothing else appears, nothing is lost
    const left = volumes().sort();
    assert.deepEqual(
      left.filter((v) => v !== 'v2x'),
      ['precious', 'v1x'],
    );
    assert.equal(fs.readFileSync(path.join(volDir('precious'), 'f'), 'utf8'), 'keep\n');
    ok(docker('volume', 'rm', ...left));
  });

  it('gives berth the same volume commands', () => {
    const berth = (...args: string[]) => d.berth(args);
    assert.equal(ok(berth('volume', 'create', '--label', 'x=y', 'bv1')), 'bv1\n');
    assert.match(ok(berth('volume', 'create')), /^[0-9a-f]{64}\n$/);
    assert.equal(ok(berth('volume', 'ls')), ok(docker('volume', 'ls')));
    assert.equal(ok(berth('volume', 'ls', '-q', '--filter', 'label=x')), 'bv1\n');
    assert.equal(ok(berth('volume', 'inspect', 'bv1')), ok(docker('volume', 'inspect', 'bv1')));
    assert.equal(ok(berth('inspect', '-f', '{{.Mountpoint}}', 'bv1')), volDir('bv1') + '\n');
    const miss = berth('volume', 'inspect', 'nosuchvol');
    assert.equal(miss.status, 1);
    assert.equal(miss.stdout, '[]\n');
    assert.equal(miss.stderr, 'Error response from daemon: get nosuchvol: no such volume\n');
    assert.equal(ok(berth('run', '--rm', '-v', 'bv1:/b', 'busybox', 'sh', '-c', 'echo via-berth > /b/f; cat /b/f')), 'via-berth\n');
    ok(berth('create', '--name', 'bc', '-v', 'bv1:/b', '--mount', 'type=tmpfs,dst=/t', '-v', '/anon', 'busybox', 'true'));
    const rm = berth('volume', 'rm', 'bv1');
    assert.equal(rm.status, 1);
    assert.match(rm.stderr, /^Error response from daemon: remove bv1: volume is in use - \[[0-9a-f]{64}\]\n$/);
    ok(berth('rm', '-v', 'bc'));
    const pruned = ok(berth('volume', 'prune', '-f'));
    assert.match(pruned, /^Deleted Volumes:\n([0-9a-f]{64}\nbv1\n|bv1\n[0-9a-f]{64}\n)\nTotal reclaimed space: 10B\n$/);
    assert.equal(ok(berth('volume', 'ls', '-q')), '');
    assert.equal(ok(berth('volume', 'rm', '-f', 'gone')), 'gone\n');
  });
});
