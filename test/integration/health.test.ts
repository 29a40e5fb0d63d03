// Healthchecks driven by the real docker CLI against berthd: probes, states,
// log, timeouts, start period, image HEALTHCHECK, events, ps, pause/stop and a
// daemon restart. Intervals are short; waits are on conditions, never on speed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { TestDaemon, busyboxTarball, waitFor } from '../helpers/daemon';

interface HealthLog {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}
interface Health {
  Status: string;
  FailingStreak: number;
  Log: HealthLog[];
}

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

describe('healthchecks', () => {
  const d = new TestDaemon('health');
  const watchers: ChildProcess[] = [];
  before(async () => {
    await d.start();
    await d.importBusybox();
    // a reference monitor: "nothing happened" is checked over a number of its probes, not a fixed time
    const r = d.docker(['run', '-d', '--name', 'clock', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '3600']);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    for (const w of watchers) w.kill('SIGKILL');
    await d.stop();
  });

  const run = (args: string[]): string => {
    const r = d.docker(['run', '-d', ...args]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const health = (ref: string): Health | null => {
    const r = d.docker(['inspect', '-f', '{{json .State.Health}}', ref]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const status = (ref: string) => health(ref)?.Status;
  const psStatus = (name: string): string => {
    const r = d.docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const waitStatus = (ref: string, want: string, ms = 15000) => waitFor(() => status(ref) === want, ms, 100);
  /** Waits until the reference container has run n more probes (a window as long as n probes take, however busy the machine). */
  const clockTicks = async (n: number) => {
    let last = health('clock')?.Log.at(-1)?.End;
    let seen = 0;
    await waitFor(
      () => {
        const cur = health('clock')?.Log.at(-1)?.End;
        if (cur !== last) {
          seen++;
          last = cur;
        }
        return seen >= n;
      },
      60000,
      50,
    );
  };

  it('is "health: starting" until the first probe', () => {
    run(['--name', 'slow', '--health-cmd', 'true', '--health-interval', '1h', 'busybox', 'sleep', '3600']);
    const h = health('slow')!;
    assert.equal(h.Status, 'starting');
    assert.equal(h.FailingStreak, 0);
    assert.deepEqual(h.Log, []);
    assert.match(psStatus('slow'), /^Up .* \(health: starting\)$/);
    const cfg = JSON.parse(d.docker(['inspect', '-f', '{{json .Config.Healthcheck}}', 'slow']).stdout);
    assert.deepEqual(cfg.Test, ['CMD-SHELL', 'true']);
    assert.equal(cfg.Interval, 3600e9);
  });

  it('becomes healthy after a passing probe, with the log entry', async () => {
    run(['--name', 'ok', '--health-cmd', 'echo fine; echo also >&2', '--health-interval', '200ms', 'busybox', 'sleep', '3600']);
    await waitStatus('ok', 'healthy');
    const h = health('ok')!;
    assert.equal(h.FailingStreak, 0);
    assert.ok(h.Log.length >= 1);
    const e = h.Log[0];
    assert.equal(e.ExitCode, 0);
    assert.equal(e.Output, 'fine\nalso\n');
    assert.match(e.Start, RFC3339_NANO);
    assert.match(e.End, RFC3339_NANO);
    assert.ok(Date.parse(e.End) >= Date.parse(e.Start));
    assert.match(psStatus('ok'), /^Up .* \(healthy\)$/);
    const f = d.docker(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']);
    assert.match(f.stdout, /^ok$/m);
    assert.doesNotMatch(f.stdout, /^slow$/m);
  });

  it('keeps at most 5 log entries and drops probe exec sessions', async () => {
    await waitFor(() => (health('ok')?.Log.length ?? 0) >= 5, 15000, 100);
    const h1 = health('ok')!;
    await waitFor(() => health('ok')!.Log[4].Start !== h1.Log[4].Start, 15000, 100);
    assert.equal(health('ok')!.Log.length, 5);
    // probes do not pile up as exec sessions on the container
    const ids = JSON.parse(d.docker(['inspect', '-f', '{{json .ExecIDs}}', 'ok']).stdout);
    assert.ok(ids === null || ids.length <= 1, JSON.stringify(ids));
  });

  it('becomes unhealthy after Retries consecutive failures', async () => {
    run(['--name', 'bad', '--health-cmd', 'echo broken >&2; exit 3', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '3600']);
    await waitStatus('bad', 'unhealthy');
    const h = health('bad')!;
    assert.ok(h.FailingStreak >= 2, `streak ${h.FailingStreak}`);
    assert.ok(h.Log.length >= 2);
    for (const e of h.Log) {
      assert.equal(e.ExitCode, 3);
      assert.equal(e.Output, 'broken\n');
    }
    assert.match(psStatus('bad'), /^Up .* \(unhealthy\)$/);
    const f = d.docker(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}']);
    assert.equal(f.stdout.trim(), 'bad');
  });

  it('a success resets the failing streak', async () => {
    // fails twice (retries 3: still starting), then passes
    run([
      '--name',
      'flaky',
      '--health-cmd',
      'echo x >> /tmp/n; [ $(wc -l < /tmp/n) -gt 2 ]',
      '--health-interval',
      '200ms',
      '--health-retries',
      '3',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitFor(() => (health('flaky')?.Log.length ?? 0) >= 2, 15000, 100);
    await waitStatus('flaky', 'healthy');
    const h = health('flaky')!;
    assert.equal(h.FailingStreak, 0);
    assert.deepEqual(
      h.Log.slice(0, 3).map((e) => e.ExitCode),
      [1, 1, 0],
    );
  });

  it('kills a probe over its timeout: exit code -1 and the message', async () => {
    run([
      '--name',
      'hang',
      '--health-cmd',
      'sleep 30',
      '--health-timeout',
      '300ms',
      '--health-interval',
      '200ms',
      '--health-retries',
      '1',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitStatus('hang', 'unhealthy');
    const e = health('hang')!.Log[0];
    assert.equal(e.ExitCode, -1);
    assert.equal(e.Output, 'Health check exceeded timeout (300ms)');
    // killed probes are gone, not left behind in the container: probing goes on (one probe
    // may be running at any time), so after several timeouts at most one `sleep` is there
    const sleeps = (ref: string, what: RegExp) =>
      d
        .docker(['top', ref])
        .stdout.split('\n')
        .filter((l) => what.test(l)).length;
    await waitFor(() => sleeps('hang', /sleep 30$/) === 1, 15000, 50); // the positive control: top sees a probe
    await waitFor(() => health('hang')!.Log.length >= 3, 20000, 100);
    assert.ok(sleeps('hang', /sleep 30$/) <= 1, d.docker(['top', 'hang']).stdout);
    // output so far is kept after the message; the probe's children are killed with it
    run([
      '--name',
      'hang2',
      '--health-cmd',
      'echo started; sleep 31; echo never',
      '--health-timeout',
      '1500ms',
      '--health-interval',
      '200ms',
      '--health-retries',
      '2',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitStatus('hang2', 'unhealthy', 30000);
    await waitFor(() => health('hang2')!.Log.length >= 3, 30000, 100);
    for (const e2 of health('hang2')!.Log) {
      assert.equal(e2.ExitCode, -1);
      assert.equal(e2.Output, 'Health check exceeded timeout (1.5s): started\n');
    }
    assert.ok(sleeps('hang2', /sleep 31$/) <= 1, d.docker(['top', 'hang2']).stdout);
  });

  it('caps the output at 4096 bytes', async () => {
    run(['--name', 'chatty', '--health-cmd', "head -c 5000 /dev/zero | tr '\\0' a", '--health-interval', '200ms', 'busybox', 'sleep', '3600']);
    await waitStatus('chatty', 'healthy');
    const out = health('chatty')!.Log[0].Output;
    assert.equal(out, 'a'.repeat(4096) + '...');
  });

  it('ignores failures during the start period until a probe succeeds', async () => {
    run([
      '--name',
      'warm',
      '--health-cmd',
      'exit 1',
      '--health-interval',
      '200ms',
      '--health-retries',
      '1',
      '--health-start-period',
      '1h',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitFor(() => (health('warm')?.Log.length ?? 0) >= 3, 15000, 100);
    const h = health('warm')!;
    assert.equal(h.Status, 'starting');
    assert.equal(h.FailingStreak, 0);
    assert.ok(h.Log.every((e) => e.ExitCode === 1));
    // once it has passed, failures count even inside the start period
    run([
      '--name',
      'warm2',
      '--health-cmd',
      'if [ -f /tmp/x ]; then exit 1; fi; touch /tmp/x',
      '--health-interval',
      '200ms',
      '--health-retries',
      '1',
      '--health-start-period',
      '1h',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitStatus('warm2', 'unhealthy');
    const h2 = health('warm2')!;
    assert.equal(h2.FailingStreak >= 1, true);
    assert.equal(h2.Log[0].ExitCode, 0);
  });

  it('runs probes as the container user, in its working dir, with its env and shell', async () => {
    run([
      '--name',
      'who',
      '-u',
      '1000',
      '-w',
      '/tmp',
      '-e',
      'FOO=bar',
      '--health-cmd',
      'echo $(id -u) $PWD $FOO',
      '--health-interval',
      '200ms',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitStatus('who', 'healthy');
    assert.equal(health('who')!.Log[0].Output, '1000 /tmp bar\n');
    // exec form and Config.Shell for CMD-SHELL, through the API
    const mk = async (name: string, body: object) => {
      const r = await d.request('POST', `/v1.41/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sleep', '3600'], ...body });
      assert.equal(r.status, 201, r.body.toString());
      const s = await d.request('POST', `/v1.41/containers/${name}/start`);
      assert.equal(s.status, 204, s.body.toString());
    };
    await mk('execform', { Healthcheck: { Test: ['CMD', 'sh', '-c', 'echo exec-form'], Interval: 2e8 } });
    await mk('shellcfg', { Shell: ['/bin/sh', '-xc'], Healthcheck: { Test: ['CMD-SHELL', 'echo traced'], Interval: 2e8 } });
    await mk('missing', { Healthcheck: { Test: ['CMD', '/no/such/probe'], Interval: 2e8, Retries: 1 } });
    await waitStatus('execform', 'healthy');
    assert.equal(health('execform')!.Log[0].Output, 'exec-form\n');
    await waitStatus('shellcfg', 'healthy');
    // stdout and stderr both captured; busybox traces in several writes, so the
    // two streams can interleave anywhere: compare the bytes, not their order
    const traced = health('shellcfg')!.Log[0].Output;
    const bytes = (t: string) => [...t].sort().join('');
    assert.equal(bytes(traced), bytes('+ echo traced\ntraced\n'), JSON.stringify(traced));
    await waitStatus('missing', 'unhealthy');
    const m = health('missing')!.Log[0];
    assert.equal(m.ExitCode, -1);
    assert.match(m.Output, /no such file|not found/);
  });

  it('takes the image HEALTHCHECK, merges the container over it, and --no-healthcheck disables it', async () => {
    const imp = d.docker([
      'import',
      '--change',
      'HEALTHCHECK --interval=200ms --retries=4 CMD ["sh", "-c", "echo from-image"]',
      await busyboxTarball(),
      'bbhc',
    ]);
    assert.equal(imp.status, 0, imp.stderr);
    const ihc = JSON.parse(d.docker(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'bbhc']).stdout);
    assert.deepEqual(ihc, { Test: ['CMD', 'sh', '-c', 'echo from-image'], Interval: 2e8, Retries: 4 });

    run(['--name', 'img1', 'bbhc', 'sleep', '3600']);
    await waitStatus('img1', 'healthy');
    assert.equal(health('img1')!.Log[0].Output, 'from-image\n');

    run(['--name', 'img2', '--health-retries', '7', '--health-timeout', '5s', 'bbhc', 'sleep', '3600']);
    const cfg = JSON.parse(d.docker(['inspect', '-f', '{{json .Config.Healthcheck}}', 'img2']).stdout);
    assert.deepEqual(cfg.Test, ['CMD', 'sh', '-c', 'echo from-image']);
    assert.equal(cfg.Interval, 2e8);
    assert.equal(cfg.Retries, 7);
    assert.equal(cfg.Timeout, 5e9);
    await waitStatus('img2', 'healthy');

    run(['--name', 'img3', '--health-cmd', 'echo mine', 'bbhc', 'sleep', '3600']);
    await waitStatus('img3', 'healthy');
    assert.equal(health('img3')!.Log[0].Output, 'mine\n');

    run(['--name', 'nohc', '--no-healthcheck', 'bbhc', 'sleep', '3600']);
    const cfg3 = JSON.parse(d.docker(['inspect', '-f', '{{json .Config.Healthcheck}}', 'nohc']).stdout);
    assert.deepEqual(cfg3.Test, ['NONE']);
    await clockTicks(3);
    assert.equal(health('nohc'), null);
    assert.match(psStatus('nohc'), /^Up [^()]*$/);
    assert.match(d.docker(['ps', '--filter', 'health=none', '--format', '{{.Names}}']).stdout, /^nohc$/m);
  });

  it('emits health_status events when the status changes, once per change', async () => {
    // --since: events from before the subscription landed are replayed, so no wait for it
    const ev = d.spawnDocker([
      'events',
      '--since',
      String(Math.floor(Date.now() / 1000) - 1),
      '--filter',
      'event=health_status',
      '--filter',
      'container=evs',
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}}',
    ]);
    watchers.push(ev);
    let out = '';
    ev.stdout!.on('data', (b) => (out += b));
    run([
      '--name',
      'evs',
      '--health-cmd',
      'if [ -f /tmp/x ]; then exit 1; fi; touch /tmp/x',
      '--health-interval',
      '200ms',
      '--health-retries',
      '2',
      'busybox',
      'sleep',
      '3600',
    ]);
    await waitFor(() => /unhealthy/.test(out), 15000, 100);
    // more failing probes: no more events
    const n = health('evs')!.FailingStreak;
    await waitFor(() => health('evs')!.FailingStreak >= n + 2, 15000, 100);
    // a marker: passing again is a change, its event comes after anything those probes sent
    assert.equal(d.docker(['exec', 'evs', 'rm', '/tmp/x']).status, 0);
    await waitFor(() => (out.match(/\n/g)?.length ?? 0) >= 3, 15000, 50);
    // healthy, unhealthy, then the marker: nothing between (the failing probes changed nothing)
    assert.deepEqual(out.trim().split('\n').slice(0, 3), ['health_status: healthy evs', 'health_status: unhealthy evs', 'health_status: healthy evs']);
    // the API stream carries them as container events too
    const r = await d.request(
      'GET',
      `/v1.41/events?since=0&until=${Math.ceil(Date.now() / 1000) + 1}&filters=${encodeURIComponent(JSON.stringify({ event: ['health_status'], container: ['evs'] }))}`,
    );
    const evs = r.body
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      evs.slice(0, 3).map((e) => [e.Type, e.Action]),
      [
        ['container', 'health_status: healthy'],
        ['container', 'health_status: unhealthy'],
        ['container', 'health_status: healthy'],
      ],
    );
  });

  it('stops probing while paused and when stopped; restarts with the container', async () => {
    run(['--name', 'cyc', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '3600']);
    await waitStatus('cyc', 'healthy');
    assert.equal(d.docker(['pause', 'cyc']).status, 0);
    const last = (ref: string) => health(ref)!.Log.at(-1)!.End;
    await clockTicks(2); // a probe in flight at the pause has ended by now
    const atPause = last('cyc');
    await clockTicks(4);
    assert.equal(last('cyc'), atPause);
    assert.match(psStatus('cyc'), /^Up .* \(Paused\)$/);
    assert.equal(d.docker(['unpause', 'cyc']).status, 0);
    await waitFor(() => last('cyc') !== atPause, 15000, 100);
    await waitStatus('cyc', 'healthy');

    assert.equal(d.docker(['stop', '-t', '1', 'cyc']).status, 0);
    const stopped = health('cyc')!;
    assert.equal(stopped.Status, 'unhealthy'); // as Docker leaves it when the monitor stops
    assert.ok(stopped.Log.length > 0);
    await clockTicks(3);
    assert.equal(health('cyc')!.Log.at(-1)!.End, stopped.Log.at(-1)!.End);
    assert.match(psStatus('cyc'), /^Exited/);

    assert.equal(d.docker(['start', 'cyc']).status, 0);
    const h = health('cyc')!;
    assert.ok(h.Status === 'starting' || h.Status === 'healthy', h.Status);
    assert.ok(h.Log.length >= stopped.Log.length); // the log survives a restart
    await waitStatus('cyc', 'healthy');
  });

  it('validates the healthcheck at create time', async () => {
    const cases: Array<[object, string]> = [
      [{ Test: ['CMD', 'true'], Interval: 500000 }, 'Interval in Healthcheck cannot be less than 1ms'],
      [{ Test: ['CMD', 'true'], Timeout: -5 }, 'Timeout in Healthcheck cannot be less than 1ms'],
      [{ Test: ['CMD', 'true'], StartPeriod: 10 }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
      [{ Test: ['CMD', 'true'], Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
    ];
    for (const [hc, msg] of cases) {
      const r = await d.request('POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], Healthcheck: hc });
      assert.equal(r.status, 400, r.body.toString());
      assert.equal(r.json().message, msg);
    }
    const cli = d.docker(['create', '--health-cmd', 'true', '--health-interval', '500us', 'busybox', 'true']);
    assert.notEqual(cli.status, 0);
    assert.match(cli.stderr, /Interval in Healthcheck cannot be less than 1ms/);
    const bad = d.docker(['import', '--change', 'HEALTHCHECK --interval=1s NONE', await busyboxTarball(), 'x']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /HEALTHCHECK NONE takes no arguments/);
  });

  it('resumes monitors after a daemon restart, keeping the state', async () => {
    run(['--name', 'surv', '--health-cmd', 'test ! -f /tmp/fail', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '3600']);
    await waitStatus('surv', 'healthy');
    await d.stopDaemon();
    const restartedAt = Date.now();
    await d.start();
    assert.equal(status('surv'), 'healthy'); // the status is not reset by a daemon restart
    await waitFor(() => health('surv')!.Log.some((e) => Date.parse(e.Start) > restartedAt), 15000, 100);
    assert.equal(d.docker(['exec', 'surv', 'touch', '/tmp/fail']).status, 0);
    await waitStatus('surv', 'unhealthy');
    assert.equal(health('surv')!.Log.at(-1)!.ExitCode, 1);
    // containers from before the restart keep their monitors too
    const before = health('ok')!.Log.at(-1)!.End;
    await waitFor(() => health('ok')!.Log.at(-1)!.End !== before, 15000, 100);
  });
});
