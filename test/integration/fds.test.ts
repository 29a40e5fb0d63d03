// The daemon's fds over hundreds of attached runs, execs and healthcheck
// probes (issue 12, item 5: each used to leave its conmon attach socket open
// in berthd for good). The count must come back to the baseline taken after a
// warm-up, within a fixed slack of 2: the first use of some Node internals
// after the baseline (a child-process signal pipe, the inotify instance) may
// open one fd once; a leak of one fd per session would be ~100 times that.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon, waitFor } from '../helpers/daemon';
import { fdsBackTo, openFds } from '../helpers/leaks';

const SLACK = 2;

/** Runs `n` jobs, `width` at a time. */
async function pool(n: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await job(next++);
    }),
  );
}

describe('daemon fds over attached runs, execs and probes', () => {
  const d = new TestDaemon('fds');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const pid = () => d.pid!;

  it('returns to its baseline after 100 attached `run --rm`, 150 attached execs and 150 probes', async () => {
    const target = d.docker(['run', '-d', '--name', 'target', 'busybox', 'sleep', '3600']);
    assert.equal(target.status, 0, target.stderr);
    // warm-up: one of each, so what is opened once per daemon is in the baseline
    assert.equal(d.docker(['run', '--rm', 'busybox', 'echo', 'warm']).stdout, 'warm\n');
    assert.equal(d.docker(['exec', 'target', 'echo', 'warm']).stdout, 'warm\n');
    const warm = d.docker(['run', '-d', '--name', 'warm', '--health-cmd', 'true', '--health-interval', '50ms', 'busybox', 'sleep', '3600']);
    assert.equal(warm.status, 0, warm.stderr);
    await waitFor(() => d.docker(['inspect', '-f', '{{.State.Health.Status}}', 'warm']).stdout.trim() === 'healthy', 60000, 100).catch(() =>
      assert.fail('the warm-up probe never passed'),
    );
    assert.equal(d.docker(['rm', '-f', 'warm']).status, 0);
    const baseline = openFds(pid()).length;

    await pool(100, 6, async (i) => {
      const r = await d.dockerAsync(['run', '--rm', 'busybox', 'echo', `run-${i}`]);
      assert.equal(r.stdout, `run-${i}\n`, r.stderr);
    });
    await fdsBackTo(pid(), baseline, SLACK);

    await pool(150, 6, async (i) => {
      const r = await d.dockerAsync(['exec', 'target', 'echo', `exec-${i}`]);
      assert.equal(r.stdout, `exec-${i}\n`, r.stderr);
    });
    await fdsBackTo(pid(), baseline, SLACK);

    // probes: two containers probing every 10 ms until 150 probes ran (counted from their exec_die events)
    const since = Math.floor(Date.now() / 1000) - 1;
    for (const n of ['probe1', 'probe2']) {
      const r = d.docker(['run', '-d', '--name', n, '--health-cmd', 'echo probing', '--health-interval', '10ms', 'busybox', 'sleep', '3600']);
      assert.equal(r.status, 0, r.stderr);
    }
    const probes = async () => {
      const until = Math.ceil(Date.now() / 1000) + 1;
      const filters = encodeURIComponent(JSON.stringify({ event: ['exec_die'], container: ['probe1', 'probe2'] }));
      const r = await d.request('GET', `/v1.41/events?since=${since}&until=${until}&filters=${filters}`);
      return r.body.toString().split('\n').filter(Boolean).length;
    };
    await waitFor(async () => (await probes()) >= 150, 180000, 500).catch(async () => assert.fail(`only ${await probes()} probes ran`));
    assert.equal(d.docker(['rm', '-f', 'probe1', 'probe2']).status, 0);
    await fdsBackTo(pid(), baseline, SLACK);
    // the positive control: the count above is of this daemon's real fds (the exec target's session is open)
    const cat = d.spawnDocker(['exec', '-i', 'target', 'cat']);
    try {
      await waitFor(() => openFds(pid()).length > baseline + SLACK, 60000, 50).catch(() =>
        assert.fail(`an open exec session did not show in the count (${openFds(pid()).length} fds, baseline ${baseline})`),
      );
    } finally {
      cat.stdin!.end();
      await new Promise((r) => cat.on('exit', r));
    }
    await fdsBackTo(pid(), baseline, SLACK);
  });
});
