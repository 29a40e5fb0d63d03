// Daemon restarts: containers outlive berthd (even kill -9), and every
// command works on them afterwards; exits while it was down are recorded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestDaemon, waitFor, processGone } from '../helpers/daemon';

describe('berthd restarts', () => {
  const d = new TestDaemon('daemon');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('exits 0 on SIGTERM leaving containers running, and a second daemon on the same data root is refused', async () => {
    d.docker(['run', '-d', '--name', 'keep', 'busybox', 'sh', '-c', 'i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.2; done']);
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', 'keep']).stdout.trim());
    const second = new TestDaemon('second');
    // same data root, other socket: refused by the lock
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(
      process.execPath,
      [require('../helpers/daemon').BERTHD, '--data-root', d.dataRoot, '--exec-root', second.execRoot, '-H', second.host, '--pidfile', '/tmp/x.pid'],
      { encoding: 'utf8', timeout: 10000 },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already running with data root/);
    await second.stop();
    assert.equal(await d.stopDaemon('SIGTERM'), 0);
    process.kill(pid, 0); // still alive
    await d.start();
    assert.equal(d.docker(['inspect', '-f', '{{.State.Running}} {{.State.Pid}}', 'keep']).stdout.trim(), `true ${pid}`);
  });

  it('survives kill -9: logs, exec, stop and wait work after restart', async () => {
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', 'keep']).stdout.trim());
    await d.stopDaemon('SIGKILL');
    process.kill(pid, 0);
    await d.start();
    const ex = d.docker(['exec', 'keep', 'echo', 'still-here']);
    assert.equal(ex.stdout.trim(), 'still-here', ex.stderr);
    const logs = d.docker(['logs', '--tail', '2', 'keep']);
    assert.match(logs.stdout, /^tick\d+\ntick\d+\n$/);
    assert.equal(d.docker(['stop', '-t', '1', 'keep']).status, 0);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Running}}', 'keep']).stdout.trim(), 'false');
  });

  it('records the real exit code of a container that exited while the daemon was down', async () => {
    d.docker(['run', '-d', '--name', 'quitter', 'busybox', 'sh', '-c', 'sleep 1; exit 42']);
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', 'quitter']).stdout.trim());
    assert.ok(pid > 0);
    await d.stopDaemon('SIGKILL');
    await waitFor(() => processGone(pid), 20000, 50); // it exits while no daemon runs
    await d.start();
    await waitFor(() => d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'quitter']).stdout.trim() === 'exited 42', 5000);
  });

  it('restarts "always" containers on daemon start, but not "unless-stopped" ones a user stopped', async () => {
    d.docker(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sleep', '1000']);
    d.docker(['run', '-d', '--name', 'uls', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']);
    d.docker(['stop', '-t', '0', 'uls']);
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', 'alw']).stdout.trim());
    assert.ok(pid > 0);
    await d.stopDaemon('SIGKILL');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => processGone(pid), 20000, 50);
    await d.start();
    // restarted, not merely reported running: a new process, alive
    let now = 0;
    await waitFor(() => {
      const [running, p] = d.docker(['inspect', '-f', '{{.State.Running}} {{.State.Pid}}', 'alw']).stdout.trim().split(' ');
      now = Number(p);
      return running === 'true' && now > 0 && now !== pid;
    }, 20000);
    assert.equal(processGone(now), false);
    assert.equal(d.docker(['inspect', '-f', '{{.State.Running}}', 'uls']).stdout.trim(), 'false');
  });

  it('a removal cut after the record went (runc state left behind) is finished at the next start', async () => {
    // removal drops the record, answers, then deletes runc's state: crash in between
    const id = d.docker(['run', '-d', '--name', 'halfgone', 'busybox', 'sleep', '1000']).stdout.trim();
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim());
    await d.stopDaemon('SIGKILL');
    const dir = path.join(d.dataRoot, 'containers', id);
    spawnSync('umount', ['-l', path.join(dir, 'rootfs-rw', 'merged')]);
    fs.renameSync(dir, path.join(d.dataRoot, 'tmp', `ctr-${id}`));
    const state = path.join(d.execRoot, 'runc', 'runc', id);
    assert.ok(fs.existsSync(state), 'runc state of the container');
    await d.start();
    assert.equal(fs.existsSync(state), false, 'runc state swept');
    await waitFor(() => processGone(pid), 5000);
    assert.equal(d.docker(['ps', '-aq', '--filter', 'name=halfgone']).stdout, '');
    // a record that is there keeps its state: 'alw' still runs under the same runtime
    assert.equal(d.docker(['inspect', '-f', '{{.State.Running}}', 'alw']).stdout.trim(), 'true');
  });
});
