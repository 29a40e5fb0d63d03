// Debian's docker-compose 1.29 (Compose v1, Python, docker-py) against berthd:
// it must keep working as it does against Docker 20.10 (v1 names containers
// <project>_<service>_<n>), and berth compose sees its project by label.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon, type RunResult } from '../helpers/daemon';

const V1 = '/usr/bin/docker-compose';

describe('Compose v1 (docker-compose 1.29) against berthd', { skip: !fs.existsSync(V1) && 'docker-compose (v1) is not installed' }, () => {
  const d = new TestDaemon('composev1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composev1-'));
  const v1 = (args: string[]): RunResult => {
    const r = spawnSync(V1, ['-p', 'legacy', ...args], {
      cwd: dir,
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(dir, '.docker') },
      timeout: 120000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };

  before(async () => {
    await d.start();
    await d.importBusybox();
    fs.writeFileSync(
      path.join(dir, 'docker-compose.yml'),
      [
        'version: "3.8"',
        'services:',
        '  db:',
        '    image: busybox',
        '    command: ["sh", "-c", "echo db-ready; exec sleep 1000"]',
        '    stop_grace_period: 1s',
        '    volumes: [data:/data]',
        '  web:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '    depends_on: [db]',
        'volumes:',
        '  data: {}',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    v1(['down', '-v']);
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('brings the project up, lists it, runs exec and logs, and takes it down', () => {
    let r = v1(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(d.docker(['inspect', 'legacy_web_1']).stdout)[0].State.Running, true);
    r = v1(['ps']);
    assert.match(r.stdout, /legacy_db_1 .* Up/);
    assert.match(r.stdout, /legacy_web_1 .* Up/);
    r = v1(['exec', '-T', 'web', 'sh', '-c', 'exit 5']);
    assert.equal(r.status, 5);
    r = v1(['logs', '--no-color', 'db']);
    assert.match(r.stdout, /db_1 +\| db-ready/);
    // berth compose finds v1's containers by their labels
    const ours = spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', 'legacy', 'ps', '--format', '{{.Service}}'], { encoding: 'utf8' });
    assert.deepEqual(ours.stdout.trim().split('\n').sort(), ['db', 'web'], ours.stderr);
    // positive controls for what down must remove: the containers by label, the volume
    const byLabel = () => d.docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=legacy']).stdout.trim();
    assert.equal(byLabel().split('\n').length, 2);
    assert.equal(d.docker(['volume', 'inspect', 'legacy_data']).status, 0);
    r = v1(['down', '-v']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(byLabel(), '');
    assert.notEqual(d.docker(['volume', 'inspect', 'legacy_data']).status, 0);
  });
});
