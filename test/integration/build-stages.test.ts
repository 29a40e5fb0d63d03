// Multi-stage builds (--target, only the stages the target needs, stages by
// name and index, COPY --from an image, FROM an earlier stage), .dockerignore
// (`**`, `!` exceptions in order, <Dockerfile>.dockerignore) and where the
// context and the Dockerfile come from (-f outside the context, -f -, a tar
// on stdin, a Dockerfile on stdin), with docker and berth.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestDaemon } from '../helpers/daemon';
import { CLIENTS, build, buildOk, contextDir, inspect, ok, runIn } from '../helpers/build';
import { TestRegistry } from '../helpers/registry';

const MULTI = `ARG VERSION=1.2
FROM busybox AS builder
ARG VERSION
RUN mkdir /out && echo "built $VERSION" > /out/app && chmod 750 /out/app && chown 1000:1000 /out/app
FROM busybox AS unused
RUN echo SHOULD-NOT-RUN
FROM busybox AS tools
RUN echo tool > /tool
FROM builder AS extended
RUN echo more > /out/more
FROM busybox
COPY --from=builder /out/app /usr/local/bin/app
COPY --from=2 /tool /tool
COPY --from=extended /out/ /ext/
COPY --from=lib:1 /lib.txt /lib.txt
CMD ["cat", "/usr/local/bin/app"]
`;

describe('build: multi-stage', () => {
  const d = new TestDaemon('bstages');
  let dir: string;
  before(async () => {
    await d.start();
    await d.importBusybox();
    const lib = contextDir({ Dockerfile: 'FROM busybox\nRUN echo from-image > /lib.txt\n' });
    buildOk(d, 'docker', lib, ['--network', 'none', '-t', 'lib:1']);
    dir = contextDir({ Dockerfile: MULTI });
  });
  after(() => d.stop());

  for (const client of CLIENTS) {
    it(`${client}: builds what the target needs, copies between stages and from an image`, () => {
      const out = buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-t', `multi-${client}`]);
      assert.doesNotMatch(out, /SHOULD-NOT-RUN/, 'a stage the target does not need is not built');
      assert.match(out, /Step 1\/14 : ARG VERSION=1.2\n/);
      assert.equal(ok(d.docker(['run', '--rm', '--network', 'none', `multi-${client}`])), 'built 1.2\n');
      assert.equal(
        runIn(d, `multi-${client}`, 'stat -c "%u:%g %a" /usr/local/bin/app; cat /tool /ext/more /lib.txt; ls /ext'),
        '1000:1000 750\ntool\nmore\nfrom-image\napp\nmore\n',
        'COPY --from keeps the source owner and mode',
      );
    });

    it(`${client}: --target builds a stage and what it depends on`, () => {
      const out = buildOk(d, client, dir, ['--network', 'none', '--target', 'extended', '--build-arg', 'VERSION=9', '-t', `target-${client}`]);
      assert.match(out, /Step \d+\/6 : FROM builder AS extended/);
      assert.doesNotMatch(out, /tool|SHOULD-NOT-RUN/);
      assert.equal(runIn(d, `target-${client}`, 'cat /out/app /out/more'), 'built 9\nmore\n');
      const bad = build(d, client, dir, ['--target', 'nope']);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /target stage "nope" could not be found/);
    });
  }

  it('COPY --from an image that is not here pulls it (and fails with the pull error)', () => {
    const ctx = contextDir({ Dockerfile: 'FROM busybox\nCOPY --from=127.0.0.1:1/none/such:1 /x /x\n' });
    for (const client of CLIENTS) {
      const r = build(d, client, ctx);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /127\.0\.0\.1:1/);
    }
  });
});

describe('build: context, .dockerignore and the Dockerfile', () => {
  const d = new TestDaemon('bctx');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const LIST = 'FROM busybox\nCOPY . /ctx/\nRUN cd /ctx && find . | sort > /list\n';

  for (const client of CLIENTS) {
    it(`${client}: .dockerignore with ** and ! exceptions, applied in order`, () => {
      const dir = contextDir({
        Dockerfile: LIST,
        '.dockerignore': '**/*.log\n!keep.log\nsecret\n*.tmp\n!important.tmp\nnode_modules\n!node_modules/keep-me\n# a comment\n',
        'a.log': '',
        'keep.log': '',
        'sub/deep/b.log': '',
        'secret/key': '',
        'x.tmp': '',
        'important.tmp': '',
        'node_modules/dep/i.js': '',
        'node_modules/keep-me': '',
        'src/main.c': '',
      });
      buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-t', `ign-${client}`]);
      const list = runIn(d, `ign-${client}`, 'cat /list').split('\n').filter(Boolean);
      assert.deepEqual(list, [
        '.',
        './.dockerignore',
        './Dockerfile',
        './important.tmp',
        './keep.log',
        './node_modules',
        './node_modules/keep-me',
        './src',
        './src/main.c',
        './sub',
        './sub/deep',
      ]);
    });

    it(`${client}: an excluded Dockerfile and .dockerignore are still read, but not copied`, () => {
      const dir = contextDir({ Dockerfile: LIST, '.dockerignore': 'Dockerfile\n.dockerignore\n', f: '' });
      buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-t', `ign2-${client}`]);
      assert.equal(runIn(d, `ign2-${client}`, 'cat /list'), '.\n./f\n');
    });

    it(`${client}: -f with a Dockerfile outside the context, and from stdin`, () => {
      const dir = contextDir({ 'data.txt': 'ctx data\n' });
      const outside = contextDir({ 'my.Dockerfile': 'FROM busybox\nCOPY . /ctx/\nRUN ls -a /ctx > /list\n' });
      buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-f', path.join(outside, 'my.Dockerfile'), '-t', `out-${client}`]);
      // the Dockerfile travels in the context but COPY cannot see it
      assert.equal(runIn(d, `out-${client}`, 'cat /list'), '.\n..\ndata.txt\n');
      buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-f', '-', '-t', `stdin-${client}`], 'FROM busybox\nCOPY data.txt /\n');
      assert.equal(runIn(d, `stdin-${client}`, 'cat /data.txt'), 'ctx data\n');
    });

    it(`${client}: the context as a tar on stdin, or only a Dockerfile on stdin`, () => {
      const dir = contextDir({ Dockerfile: 'FROM busybox\nCOPY hello /\n', hello: 'from tar\n', 'alt.Dockerfile': 'FROM busybox\nCOPY hello /alt\n' });
      const t = spawnSync('tar', ['-C', dir, '-c', '.']).stdout;
      buildOk(d, client, '-', ['--no-cache', '--network', 'none', '-t', `tar-${client}`], t);
      assert.equal(runIn(d, `tar-${client}`, 'cat /hello'), 'from tar\n');
      const gz = spawnSync('gzip', ['-c'], { input: t }).stdout;
      buildOk(d, client, '-', ['--no-cache', '--network', 'none', '-f', 'alt.Dockerfile', '-t', `tgz-${client}`], gz);
      assert.equal(runIn(d, `tgz-${client}`, 'cat /alt'), 'from tar\n');
      buildOk(d, client, '-', ['--no-cache', '--network', 'none', '-t', `df-${client}`], 'FROM busybox\nRUN echo only-df > /x\n');
      assert.equal(runIn(d, `df-${client}`, 'cat /x'), 'only-df\n');
    });
  }

  it('berth: <Dockerfile>.dockerignore beside the Dockerfile wins over .dockerignore (the docker CLI reads only .dockerignore)', () => {
    const client = 'berth';
    const dir = contextDir({ 'build/app.Dockerfile': LIST, 'build/app.Dockerfile.dockerignore': 'b\n', '.dockerignore': 'a\n', a: '', b: '' });
    buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-f', path.join(dir, 'build/app.Dockerfile'), '-t', `ign3-${client}`]);
    const list = runIn(d, `ign3-${client}`, 'cat /list');
    assert.match(list, /\.\/a\n/);
    assert.doesNotMatch(list, /\.\/b\n/);
  });

  it('berth: --iidfile, -q and several -t', () => {
    const dir = contextDir({ Dockerfile: 'FROM busybox\nLABEL a=b\n' });
    const iid = path.join(dir, 'iid');
    const out = ok(d.berth(['build', '-q', '--iidfile', iid, '-t', 'multi:one', '-t', 'multi:two', dir]));
    assert.match(out, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(fs.readFileSync(iid, 'utf8'), out.trim());
    assert.equal(inspect(d, 'multi:one', '{{.Id}}'), out.trim());
    assert.equal(inspect(d, 'multi:two', '{{.Id}}'), out.trim());
    const iid2 = path.join(dir, 'iid2');
    ok(d.docker(['build', '-q', '--iidfile', iid2, dir]));
    // the docker CLI writes what a quiet build printed, newline included
    assert.equal(fs.readFileSync(iid2, 'utf8').trim(), out.trim());
  });

  it('the predefined platform args are set', () => {
    const dir = contextDir({
      Dockerfile: 'FROM busybox\nARG TARGETPLATFORM\nARG TARGETARCH\nARG BUILDOS\nRUN echo "$TARGETPLATFORM $TARGETARCH $BUILDOS" > /p\n',
    });
    for (const client of CLIENTS) {
      buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-t', `plat-${client}`]);
      const arch = inspect(d, 'busybox', '{{.Architecture}}');
      assert.equal(runIn(d, `plat-${client}`, 'cat /p'), `linux/${arch} ${arch} linux\n`);
    }
  });
});

describe('build: base images from a registry', () => {
  const d = new TestDaemon('bpull');
  let reg: TestRegistry;
  before(async () => {
    reg = await TestRegistry.start({ auth: 'basic' });
    await d.start();
    await d.importBusybox();
    ok(d.docker(['login', '-u', 'berth', '--password-stdin', reg.host], { input: 'secret-pw\n' }), 'login');
    ok(d.docker(['tag', 'busybox', `${reg.host}/base:1`]));
    ok(d.docker(['push', `${reg.host}/base:1`]), 'push');
    ok(d.docker(['rmi', `${reg.host}/base:1`]));
  });
  after(async () => {
    await d.stop();
    await reg.stop();
  });

  for (const client of CLIENTS) {
    it(`${client}: FROM an image that is not here pulls it with the client's credentials (X-Registry-Config); --pull pulls again`, () => {
      const dir = contextDir({ Dockerfile: `FROM ${reg.host}/base:1\nRUN echo pulled > /p\n` });
      const out = buildOk(d, client, dir, ['--network', 'none', '-t', `pulled-${client}`]);
      assert.match(out, /Pulling from base|Downloaded newer image|Status: /, out);
      assert.equal(runIn(d, `pulled-${client}`, 'cat /p'), 'pulled\n');
      const again = buildOk(d, client, dir, ['--network', 'none', '--pull', '-t', `pulled-${client}`]);
      assert.match(again, /Image is up to date/);
      assert.match(again, /Using cache/);
      ok(d.docker(['rmi', `pulled-${client}`, `${reg.host}/base:1`]));
    });
  }

  it('without credentials the pull of the base fails and says so', () => {
    ok(d.docker(['logout', reg.host]));
    const dir = contextDir({ Dockerfile: `FROM ${reg.host}/base:1\n` });
    for (const client of CLIENTS) {
      const r = build(d, client, dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no basic auth credentials|unauthorized|authentication required/i);
    }
  });
});
