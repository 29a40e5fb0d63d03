// berthd driven by the real client libraries people test with: dockerode (the
// Node Docker client) and testcontainers (GenericContainer with wait strategies,
// exec, logs, copy, networks with aliases, a pull from a 127.0.0.1 registry).
// Ryuk is disabled: the test removes what it made.
//
// CLIENTS_TEST_DOCKER_HOST=unix:///path runs the same checks against a daemon
// already running there (scripts/client-suites.sh uses it to compare engines);
// that daemon needs a busybox:latest image.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { TestDaemon } from '../helpers/daemon';
import { TestRegistry } from '../helpers/registry';
import { httpGet } from '../helpers/net';
import { tarBuf } from '../helpers/tar';

type TC = typeof import('testcontainers');

const external = process.env.CLIENTS_TEST_DOCKER_HOST;

describe('dockerode and testcontainers against the daemon', () => {
  const d = external ? undefined : new TestDaemon('clients');
  const host = () => external ?? d!.host;
  const clientConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-clients-cfg-'));
  let docker: Dockerode;
  let tc: TC;
  let registry: TestRegistry | undefined;
  const cleanup: Array<() => Promise<unknown>> = [];

  const cli = (args: string[]) => {
    const r = spawnSync('docker', ['-H', host(), ...args], { env: { ...process.env, DOCKER_CONFIG: clientConfig }, timeout: 120000 });
    assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.toString().trim();
  };

  // testcontainers' follow streams do not hold the event loop; our daemon child does, an
  // external daemon does not: hold it while the tests run
  let keepAlive: NodeJS.Timeout | undefined;

  before(async () => {
    keepAlive = setInterval(() => undefined, 1000);
    if (d) {
      await d.start();
      await d.importBusybox();
    }
    // the clients read these when they first connect: set them before loading testcontainers
    Object.assign(process.env, {
      DOCKER_HOST: host(),
      DOCKER_CONFIG: clientConfig,
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
    });
    const Docker = (await import('dockerode')).default;
    docker = new Docker({ socketPath: host().replace(/^unix:\/\//, '') });
    tc = await import('testcontainers');
  });

  after(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
    await registry?.stop();
    await d?.stop();
    fs.rmSync(clientConfig, { recursive: true, force: true });
    clearInterval(keepAlive);
  });

  // ---- dockerode ----

  it('dockerode: create, start, inspect, logs, wait, remove', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    cleanup.push(() => c.remove({ force: true }));
    await c.start();
    const res = await c.wait();
    assert.equal(res.StatusCode, 3);
    const info = await c.inspect();
    assert.equal(info.State.Status, 'exited');
    const logs = await c.logs({ stdout: true, stderr: true });
    // without a TTY the log stream is multiplexed: demux it as dockerode users do
    const out: string[] = [];
    const err: string[] = [];
    for (let off = 0; off + 8 <= logs.length; ) {
      const len = logs.readUInt32BE(off + 4);
      (logs[off] === 2 ? err : out).push(logs.subarray(off + 8, off + 8 + len).toString());
      off += 8 + len;
    }
    assert.equal(out.join(''), 'out\n');
    assert.equal(err.join(''), 'err\n');
    await c.remove();
    await assert.rejects(c.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('dockerode: exec with demuxed output and exit code; archive in and out', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'] });
    cleanup.push(() => c.remove({ force: true }));
    await c.start();
    const exec = await c.exec({ Cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 7'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: { out: string; err: string } = { out: '', err: '' };
    const { PassThrough } = await import('node:stream');
    const o = new PassThrough().on('data', (b: Buffer) => (chunks.out += b));
    const e = new PassThrough().on('data', (b: Buffer) => (chunks.err += b));
    docker.modem.demuxStream(stream, o, e);
    await new Promise((r) => stream.on('end', r));
    assert.deepEqual(chunks, { out: 'hi\n', err: 'oops\n' });
    assert.equal((await exec.inspect()).ExitCode, 7);
    await c.putArchive(await tarBuf([{ name: 'greeting.txt', body: 'hello from dockerode\n' }]), { path: '/tmp' });
    const cat = await c.exec({ Cmd: ['cat', '/tmp/greeting.txt'], AttachStdout: true, Tty: true });
    const s2 = await cat.start({ hijack: true, stdin: false, Tty: true });
    let got = '';
    s2.on('data', (b: Buffer) => (got += b));
    await new Promise((r) => s2.on('end', r));
    assert.equal(got, 'hello from dockerode\r\n');
    const tar = await c.getArchive({ path: '/tmp/greeting.txt' });
    const bytes: Buffer[] = [];
    for await (const b of tar) bytes.push(b as Buffer);
    assert.ok(Buffer.concat(bytes).includes('hello from dockerode\n'));
  });

  // ---- testcontainers ----

  it('testcontainers: wait for a log message, then exec and logs', async () => {
    const c = await new tc.GenericContainer('busybox')
      .withCommand(['sh', '-c', 'echo starting; sleep 0.3; echo "ready to serve"; exec sleep 300'])
      .withWaitStrategy(tc.Wait.forLogMessage('ready to serve'))
      .withStartupTimeout(30_000)
      .start();
    cleanup.push(() => c.stop({ timeout: 1 }));
    const r = await c.exec(['sh', '-c', 'echo $((6*7)); echo warn >&2; exit 4']);
    assert.equal(r.exitCode, 4);
    assert.equal(r.stdout, '42\n');
    assert.equal(r.stderr, 'warn\n');
    const logs = await c.logs();
    let text = '';
    await new Promise<void>((resolve) => {
      logs.on('data', (l: string) => {
        text += l;
        if (text.includes('ready to serve')) resolve();
      });
      logs.on('end', () => resolve());
    });
    assert.match(text, /starting[\s\S]*ready to serve/);
    await c.stop({ timeout: 1 });
  });

  it('testcontainers: wait for HTTP and for listening ports on a published port', async () => {
    const c = await new tc.GenericContainer('busybox')
      .withCommand(['sh', '-c', 'mkdir -p /www && echo hello-http > /www/index.html && exec httpd -f -p 8080 -h /www'])
      .withExposedPorts(8080)
      .withWaitStrategy(tc.Wait.forAll([tc.Wait.forListeningPorts(), tc.Wait.forHttp('/index.html', 8080).forStatusCode(200)]))
      .withStartupTimeout(30_000)
      .start();
    cleanup.push(() => c.stop({ timeout: 1 }));
    const port = c.getMappedPort(8080);
    assert.ok(port > 0);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/index.html`), 'hello-http\n');
    await c.stop({ timeout: 1 });
  });

  it('testcontainers: a wait strategy that never succeeds fails the start (control)', async () => {
    await assert.rejects(
      new tc.GenericContainer('busybox')
        .withCommand(['sleep', '300'])
        .withWaitStrategy(tc.Wait.forLogMessage('never printed'))
        .withStartupTimeout(1500)
        .start(),
      /never printed|timed out|Timeout/i,
    );
  });

  it('testcontainers: a successful-command wait and a healthcheck wait', async () => {
    const c = await new tc.GenericContainer('busybox')
      .withCommand(['sh', '-c', 'sleep 0.5; touch /tmp/ready; exec sleep 300'])
      .withHealthCheck({ test: ['CMD', 'test', '-f', '/tmp/ready'], interval: 200, retries: 50, timeout: 1000, startPeriod: 0 })
      .withWaitStrategy(tc.Wait.forHealthCheck())
      .withStartupTimeout(30_000)
      .start();
    cleanup.push(() => c.stop({ timeout: 1 }));
    assert.equal((await docker.getContainer(c.getId()).inspect()).State.Health?.Status, 'healthy');
    await c.stop({ timeout: 1 });
    const s = await new tc.GenericContainer('busybox')
      .withCommand(['sh', '-c', 'sleep 0.3; touch /tmp/ok; exec sleep 300'])
      .withWaitStrategy(tc.Wait.forSuccessfulCommand('test -f /tmp/ok'))
      .withStartupTimeout(30_000)
      .start();
    cleanup.push(() => s.stop({ timeout: 1 }));
    assert.equal((await s.exec(['cat', '/tmp/ok'])).exitCode, 0);
    await s.stop({ timeout: 1 });
  });

  it('testcontainers: copy files and content in, an archive out', async () => {
    const src = path.join(clientConfig, 'payload.txt');
    fs.writeFileSync(src, 'file payload\n');
    const c = await new tc.GenericContainer('busybox')
      .withCommand(['sleep', '300'])
      .withCopyFilesToContainer([{ source: src, target: '/data/payload.txt' }])
      .withCopyContentToContainer([{ content: 'inline content\n', target: '/data/inline.txt', mode: 0o640 }])
      .start();
    cleanup.push(() => c.stop({ timeout: 1 }));
    assert.equal((await c.exec(['cat', '/data/payload.txt', '/data/inline.txt'])).stdout, 'file payload\ninline content\n');
    assert.equal((await c.exec(['stat', '-c', '%a', '/data/inline.txt'])).stdout.trim(), '640');
    await c.copyContentToContainer([{ content: 'later\n', target: '/data/later.txt' }]);
    const tar = await c.copyArchiveFromContainer('/data/later.txt');
    const bytes: Buffer[] = [];
    for await (const b of tar) bytes.push(b as Buffer);
    assert.ok(Buffer.concat(bytes).includes('later\n'));
    await c.stop({ timeout: 1 });
  });

  it('testcontainers: a network where containers find each other by alias', async () => {
    const net = await new tc.Network().start();
    cleanup.push(() => net.stop());
    const server = await new tc.GenericContainer('busybox')
      .withCommand(['sh', '-c', 'mkdir -p /www && echo from-server > /www/index.html && exec httpd -f -p 80 -h /www'])
      .withNetwork(net)
      .withNetworkAliases('api', 'backend')
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .start();
    cleanup.push(() => server.stop({ timeout: 1 }));
    const client = await new tc.GenericContainer('busybox').withCommand(['sleep', '300']).withNetwork(net).start();
    cleanup.push(() => client.stop({ timeout: 1 }));
    for (const name of ['api', 'backend']) {
      const r = await client.exec(['wget', '-qO-', `http://${name}/index.html`]);
      assert.equal(r.stdout, 'from-server\n', `${name}: ${r.stderr}`);
    }
    // control: a name nobody declared does not resolve
    assert.notEqual((await client.exec(['wget', '-qO-', '-T', '2', 'http://nobody/index.html'])).exitCode, 0);
    assert.equal(server.getIpAddress(net.getName()), (await docker.getContainer(server.getId()).inspect()).NetworkSettings.Networks[net.getName()].IPAddress);
    await client.stop({ timeout: 1 });
    await server.stop({ timeout: 1 });
    await net.stop();
  });

  it('pulls from a registry on 127.0.0.1 through dockerode and testcontainers', async () => {
    registry = await TestRegistry.start();
    const ref = `${registry.host}/clients/bb:1`;
    cli(['tag', 'busybox', ref]);
    cli(['push', ref]);
    cli(['rmi', ref]);
    await assert.rejects(docker.getImage(ref).inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
    const stream = await docker.pull(ref);
    const events = await new Promise<Array<{ status?: string; error?: string }>>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ status?: string }>) => (err ? reject(err) : resolve(out))),
    );
    assert.ok(
      events.some((e) => /Downloaded newer image|Image is up to date/.test(e.status ?? '')),
      JSON.stringify(events),
    );
    assert.ok((await docker.getImage(ref).inspect()).Id.startsWith('sha256:'));
    cli(['rmi', ref]);
    const c = await new tc.GenericContainer(ref)
      .withCommand(['sh', '-c', 'echo pulled-and-ran; exec sleep 300'])
      .withWaitStrategy(tc.Wait.forLogMessage('pulled-and-ran'))
      .start();
    cleanup.push(() => c.stop({ timeout: 1 }));
    assert.equal((await c.exec(['echo', 'ok'])).stdout, 'ok\n');
    await c.stop({ timeout: 1 });
    // control: a reference the registry does not have fails the pull
    await assert.rejects(new tc.GenericContainer(`${registry.host}/clients/missing:1`).start());
  });
});
