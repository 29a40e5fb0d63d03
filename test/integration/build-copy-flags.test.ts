// COPY/ADD of Dockerfile 1.x with docker (DOCKER_BUILDKIT=0) and berth:
// --chmod in symbolic form, --parents (with a `/./` pivot), --link (a layer
// made without the image below: its symlinks are not followed), ADD
// --checksum (a download from a server on 127.0.0.1; refused for local
// files), ADD of a git URL (a repository served over git's dumb HTTP by this
// test on 127.0.0.1; over ssh with the forwarded agent) with #ref:subdir,
// --keep-git-dir and a commit checksum, ADD --unpack, and heredocs in COPY
// and RUN.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, waitFor, type RunResult } from '../helpers/daemon';
import { TestSshd, sshdAvailable } from '../helpers/sshd';
import { tarBuf } from '../helpers/tar';
import { CLIENTS, build, buildOk, contextDir, inspect, ok, runIn, type Client } from '../helpers/build';

function buildAsync(d: TestDaemon, client: Client, dir: string, args: string[]): Promise<RunResult> {
  const argv = ['build', ...args, dir];
  return client === 'docker' ? d.dockerAsync(argv, { timeout: 120000 }) : d.berthAsync(argv, { timeout: 120000 });
}

const gitc = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();

describe('build: COPY/ADD flags', () => {
  const d = new TestDaemon('bcopyfl');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-copyfl-'));
  let srv: http.Server;
  let base = '';
  const payload = Buffer.from('downloaded payload\n');
  let archive: Buffer = Buffer.alloc(0);
  let v1 = '';
  let head = '';
  before(async () => {
    await d.start();
    await d.importBusybox();
    archive = await tarBuf([{ name: 'in-archive.txt', body: 'from the archive\n', mode: 0o644 }]);
    // a repository with two commits (v1 tagged), served as a bare repo over dumb HTTP
    const work = path.join(tmp, 'work');
    fs.mkdirSync(path.join(work, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(work, 'README'), 'first\n');
    fs.writeFileSync(path.join(work, 'sub/x.txt'), 'x at v1\n');
    fs.writeFileSync(path.join(work, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
    gitc(tmp, 'init', '-q', work);
    gitc(work, 'add', '.');
    gitc(work, 'commit', '-q', '-m', 'one');
    gitc(work, 'tag', 'v1');
    v1 = gitc(work, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(work, 'README'), 'second\n');
    fs.writeFileSync(path.join(work, 'sub/x.txt'), 'x at head\n');
    fs.symlinkSync('/etc', path.join(work, 'escape'));
    gitc(work, 'add', '.');
    gitc(work, 'commit', '-q', '-m', 'two');
    head = gitc(work, 'rev-parse', 'HEAD');
    gitc(tmp, 'clone', '-q', '--bare', work, path.join(tmp, 'srv/repo.git'));
    gitc(path.join(tmp, 'srv/repo.git'), 'update-server-info');
    const root = path.join(tmp, 'srv');
    srv = http.createServer((req, res) => {
      const u = decodeURIComponent((req.url ?? '/').split('?')[0]);
      if (u === '/payload.txt' || u === '/remote.tar') {
        res.end(u === '/payload.txt' ? payload : archive);
        return;
      }
      const p = path.join(root, path.posix.normalize(u));
      if (!p.startsWith(root + '/') || !fs.existsSync(p) || !fs.statSync(p).isFile()) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.end(fs.readFileSync(p));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  });
  after(async () => {
    srv?.close();
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const client of CLIENTS) {
    it(`${client}: --chmod in symbolic form changes each file's own mode; octal replaces it`, () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox
COPY --chmod=u+x,g-w,o= f644 x755 /sym/
COPY --chmod=a=rX tree /tree/
COPY --chmod=640 f644 /oct
COPY --chmod=g+s,+t x755 /special
`,
        f644: { data: 'a\n', mode: 0o664 },
        x755: { data: 'b\n', mode: 0o755 },
        'tree/plain': { data: 'c\n', mode: 0o640 },
        'tree/exe': { data: 'd\n', mode: 0o700 },
        'tree/dir': { dir: true, mode: 0o700 },
      });
      buildOk(d, client, dir, ['--network', 'none', '-t', `chmod-${client}`]);
      assert.equal(
        runIn(d, `chmod-${client}`, 'stat -c "%a %n" /sym/f644 /sym/x755 /tree/plain /tree/exe /tree/dir /oct /special'),
        '740 /sym/f644\n750 /sym/x755\n444 /tree/plain\n555 /tree/exe\n555 /tree/dir\n640 /oct\n3755 /special\n',
      );
    });
  }

  it('a bad --chmod is refused with the Dockerfile line, octal or symbolic', () => {
    for (const [v, re] of [
      ['888', /Dockerfile:2: invalid chmod parameter: '888'\. it should be octal string and between 0 and 07777/],
      ['u+q', /Dockerfile:2: invalid chmod parameter: u\+q/],
      ['u+x,,g-w', /Dockerfile:2: invalid chmod parameter: u\+x,,g-w/],
    ] as const) {
      const dir = contextDir({ Dockerfile: `FROM busybox\nCOPY --chmod=${v} f /f\n`, f: 'x' });
      for (const client of CLIENTS) {
        const r = build(d, client, dir);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, re, client);
      }
    }
  });

  for (const client of CLIENTS) {
    it(`${client}: COPY --parents keeps the sources' directories (up to a /./ pivot)`, () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox
COPY --parents a/b/f.txt c/*/g.txt /dst/
COPY --parents src/./pkg/h.txt /pivot/
COPY --parents d1 /dirs/
COPY a/b/f.txt c/*/g.txt /flat/
`,
        'a/b/f.txt': 'f\n',
        'c/x/g.txt': 'gx\n',
        'c/y/g.txt': 'gy\n',
        'src/pkg/h.txt': 'h\n',
        'd1/inner/i.txt': 'i\n',
      });
      buildOk(d, client, dir, ['--network', 'none', '-t', `parents-${client}`]);
      assert.equal(
        runIn(d, `parents-${client}`, 'cd / && find dst pivot dirs flat -type f | sort'),
        'dirs/d1/inner/i.txt\ndst/a/b/f.txt\ndst/c/x/g.txt\ndst/c/y/g.txt\nflat/f.txt\nflat/g.txt\npivot/pkg/h.txt\n',
      );
    });
  }

  it('COPY --parents: the same file under another directory is another step (not a cache hit)', () => {
    const dir = contextDir({ Dockerfile: 'FROM busybox\nCOPY --parents one/f /d/\n', 'one/f': 'same\n', 'two/f': 'same\n' });
    buildOk(d, 'berth', dir, ['-t', 'pc:1']);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY --parents two/f /d/\n');
    const out = buildOk(d, 'berth', dir, ['-t', 'pc:2']);
    assert.doesNotMatch(out, /Using cache/);
    assert.equal(runIn(d, 'pc:2', 'find /d -type f'), '/d/two/f\n');
    // positive control: the same step again is cached
    assert.match(buildOk(d, 'berth', dir, ['-t', 'pc:3']), /Using cache/);
  });

  for (const client of CLIENTS) {
    it(`${client}: COPY --link makes its layer without the image below: a symlinked destination is not followed`, () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox AS base
RUN mkdir /real && ln -s /real /app
FROM base AS plain
COPY f /app/f
FROM base AS linked
COPY --link f /app/f
FROM base AS chmodded
COPY --link --chmod=600 f /app/f
`,
        f: 'file\n',
      });
      for (const t of ['plain', 'linked', 'chmodded']) buildOk(d, client, dir, ['--network', 'none', '--target', t, '-t', `${t}-${client}`]);
      assert.equal(runIn(d, `plain-${client}`, 'ls /real; readlink /app'), 'f\n/real\n', 'without --link the symlink is followed');
      assert.equal(
        runIn(d, `linked-${client}`, 'ls /real; stat -c "%F %a" /app /app/f'),
        'directory 755\nregular file 644\n',
        'with --link the layer has its own /app',
      );
      // as BuildKit: --link with --chmod is an ordinary copy
      assert.equal(runIn(d, `chmodded-${client}`, 'stat -c %a /real/f; readlink /app'), '600\n/real\n');
      const hist = ok(d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', `linked-${client}`]));
      assert.match(hist, /COPY --link file:[0-9a-f]{64} in \/app\/f/);
    });
  }

  it("COPY --link: a layer made on another base is used again when the base changes (BuildKit's rebase)", () => {
    const dir = contextDir({
      Dockerfile: 'FROM busybox\nARG V\nRUN echo $V > /base\nCOPY --link app/ /app/\nCOPY app/ /plain/\n',
      'app/f': 'f\n',
      'app/g': 'g\n',
    });
    buildOk(d, 'berth', dir, ['--network', 'none', '--build-arg', 'V=1', '-t', 'rebase:1']);
    const out = buildOk(d, 'berth', dir, ['--network', 'none', '--build-arg', 'V=2', '-t', 'rebase:2']);
    const copyBlock = (cmd: string) => out.split(/^Step \d+\/\d+ : /m).find((b) => b.startsWith(cmd)) ?? '';
    assert.match(copyBlock('COPY --link'), /---> Using the --link layer of [0-9a-f]{12}/, out);
    assert.doesNotMatch(copyBlock('COPY app/'), /--link layer/, 'a plain COPY on the new base is made again');
    const layers = (t: string) => inspect(d, t, '{{json .RootFS.Layers}}');
    const [l1, l2] = [JSON.parse(layers('rebase:1')), JSON.parse(layers('rebase:2'))];
    assert.notEqual(l1[l1.length - 3], l2[l2.length - 3], 'the bases differ');
    assert.equal(l1[l1.length - 2], l2[l2.length - 2], 'the --link layer is the same layer');
    assert.equal(runIn(d, 'rebase:2', 'cat /base /app/f /app/g'), '2\nf\ng\n');
  });

  for (const client of CLIENTS) {
    it(`${client}: ADD --unpack=true extracts a downloaded archive; --unpack=false keeps a local one whole`, async () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox\nADD --unpack=true ${base}/remote.tar /u/\nADD ${base}/remote.tar /d/\nADD --unpack=false local.tar /l/\nADD local.tar /x/\n`,
        'local.tar': archive,
      });
      const r = await buildAsync(d, client, dir, ['--network', 'none', '-t', `unpack-${client}`]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.equal(runIn(d, `unpack-${client}`, 'ls /u /d /l /x'), '/d:\nremote.tar\n\n/l:\nlocal.tar\n\n/u:\nin-archive.txt\n\n/x:\nin-archive.txt\n');
    });
  }

  it('ADD --checksum: a matching download is added, a wrong digest fails, a local file is refused with the line', async () => {
    const sum = createHash('sha256').update(payload).digest('hex');
    for (const client of CLIENTS) {
      const good = contextDir({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${sum} ${base}/payload.txt /p.txt\n` });
      const r = await buildAsync(d, client, good, ['--no-cache', '-t', `sum-${client}`]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.equal(runIn(d, `sum-${client}`, 'cat /p.txt'), payload.toString());
      const bad = contextDir({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/payload.txt /p.txt\n` });
      const b = await buildAsync(d, client, bad, ['--no-cache']);
      assert.notEqual(b.status, 0);
      assert.match(b.stderr, new RegExp(`digest mismatch sha256:${sum}`));
      const local = contextDir({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${sum} p.txt /p.txt\n`, 'p.txt': payload });
      const l = await buildAsync(d, client, local, []);
      assert.notEqual(l.status, 0);
      assert.match(l.stderr, /Dockerfile:2: checksum requires HTTP\(S\) or Git sources/);
      const two = contextDir({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${sum} ${base}/payload.txt ${base}/payload.txt /p/\n` });
      const t = await buildAsync(d, client, two, []);
      assert.notEqual(t.status, 0);
      assert.match(t.stderr, /Dockerfile:2: checksum can't be specified for multiple sources/);
    }
  });

  for (const client of CLIENTS) {
    it(`${client}: ADD of a git URL checks out the ref (and subdir), without .git unless --keep-git-dir`, async () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox
ADD ${base}/repo.git /head/
ADD ${base}/repo.git#v1:sub /sub/
ADD --keep-git-dir ${base}/repo.git#v1 /kept/
ADD --checksum=${v1} ${base}/repo.git#v1 /pinned/
ADD ${base}/repo.git#ref=v1,keep-git-dir=true,checksum=${v1.slice(0, 12)} /frag/
`,
      });
      const r = await buildAsync(d, client, dir, ['--network', 'none', '-t', `git-${client}`]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.equal(
        runIn(
          d,
          `git-${client}`,
          'cat /head/README /head/sub/x.txt /sub/x.txt /kept/README /pinned/README; ls -a /head; ls -a /sub; stat -c %a /head/run.sh; cat /kept/.git/HEAD /frag/.git/HEAD',
        ),
        `second\nx at head\nx at v1\nfirst\nfirst\n.\n..\nREADME\nescape\nrun.sh\nsub\n.\n..\nx.txt\n755\n${v1}\n${v1}\n`,
      );
      assert.notEqual(v1, head);
    });
  }

  it('ADD of an ssh git URL authenticates with the agent given as --ssh default; without it, it fails', {
    skip: sshdAvailable() ? false : 'no sshd',
  }, async () => {
    const sshd = new TestSshd();
    await sshd.start({});
    const sock = path.join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      // the agent listens once ssh-add gets through to it
      const key = path.join(sshd.dir, 'client_key');
      await waitFor(
        () => spawnSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' }).status === 0,
        10000,
        100,
        'the key in the agent',
      );
      const url = `ssh://root@127.0.0.1:${sshd.port}${path.join(tmp, 'srv/repo.git')}#v1`;
      const dir = contextDir({ Dockerfile: `FROM busybox\nADD ${url} /viassh/\n` });
      const r = await d.berthAsync(['build', '--ssh', `default=${sock}`, '-t', 'git-ssh', dir], { timeout: 120000 });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.equal(runIn(d, 'git-ssh', 'cat /viassh/README'), 'first\n');
      const denied = await d.berthAsync(['build', dir], { timeout: 120000 });
      assert.notEqual(denied.status, 0);
      assert.match(denied.stderr, /failed to fetch remote ssh:\/\/root@127\.0\.0\.1:\d+\/.*repo\.git: .*Permission denied \(publickey\)/);
    } finally {
      agent.kill();
      await sshd.stop();
    }
  });

  it('ADD of a git URL: a wrong commit checksum, a missing ref and --keep-git-dir on a non-git source fail with the line', async () => {
    const cases: Array<[string, RegExp]> = [
      [`ADD --checksum=${'a'.repeat(40)} ${base}/repo.git#v1 /x/`, new RegExp(`Dockerfile:2: expected checksum to match a{40}, got ${v1}`)],
      [`ADD ${base}/repo.git#nope /x/`, /ref "nope" not found/],
      [`ADD --keep-git-dir ${base}/repo.git#ref=v1,keep-git-dir=false /x/`, /Dockerfile:2: inconsistent keep-git-dir configuration/],
      [`ADD --checksum=${v1} ${base}/repo.git#ref=v1,checksum=${head} /x/`, /Dockerfile:2: checksum mismatch "[0-9a-f]{40}" != "[0-9a-f]{40}"/],
      [`ADD ${base}/repo.git#v1:nosuchdir /x/`, /subdir "nosuchdir" is not a directory in [0-9a-f]{40}/],
      [`ADD ${base}/repo.git#v1:README /x/`, /subdir "README" is not a directory/],
      [`ADD ${base}/repo.git#main:escape /x/`, /subdir "escape" is not a directory/],
      [`ADD ${base}/missing.git /x/`, /failed to fetch remote http:\/\/127\.0\.0\.1:\d+\/missing\.git/],
      ['ADD --keep-git-dir f /x/', /Dockerfile:2: --keep-git-dir is only valid for git sources/],
    ];
    for (const [line, re] of cases) {
      const r = await buildAsync(d, 'berth', contextDir({ Dockerfile: `FROM busybox\n${line}\n`, f: 'x' }), []);
      assert.notEqual(r.status, 0, line);
      assert.match(r.stderr, re, line);
    }
  });

  for (const client of CLIENTS) {
    it(`${client}: heredocs in COPY and RUN: several files, --chmod, expansion unless quoted, several heredocs in one RUN, a heredoc as a program's stdin`, () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox
ARG WHO=world
COPY <<one <<"two" /docs/
hello $WHO
one
literal $WHO
two
COPY --chmod=755 <<EOF /run.sh
#!/bin/sh
echo ran
EOF
RUN /run.sh > /ran && cat <<EOF > /cat.txt
via cat
EOF
RUN <<FILE1 cat > /file1 && <<FILE2 cat > /file2
I am
first
FILE1
I am
second
FILE2
RUN <<EOF sh
echo "to sh's stdin as $WHO" > /stdin.txt
EOF
`,
      });
      buildOk(d, client, dir, ['--network', 'none', '-t', `hd-${client}`]);
      assert.equal(
        runIn(d, `hd-${client}`, 'cat /docs/one /docs/two /ran /cat.txt /file1 /file2 /stdin.txt; stat -c %a /run.sh'),
        "hello world\nliteral $WHO\nran\nvia cat\nI am\nfirst\nI am\nsecond\nto sh's stdin as world\n755\n",
      );
    });
  }
});
