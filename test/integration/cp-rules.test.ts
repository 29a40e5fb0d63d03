// Docker's `cp` rule table, both directions, run with the real docker CLI and
// with `berth` against berthd: for every case both clients must give the same
// exit code, the same error text and the same resulting files, and the key
// cases are also checked against what Docker does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BERTH, TestDaemon, waitFor, type RunResult } from '../helpers/daemon';
import { CLIENTS, type Client } from '../helpers/build';

interface Case {
  name: string;
  /** Shell run in the container's /dst (emptied first). */
  ctr?: string;
  /** Shell run in the local dir L (fresh for each client). */
  local?: string;
  /** The cp arguments; "L" is the local dir. */
  args: (L: string) => string[];
  input?: (L: string) => Buffer;
  status: number;
  stderr?: RegExp;
  /** Expected lines of the container's /dst or the local dir's listing that must be present. */
  has?: string[];
  lacks?: string[];
}

const SRC = 'mkdir -p src/sub && echo a > src/a && echo b > src/sub/b && echo f > f.txt && ln -s f.txt flink && ln -s src dlink';

const cases: Case[] = [
  // into the container
  { name: 'file -> existing dir', local: SRC, ctr: 'mkdir d', args: (L) => [`${L}/f.txt`, 'tc:/dst/d'], status: 0, has: ['C ./d/f.txt: f'] },
  {
    name: 'file -> existing file (replaced)',
    local: SRC,
    ctr: 'echo old > file',
    args: (L) => [`${L}/f.txt`, 'tc:/dst/file'],
    status: 0,
    has: ['C ./file: f'],
  },
  { name: 'file -> new name', local: SRC, args: (L) => [`${L}/f.txt`, 'tc:/dst/new'], status: 0, has: ['C ./new: f'] },
  { name: 'file -> missing dir with trailing slash', local: SRC, args: (L) => [`${L}/f.txt`, 'tc:/dst/new/'], status: 1, stderr: /no such directory/ },
  {
    name: 'file -> path under a missing dir',
    local: SRC,
    args: (L) => [`${L}/f.txt`, 'tc:/dst/nope/x'],
    status: 1,
    stderr: /Could not find the file \/dst\/nope in container tc/,
  },
  { name: 'file -> existing file with trailing slash', local: SRC, ctr: 'echo old > file', args: (L) => [`${L}/f.txt`, 'tc:/dst/file/'], status: 1 },
  {
    name: 'dir -> missing path creates it with the contents',
    local: SRC,
    args: (L) => [`${L}/src`, 'tc:/dst/newdir'],
    status: 0,
    has: ['C ./newdir/a: a', 'C ./newdir/sub/b: b'],
    lacks: ['C ./newdir/src/'],
  },
  { name: 'dir -> existing dir nests it', local: SRC, ctr: 'mkdir d', args: (L) => [`${L}/src`, 'tc:/dst/d'], status: 0, has: ['C ./d/src/a: a'] },
  {
    name: 'dir/. -> existing dir copies the contents',
    local: SRC,
    ctr: 'mkdir d',
    args: (L) => [`${L}/src/.`, 'tc:/dst/d'],
    status: 0,
    has: ['C ./d/a: a', 'C ./d/sub/b: b'],
    lacks: ['C ./d/src/'],
  },
  { name: 'dir/. -> missing path', local: SRC, args: (L) => [`${L}/src/.`, 'tc:/dst/nd'], status: 0, has: ['C ./nd/a: a'] },
  { name: 'dir -> existing file', local: SRC, ctr: 'echo old > file', args: (L) => [`${L}/src`, 'tc:/dst/file'], status: 1, stderr: /cannot copy directory/ },
  { name: 'dir -> / of a running container', local: SRC, args: (L) => [`${L}/src`, 'tc:/'], status: 0 },
  { name: 'file -> . (the working dir)', local: SRC, args: (L) => [`${L}/f.txt`, 'tc:.'], status: 0 },
  { name: 'symlink copied as a link', local: SRC, ctr: 'mkdir d', args: (L) => [`${L}/flink`, 'tc:/dst/d'], status: 0, has: ['C ./d/flink -> f.txt'] },
  { name: '-L follows a local symlink', local: SRC, ctr: 'mkdir d', args: (L) => ['-L', `${L}/flink`, 'tc:/dst/d'], status: 0, has: ['C ./d/flink: f'] },
  {
    name: 'dir symlink with trailing slash copies the target dir',
    local: SRC,
    ctr: 'mkdir d',
    args: (L) => [`${L}/dlink/`, 'tc:/dst/d'],
    status: 0,
    has: ['C ./d/dlink/a: a'],
  },
  {
    name: 'destination symlink to a dir is followed',
    local: SRC,
    ctr: 'mkdir d && ln -s d dl',
    args: (L) => [`${L}/f.txt`, 'tc:/dst/dl'],
    status: 0,
    has: ['C ./d/f.txt: f'],
  },
  { name: 'missing local source', local: SRC, args: (L) => [`${L}/missing`, 'tc:/dst'], status: 1, stderr: /no such file or directory/ },
  { name: 'stdin tar into a dir', ctr: 'mkdir d', args: () => ['-', 'tc:/dst/d'], input: (L) => tarOf(L), status: 0, has: ['C ./d/src/a: a'] },
  {
    name: 'stdin tar onto a file is refused',
    ctr: 'echo x > file',
    args: () => ['-', 'tc:/dst/file'],
    input: (L) => tarOf(L),
    status: 1,
    stderr: /destination "tc:\/dst\/file" must be a directory/,
  },
  {
    name: 'file onto an existing dir entry refused',
    local: 'mkdir x && echo f > x/d',
    ctr: 'mkdir -p d/d',
    args: (L) => [`${L}/x/.`, 'tc:/dst/d'],
    status: 1,
    stderr: /cannot overwrite directory "d" with non-directory "\/dst\/d"|cannot overwrite directory/,
  },
  // out of the container
  { name: 'out: file -> existing dir', ctr: 'echo c > cf', local: 'mkdir d', args: (L) => ['tc:/dst/cf', `${L}/d`], status: 0, has: ['L ./d/cf: c'] },
  { name: 'out: file -> new name', ctr: 'echo c > cf', args: (L) => ['tc:/dst/cf', `${L}/new`], status: 0, has: ['L ./new: c'] },
  { name: 'out: file -> existing file', ctr: 'echo c > cf', local: 'echo old > e', args: (L) => ['tc:/dst/cf', `${L}/e`], status: 0, has: ['L ./e: c'] },
  { name: 'out: file -> missing dir with trailing slash', ctr: 'echo c > cf', args: (L) => ['tc:/dst/cf', `${L}/nd/`], status: 1, stderr: /no such directory/ },
  {
    name: 'out: file -> under a missing dir',
    ctr: 'echo c > cf',
    args: (L) => ['tc:/dst/cf', `${L}/nope/x`],
    status: 1,
    stderr: /invalid output path: directory ".*\/nope" does not exist/,
  },
  {
    name: 'out: dir -> missing path creates it with the contents',
    ctr: 'mkdir -p cd/s && echo 1 > cd/one && echo 2 > cd/s/two',
    args: (L) => ['tc:/dst/cd', `${L}/got`],
    status: 0,
    has: ['L ./got/one: 1', 'L ./got/s/two: 2'],
  },
  {
    name: 'out: dir -> existing dir nests it',
    ctr: 'mkdir -p cd && echo 1 > cd/one',
    local: 'mkdir d',
    args: (L) => ['tc:/dst/cd', `${L}/d`],
    status: 0,
    has: ['L ./d/cd/one: 1'],
  },
  {
    name: 'out: dir/. -> existing dir copies the contents',
    ctr: 'mkdir -p cd && echo 1 > cd/one',
    local: 'mkdir d',
    args: (L) => ['tc:/dst/cd/.', `${L}/d`],
    status: 0,
    has: ['L ./d/one: 1'],
    lacks: ['L ./d/cd/'],
  },
  {
    name: 'out: dir -> existing file',
    ctr: 'mkdir -p cd && echo 1 > cd/one',
    local: 'echo x > e',
    args: (L) => ['tc:/dst/cd', `${L}/e`],
    status: 1,
    stderr: /cannot copy directory/,
  },
  { name: 'out: missing container path', args: (L) => ['tc:/dst/nope', `${L}/x`], status: 1, stderr: /Could not find the file \/dst\/nope in container tc/ },
  {
    name: 'out: symlink copied as a link',
    ctr: 'echo c > cf && ln -s cf cl',
    local: 'mkdir d',
    args: (L) => ['tc:/dst/cl', `${L}/d`],
    status: 0,
    has: ['L ./d/cl -> cf'],
  },
  {
    name: 'out: -L follows the container symlink',
    ctr: 'echo c > cf && ln -s cf cl',
    local: 'mkdir d',
    args: (L) => ['-L', 'tc:/dst/cl', `${L}/d`],
    status: 0,
    has: ['L ./d/cl: c'],
  },
  { name: 'out: no such container', args: (L) => ['nosuch:/x', `${L}/x`], status: 1, stderr: /No such container: nosuch/ },
  { name: 'between containers', args: () => ['tc:/a', 'tc:/b'], status: 1, stderr: /copying between containers is not supported/ },
  { name: 'no container', args: (L) => [`${L}/a`, `${L}/b`], status: 1, stderr: /must specify at least one container source/ },
];

let tarInput: Buffer | undefined;
function tarOf(L: string): Buffer {
  // a tar of a small tree made on the host, the same bytes for both clients
  if (tarInput) return tarInput;
  const dir = path.join(L, '..', 'tarsrc');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'a'), 'a\n');
  tarInput = spawnSync('tar', ['-C', dir, '-cf', '-', 'src']).stdout;
  return tarInput;
}

function listLocal(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    for (const n of fs.readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const st = fs.lstatSync(path.join(root, r));
      if (st.isSymbolicLink()) out.push(`L ./${r} -> ${fs.readlinkSync(path.join(root, r))}`);
      else if (st.isDirectory()) {
        out.push(`L ./${r}/`);
        walk(r);
      } else out.push(`L ./${r}: ${fs.readFileSync(path.join(root, r), 'utf8').trim()}`);
    }
  };
  walk('');
  return out;
}

describe("docker cp's rules, docker CLI and berth alike", () => {
  const d = new TestDaemon('cprules');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cprules-'));
  const run = (client: Client, args: string[], input?: Buffer): RunResult => (client === 'docker' ? d.docker(args, { input }) : d.berth(args, { input }));

  before(async () => {
    await d.start();
    await d.importBusybox();
    assert.equal(d.docker(['run', '-d', '--name', 'tc', '-w', '/dst', 'busybox', 'sleep', '600']).status, 0);
    await waitFor(() => d.docker(['exec', 'tc', 'true']).status === 0);
  });
  after(async () => {
    await d.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const listCtr = (): string[] => {
    const r = d.docker([
      'exec',
      'tc',
      'sh',
      '-c',
      'cd /dst && find . -mindepth 1 | sort | while read f; do if [ -L "$f" ]; then echo "C $f -> $(readlink "$f")"; elif [ -d "$f" ]; then echo "C $f/"; else echo "C $f: $(cat "$f")"; fi; done',
    ]);
    return r.stdout.split('\n').filter(Boolean);
  };

  cases.forEach((c, i) => {
    it(c.name, () => {
      const seen: Record<string, { status: number; stderr: string; files: string[] }> = {};
      for (const client of CLIENTS) {
        const reset = d.docker(['exec', 'tc', 'sh', '-c', `rm -rf /dst /src /f.txt && mkdir /dst && cd /dst && ${c.ctr ?? 'true'}`]);
        assert.equal(reset.status, 0, reset.stderr);
        const L = path.join(base, `${client}-${i}`);
        fs.mkdirSync(L);
        if (c.local) assert.equal(spawnSync('sh', ['-c', c.local], { cwd: L }).status, 0);
        const r = run(client, ['cp', ...c.args(L)], c.input?.(L));
        const norm = (s: string) => s.split(L).join('<L>').trim();
        // the docker CLI's own log lines (logrus) are noise, not its answer
        const answer = (s: string) =>
          norm(
            s
              .split('\n')
              .filter((l) => !l.startsWith('time='))
              .join('\n'),
          );
        seen[client] = { status: r.status, stderr: answer(r.stderr), files: [...listCtr(), ...listLocal(L).map(norm)] };
        assert.equal(r.status, c.status, `${client}: ${r.stderr}`);
        if (c.stderr) assert.match(r.stderr, c.stderr, client);
        for (const line of c.has ?? []) assert.ok(seen[client].files.includes(line), `${client}: ${line} missing from\n${seen[client].files.join('\n')}`);
        for (const line of c.lacks ?? []) assert.ok(!seen[client].files.some((f) => f.startsWith(line)), `${client}: ${line} present`);
      }
      assert.equal(seen.berth.stderr, seen.docker.stderr, 'same error text');
      assert.deepEqual(seen.berth.files, seen.docker.files, 'same resulting files');
    });
  });

  it('gives the same owners with and without -a as the docker CLI', () => {
    const owners: Record<string, string> = {};
    for (const client of CLIENTS) {
      const L = path.join(base, `owners-${client}`);
      fs.mkdirSync(L);
      fs.writeFileSync(path.join(L, 'owned'), 'o\n');
      fs.chownSync(path.join(L, 'owned'), 1234, 2345);
      assert.equal(d.docker(['exec', 'tc', 'sh', '-c', 'rm -rf /dst && mkdir -p /dst/plain /dst/arch']).status, 0);
      assert.equal(run(client, ['cp', path.join(L, 'owned'), 'tc:/dst/plain']).status, 0);
      assert.equal(run(client, ['cp', '-a', path.join(L, 'owned'), 'tc:/dst/arch']).status, 0);
      owners[client] = d.docker(['exec', 'tc', 'stat', '-c', '%u:%g', '/dst/plain/owned', '/dst/arch/owned']).stdout;
    }
    assert.equal(owners.berth, owners.docker);
    assert.match(owners.docker, /1234:2345/, 'the archive carries the source owners');
  });

  it('expands sparse files from cp - and import, holes kept', () => {
    const dir = path.join(base, 'sparse');
    fs.mkdirSync(dir);
    const f = fs.openSync(path.join(dir, 'big.img'), 'w');
    fs.writeSync(f, Buffer.from('head'), 0, 4, 0);
    fs.writeSync(f, Buffer.from('tail'), 0, 4, 32 * 1024 * 1024 - 4);
    fs.closeSync(f);
    for (const fmt of [['--format=gnu'], ['--format=pax', '--sparse-version=1.0']]) {
      const t = spawnSync('tar', ['-C', dir, '-S', ...fmt, '-cf', '-', 'big.img'], { maxBuffer: 1 << 27 }).stdout;
      assert.ok(t.length < 1 << 20, 'a sparse tar (control)');
      assert.equal(d.docker(['exec', 'tc', 'sh', '-c', 'rm -rf /dst && mkdir /dst']).status, 0);
      const r = d.docker(['cp', '-', 'tc:/dst'], { input: t });
      assert.equal(r.status, 0, r.stderr);
      const [size, blocks] = d.docker(['exec', 'tc', 'stat', '-c', '%s %b', '/dst/big.img']).stdout.trim().split(' ').map(Number);
      assert.equal(size, 32 * 1024 * 1024);
      assert.ok(blocks * 512 < 1024 * 1024, `allocated ${blocks * 512} bytes`);
      assert.equal(d.docker(['exec', 'tc', 'sh', '-c', 'head -c 4 /dst/big.img; tail -c 4 /dst/big.img']).stdout, 'headtail');
      const imp = d.docker(['import', '-', 'sparse:imported'], { input: t });
      assert.equal(imp.status, 0, imp.stderr);
      // the image holds only the file: the host's static busybox, mounted as /stat, runs its stat applet
      const st = d.docker(['run', '--rm', '-v', '/bin/busybox:/stat:ro', 'sparse:imported', '/stat', '-c', '%s %b', '/big.img']);
      assert.equal(st.status, 0, st.stderr);
      const [isize, iblocks] = st.stdout.trim().split(' ').map(Number);
      assert.equal(isize, 32 * 1024 * 1024);
      assert.ok(iblocks * 512 < 1024 * 1024, `imported: allocated ${iblocks * 512} bytes`);
    }
  });

  it('copies to / and . of a running container (PUT path=/ and path=.)', async () => {
    const body = spawnSync('tar', ['-C', base, '-cf', '-', '--files-from', '/dev/null']).stdout;
    for (const p of ['/', '.']) {
      const r = await d.request('PUT', `/containers/tc/archive?path=${encodeURIComponent(p)}`, body, { 'Content-Type': 'application/x-tar' });
      assert.equal(r.status, 200, `${p}: ${r.body}`);
    }
    // control: a file is not an extraction point
    const bad = await d.request('PUT', '/containers/tc/archive?path=/etc/hosts', body, { 'Content-Type': 'application/x-tar' });
    assert.equal(bad.status, 400);
    assert.match(bad.json().message, /extraction point is not a directory/);
  });

  it('writes the tar to stdout with "-" (same entries with both clients)', () => {
    const lists: string[] = [];
    assert.equal(d.docker(['exec', 'tc', 'sh', '-c', 'rm -rf /dst && mkdir -p /dst/cd/s && echo 1 > /dst/cd/one']).status, 0);
    for (const client of CLIENTS) {
      const r =
        client === 'docker'
          ? spawnSync('docker', ['-H', d.host, 'cp', 'tc:/dst/cd', '-'], { maxBuffer: 1 << 26 })
          : spawnSync(process.execPath, [BERTH, '-H', d.host, 'cp', 'tc:/dst/cd', '-'], { maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr.toString());
      lists.push(spawnSync('tar', ['-tf', '-'], { input: r.stdout }).stdout.toString());
    }
    assert.equal(lists[0], lists[1]);
    assert.match(lists[0], /^cd\/one$/m);
  });
});
