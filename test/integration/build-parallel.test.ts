// Stages that do not depend on each other build at the same time (bounded by
// the cores), with the log still in Dockerfile order; only what the target
// needs runs; a failing stage stops the others. The overlap is read from
// timestamps the stages record themselves (the first field of /proc/uptime:
// busybox's date has no %N), never from the test's own clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { BERTH, TestDaemon, waitFor } from '../helpers/daemon';
import { CLIENTS, allContainers, build, buildOk, contextDir, ok, runIn } from '../helpers/build';

const stage = (name: string) => `FROM busybox AS ${name}
RUN cut -d' ' -f1 /proc/uptime > /start && echo "stage ${name} running" && sleep 2 && cut -d' ' -f1 /proc/uptime > /end
`;

const PARALLEL = `${stage('a')}${stage('b')}FROM busybox AS unused
RUN echo SHOULD-NOT-RUN && exit 1
FROM busybox
COPY --from=a /start /a.start
COPY --from=a /end /a.end
COPY --from=b /start /b.start
COPY --from=b /end /b.end
`;

describe('build: parallel stages', () => {
  const d = new TestDaemon('bparal');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  for (const client of CLIENTS) {
    it(`${client}: two independent 2 s stages overlap, the log reads in Dockerfile order`, {
      skip: os.availableParallelism() < 2 ? 'one core: stages run one at a time' : false,
    }, (t) => {
      const dir = contextDir({ Dockerfile: PARALLEL });
      const out = buildOk(d, client, dir, ['--no-cache', '--network', 'none', '-t', `par-${client}`]);
      assert.doesNotMatch(out, /SHOULD-NOT-RUN/, 'a stage the target does not need does not run');
      // the log is the classic builder's, stage after stage
      const steps = [...out.matchAll(/Step (\d+)\/(\d+) : /g)].map((m) => Number(m[1]));
      assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9], out);
      const aAt = out.indexOf('stage a running');
      const bAt = out.indexOf('stage b running');
      assert.ok(aAt > 0 && bAt > aAt && out.indexOf('Step 3/9 : FROM busybox AS b') > aAt, `stage a's output comes before stage b's: ${out}`);
      const [aStart, aEnd, bStart, bEnd] = runIn(d, `par-${client}`, 'cat /a.start /a.end /b.start /b.end').trim().split('\n').map(Number);
      assert.ok(aEnd - aStart >= 2 && bEnd - bStart >= 2, 'each stage took its 2 s');
      // the intervals overlap: each stage started before the other ended
      assert.ok(Math.max(aStart, bStart) < Math.min(aEnd, bEnd), `stages ran one after the other: a ${aStart}-${aEnd}, b ${bStart}-${bEnd}`);
      const span = Math.max(aEnd, bEnd) - Math.min(aStart, bStart);
      t.diagnostic(`stage a ${(aEnd - aStart).toFixed(2)} s, stage b ${(bEnd - bStart).toFixed(2)} s, both ${span.toFixed(2)} s`);
      assert.ok(span < aEnd - aStart + (bEnd - bStart), `both stages took ${span.toFixed(2)} s, as long as one after the other`);
    });
  }

  it('positive control: a stage that needs another runs after it', () => {
    const dir = contextDir({
      Dockerfile: `FROM busybox AS a
RUN cut -d' ' -f1 /proc/uptime > /a.end
FROM busybox AS b
COPY --from=a /a.end /a.end
RUN cut -d' ' -f1 /proc/uptime > /b.start
FROM b
`,
    });
    buildOk(d, 'berth', dir, ['--no-cache', '--network', 'none', '-t', 'chain']);
    const [aEnd, bStart] = runIn(d, 'chain', 'cat /a.end /b.start').trim().split('\n').map(Number);
    assert.ok(bStart >= aEnd, 'b started after a ended');
  });

  for (const client of CLIENTS) {
    it(`${client}: a failing stage stops the one running beside it, and the build fails with its error`, () => {
      const dir = contextDir({
        Dockerfile: `FROM busybox AS slow
RUN echo slow-started && sleep 60 && echo SLOW-$((40+2))
FROM busybox AS broken
RUN echo broken-ran && exit 3
FROM busybox
COPY --from=slow /etc/hostname /a
COPY --from=broken /etc/hostname /b
`,
      });
      const r = build(d, client, dir, ['--no-cache', '--network', 'none', '--force-rm']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr + r.stdout, /returned a non-zero code: 3/);
      assert.match(r.stdout, /broken-ran/, "the failing step's output is shown");
      assert.doesNotMatch(r.stdout, /SLOW-42/);
      assert.deepEqual(ok(d.docker(['ps', '-aq'])).trim(), '', 'no step container is left, running or not');
    });
  }

  it('a client that goes away while two stages run: both step containers are stopped and removed', {
    skip: os.availableParallelism() < 2 ? 'one core' : false,
  }, async () => {
    const dir = contextDir({
      Dockerfile: `${['x', 'y'].map((n) => `FROM busybox AS ${n}\nRUN echo ${n}; sleep 60\n`).join('')}FROM busybox\nCOPY --from=x /etc/hostname /x\nCOPY --from=y /etc/hostname /y\n`,
    });
    const beforeIds = allContainers(d);
    const p = spawn(process.execPath, [BERTH, '-H', d.host, 'build', '--no-cache', '--network', 'none', dir], {
      env: { ...process.env, DOCKER_CONFIG: d.clientConfigDir },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    try {
      // both step containers run at the same time
      await waitFor(
        () =>
          ok(d.docker(['ps', '-q']))
            .trim()
            .split('\n')
            .filter(Boolean).length === 2,
        30000,
        100,
        'both stages running',
      );
    } finally {
      p.kill('SIGKILL');
    }
    await waitFor(() => allContainers(d).length === beforeIds.length, 20000, 100, 'the step containers removed');
  });
});
