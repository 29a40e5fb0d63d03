// Bad input and failures, with docker and berth: Dockerfile errors name the
// file and line; COPY of a path outside the context or missing names it; a
// failing RUN stops the build with Docker's message and exit code, nothing
// is tagged, and the step container is kept (--rm) or removed (--force-rm);
// a client that goes away takes its step container with it; symlinks in the
// context never reach outside it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BERTH, TestDaemon, waitFor } from '../helpers/daemon';
import { CLIENTS, allContainers, build, buildOk, contextDir, ok, runIn } from '../helpers/build';

describe('build: bad input and failures', () => {
  const d = new TestDaemon('berr');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const fails = (dockerfile: string, want: RegExp, files: Record<string, string> = {}, args: string[] = []) => {
    const dir = contextDir({ Dockerfile: dockerfile, ...files });
    for (const client of CLIENTS) {
      const r = build(d, client, dir, ['--network', 'none', ...args]);
      assert.equal(r.status, 1, `${client}: ${r.stdout}`);
      assert.match(r.stderr, want, `${client}: ${r.stderr}`);
    }
  };

  it('Dockerfile errors name the file and the line', () => {
    fails('FROM busybox\nRUN true\nFOO bar\n', /Dockerfile:3: unknown instruction: FOO/);
    fails('# escape=x\nFROM busybox\n', /Dockerfile:1: .*escape/i);
    fails('FROM busybox\nCMD ["a", 1]\n', /Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only/);
    fails('FROM busybox\nRUN <<EOF\necho never ends\n', /Dockerfile:2: unterminated heredoc/);
    fails('FROM busybox\nENV\n', /Dockerfile:2: ENV requires at least one argument/);
    fails('', /cannot be empty|Dockerfile \(Dockerfile\) cannot be empty/);
    fails('FROM busybox\nRUN true\n', /Dockerfile:1: |can't find|not found|no such file/, {}, ['-f', 'nonexistent']);
  });

  it('COPY of a path outside the context, or of a missing one, names it', () => {
    fails('FROM busybox\nCOPY ../secret /x\n', /COPY failed: forbidden path outside the build context: \.\.\/secret \(\)/);
    fails('FROM busybox\nCOPY nope /x\n', /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/);
    fails('FROM busybox\nCOPY ignored.txt /x\n', /COPY failed: file not found in build context or excluded by \.dockerignore: stat ignored\.txt/, {
      'ignored.txt': 'x',
      '.dockerignore': 'ignored.txt\n',
    });
    fails(
      'FROM busybox\nCOPY --chown=nobody-here a /a\n',
      /unable to convert uid\/gid chown string to host mapping: can't find uid for user nobody-here: no such user: nobody-here/,
      { a: '' },
    );
  });

  it("a failing RUN: Docker's message and exit code, nothing tagged, the container kept with --rm and removed with --force-rm", () => {
    const dir = contextDir({ Dockerfile: 'FROM busybox\nRUN echo before\nRUN echo out; echo err >&2; exit 7\nRUN echo never\n' });
    for (const client of CLIENTS) {
      const beforeIds = allContainers(d);
      const r = build(d, client, dir, ['--network', 'none', '-t', `failed-${client}`]);
      assert.equal(r.status, 7, r.stderr);
      assert.match(r.stderr, /The command '\/bin\/sh -c echo out; echo err >&2; exit 7' returned a non-zero code: 7/);
      assert.match(r.stdout, /out\n/);
      assert.doesNotMatch(r.stdout, /never|Successfully/);
      assert.notEqual(d.docker(['image', 'inspect', `failed-${client}`]).status, 0, 'the partial image is not tagged');
      const kept = allContainers(d).filter((c) => !beforeIds.includes(c));
      assert.equal(kept.length, 1, 'the failed step container stays, as with Docker');
      assert.match(
        ok(d.docker(['inspect', '-f', '{{.State.ExitCode}} {{json .Config.Cmd}}', kept[0]])),
        /^7 \["\/bin\/sh","-c","echo out; echo err >&2; exit 7"\]/,
      );
      ok(d.docker(['rm', kept[0]]));

      const r2 = build(d, client, dir, ['--network', 'none', '--force-rm']);
      assert.equal(r2.status, 7);
      assert.match(r2.stdout, /Removing intermediate container [0-9a-f]{12}\n/);
      assert.deepEqual(allContainers(d), beforeIds, '--force-rm leaves no container');
    }
  });

  it('--rm=false keeps the step containers of a successful build', () => {
    const dir = contextDir({ Dockerfile: 'FROM busybox\nRUN echo kept > /k\n' });
    const beforeIds = allContainers(d);
    const out = ok(d.berth(['build', '--rm=false', '--no-cache', '--network', 'none', dir]));
    assert.doesNotMatch(out, /Removing intermediate container/);
    const kept = allContainers(d).filter((c) => !beforeIds.includes(c));
    assert.equal(kept.length, 1);
    ok(d.docker(['rm', ...kept]));
  });

  for (const client of CLIENTS) {
    it(`${client}: a client that goes away mid-RUN: the step container is stopped and removed`, async () => {
      const dir = contextDir({ Dockerfile: 'FROM busybox\nRUN echo ready-$((40+2)); sleep 60\n' });
      const beforeIds = allContainers(d);
      const env = { ...process.env, DOCKER_CONFIG: d.clientConfigDir, DOCKER_BUILDKIT: '0' };
      const p =
        client === 'docker'
          ? spawn('docker', ['-H', d.host, 'build', '--no-cache', '--network', 'none', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn(process.execPath, [BERTH, '-H', d.host, 'build', '--no-cache', '--network', 'none', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr!.resume();
      try {
        await waitFor(() => out.includes('ready-42'), 30000);
        assert.equal(allContainers(d).filter((c) => !beforeIds.includes(c)).length, 1);
      } finally {
        p.kill('SIGKILL');
      }
      await waitFor(() => allContainers(d).length === beforeIds.length, 20000);
    });
  }

  it('symlinks in the context never let a COPY read outside it', () => {
    const outsideFile = path.join(contextDir({ 'secret.txt': 'host secret\n' }), 'secret.txt');
    const dir = contextDir({
      Dockerfile: 'FROM busybox\n',
      'abs-link': { link: outsideFile },
      'up-link': { link: '../../../../../../..' + path.dirname(outsideFile) },
      'inside.txt': 'inside\n',
      'good-link': { link: 'inside.txt' },
      'sub/abs-in': { link: '/inside.txt' },
    });
    for (const client of CLIENTS) {
      for (const src of ['abs-link', 'up-link/secret.txt']) {
        fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox\nCOPY ${src} /x\n`);
        const r = build(d, client, dir, ['--network', 'none']);
        assert.equal(r.status, 1, `${client} COPY ${src}: ${r.stdout}`);
        assert.match(r.stderr, /COPY failed: file not found in build context/);
      }
      // links that stay inside resolve inside; COPY of a directory keeps links as links
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY good-link /g\nCOPY sub/abs-in /a\nCOPY . /ctx/\n');
      buildOk(d, client, dir, ['--network', 'none', '-t', `links-${client}`]);
      assert.equal(runIn(d, `links-${client}`, `cat /g /a; readlink /ctx/abs-link`), `inside\ninside\n${outsideFile}\n`);
      assert.notEqual(d.docker(['run', '--rm', '--network', 'none', `links-${client}`, 'cat', '/ctx/abs-link']).status, 0);
    }
  });

  it('the API: no Dockerfile, a bad tag, BuildKit requests get an HTTP error before any output', async () => {
    const res = await d.request('POST', '/build?dockerfile=nope', Buffer.alloc(1024), { 'Content-Type': 'application/x-tar' });
    assert.equal(res.status, 400);
    assert.match(res.json().message, /Cannot locate specified Dockerfile: nope/);
    const bad = await d.request('POST', '/build?t=UPPER:case', Buffer.alloc(1024), { 'Content-Type': 'application/x-tar' });
    assert.equal(bad.status, 400);
    assert.match(bad.json().message, /invalid reference format/);
    const bk = await d.request('POST', '/build?version=2', Buffer.alloc(1024), { 'Content-Type': 'application/x-tar' });
    assert.equal(bk.status, 400);
    const garbage = await d.request('POST', '/build', Buffer.from('this is not a tar'), { 'Content-Type': 'application/x-tar' });
    assert.equal(garbage.status, 400);
  });
});
