// Streaming endpoints against clients that vanish (issue 12, item 0): each is
// cut at several points (right after the request, inside the status line, at
// byte offsets of the body, once a given text arrived) by a raw client on
// the unix socket. Afterwards the daemon must
// answer, hold no more fds and inotify watches than before, have no helper
// process left, and the image or container must still work (a held lock or a
// stuck stream would make those later calls hang or fail).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestDaemon, waitFor, type RunResult } from '../helpers/daemon';
import { childPids, cutRequest, fdsBackTo, inotifyWatches, mountsUnder, openFds, tcpSocketsTo, type Cut, type RawRequest } from '../helpers/leaks';
import { TestRegistry } from '../helpers/registry';
import { tarBuf } from '../helpers/tar';

const UPGRADE = { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Type': 'application/json' };

describe('streaming endpoints survive clients that vanish', () => {
  const d = new TestDaemon('streams');
  let reg: TestRegistry;
  before(async () => {
    reg = await TestRegistry.start();
    await d.start();
    await d.importBusybox();
  });
  after(async () => {
    await d.stop();
    await reg?.stop();
  });

  const pid = () => d.pid!;
  const ok = (r: RunResult, what: string): string => {
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    return r.stdout;
  };
  const runcIds = (): string[] => {
    const r = spawnSync('runc', ['--root', path.join(d.execRoot, 'runc', 'runc'), 'list', '-q']);
    return r.stdout.toString().split('\n').filter(Boolean).sort();
  };
  const runningIds = (): string[] =>
    ok(d.docker(['ps', '-q', '--no-trunc']), 'ps')
      .split('\n')
      .filter(Boolean)
      .sort();

  /**
   * Cuts the request at each point, checking the daemon answers after each,
   * then waits for its fds, inotify watches and children to come back to
   * what they were before.
   */
  async function survives(req: RawRequest | (() => RawRequest | Promise<RawRequest>), cuts: Cut[]): Promise<void> {
    // the registry client's idle keep-alive connections come and go: counted apart (see the last test)
    const fds = () => openFds(pid()).length - tcpSocketsTo(pid(), reg.port);
    const fds0 = fds();
    const watches0 = inotifyWatches(pid());
    for (const cut of cuts) {
      const r = typeof req === 'function' ? await req() : req;
      await cutRequest(d.socket, r, cut);
      assert.ok(await d.ping(), `the daemon answers after a cut at ${JSON.stringify(cut)} of ${r.method} ${r.path}`);
    }
    await fdsBackTo(pid(), fds0, 0, 20000, fds);
    await waitFor(() => inotifyWatches(pid()) <= watches0, 20000, 100);
    await waitFor(() => childPids(pid()).length === 0, 20000, 100).catch(() => assert.fail(`helper processes left: ${childPids(pid()).join(' ')}`));
  }

  /** A hijacked attach that writes `input` and reads until `want` comes back (the plumbing still works). */
  function attachRoundTrip(ref: string, input: string, want: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(d.socket);
      let got = '';
      const t = setTimeout(() => (s.destroy(), reject(new Error(`no "${want}" from attach: ${JSON.stringify(got)}`))), 20000);
      s.on('error', reject);
      s.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        const bodyAt = got.indexOf('\r\n\r\n');
        if (bodyAt >= 0 && got.slice(bodyAt + 4).includes(want)) {
          clearTimeout(t);
          s.destroy();
          resolve(got);
        }
      });
      s.write(
        `POST /containers/${ref}/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
        () => {
          // once hijacked, what we type reaches the container
          const iv = setInterval(() => (got.includes('\r\n\r\n') ? (clearInterval(iv), s.write(input)) : undefined), 20);
        },
      );
    });
  }

  it('docker save (GET /images/{name}/get): every cut, then a full save and a run', async () => {
    const tarFile = path.join(d.dataRoot, '..', 'saved.tar');
    ok(d.docker(['save', '-o', tarFile, 'busybox']), 'save');
    const size = fs.statSync(tarFile).size;
    assert.ok(size > 1_000_000, `a save big enough to cut in the middle (${size})`);
    await survives({ method: 'GET', path: '/v1.41/images/busybox/get' }, ['request', 'headers', 0, 1, 511, 4096, 300_000, 1_000_000]);
    await survives({ method: 'GET', path: '/v1.41/images/get?names=busybox' }, [700, 600_000]);
    fs.rmSync(tarFile);
    ok(d.docker(['save', '-o', tarFile, 'busybox']), 'save after the cuts');
    const list = spawnSync('tar', ['-tf', tarFile]).stdout.toString();
    assert.match(list, /^manifest\.json$/m);
    assert.match(list, /^index\.json$/m);
    assert.equal(ok(d.docker(['run', '--rm', 'busybox', 'echo', 'still-runs']), 'run').trim(), 'still-runs');
  });

  it('export and GET archive of a stopped container: cut anywhere, the rootfs is unmounted and the container starts', async () => {
    const id = ok(d.docker(['create', '--name', 'exp', 'busybox', 'sleep', '1000']), 'create').trim();
    const cdir = path.join(d.dataRoot, 'containers', id);
    await survives({ method: 'GET', path: '/v1.41/containers/exp/export' }, ['request', 'headers', 0, 1000, 500_000]);
    await survives({ method: 'GET', path: '/v1.41/containers/exp/archive?path=/bin' }, ['request', 'headers', 0, 1000, 500_000]);
    await waitFor(() => mountsUnder(cdir).length === 0, 20000, 100).catch(() => assert.fail(`mounts left: ${mountsUnder(cdir).join(' ')}`));
    ok(d.docker(['start', 'exp']), 'start after the cuts');
    await survives({ method: 'GET', path: '/v1.41/containers/exp/export' }, ['headers', 2000, 800_000]);
    await survives({ method: 'GET', path: '/v1.41/containers/exp/archive?path=/bin' }, ['headers', 2000, 800_000]);
    const out = path.join(d.dataRoot, '..', 'cp-out');
    ok(d.docker(['cp', 'exp:/bin/busybox', out]), 'cp after the cuts');
    assert.ok(fs.statSync(out).size > 500_000);
    ok(d.docker(['rm', '-f', 'exp']), 'rm after the cuts');
    await waitFor(() => !fs.existsSync(cdir), 20000, 100);
  });

  it('logs -f: cut while records flow and while idle; the follower is gone', async () => {
    ok(
      d.docker([
        'run',
        '-d',
        '--name',
        'chatty',
        'busybox',
        'sh',
        '-c',
        'i=0; while [ $i -lt 60000 ]; do echo "record $i of the log"; i=$((i+1)); done; echo done; sleep 1000',
      ]),
      'run',
    );
    await waitFor(() => d.docker(['logs', '--tail', '1', 'chatty']).stdout === 'done\n', 60000, 200);
    const follow = { method: 'GET', path: '/v1.41/containers/chatty/logs?follow=1&stdout=1&stderr=1' };
    await survives(follow, ['request', 'headers', 0, 9, 100_000, 1_000_000]);
    // idle: the whole log was sent, the follower waits for more
    await survives({ method: 'GET', path: '/v1.41/containers/chatty/logs?follow=1&stdout=1&tail=0' }, ['headers', 0, 0]);
    await survives({ ...follow, path: follow.path + '&timestamps=1' }, [{ after: 'record 100 ' }]);
    assert.equal(d.docker(['logs', '--tail', '1', 'chatty']).stdout, 'done\n');
  });

  it('attach: cut the output and the stdin sides; the container keeps running and attach still works', async () => {
    ok(d.docker(['run', '-d', '--name', 'talker', 'busybox', 'sh', '-c', 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.02; done']), 'run');
    ok(d.docker(['run', '-d', '-i', '--name', 'echoer', 'busybox', 'cat']), 'run -i');
    await survives({ method: 'POST', path: '/v1.41/containers/talker/attach?stream=1&stdout=1&stderr=1', headers: UPGRADE }, [
      'request',
      'headers',
      0,
      9,
      200,
      { after: 'tick' },
    ]);
    // plain (not upgraded) attach streams over the response
    await survives({ method: 'POST', path: '/v1.41/containers/talker/attach?stream=1&stdout=1&logs=1' }, ['headers', 0, 5000]);
    await survives({ method: 'POST', path: '/v1.41/containers/echoer/attach?stream=1&stdin=1&stdout=1', headers: UPGRADE, body: 'half a line' }, [
      'request',
      'headers',
      0,
    ]);
    // not frozen: output still flows, stdin still reaches the process
    const last = d.docker(['logs', '--tail', '1', 'talker']).stdout;
    await waitFor(() => d.docker(['logs', '--tail', '1', 'talker']).stdout !== last, 20000, 100);
    await attachRoundTrip('echoer', 'ping-after-cuts\n', 'ping-after-cuts');
    assert.deepEqual(
      ok(d.docker(['inspect', '-f', '{{.State.Running}}', 'talker', 'echoer']), 'inspect')
        .split('\n')
        .filter(Boolean),
      ['true', 'true'],
    );
  });

  it('exec start: cut at every point; each session still ends and records its exit', async () => {
    const ids: string[] = [];
    const newExec = async (): Promise<RawRequest> => {
      const r = await d.request('POST', '/v1.41/containers/talker/exec', {
        AttachStdout: true,
        AttachStderr: true,
        Cmd: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo "exec line $i"; i=$((i+1)); done'],
      });
      assert.equal(r.status, 201, r.body.toString());
      ids.push(r.json().Id);
      return { method: 'POST', path: `/v1.41/exec/${r.json().Id}/start`, headers: UPGRADE, body: '{"Detach":false,"Tty":false}' };
    };
    await survives(newExec, ['request', 'headers', 0, 50, 5000, { after: 'exec line 100' }]);
    for (const id of ids) {
      await waitFor(async () => (await d.request('GET', `/v1.41/exec/${id}/json`)).json().Running === false, 20000, 100);
    }
    assert.equal(ok(d.docker(['exec', 'talker', 'echo', 'exec-still-works']), 'exec').trim(), 'exec-still-works');
  });

  it('events and stats: cut anywhere, the subscription and the sampler end', async () => {
    await survives({ method: 'GET', path: '/v1.41/events?since=1' }, ['request', 'headers', 0, 100, 1000]);
    await survives({ method: 'GET', path: '/v1.41/events' }, ['headers', 0, 0]);
    await survives({ method: 'GET', path: '/v1.41/containers/talker/stats' }, ['request', 'headers', 0, 100]);
    await survives({ method: 'GET', path: '/v1.41/containers/talker/stats?stream=0' }, ['headers', 0]);
    const r = d.docker(['stats', '--no-stream', '--format', '{{.Name}}', 'talker']);
    assert.equal(r.stdout.trim(), 'talker', r.stderr);
  });

  it('push and pull progress: cut anywhere; later pushes and pulls complete and the image runs', async () => {
    // a layer big enough that the transfer is still going when the client goes
    ok(d.docker(['run', '--name', 'big', 'busybox', 'sh', '-c', 'head -c 6000000 /dev/urandom > /big; md5sum /big > /big.md5']), 'run');
    const img = `${reg.host}/streams/big:1`;
    ok(d.docker(['commit', 'big', img]), 'commit');
    ok(d.docker(['rm', 'big']), 'rm');
    const push = { method: 'POST', path: `/v1.41/images/${img}/push`, headers: { 'X-Registry-Auth': 'e30=' } };
    await survives(push, ['request', 'headers', 0, 60, { after: 'Pushing' }]);
    ok(d.docker(['push', img]), 'push after the cuts');
    ok(d.docker(['rmi', img]), 'rmi');
    const pull = { method: 'POST', path: `/v1.41/images/create?fromImage=${encodeURIComponent(`${reg.host}/streams/big`)}&tag=1` };
    await survives(pull, ['request', 'headers', 0, 60, { after: 'Downloading' }, { after: 'Extracting' }]);
    ok(d.docker(['pull', img]), 'pull after the cuts');
    assert.match(ok(d.docker(['run', '--rm', img, 'md5sum', '-c', '/big.md5']), 'run'), /\/big: OK/);
    // a pulled image keeps its layers compressed: save decompresses them on the fly
    await survives({ method: 'GET', path: `/v1.41/images/${img}/get` }, ['headers', 1000, 2_000_000]);
    ok(d.docker(['save', '-o', path.join(d.dataRoot, '..', 'big.tar'), img]), 'save');
  });

  it('build output: a client that goes mid-step cancels the build; nothing is left running', async () => {
    const context = await tarBuf([
      { name: 'Dockerfile', body: 'FROM busybox\nRUN i=0; while [ $i -lt 300 ]; do echo "build line $i"; i=$((i+1)); done; sleep 1000\n' },
    ]);
    const running = runningIds();
    const req = { method: 'POST', path: '/v1.41/build?t=cut-build&rm=1', headers: { 'Content-Type': 'application/x-tar' }, body: context };
    await survives(req, ['headers', { after: 'build line 5\\n' }, { after: 'build line 299\\n' }]);
    // the step container went with its client: only the test's own containers run
    await waitFor(() => JSON.stringify(runcIds()) === JSON.stringify(running), 30000, 200).catch(() => assert.fail(`runtime containers left: ${runcIds()}`));
    // and one cut during the upload of the context
    await survives({ ...req, sendBytes: context.length >> 1 }, ['request']);
    const fine = await tarBuf([{ name: 'Dockerfile', body: 'FROM busybox\nRUN echo built > /b\n' }]);
    const r = d.docker(['build', '-q', '-t', 'after-cuts', '-'], { input: fine, env: { DOCKER_BUILDKIT: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(ok(d.docker(['run', '--rm', 'after-cuts', 'cat', '/b']), 'run').trim(), 'built');
  });

  it('uploads (load, import, PUT archive, build context): a client that goes mid-body leaves nothing staged', async () => {
    const tarFile = path.join(d.dataRoot, '..', 'saved.tar');
    const saved = fs.readFileSync(tarFile);
    const staged = () => fs.readdirSync(path.join(d.dataRoot, 'tmp'));
    const tar = { 'Content-Type': 'application/x-tar' };
    for (const at of [1, 4096, saved.length >> 1, saved.length - 10]) {
      await survives({ method: 'POST', path: '/v1.41/images/load?quiet=1', headers: tar, body: saved, sendBytes: at }, ['request']);
      await survives({ method: 'POST', path: '/v1.41/images/create?fromSrc=-&repo=cut-import', headers: tar, body: saved, sendBytes: at }, ['request']);
    }
    ok(d.docker(['run', '-d', '--name', 'up', 'busybox', 'sleep', '1000']), 'run');
    const small = await tarBuf([
      { name: 'big.bin', body: Buffer.alloc(3 << 20, 7) },
      { name: 'after', body: 'x' },
    ]);
    for (const at of [100, 1 << 20]) {
      await survives({ method: 'PUT', path: '/v1.41/containers/up/archive?path=/tmp', headers: tar, body: small, sendBytes: at }, ['request']);
    }
    await waitFor(() => staged().length === 0, 20000, 100).catch(() => assert.fail(`staging left: ${staged().join(' ')}`));
    // the container's lock is free and the copy works
    ok(d.docker(['cp', tarFile, 'up:/tmp/whole.tar']), 'cp after the cuts');
    ok(d.docker(['rm', '-f', 'up']), 'rm');
    ok(d.docker(['load', '-i', tarFile]), 'load after the cuts');
  });

  it('the registry client keeps no connection for good (idle ones close after its 30 s keep-alive)', async () => {
    await waitFor(() => tcpSocketsTo(pid(), reg.port) === 0, 60000, 500).catch(() =>
      assert.fail(`${tcpSocketsTo(pid(), reg.port)} connections to the registry stay open`),
    );
  });
});
