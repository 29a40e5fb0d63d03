// What the real clients' own test suites (dockerode, docker-py, testcontainers)
// rely on beyond the docker CLI: each case is a difference those suites found,
// checked through the API with Docker 20.10's status codes and wording.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import { tarBuf } from '../helpers/tar';
import { contextDir } from '../helpers/build';
import { TestDaemon, waitFor } from '../helpers/daemon';
import { freeSubnet16 } from '../helpers/net';

describe('client compatibility', () => {
  const d = new TestDaemon('compat');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('answers Swarm routes as an engine outside a swarm (503, Docker wording)', async () => {
    const leave = await d.request('POST', '/v1.41/swarm/leave?force=1');
    assert.equal(leave.status, 503);
    assert.deepEqual(leave.json(), { message: 'This node is not part of a swarm' });
    for (const [m, p] of [
      ['GET', '/swarm'],
      ['GET', '/nodes'],
      ['GET', '/services'],
      ['POST', '/services/create'],
      ['GET', '/tasks'],
      ['GET', '/secrets'],
      ['GET', '/configs/x'],
      ['GET', '/swarm/unlockkey'],
    ]) {
      const r = await d.request(m, `/v1.41${p}`);
      assert.equal(r.status, 503, `${m} ${p}`);
      assert.match(r.json().message, /^This node is not a swarm manager\. Use "docker swarm init" or "docker swarm join"/);
    }
    const cli = d.docker(['swarm', 'leave', '--force']);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /Error response from daemon: This node is not part of a swarm/);
    // positive control: a non-swarm route on the same daemon still answers
    assert.equal((await d.request('GET', '/v1.41/info')).status, 200);
  });

  async function run(body: Record<string, unknown>, name?: string): Promise<string> {
    const c = await d.request('POST', `/v1.41/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', ...body });
    assert.equal(c.status, 201, c.body.toString());
    const id = c.json().Id as string;
    const s = await d.request('POST', `/v1.41/containers/${id}/start`);
    assert.equal(s.status, 204, s.body.toString());
    return id;
  }

  it('kill answers once the container is dead: an rm right after succeeds', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await run({ Cmd: ['sleep', '100'], HostConfig: { RestartPolicy: { Name: 'always' } } });
      assert.equal((await d.request('POST', `/v1.41/containers/${id}/kill`)).status, 204);
      const rm = await d.request('DELETE', `/v1.41/containers/${id}`);
      assert.equal(rm.status, 204, rm.body.toString());
      assert.equal((await d.request('GET', `/v1.41/containers/${id}/json`)).status, 404);
    }
    // positive control: a signal other than KILL leaves it running, and rm without force refuses
    const id = await run({ Cmd: ['sh', '-c', 'trap "" USR1; sleep 100'] });
    assert.equal((await d.request('POST', `/v1.41/containers/${id}/kill?signal=USR1`)).status, 204);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}`)).status, 409);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}?force=1`)).status, 204);
  });

  it('wait returns at the exit of a container that restart policy "always" restarts, and rm refuses it', async () => {
    const id = await run({ Cmd: ['sleep', '1'], HostConfig: { RestartPolicy: { Name: 'always' }, NetworkMode: 'none' } });
    const w = await d.request('POST', `/v1.41/containers/${id}/wait`);
    assert.equal(w.status, 200);
    assert.equal(w.json().StatusCode, 0);
    const rm = await d.request('DELETE', `/v1.41/containers/${id}`);
    assert.equal(rm.status, 409);
    assert.match(rm.json().message.toLowerCase(), /stop the container before/);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}?force=1`)).status, 204);
    assert.equal((await d.request('GET', `/v1.41/containers/${id}/json`)).status, 404);
  });

  it('exec: the terminal comes from exec create, the stream framing from the start body', async () => {
    const id = await run({ Cmd: ['sleep', '100'] });
    const script = ['sh', '-c', 'if [ -t 1 ]; then echo tty; else echo notty; fi'];
    async function exec(createTty: boolean, startBody: Record<string, unknown>): Promise<Buffer> {
      const e = await d.request('POST', `/v1.41/containers/${id}/exec`, { Cmd: script, Tty: createTty, AttachStdout: true, AttachStderr: true });
      assert.equal(e.status, 201);
      const s = await d.request('POST', `/v1.41/exec/${e.json().Id}/start`, { Detach: false, ...startBody });
      assert.equal(s.status, 200);
      return s.body;
    }
    const framed = (b: Buffer) => b[0] === 1 && b.readUInt32BE(4) === b.length - 8;
    // created with a TTY, started without saying: a terminal, multiplexed (Docker 20.10)
    const a = await exec(true, {});
    assert.ok(framed(a), a.toString('hex'));
    assert.equal(a.subarray(8).toString(), 'tty\r\n');
    // created without, started with Tty: no terminal, raw stream
    const b = await exec(false, { Tty: true });
    assert.equal(b.toString(), 'notty\n');
    // both: a terminal on a raw stream
    assert.equal((await exec(true, { Tty: true })).toString(), 'tty\r\n');
  });

  it('resize answers 200 on a running container and 409 on a stopped one', async () => {
    const id = await run({ Cmd: ['sleep', '100'], Tty: true });
    const ok = await d.request('POST', `/v1.41/containers/${id}/resize?h=40&w=100`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.length, 0);
    assert.equal((await d.request('POST', `/v1.41/containers/${id}/kill`)).status, 204);
    const stopped = await d.request('POST', `/v1.41/containers/${id}/resize?h=40&w=100`);
    assert.equal(stopped.status, 409);
    assert.equal(stopped.json().message, `Container ${id} is not running`);
  });

  it('stats carry read and preread times', async () => {
    const id = await run({ Cmd: ['sleep', '100'] });
    const r = await d.request('GET', `/v1.41/containers/${id}/stats?stream=false`);
    assert.equal(r.status, 200);
    const s = r.json();
    for (const k of ['read', 'preread', 'cpu_stats', 'precpu_stats', 'memory_stats', 'networks']) assert.ok(k in s, k);
    const read = Date.parse(s.read);
    const pre = Date.parse(s.preread);
    assert.ok(Number.isFinite(read) && read > Date.now() - 60_000, s.read);
    // the no-stream answer compares with a sample a second older
    assert.ok(Number.isFinite(pre) && pre < read, `${s.preread} < ${s.read}`);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}?force=1`)).status, 204);
  });

  it('inspect shows CpuRealtimePeriod and CpuRealtimeRuntime as created', async () => {
    const c = await d.request('POST', '/v1.41/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 500 },
    });
    assert.equal(c.status, 201, c.body.toString());
    const hc = (await d.request('GET', `/v1.41/containers/${c.json().Id}/json`)).json().HostConfig;
    assert.equal(hc.CpuRealtimePeriod, 1000);
    assert.equal(hc.CpuRealtimeRuntime, 500);
    const plain = await d.request('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'] });
    const hp = (await d.request('GET', `/v1.41/containers/${plain.json().Id}/json`)).json().HostConfig;
    assert.equal(hp.CpuRealtimePeriod, 0);
    assert.equal(hp.CpuRealtimeRuntime, 0);
  });

  it('commit succeeds while the process exits (no "container not running" from the pause)', async () => {
    for (let i = 0; i < 3; i++) {
      const id = await run({ Cmd: ['sh', '-c', 'echo data > /f; usleep 50000'] });
      // commit again and again across the exit: every one must succeed
      let exited = false;
      for (let n = 0; n < 200 && !exited; n++) {
        const cm = await d.request('POST', `/v1.41/commit?container=${id}&pause=1`);
        assert.equal(cm.status, 201, cm.body.toString());
        exited = !(await d.request('GET', `/v1.41/containers/${id}/json`)).json().State.Running;
      }
      assert.ok(exited);
      const cm = await d.request('POST', `/v1.41/commit?container=${id}&repo=after-exit&tag=${i}`);
      assert.equal(cm.status, 201);
      const out = d.docker(['run', '--rm', `after-exit:${i}`, 'cat', '/f']);
      assert.equal(out.stdout, 'data\n', out.stderr);
    }
  });

  it('an export stream nobody reads blocks neither commit nor stop nor rm -f', async () => {
    const id = await run({ Cmd: ['sleep', '100'] });
    // open an export and leave it unread: the server fills the socket and waits
    const req = http.request({ socketPath: d.socket, path: `/v1.41/containers/${id}/export`, method: 'GET', agent: false });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject).end());
    assert.equal(res.statusCode, 200);
    res.pause();
    const cm = await d.request('POST', `/v1.41/commit?container=${id}&pause=1&repo=while-export`);
    assert.equal(cm.status, 201, cm.body.toString());
    const st = (await d.request('GET', `/v1.41/containers/${id}/json`)).json().State;
    assert.equal(st.Paused, false);
    assert.equal(st.Status, 'running');
    // the container still runs processes (not left frozen)
    const ex = d.docker(['exec', id, 'echo', 'alive']);
    assert.equal(ex.stdout, 'alive\n', ex.stderr);
    assert.equal((await d.request('POST', `/v1.41/containers/${id}/stop?t=1`)).status, 204);
    // a stopped container's export, unread too, does not block start or rm -f
    const req2 = http.request({ socketPath: d.socket, path: `/v1.41/containers/${id}/export`, method: 'GET', agent: false });
    const res2 = await new Promise<http.IncomingMessage>((resolve, reject) => req2.on('response', resolve).on('error', reject).end());
    res2.pause();
    assert.equal((await d.request('POST', `/v1.41/containers/${id}/start`)).status, 204);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}?force=1`)).status, 204);
    req.destroy();
    req2.destroy();
    assert.equal((await d.request('GET', `/v1.41/containers/${id}/json`)).status, 404);
  });

  it('exec create honours detachKeys spelled in any case (Go decodes JSON keys without case)', async () => {
    const id = await run({ Cmd: ['sleep', '100'] });
    async function detachesOn(body: Record<string, unknown>, key: string): Promise<boolean> {
      const e = await d.request('POST', `/v1.41/containers/${id}/exec`, { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, ...body });
      assert.equal(e.status, 201);
      const execId = e.json().Id;
      const sock = net.connect(d.socket);
      const payload = JSON.stringify({ Detach: false, Tty: false });
      sock.write(
        `POST /v1.41/exec/${execId}/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`,
      );
      let got = '';
      const ended = new Promise<void>((r) => sock.on('close', () => r()));
      await new Promise<void>((r) =>
        sock.on('data', (b) => {
          got += b.toString('latin1');
          if (got.includes('\r\n\r\n')) r();
        }),
      );
      assert.match(got, /^HTTP\/1.1 101/);
      await waitFor(async () => (await d.request('GET', `/v1.41/exec/${execId}/json`)).json().Running === true);
      // a marker after the key: echoed back by cat when the key is only input,
      // never seen when it detached — each outcome is a condition, not a timeout
      const echoed = new Promise<void>((r) => {
        const look = () => got.includes('MARK') && r();
        sock.on('data', look);
        look();
      });
      sock.write(`${key}MARK\n`);
      const detached = await Promise.race([ended.then(() => true), echoed.then(() => false)]);
      sock.destroy();
      return detached;
    }
    assert.equal(await detachesOn({ detachKeys: 'ctrl-x' }, '\x18'), true);
    assert.equal(await detachesOn({ DetachKeys: 'ctrl-x' }, '\x18'), true);
    // control: with the default keys, ctrl-x is just input
    assert.equal(await detachesOn({}, '\x18'), false);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}?force=1`)).status, 204);
  });

  it("log config: max-file alone is accepted, an unknown driver gets Docker's words", async () => {
    for (const Type of ['json-file', '']) {
      const c = await d.request('POST', '/v1.41/containers/create', {
        Image: 'busybox',
        Cmd: ['true'],
        HostConfig: { LogConfig: { Type, Config: { 'max-file': '100' } } },
      });
      assert.equal(c.status, 201, c.body.toString());
      const lc = (await d.request('GET', `/v1.41/containers/${c.json().Id}/json`)).json().HostConfig.LogConfig;
      assert.deepEqual(lc, { Type: 'json-file', Config: { 'max-file': '100' } });
    }
    const bad = await d.request('POST', '/v1.41/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { LogConfig: { Type: 'asdf', Config: {} } },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { message: "logger: no log driver named 'asdf' is registered" });
    const cli = d.docker(['run', '--log-driver', 'asdf', 'busybox']);
    assert.equal(cli.status, 125);
    assert.match(cli.stderr, /Error response from daemon: logger: no log driver named 'asdf' is registered/);
  });

  it('links: aliases on a user network resolve, a link can be removed, the short-ID alias comes at start', async () => {
    const net = await d.request('POST', '/v1.41/networks/create', { Name: 'linknet', IPAM: { Config: [{ Subnet: `${freeSubnet16()}.0.0/16` }] } });
    assert.equal(net.status, 201, net.body.toString());
    const c = await d.request('POST', '/v1.41/containers/create?name=linker', {
      Image: 'busybox',
      Cmd: ['sleep', '100'],
      HostConfig: { NetworkMode: 'linknet' },
      NetworkingConfig: { EndpointsConfig: { linknet: { Links: ['upstream:bar'], Aliases: ['me'] } } },
    });
    assert.equal(c.status, 201, c.body.toString());
    const id = c.json().Id;
    // created, never started: only the aliases asked for
    const before = (await d.request('GET', `/v1.41/containers/${id}/json`)).json().NetworkSettings.Networks.linknet;
    assert.deepEqual(before.Aliases, ['me']);
    assert.deepEqual(before.Links, ['upstream:bar']);
    assert.equal((await d.request('POST', `/v1.41/containers/${id}/start`)).status, 204);
    const after = (await d.request('GET', `/v1.41/containers/${id}/json`)).json().NetworkSettings.Networks.linknet;
    assert.deepEqual(after.Aliases, ['me', id.slice(0, 12)]);
    const up = await run({ Cmd: ['sleep', '100'], HostConfig: { NetworkMode: 'linknet' } }, 'upstream');
    const upIp = (await d.request('GET', `/v1.41/containers/${up}/json`)).json().NetworkSettings.Networks.linknet.IPAddress;
    const look = d.docker(['exec', 'linker', 'nslookup', 'bar']);
    assert.equal(look.status, 0, look.stdout + look.stderr);
    assert.match(look.stdout, new RegExp(`Address: ${upIp.replace(/\./g, '\\.')}`));
    // control: a name nobody declared does not resolve
    assert.notEqual(d.docker(['exec', 'linker', 'nslookup', 'baz']).status, 0);

    // legacy link on the default bridge, removed through DELETE /containers/{parent}/{alias}?link=1
    const target = await run({ Cmd: ['sleep', '100'] }, 'ltarget');
    const parent = await run({ Cmd: ['sleep', '100'], HostConfig: { Links: ['ltarget:mylink'] } }, 'lparent');
    assert.equal((await d.request('DELETE', '/v1.41/containers/lparent/nolink?link=1')).status, 404);
    assert.equal((await d.request('DELETE', '/v1.41/containers/lparent/mylink?link=1')).status, 204);
    assert.equal((await d.request('GET', `/v1.41/containers/${parent}/json`)).json().HostConfig.Links, null);
    for (const x of [target, parent]) assert.equal((await d.request('GET', `/v1.41/containers/${x}/json`)).status, 200);
    for (const x of [id, up, target, parent]) await d.request('DELETE', `/v1.41/containers/${x}?force=1`);
    assert.equal((await d.request('DELETE', '/v1.41/networks/linknet')).status, 204);
  });

  it('image load: the legacy `docker save` layout loads; a bad archive is reported inside the 200 stream', async () => {
    const base = 'a'.repeat(64);
    const top = 'b'.repeat(64);
    const v1 = (id: string, parent: string | undefined, cmd: string[]) =>
      JSON.stringify({
        id,
        ...(parent ? { parent } : {}),
        created: '2015-10-13T23:47:48.5Z',
        container_config: { Cmd: ['/bin/sh', '-c', '#(nop) x'] },
        config: { Cmd: cmd, Env: ['A=1'] },
        architecture: 'amd64',
        os: 'linux',
        Size: 0,
      });
    const archive = await tarBuf([
      { name: `${base}/`, type: 'directory' },
      { name: `${base}/VERSION`, body: '1.0' },
      { name: `${base}/json`, body: v1(base, undefined, []) },
      { name: `${base}/layer.tar`, body: await tarBuf([{ name: 'a', body: 'from base\n' }]) },
      { name: `${top}/`, type: 'directory' },
      { name: `${top}/VERSION`, body: '1.0' },
      { name: `${top}/json`, body: v1(top, base, ['/hello']) },
      { name: `${top}/layer.tar`, body: await tarBuf([{ name: 'b', body: 'from top\n' }]) },
      { name: 'repositories', body: JSON.stringify({ legacy: { '1': top } }) },
    ]);
    const r = await d.request('POST', '/v1.41/images/load?quiet=1', archive, { 'Content-Type': 'application/x-tar' });
    assert.equal(r.status, 200, r.body.toString());
    assert.match(r.body.toString(), /Loaded image: legacy:1/);
    const img = (await d.request('GET', '/v1.41/images/legacy:1/json')).json();
    assert.equal(img.RootFS.Layers.length, 2);
    assert.deepEqual(img.Config.Cmd, ['/hello']);
    assert.deepEqual(img.Config.Env, ['A=1']);
    const ctr = d.docker(['create', 'legacy:1']);
    assert.equal(ctr.status, 0, ctr.stderr);
    for (const [f, want] of [
      ['a', 'from base\n'],
      ['b', 'from top\n'],
    ]) {
      const out = spawnSync('docker', ['-H', d.host, 'cp', `${ctr.stdout.trim()}:/${f}`, '-']);
      assert.equal(out.status, 0, out.stderr.toString());
      assert.ok(out.stdout.includes(want), f);
    }
    // not an archive: Docker's 200 with the error in the JSON stream, and `docker load` fails with it
    const bad = await d.request('POST', '/v1.41/images/load', Buffer.from('no tar here'), { 'Content-Type': 'application/x-tar' });
    assert.equal(bad.status, 200);
    const last = JSON.parse(bad.body.toString().trim().split('\n').pop()!);
    assert.match(last.errorDetail.message, /invalid archive/);
    const cli = d.docker(['load'], { input: 'no tar here' });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /invalid archive/);
  });

  it('build cachefrom: only the named images (and their ancestors) serve as cache', async () => {
    const dir = contextDir({ Dockerfile: 'FROM busybox\nENV FOO=bar\nRUN touch baz\nRUN touch bax\n' });
    const hits = (args: string[]) => {
      const r = d.docker(['build', ...args, dir], { env: { DOCKER_BUILDKIT: '0' }, timeout: 120000 });
      assert.equal(r.status, 0, r.stderr);
      return (r.stdout.match(/Using cache/g) ?? []).length;
    };
    assert.equal(hits(['-t', 'build1']), 0);
    // control: without cachefrom the local cache serves every step
    assert.equal(hits(['-t', 'build2']), 3);
    assert.equal(hits(['-t', 'build2', '--cache-from', 'build1']), 3);
    assert.equal(hits(['-t', 'build2', '--cache-from', 'nosuchtag']), 0);
  });

  it('a client that drops an export or a save midway leaves the daemon serving', async () => {
    const id = await run({ Cmd: ['sh', '-c', 'dd if=/dev/zero of=/big bs=1M count=16 2>/dev/null; touch /ready; exec sleep 100'] });
    await waitFor(() => d.docker(['exec', id, 'test', '-f', '/ready']).status === 0, 20000, 100);
    for (const [p, cut] of [
      [`/v1.41/containers/${id}/export`, 4 << 20],
      ['/v1.41/images/busybox/get', 64 << 10],
      ['/v1.41/images/busybox/get', 1],
    ] as const) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ socketPath: d.socket, path: p, method: 'GET', agent: false }, (res) => {
          let n = 0;
          res.on('data', (b: Buffer) => {
            n += b.length;
            // midway through a big file: hang up
            if (n >= cut) {
              req.destroy();
              resolve();
            }
          });
          res.on('end', () => reject(new Error('export ended before the client hung up')));
        });
        req.on('error', () => undefined);
        req.end();
      });
      await waitFor(async () => d.ping(), 5000);
    }
    assert.equal((await d.request('GET', '/v1.41/_ping')).status, 200);
    assert.equal((await d.request('DELETE', `/v1.41/containers/${id}?force=1`)).status, 204);
  });
});
