// The real Compose (v5, built from its Go module by scripts/setup-tools.sh into
// tools/, never committed) and berth compose on the same project files against
// one berthd: both make the same containers, names, labels and networks, and
// each takes down what the other brought up. Skipped when the tool is not built.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon, type RunResult } from '../helpers/daemon';

const REAL = path.resolve(__dirname, '..', '..', '..', 'tools', 'bin', 'docker-compose');

describe('compose: berth compose and the real Compose on the same project', {
  skip: !fs.existsSync(REAL) && `the real Compose is not built (${REAL}): run scripts/setup-tools.sh`,
}, () => {
  const d = new TestDaemon('composeref');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composeref-'));
  const run = (cmd: string, args: string[]): RunResult => {
    const r = spawnSync(cmd, args, {
      cwd: dir,
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(dir, '.docker'), COMPOSE_PROJECT_NAME: 'pair' },
      timeout: 120000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const real = (args: string[]) => run(REAL, args);
  const ours = (args: string[]) => run(process.execPath, [BERTH, 'compose', ...args]);

  /** What a project looks like on the engine: containers with their compose labels (less the hash and version), networks, volumes. */
  const snapshot = () => {
    const ids = d.docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=pair']).stdout.trim().split('\n').filter(Boolean);
    const containers = ids
      .map((id) => JSON.parse(d.docker(['inspect', id]).stdout)[0])
      .map((c) => ({
        name: c.Name,
        labels: Object.fromEntries(
          Object.entries(c.Config.Labels as Record<string, string>).filter(
            ([k]) =>
              k.startsWith('com.docker.compose.') &&
              ![
                'com.docker.compose.config-hash',
                'com.docker.compose.version',
                'com.docker.compose.image',
                'com.docker.compose.depends_on',
                'com.docker.compose.replace',
              ].includes(k),
          ),
        ),
        networks: Object.keys(c.NetworkSettings.Networks).sort(),
        running: c.State.Running,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const networks = d
      .docker(['network', 'ls', '--filter', 'label=com.docker.compose.project=pair', '--format', '{{.Name}}'])
      .stdout.trim()
      .split('\n')
      .filter(Boolean)
      .sort();
    const volumes = d
      .docker(['volume', 'ls', '--filter', 'label=com.docker.compose.project=pair', '--format', '{{.Name}}'])
      .stdout.trim()
      .split('\n')
      .filter(Boolean)
      .sort();
    return { containers, networks, volumes };
  };

  before(async () => {
    await d.start();
    await d.importBusybox();
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      [
        'services:',
        '  db:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '    volumes: [data:/data]',
        '    networks: [back]',
        '  web:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '    depends_on: [db]',
        '    networks: [default, back]',
        'networks:',
        '  back: {}',
        'volumes:',
        '  data: {}',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    ours(['down', '-v']);
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('both clients make the same containers, names, labels, networks and volumes', () => {
    let r = real(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    const theirs = snapshot();
    assert.equal(theirs.containers.length, 2);
    r = real(['down', '-v']);
    assert.equal(r.status, 0, r.stderr);
    r = ours(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    const mine = snapshot();
    assert.deepEqual(mine, theirs);
  });

  it("the real Compose sees berth compose's project and takes it down", () => {
    let r = real(['ps', '--format', '{{.Service}}']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['db', 'web']);
    r = real(['down', '-v']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshot(), { containers: [], networks: [], volumes: [] });
  });

  it("each client leaves the other's project as it is: same config hashes, nothing recreated", () => {
    const ids = () => ({
      containers: d.docker(['ps', '-aq', '--no-trunc', '--filter', 'label=com.docker.compose.project=pair']).stdout.trim().split('\n').sort(),
      networks: d.docker(['network', 'ls', '-q', '--no-trunc', '--filter', 'label=com.docker.compose.project=pair']).stdout.trim().split('\n').sort(),
    });
    for (const [first, second] of [
      [real, ours],
      [ours, real],
    ]) {
      let r = first(['up', '-d']);
      assert.equal(r.status, 0, r.stderr);
      const before = ids();
      r = second(['up', '-d']);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /Recreat|Removing|doesn't match/, 'nothing recreated');
      assert.deepEqual(ids(), before);
      r = second(['down', '-v']);
      assert.equal(r.status, 0, r.stderr);
    }
  });

  it("berth compose sees the real Compose's project and takes it down", () => {
    let r = real(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    r = ours(['ps', '--format', '{{.Service}}']);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['db', 'web']);
    r = ours(['down', '-v']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshot(), { containers: [], networks: [], volumes: [] });
  });
});
