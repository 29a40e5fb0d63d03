// berth compose against a private berthd, and the same project through the
// docker CLI's `docker compose` (berth's plugin): start order and conditions
// seen in /events, convergence (a second up touches nothing, an env change
// recreates one service), failing dependencies, networks and volumes, one-off
// runs and exec exit codes, down. Busybox images only; traffic to 127.0.0.1.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon, type RunResult } from '../helpers/daemon';

const PLUGIN = path.join(path.dirname(BERTH), 'docker-compose');

describe('berth compose', () => {
  const d = new TestDaemon('compose');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compose-'));
  const pluginDir = path.join(dir, 'docker-config');

  const compose = (args: string[], env: Record<string, string> = {}, cwd = dir): RunResult => {
    const r = spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', ...args], {
      cwd,
      env: { ...process.env, DOCKER_CONFIG: pluginDir, ...env },
      timeout: 120000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const dockerCompose = (args: string[], env: Record<string, string> = {}, cwd = dir): RunResult => {
    const r = spawnSync('docker', ['-H', d.host, 'compose', ...args], {
      cwd,
      env: { ...process.env, DOCKER_CONFIG: pluginDir, ...env },
      timeout: 120000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const inspect = (name: string) => JSON.parse(d.docker(['inspect', name]).stdout)[0];

  before(async () => {
    await d.start();
    await d.importBusybox();
    fs.mkdirSync(path.join(pluginDir, 'cli-plugins'), { recursive: true });
    fs.symlinkSync(PLUGIN, path.join(pluginDir, 'cli-plugins', 'docker-compose'));
    fs.mkdirSync(path.join(dir, 'site'));
    fs.writeFileSync(path.join(dir, 'site', 'index.html'), 'hello from compose\n');
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      [
        'name: shop',
        'services:',
        '  init:',
        '    image: busybox',
        '    command: ["sh", "-c", "echo init done > /data/ready"]',
        '    volumes: [data:/data]',
        '  db:',
        '    image: busybox',
        '    command: ["sh", "-c", "sleep 1; touch /tmp/ok; exec sleep 1000"]',
        '    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ok"], interval: 200ms, retries: 50}',
        '    networks: {back: {aliases: [database]}}',
        '    stop_grace_period: 1s',
        '  web:',
        '    image: busybox',
        '    command: ["httpd", "-f", "-p", "80", "-h", "/www"]',
        '    environment: {GREETING: "${GREETING:-hi}"}',
        '    ports: ["127.0.0.1::80"]',
        '    volumes: ["./site:/www:ro", "data:/data", "/cache"]',
        '    networks: [default, back]',
        '    stop_grace_period: 1s',
        '    depends_on:',
        '      db: {condition: service_healthy}',
        '      init: {condition: service_completed_successfully}',
        'networks:',
        '  back: {}',
        'volumes:',
        '  data: {}',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    compose(['down', '-v', '--remove-orphans']);
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('brings a project up in dependency order and serves its page on a published port', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = compose(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, / Container shop-db-1 Healthy \n/);
    // start order from the engine's own events: db and init before web
    const ev = d
      .docker([
        'events',
        '--since',
        String(since),
        '--until',
        String(Math.floor(Date.now() / 1000) + 1),
        '--filter',
        'event=start',
        '--format',
        '{{.Actor.Attributes.name}}',
      ])
      .stdout.trim()
      .split('\n');
    assert.ok(ev.indexOf('shop-web-1') > ev.indexOf('shop-db-1') && ev.indexOf('shop-web-1') > ev.indexOf('shop-init-1'), ev.join(','));
    // names, labels and networks as Compose makes them
    const web = inspect('shop-web-1');
    assert.equal(web.Config.Labels['com.docker.compose.project'], 'shop');
    assert.equal(web.Config.Labels['com.docker.compose.service'], 'web');
    assert.equal(web.Config.Labels['com.docker.compose.container-number'], '1');
    assert.equal(web.Config.Labels['com.docker.compose.oneoff'], 'False');
    assert.equal(web.Config.Labels['com.docker.compose.project.working_dir'], dir);
    assert.deepEqual(Object.keys(web.NetworkSettings.Networks).sort(), ['shop_back', 'shop_default']);
    assert.equal(JSON.parse(d.docker(['network', 'inspect', 'shop_back']).stdout)[0].Labels['com.docker.compose.network'], 'back');
    // the page, through the published port
    const port = web.NetworkSettings.Ports['80/tcp'][0].HostPort;
    const body = await new Promise<string>((resolve, reject) =>
      http
        .get(`http://127.0.0.1:${port}/index.html`, (res) => {
          let s = '';
          res.on('data', (c) => (s += c));
          res.on('end', () => resolve(s));
        })
        .on('error', reject),
    );
    assert.equal(body, 'hello from compose\n');
    // the init container's work is in the shared named volume; the alias resolves on the back network
    assert.equal(d.docker(['exec', 'shop-web-1', 'cat', '/data/ready']).stdout, 'init done\n');
    assert.equal(d.docker(['exec', 'shop-web-1', 'ping', '-c', '1', '-W', '2', 'database']).status, 0);
    const ps = compose(['ps', '--format', '{{.Service}} {{.State}}']);
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), ['db running', 'web running']);
  });

  it('a second up changes nothing; an env change recreates only that service, keeping its anonymous volume', () => {
    const before = { web: inspect('shop-web-1').Id, db: inspect('shop-db-1').Id };
    assert.equal(d.docker(['exec', 'shop-web-1', 'sh', '-c', 'echo kept > /cache/f']).status, 0);
    let r = compose(['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(inspect('shop-web-1').Id, before.web);
    assert.equal(inspect('shop-db-1').Id, before.db);
    r = compose(['up', '-d'], { GREETING: 'changed' });
    assert.equal(r.status, 0, r.stderr);
    const web = inspect('shop-web-1');
    assert.notEqual(web.Id, before.web);
    assert.ok(web.Config.Env.includes('GREETING=changed'));
    assert.equal(inspect('shop-db-1').Id, before.db);
    assert.equal(d.docker(['exec', 'shop-web-1', 'cat', '/cache/f']).stdout, 'kept\n');
    // -V renews it
    r = compose(['up', '-d', '--force-recreate', '-V', 'web'], { GREETING: 'changed' });
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(d.docker(['exec', 'shop-web-1', 'cat', '/cache/f']).status, 0);
  });

  it('runs one-off containers and execs with their exit codes; scales up and down', () => {
    let r = compose(['run', '--rm', '-T', 'web', 'sh', '-c', 'echo one-off; exit 7']);
    assert.equal(r.status, 7, r.stderr);
    assert.match(r.stdout, /one-off/);
    const oneOffs = () => d.docker(['ps', '-a', '--filter', 'label=com.docker.compose.oneoff=True', '-q']).stdout.trim();
    assert.equal(oneOffs(), '');
    // positive control: without --rm the one-off stays, found by that label
    r = compose(['run', '-T', 'web', 'true']);
    assert.equal(r.status, 0, r.stderr);
    const kept = oneOffs();
    assert.match(kept, /^[0-9a-f]{12}$/);
    assert.equal(d.docker(['rm', kept]).status, 0);
    r = compose(['exec', '-T', 'db', 'sh', '-c', 'exit 4']);
    assert.equal(r.status, 4);
    r = compose(['up', '-d', '--scale', 'db=2', '--no-recreate']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(inspect('shop-db-2').State.Running, true);
    r = compose(['up', '-d', '--scale', 'db=1', '--no-recreate']);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(d.docker(['inspect', 'shop-db-2']).status, 0);
  });

  it('docker compose (the plugin) sees and manages the same project', () => {
    let r = dockerCompose(['version']);
    assert.match(r.stdout, /berth compose/);
    r = dockerCompose(['ps', '--services']);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), ['db', 'web']);
    r = dockerCompose(['stop', 'web']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(inspect('shop-web-1').State.Running, false);
    r = compose(['start', 'web']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(inspect('shop-web-1').State.Running, true);
  });

  it("fails up when a dependency turns unhealthy, with Compose's message", () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(
      path.join(bad, 'compose.yaml'),
      'services:\n  db:\n    image: busybox\n    command: ["sleep", "1000"]\n    healthcheck: {test: ["CMD", "false"], interval: 100ms, retries: 2}\n    stop_grace_period: 1s\n  app:\n    image: busybox\n    command: ["sleep", "1000"]\n    stop_grace_period: 1s\n    depends_on: {db: {condition: service_healthy}}\n',
    );
    const r = compose(['up', '-d'], {}, bad);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /dependency failed to start: container bad-db-1 is unhealthy/);
    assert.equal(d.docker(['inspect', 'bad-db-1']).status, 0);
    assert.notEqual(d.docker(['inspect', 'bad-app-1']).status, 0);
    assert.equal(compose(['down'], {}, bad).status, 0);
  });

  it('down removes containers and networks, keeps named volumes unless -v', () => {
    let r = compose(['down']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(d.docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=shop']).stdout.trim(), '');
    assert.notEqual(d.docker(['network', 'inspect', 'shop_back']).status, 0);
    assert.equal(d.docker(['volume', 'inspect', 'shop_data']).status, 0);
    r = compose(['up', '-d', 'db']);
    assert.equal(r.status, 0, r.stderr);
    r = compose(['-p', 'shop', 'down', '-v'], {}, os.tmpdir());
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(d.docker(['volume', 'inspect', 'shop_data']).status, 0);
  });

  it('down stops every service at once: ten services are all signalled before the first one dies', () => {
    const many = path.join(dir, 'many');
    fs.mkdirSync(many);
    const svc = (i: number) => `  s${i}:\n    image: busybox\n    command: ["sleep", "1000"]\n    stop_grace_period: 1s\n`;
    fs.writeFileSync(path.join(many, 'compose.yaml'), `services:\n${Array.from({ length: 10 }, (_, i) => svc(i)).join('')}`);
    let r = compose(['up', '-d'], {}, many);
    assert.equal(r.status, 0, r.stderr);
    const since = Math.floor(Date.now() / 1000);
    r = compose(['down'], {}, many);
    assert.equal(r.status, 0, r.stderr);
    const ev = d.docker([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'label=com.docker.compose.project=many',
      '--format',
      '{{.Action}} {{.Actor.Attributes.signal}}',
    ]);
    const actions = ev.stdout.trim().split('\n');
    const terms = actions.flatMap((a, i) => (a === 'kill 15' ? [i] : []));
    assert.equal(terms.length, 10, ev.stdout);
    // dockerd's sequence for a stop whose grace period ran out: kill 15, kill 9, die, stop
    assert.equal(actions.filter((a) => a === 'kill 9').length, 10, ev.stdout);
    // sleep as PID 1 ignores SIGTERM: each dies at its grace period's end, so a stop that waited for another's would show
    assert.ok(Math.max(...terms) < actions.findIndex((a) => a.startsWith('die ')), ev.stdout);
  });

  it("refuses bad input with Compose's words", () => {
    const bad = path.join(dir, 'invalid');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    ports: [80]\n    restart_policy: always\n');
    const r = compose(['config'], {}, bad);
    assert.equal(r.status, 1);
    // Compose v5's words
    assert.match(r.stderr, /compose.yaml: services.web.restart_policy false schema\n$/);
    assert.match(compose(['up', 'nosuch'], {}, dir).stderr, /no such service: nosuch/);
  });
});
