// Crash injection: berthd is SIGKILLed at each named step of create, start,
// stop, rm, pull and build (BERTHD_CRASH_AT, see src/util/fault.ts), started
// again, and what it then says is checked against the host: `runc list`,
// conmon processes, /proc/self/mountinfo, netns files and iptables rules.
// Afterwards each container is fully usable (start/stop/rm) or correctly gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, waitFor, processGone } from '../helpers/daemon';
import { freePort, httpGet, iptablesDump } from '../helpers/net';
import { TestRegistry } from '../helpers/registry';
import { CRASH_STEPS, type CrashStep } from '../../src/util/fault';

const d = new TestDaemon('crash');

function ok(args: string[]): string {
  const r = d.docker(args);
  assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Restarts berthd armed at `step`, runs `action` (which the crash cuts), waits for the death, starts it clean. */
async function crashAt(step: CrashStep, action: () => unknown): Promise<void> {
  await d.stopDaemon();
  await d.start([], { BERTHD_CRASH_AT: step });
  const pid = d.pid!;
  action();
  await waitFor(() => processGone(pid), 20000);
  await d.start();
}

interface HostFacts {
  runc: Map<string, { status: string; pid: number }>;
  conmons: Map<string, number>;
  mounts: string[];
  netns: string[];
}

function hostFacts(): HostFacts {
  const runcRoot = path.join(d.execRoot, 'runc', 'runc');
  const out = spawnSync('runc', ['--root', runcRoot, 'list', '--format', 'json'], { encoding: 'utf8' }).stdout.trim();
  const runc = new Map<string, { status: string; pid: number }>();
  for (const s of (out ? JSON.parse(out) : null) ?? []) runc.set(s.id, { status: s.status, pid: s.pid });
  const conmons = new Map<string, number>();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!cmd[0].endsWith('conmon') || !cmd.some((a) => a.startsWith(d.execRoot))) continue;
      if (/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'))) continue;
      const i = cmd.indexOf('-c');
      if (cmd.includes('-e')) continue; // exec sessions
      conmons.set(cmd[i + 1], Number(p));
    } catch {
      /* gone */
    }
  }
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && m.startsWith(d.dataRoot + '/'));
  // volumes/<name>/_data of mount-option volumes
  let netns: string[] = [];
  try {
    netns = fs.readdirSync(path.join(d.execRoot, 'netns')).filter((f) => /^[a-f0-9]{64}$/.test(f));
  } catch {
    /* none */
  }
  return { runc, conmons, mounts, netns };
}

/**
 * The daemon's word and the host's agree: runc runs exactly the containers the
 * API calls running, with their pids, each under its conmon, with its root
 * mounted and (bridge mode) its netns; nothing else is left on the host.
 */
function assertConsistent(): void {
  const ids = ok(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
  const h = hostFacts();
  const running = new Set<string>();
  const usedVolumes = new Set<string>();
  for (const id of ids) {
    const [status, pid, mode] = ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}} {{.HostConfig.NetworkMode}}', id]).split(' ');
    const merged = path.join(d.dataRoot, 'containers', id, 'rootfs-rw', 'merged');
    if (status === 'running' || status === 'paused') {
      running.add(id);
      assert.equal(h.runc.get(id)?.status, status, `runc state of ${id}`);
      assert.equal(h.runc.get(id)?.pid, Number(pid), `pid of ${id}`);
      assert.ok(h.conmons.has(id), `conmon of running ${id}`);
      assert.ok(h.mounts.includes(merged), `rootfs of running ${id} mounted`);
      if (mode !== 'host' && mode !== 'none') assert.ok(h.netns.includes(id), `netns of running ${id}`);
      for (const v of ok(['inspect', '-f', '{{range .Mounts}}{{.Name}} {{end}}', id]).split(' ').filter(Boolean)) usedVolumes.add(v);
    } else {
      assert.equal(Number(pid), 0, `pid of ${status} ${id}`);
    }
  }
  assert.deepEqual(
    [...h.runc.keys()].filter((id) => !running.has(id)),
    [],
    'runc containers the API does not call running',
  );
  assert.deepEqual(
    [...h.conmons.keys()].filter((id) => !running.has(id)),
    [],
    'conmon of containers that are not running',
  );
  const volumes = path.join(d.dataRoot, 'volumes') + '/';
  const held = (m: string) =>
    m.startsWith(volumes)
      ? usedVolumes.has(m.slice(volumes.length).split('/')[0])
      : [...running].some((id) => m.startsWith(path.join(d.dataRoot, 'containers', id) + '/'));
  assert.deepEqual(
    h.mounts.filter((m) => !held(m)),
    [],
    'mounts (rootfs, volumes) no running container holds',
  );
  assert.deepEqual(
    h.netns.filter((id) => !running.has(id)),
    [],
    'netns of containers that are not running',
  );
}

const dnat = async (port: number) => (await iptablesDump()).includes(`--dport ${port} `);

/** The published port answers with the container's hostname (polled: the server in it may still be starting). */
async function serves(port: number, id: string): Promise<void> {
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/hostname`, 2000).catch(() => '')).includes(id.slice(0, 12)), 20000, 100);
}

describe('crash injection: berthd killed at every named step', () => {
  before(async () => {
    await d.start();
    await d.importBusybox();
    ok(['network', 'create', 'crashnet']);
    // a volume that is a real mount (tmpfs): a cut start must not leave it mounted
    ok(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m', 'crashvol']);
  });
  after(() => d.stop());

  it('refuses an unknown step name at start (a typo is not a silent no-op)', async () => {
    await d.stopDaemon();
    await assert.rejects(d.start([], { BERTHD_CRASH_AT: 'start.nope' }), /unknown crash step "start.nope"/);
    await d.start();
  });

  // ---------- start ----------
  const serve = ['busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'];
  for (const step of ['start.rootfs', 'start.network', 'start.spec', 'start.created'] as const) {
    it(`${step} (${CRASH_STEPS[step]}): the start is undone; the container starts cleanly afterwards`, async () => {
      const port = await freePort();
      const name = `s-${step.replace('.', '-')}`;
      const id = ok(['create', '--name', name, '--network', 'crashnet', '-p', `127.0.0.1:${port}:80`, '-v', 'crashvol:/data', ...serve]);
      await crashAt(step, () => d.docker(['start', name]));
      assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', name]), 'created 0');
      assert.ok(!hostFacts().mounts.some((m) => m.includes('/volumes/crashvol/')), 'the volume is not left mounted');
      assert.equal(ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "crashnet").IPAddress}}', name]), '');
      assertConsistent();
      assert.equal(hostFacts().runc.has(id), false);
      assert.equal(await dnat(port), false, 'no DNAT rule for a container that is not running');
      // positive control: the same container starts, serves, stops and goes
      ok(['start', name]);
      await serves(port, id);
      assert.equal(await dnat(port), true);
      assert.ok(
        hostFacts().mounts.some((m) => m.includes('/volumes/crashvol/')),
        'the volume is mounted while the container runs',
      );
      assertConsistent();
      ok(['stop', '-t', '1', name]);
      ok(['rm', name]);
      assertConsistent();
      assert.equal(await dnat(port), false);
    });
  }

  for (const step of ['start.running', 'start.recorded'] as const) {
    it(`${step} (${CRASH_STEPS[step]}): the process runs and is recorded running, network intact`, async () => {
      const port = await freePort();
      const name = `s-${step.replace('.', '-')}`;
      const id = ok(['create', '--name', name, '--network', 'crashnet', '-p', `127.0.0.1:${port}:80`, '-v', 'crashvol:/data', ...serve]);
      await crashAt(step, () => d.docker(['start', name]));
      const pid = Number(ok(['inspect', '-f', '{{.State.Pid}}', name]));
      assert.equal(ok(['inspect', '-f', '{{.State.Status}}', name]), 'running');
      assert.equal(hostFacts().runc.get(id)?.pid, pid);
      assertConsistent();
      assert.match(ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "crashnet").IPAddress}}', name]), /^\d+\.\d+\.\d+\.\d+$/);
      await serves(port, id);
      assert.equal(ok(['exec', name, 'echo', 'in']), 'in');
      // a second daemon restart keeps it as it is
      await d.stopDaemon();
      await d.start();
      assert.equal(ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', name]), `running ${pid}`);
      await serves(port, id);
      ok(['stop', '-t', '1', name]);
      assert.equal(ok(['inspect', '-f', '{{.State.Status}}', name]), 'exited');
      assertConsistent();
      assert.equal(await dnat(port), false);
      ok(['start', name]);
      await serves(port, id);
      ok(['rm', '-f', name]);
      assertConsistent();
    });
  }

  it('start.running on a container that ran before: running with its new pid, not its old "Exited (137)"', async () => {
    const port = await freePort();
    const id = ok(['run', '-d', '--name', 'again', '--network', 'crashnet', '-p', `127.0.0.1:${port}:80`, ...serve]);
    ok(['kill', 'again']);
    await waitFor(() => ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'again']) === 'exited 137');
    await crashAt('start.running', () => d.docker(['start', 'again']));
    const [status, pid] = ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}} {{.State.ExitCode}}', 'again']).split(' ');
    assert.equal(status, 'running');
    assert.equal(hostFacts().runc.get(id)?.pid, Number(pid));
    assertConsistent();
    await serves(port, id);
    ok(['rm', '-f', 'again']);
    assertConsistent();
  });

  it('start.running after a user stop: the adopted container has its restart policy again', async () => {
    ok(['run', '-d', '--name', 'policy', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']);
    ok(['stop', '-t', '0', 'policy']);
    await crashAt('start.running', () => d.docker(['start', 'policy']));
    const pid = Number(ok(['inspect', '-f', '{{.State.Pid}}', 'policy']));
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'policy']), 'running');
    process.kill(pid, 'SIGKILL');
    // "unless-stopped" brings it back with a new process (the earlier user stop no longer holds it back)
    await waitFor(() => {
      const [s, p] = ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'policy']).split(' ');
      return s === 'running' && Number(p) !== pid && Number(p) > 0;
    }, 15000);
    assert.equal(ok(['inspect', '-f', '{{.RestartCount}}', 'policy']), '1');
    assertConsistent();
    ok(['rm', '-f', 'policy']);
    assertConsistent();
  });

  // ---------- stop and exit ----------
  const trapTerm = ['busybox', 'sh', '-c', 'httpd -p 80 -h /etc; trap "exit 3" TERM; while :; do sleep 0.1; done'];
  for (const step of ['stop.signalled', 'exit.network', 'exit.unmounted'] as const) {
    it(`${step} (${CRASH_STEPS[step]}): recorded exited with the real code, nothing left running`, async () => {
      const port = await freePort();
      const name = `x-${step.replace('.', '-')}`;
      const id = ok(['run', '-d', '--name', name, '--network', 'crashnet', '-p', `127.0.0.1:${port}:80`, ...trapTerm]);
      await serves(port, id);
      await crashAt(step, () => d.docker(['stop', '-t', '5', name]));
      await waitFor(() => ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]) === 'exited 3', 5000);
      assertConsistent();
      assert.equal(await dnat(port), false);
      ok(['start', name]);
      assert.equal(ok(['inspect', '-f', '{{.State.Status}}', name]), 'running');
      await serves(port, id);
      assertConsistent();
      ok(['rm', '-f', name]);
      assertConsistent();
    });
  }

  // ---------- rm ----------
  it(`rm.killed (${CRASH_STEPS['rm.killed']}): the container stays, exited 137, and goes with the next rm`, async () => {
    const name = 'r-killed';
    ok(['run', '-d', '--name', name, '--network', 'crashnet', 'busybox', 'sleep', '1000']);
    await crashAt('rm.killed', () => d.docker(['rm', '-f', name]));
    await waitFor(() => ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]) === 'exited 137', 5000);
    assertConsistent();
    ok(['rm', name]);
    assert.equal(ok(['ps', '-aq', '--filter', `name=^/${name}$`]), '');
    assertConsistent();
  });

  it(`rm.record (${CRASH_STEPS['rm.record']}): the container is gone for good, its name free`, async () => {
    const name = 'r-record';
    const id = ok(['run', '-d', '--name', name, '--network', 'crashnet', 'busybox', 'sleep', '1000']);
    await crashAt('rm.record', () => d.docker(['rm', '-f', name]));
    assert.equal(ok(['ps', '-aq', '--filter', `name=^/${name}$`]), '');
    assertConsistent();
    assert.equal(hostFacts().runc.has(id), false);
    assert.equal(fs.existsSync(path.join(d.dataRoot, 'containers', id)), false);
    assert.deepEqual(fs.readdirSync(path.join(d.dataRoot, 'tmp')), []);
    ok(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    ok(['rm', '-f', name]);
  });

  // ---------- create ----------
  it(`create.filesystem (${CRASH_STEPS['create.filesystem']}): no half container is left, the name is free`, async () => {
    const before = fs.readdirSync(path.join(d.dataRoot, 'containers')).length;
    await crashAt('create.filesystem', () => d.docker(['create', '--name', 'c-fs', 'busybox', 'true']));
    assert.equal(ok(['ps', '-aq', '--filter', 'name=^/c-fs$']), '');
    assert.equal(fs.readdirSync(path.join(d.dataRoot, 'containers')).length, before);
    assertConsistent();
    ok(['create', '--name', 'c-fs', 'busybox', 'true']);
    assert.equal(fs.readdirSync(path.join(d.dataRoot, 'containers')).length, before + 1);
    ok(['rm', 'c-fs']);
  });

  it(`create.record (${CRASH_STEPS['create.record']}): the container exists and runs`, async () => {
    await crashAt('create.record', () => d.docker(['create', '--name', 'c-rec', 'busybox', 'sh', '-c', 'exit 7']));
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'c-rec']), 'created');
    ok(['start', 'c-rec']);
    assert.equal(ok(['wait', 'c-rec']), '7');
    ok(['rm', 'c-rec']);
    assertConsistent();
  });

  it(`create.record of a --rm container: gone at the next start (as with dockerd), the name free`, async () => {
    // its record is never made durable: a daemon start removes a --rm container that does not run
    await crashAt('create.record', () => d.docker(['create', '--rm', '--name', 'c-rm', 'busybox', 'true']));
    await waitFor(() => ok(['ps', '-aq', '--filter', 'name=^/c-rm$']) === '', 5000, 50, 'the --rm container to go');
    assertConsistent();
    // the control: a --rm container running across a daemon restart stays, and goes when it exits
    const id = ok(['run', '-d', '--rm', '--name', 'c-rm', 'busybox', 'sleep', '1000']);
    await d.stopDaemon();
    await d.start();
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', id]), 'running');
    ok(['kill', id]);
    await waitFor(() => ok(['ps', '-aq', '--filter', 'name=^/c-rm$']) === '', 5000, 50, 'the killed --rm container to go');
    assertConsistent();
  });

  // ---------- pull ----------
  describe('pull', () => {
    let reg: TestRegistry;
    let ref: string;
    before(async () => {
      reg = await TestRegistry.start();
      ref = `${reg.host}/crash/layered:1`;
      // an image with a layer of its own (busybox's layer stays here)
      ok(['run', '--name', 'layer-src', 'busybox', 'sh', '-c', 'echo pulled-content > /marker']);
      ok(['commit', 'layer-src', ref]);
      ok(['rm', 'layer-src']);
      ok(['push', ref]);
      ok(['rmi', ref]);
    });
    after(() => reg?.stop());

    it(`pull.layer (${CRASH_STEPS['pull.layer']}): no image appears; the next pull completes`, async () => {
      await crashAt('pull.layer', () => d.docker(['pull', ref]));
      assert.equal(ok(['images', '-q', ref]), '');
      assert.equal(ok(['images', '-q', '--filter', 'dangling=true']), '');
      ok(['pull', ref]);
      assert.equal(ok(['run', '--rm', ref, 'cat', '/marker']), 'pulled-content');
      ok(['rmi', ref]);
      assertConsistent();
    });

    it(`pull.image (${CRASH_STEPS['pull.image']}): the next pull tags the image and it runs`, async () => {
      await crashAt('pull.image', () => d.docker(['pull', ref]));
      assert.equal(ok(['images', '-q', ref]), '');
      ok(['pull', ref]);
      assert.equal(ok(['run', '--rm', ref, 'cat', '/marker']), 'pulled-content');
      ok(['rmi', ref]);
    });
  });

  // ---------- build ----------
  describe('build', () => {
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-crash-build-'));
    before(() => fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo built > /built\n'));
    after(() => fs.rmSync(ctx, { recursive: true, force: true }));
    const build = () => d.docker(['build', '-t', 'crashbuilt', ctx], { env: { DOCKER_BUILDKIT: '0' } });

    for (const step of ['build.step', 'build.image'] as const) {
      it(`${step} (${CRASH_STEPS[step]}): nothing stays mounted; the next build succeeds`, async () => {
        await crashAt(step, build);
        assert.equal(ok(['images', '-q', 'crashbuilt']), '');
        assertConsistent();
        assert.deepEqual(fs.readdirSync(path.join(d.dataRoot, 'tmp')), []);
        const r = build();
        assert.equal(r.status, 0, r.stderr);
        assert.equal(ok(['run', '--rm', 'crashbuilt', 'cat', '/built']), 'built');
        ok(['rmi', 'crashbuilt']);
        // the step container a crash left behind is an ordinary exited container (as Docker leaves it)
        for (const id of ok(['ps', '-aq']).split('\n').filter(Boolean)) ok(['rm', '-f', id]);
        assertConsistent();
      });
    }
  });

  it('every named step is covered by a test above', () => {
    const covered = [
      'start.rootfs',
      'start.network',
      'start.spec',
      'start.created',
      'start.running',
      'start.recorded',
      'stop.signalled',
      'exit.network',
      'exit.unmounted',
      'rm.killed',
      'rm.record',
      'create.filesystem',
      'create.record',
      'pull.layer',
      'pull.image',
      'build.step',
      'build.image',
    ];
    assert.deepEqual(Object.keys(CRASH_STEPS).sort(), covered.sort());
  });
});
