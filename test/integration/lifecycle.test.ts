// The container lifecycle driven by the real docker CLI against berthd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, waitFor } from '../helpers/daemon';

describe('container lifecycle with the docker CLI', () => {
  const d = new TestDaemon('life');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('negotiates the API version and reports the server', () => {
    const r = d.docker(['version', '--format', '{{.Server.APIVersion}}']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1.41');
  });

  it('lists the imported image', () => {
    const r = d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^busybox:latest$/m);
  });

  it('runs a container, prints its output and removes it with --rm', () => {
    const r = d.docker(['run', '--rm', '--name', 'hello', 'busybox', 'echo', 'hello world']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hello world\n');
    const ps = d.docker(['ps', '-a', '--filter', 'name=hello', '-q']);
    assert.equal(ps.stdout.trim(), '');
  });

  it('run --rm delivers all of the output of a container that exits at once, every time', () => {
    // the removal follows the exit within milliseconds: it must not cut the attach stream
    const want = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join('');
    for (let i = 0; i < 10; i++) {
      const r = d.docker(['run', '--rm', '--network', 'none', 'busybox', 'seq', '1', '2000']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, want, `run ${i}: ${r.stdout.length} of ${want.length} bytes`);
      const b = d.berth(['run', '--rm', '--network', 'none', 'busybox', 'echo', `berth-${i}`]);
      assert.equal(b.stdout, `berth-${i}\n`, `berth run ${i}`);
    }
  });

  it('passes stdout and stderr separately and returns the exit code', () => {
    const r = d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  it('gives 127 for a command that does not exist and 126 for one that cannot run', () => {
    const r = d.docker(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(r.status, 127, r.stderr);
    assert.match(r.stderr, /executable file not found|no such file/);
    const r2 = d.docker(['run', '--rm', 'busybox', '/etc']);
    assert.equal(r2.status, 126, r2.stderr);
  });

  it('pipes stdin with -i', () => {
    const r = d.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], { input: 'line1\nline2\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'line1\nline2\ndone\n');
  });

  it('allocates a TTY with -t under a terminal', () => {
    const r = spawnSync('script', ['-qec', `docker -H ${d.host} run --rm -t busybox sh -c 'tty; stty size'`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 30000,
      env: { ...process.env, COLUMNS: '100', LINES: '30' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
  });

  it('runs detached, shows in ps, logs, execs and stops with the stop signal', () => {
    const r = d.docker(['run', '-d', '--name', 'svc', 'busybox', 'sh', '-c', 'trap "echo got-term; exit 0" TERM; echo ready; while true; do sleep 0.1; done']);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, /^[a-f0-9]{64}$/);
    const ps = d.docker(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}}']);
    assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)} svc Up`, 'm'));
    const ex = d.docker(['exec', 'svc', 'sh', '-c', 'echo $HOSTNAME; exit 4']);
    assert.equal(ex.status, 4);
    assert.equal(ex.stdout.trim(), id.slice(0, 12));
    const stop = d.docker(['stop', 'svc']);
    assert.equal(stop.status, 0, stop.stderr);
    const logs = d.docker(['logs', 'svc']);
    assert.equal(logs.stdout, 'ready\ngot-term\n');
    const st = d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'svc']);
    assert.equal(st.stdout.trim(), 'exited 0');
    assert.equal(d.docker(['rm', 'svc']).status, 0);
  });

  it('exec of a missing or non-executable command prints the runtime error and exits 127/126', () => {
    d.docker(['run', '-d', '--name', 'execerr', 'busybox', 'sleep', '1000']);
    const nf = d.docker(['exec', 'execerr', 'nosuchcmd']);
    assert.equal(nf.status, 127);
    assert.match(nf.stdout, /OCI runtime exec failed: .*executable file not found/);
    const dir = d.docker(['exec', 'execerr', '/etc']);
    assert.equal(dir.status, 126);
    d.docker(['rm', '-f', 'execerr']);
  });

  it('kills with SIGKILL after the stop timeout', () => {
    d.docker(['run', '-d', '--name', 'stubborn', 'busybox', 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
    const t0 = Date.now();
    const stop = d.docker(['stop', '-t', '1', 'stubborn']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.ok(Date.now() - t0 >= 1000);
    const st = d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'stubborn']);
    assert.equal(st.stdout.trim(), '137');
    d.docker(['rm', '-f', 'stubborn']);
  });

  it('pauses and unpauses', () => {
    d.docker(['run', '-d', '--name', 'pz', 'busybox', 'sleep', '100']);
    assert.equal(d.docker(['pause', 'pz']).status, 0);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'pz']).stdout.trim(), 'paused true');
    assert.match(d.docker(['ps', '--filter', 'name=pz', '--format', '{{.Status}}']).stdout, /\(Paused\)/);
    assert.equal(d.docker(['unpause', 'pz']).status, 0);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Status}}', 'pz']).stdout.trim(), 'running');
    assert.equal(d.docker(['rm', '-f', 'pz']).status, 0);
  });

  it('reports Docker errors for unknown containers, name conflicts and bad policies', async () => {
    const r = d.docker(['inspect', 'nope']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No such (container|object): nope/);
    const s = d.docker(['start', 'nope']);
    assert.match(s.stderr, /Error response from daemon: No such container: nope/);
    d.docker(['create', '--name', 'dup', 'busybox', 'true']);
    const c = d.docker(['create', '--name', 'dup', 'busybox', 'true']);
    assert.equal(c.status, 1); // the docker CLI's own exit status for create errors
    assert.match(c.stderr, /Conflict\. The container name "\/dup" is already in use/);
    d.docker(['rm', 'dup']);
    // --restart with --rm: the docker CLI refuses it itself, so the daemon's check is sent through the API
    const both = await d.request('POST', '/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } },
    });
    assert.equal(both.status, 400, both.body.toString());
    assert.equal(both.json().message, "can't create 'AutoRemove' container with restart policy");
    const one = await d.request('POST', '/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'no' } },
    });
    assert.equal(one.status, 201, one.body.toString());
    assert.equal((await d.request('DELETE', `/containers/${one.json().Id}`)).status, 204);
    const img = d.docker(['run', '--rm', 'nosuchimage']);
    assert.equal(img.status, 125);
    assert.match(img.stderr, /Unable to find image 'nosuchimage:latest' locally/);
  });

  it('a --rm container mounted before its start (docker cp) starts with what was copied', () => {
    // its rootfs is mounted volatile: the second mount must not trip over the first one's marker
    const id = d.docker(['create', '--rm', '--network', 'none', 'busybox', 'cat', '/copied']).stdout.trim();
    const src = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-')), 'copied');
    fs.writeFileSync(src, 'copied-in\n');
    try {
      const cp = d.docker(['cp', src, `${id}:/copied`]);
      assert.equal(cp.status, 0, cp.stderr);
      const r = d.docker(['start', '-a', id]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'copied-in\n');
    } finally {
      fs.rmSync(path.dirname(src), { recursive: true, force: true });
    }
  });

  it('applies on-failure restart policies with a retry limit', async () => {
    const state = (n: string) => d.docker(['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}', n]).stdout.trim();
    // the control has the same failing command and backoff, with a higher limit
    d.docker(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
    d.docker(['run', '-d', '--name', 'flaky-control', '--restart', 'on-failure:5', 'busybox', 'sh', '-c', 'exit 1']);
    await waitFor(() => state('flaky') === '2 exited 1', 30000, 100);
    // by the time the control restarted a fourth time, a third restart of flaky would have happened
    await waitFor(() => Number(state('flaky-control').split(' ')[0]) >= 4, 60000, 100);
    assert.equal(state('flaky'), '2 exited 1');
    await waitFor(() => state('flaky-control') === '5 exited 1', 60000, 100);
    d.docker(['rm', '-f', 'flaky', 'flaky-control']);
  });

  it('waits for a container and prints its exit code', () => {
    d.docker(['run', '-d', '--name', 'waiter', 'busybox', 'sh', '-c', 'sleep 0.3; exit 9']);
    const w = d.docker(['wait', 'waiter']);
    assert.equal(w.stdout.trim(), '9');
    d.docker(['rm', 'waiter']);
  });

  it('renames and restarts containers', () => {
    d.docker(['run', '-d', '--name', 'r1', 'busybox', 'sleep', '100']);
    assert.equal(d.docker(['rename', 'r1', 'r2']).status, 0);
    assert.equal(d.docker(['inspect', '-f', '{{.Name}}', 'r2']).stdout.trim(), '/r2');
    const before = d.docker(['inspect', '-f', '{{.State.Pid}}', 'r2']).stdout.trim();
    assert.equal(d.docker(['restart', '-t', '0', 'r2']).status, 0);
    const afterPid = d.docker(['inspect', '-f', '{{.State.Pid}} {{.State.Running}}', 'r2']).stdout.trim();
    assert.notEqual(afterPid.split(' ')[0], before);
    assert.equal(afterPid.split(' ')[1], 'true');
    d.docker(['rm', '-f', 'r2']);
  });

  it('prunes stopped containers only', () => {
    d.docker(['create', '--name', 'old', 'busybox', 'true']);
    d.docker(['run', '-d', '--name', 'live', 'busybox', 'sleep', '100']);
    const r = d.docker(['container', 'prune', '-f']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(d.docker(['inspect', 'old']).status, 1);
    assert.equal(d.docker(['inspect', 'live']).status, 0);
    d.docker(['rm', '-f', 'live']);
  });

  it('attaches to a running TTY container and detaches with ctrl-p ctrl-q, or custom keys', async () => {
    d.docker(['run', '-dit', '--name', 'att', 'busybox', 'sh']);
    for (const [keys, bytes] of [
      [undefined, '\x10\x11'],
      ['ctrl-x,x', '\x18x'],
    ] as const) {
      const args = keys ? `--detach-keys ${keys} ` : '';
      const child = spawn('script', ['-qfc', `docker -H ${d.host} attach ${args}att`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      // typed before the CLI is attached, a line can be lost: type it until its output shows
      await waitFor(() => (out.includes('attached-42') ? true : (child.stdin.write('echo attached-$((40+2))\r'), false)), 20000, 500);
      child.stdin.write(bytes);
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      assert.equal(code, 0, out);
      assert.equal(d.docker(['inspect', '-f', '{{.State.Running}}', 'att']).stdout.trim(), 'true');
    }
    d.docker(['rm', '-f', 'att']);
  });
});

describe('a container whose monitor (conmon) dies', () => {
  const d = new TestDaemon('monloss');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const start = () => {
    const r = d.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim());
    const conmon = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    assert.match(fs.readFileSync(`/proc/${conmon}/cmdline`, 'utf8'), /conmon/);
    return { id, pid, conmon };
  };
  const status = (id: string) => d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', id]).stdout.trim();

  it('still stops: stop answers and records the exit as unknown (255)', () => {
    const c = start();
    process.kill(c.conmon, 'SIGKILL');
    const r = d.docker(['stop', '-t', '1', c.id], { timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(status(c.id), 'exited 255');
    assert.equal(d.docker(['rm', c.id]).status, 0);
  });

  it('is noticed when its process ends later, and stays running while the process runs', async () => {
    const c = start();
    const control = start(); // its conmon stays: it must be untouched by the sweep
    process.kill(c.conmon, 'SIGKILL');
    // the sweep has seen the lost monitor and left the running process alone
    await waitFor(
      () =>
        fs
          .readFileSync(d.logFile, 'utf8')
          .split('\n')
          .some((l) => l.includes('runs without its monitor') && l.includes(c.id)),
      30_000,
      200,
      'the lost-monitor warning',
    );
    assert.equal(status(c.id), 'running 0');
    const waited = d.dockerAsync(['wait', c.id], { timeout: 60_000 });
    process.kill(c.pid, 'SIGKILL');
    const w = await waited;
    assert.equal(w.stdout.trim(), '255', w.stderr);
    assert.equal(status(c.id), 'exited 255');
    assert.equal(status(control.id), 'running 0');
    assert.equal(d.docker(['rm', '-f', c.id, control.id]).status, 0);
  });
});
