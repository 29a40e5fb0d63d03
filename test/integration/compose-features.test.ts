// berth compose features beyond the basic flow: secrets and configs without
// Swarm, builds (args, target, dockerfile_inline), network_mode service:, a
// fixed address, relative binds, profiles, orphans, --exit-code-from and
// Ctrl-C on an attached `up` (under script, as on a terminal).
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon, waitFor, type RunResult } from '../helpers/daemon';
import { TestRegistry } from '../helpers/registry';

describe('berth compose features', () => {
  const d = new TestDaemon('composefeat');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-composefeat-'));
  let n = 0;
  /** A fresh project directory holding these files. */
  const projectDir = (files: Record<string, string>): string => {
    const dir = path.join(root, `p${++n}`);
    for (const [f, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), c);
    }
    return dir;
  };
  const compose = (dir: string, args: string[], env: Record<string, string> = {}): RunResult => {
    const r = spawnSync(process.execPath, [BERTH, '-H', d.host, 'compose', ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      timeout: 120000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const exec = (c: string, cmd: string[]) => d.docker(['exec', c, ...cmd]);

  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(async () => {
    for (const e of fs.readdirSync(root)) compose(path.join(root, e), ['down', '-v', '--remove-orphans']);
    await d.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('mounts secrets and configs from files, environment and content, read-only at their targets', () => {
    const dir = projectDir({
      'compose.yaml': [
        'services:',
        '  app:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '    secrets: [token, {source: pass, target: custom_pass}]',
        '    configs: [{source: conf, target: /etc/app.conf}, {source: inline, target: /etc/inline.conf, mode: 0400}]',
        'secrets:',
        '  token: {file: ./token.txt}',
        '  pass: {environment: APP_PASS}',
        'configs:',
        '  conf: {file: ./app.conf}',
        '  inline: {content: "inline=${GREETING}"}',
        '',
      ].join('\n'),
      'token.txt': 's3cret\n',
      'app.conf': 'key=value\n',
    });
    const r = compose(dir, ['up', '-d'], { APP_PASS: 'from-env', GREETING: 'hi' });
    assert.equal(r.status, 0, r.stderr);
    const c = `${path.basename(dir)}-app-1`;
    assert.equal(exec(c, ['cat', '/run/secrets/token']).stdout, 's3cret\n');
    assert.equal(exec(c, ['cat', '/run/secrets/custom_pass']).stdout, 'from-env');
    assert.equal(exec(c, ['cat', '/etc/app.conf']).stdout, 'key=value\n');
    assert.equal(exec(c, ['cat', '/etc/inline.conf']).stdout, 'inline=hi');
    assert.equal(exec(c, ['stat', '-c', '%a', '/etc/inline.conf']).stdout.trim(), '400');
    // file secrets are read-only bind mounts
    assert.notEqual(exec(c, ['sh', '-c', 'echo x > /run/secrets/token']).status, 0);
  });

  it('builds with args, target and dockerfile_inline, tags <project>-<service>', () => {
    const dir = projectDir({
      'compose.yaml': [
        'services:',
        '  built:',
        '    build:',
        '      context: ./ctx',
        '      target: final',
        '      args: {MSG: from-args}',
        '    command: ["cat", "/msg"]',
        '  inline:',
        '    build:',
        '      context: ./ctx',
        '      dockerfile_inline: |',
        '        FROM busybox',
        '        COPY file.txt /file.txt',
        '    command: ["cat", "/file.txt"]',
        '',
      ].join('\n'),
      'ctx/Dockerfile':
        'FROM busybox AS base\nARG MSG=none\nRUN echo "$MSG" > /msg\nFROM base AS final\nRUN echo final >> /msg\nFROM base AS other\nRUN exit 1\n',
      'ctx/file.txt': 'context file\n',
    });
    let r = compose(dir, ['build']);
    assert.equal(r.status, 0, r.stderr);
    const proj = path.basename(dir);
    r = d.docker(['run', '--rm', `${proj}-built`, 'cat', '/msg']);
    assert.equal(r.stdout, 'from-args\nfinal\n');
    r = d.docker(['run', '--rm', `${proj}-inline`, 'cat', '/file.txt']);
    assert.equal(r.stdout, 'context file\n');
  });

  it('network_mode service:, a fixed address and a relative bind', () => {
    const dir = projectDir({
      'compose.yaml': [
        'services:',
        '  net:',
        '    image: busybox',
        '    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]',
        '    stop_grace_period: 1s',
        '    volumes: ["./www:/www:ro"]',
        '    networks: {fixed: {ipv4_address: 10.213.7.9}}',
        '  side:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '    network_mode: "service:net"',
        '    depends_on: [net]',
        'networks:',
        '  fixed:',
        '    ipam: {config: [{subnet: 10.213.7.0/24}]}',
        '',
      ].join('\n'),
      'www/index.html': 'shared netns\n',
    });
    const r = compose(dir, ['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    const p = path.basename(dir);
    const net = JSON.parse(d.docker(['inspect', `${p}-net-1`]).stdout)[0];
    assert.equal(net.NetworkSettings.Networks[`${p}_fixed`].IPAddress, '10.213.7.9');
    // the side container shares net's network namespace: localhost reaches its httpd
    assert.equal(exec(`${p}-side-1`, ['wget', '-qO-', 'http://127.0.0.1:8080/index.html']).stdout, 'shared netns\n');
  });

  it('pull: the named services, their dependencies with --include-deps; an unknown service is refused', async () => {
    const reg = await TestRegistry.start();
    try {
      for (const img of ['app', 'db']) {
        assert.equal(d.docker(['tag', 'busybox', `${reg.host}/${img}:1`]).status, 0);
        const r = d.docker(['push', `${reg.host}/${img}:1`]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(d.docker(['rmi', `${reg.host}/${img}:1`]).status, 0);
      }
      const dir = projectDir({
        'compose.yaml': `services:\n  app: {image: ${reg.host}/app:1, depends_on: [db]}\n  db: {image: ${reg.host}/db:1}\n`,
      });
      const has = (img: string) => d.docker(['image', 'inspect', `${reg.host}/${img}:1`]).status === 0;
      let r = compose(dir, ['pull', 'app']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(has('app'), true);
      assert.equal(has('db'), false);
      r = compose(dir, ['pull', '--include-deps', 'app']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(has('db'), true);
      r = compose(dir, ['pull', 'nosuch']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /no such service: nosuch/);
    } finally {
      await reg.stop();
    }
  });

  it('profiles and orphans', () => {
    const dir = projectDir({
      'compose.yaml':
        'services:\n  a: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s}\n  dbg: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s, profiles: [debug]}\n',
    });
    const p = path.basename(dir);
    let r = compose(dir, ['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(d.docker(['inspect', `${p}-dbg-1`]).status, 0);
    r = compose(dir, ['--profile', 'debug', 'up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(d.docker(['inspect', `${p}-dbg-1`]).status, 0);
    // drop service a from the file: it becomes an orphan, reported, then removed on request
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      'services:\n  dbg: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s, profiles: [debug]}\n',
    );
    r = compose(dir, ['--profile', 'debug', 'up', '-d']);
    assert.match(r.stderr, new RegExp(`Found orphan containers \\(\\[${p}-a-1\\]\\)`));
    assert.equal(d.docker(['inspect', `${p}-a-1`]).status, 0);
    r = compose(dir, ['--profile', 'debug', 'up', '-d', '--remove-orphans']);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(d.docker(['inspect', `${p}-a-1`]).status, 0);
  });

  it("attached up: --exit-code-from returns that service's code, prefixed logs", () => {
    const dir = projectDir({
      'compose.yaml':
        'services:\n  worker: {image: busybox, command: ["sh", "-c", "echo working; exit 3"]}\n  idle: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s}\n',
    });
    const p = path.basename(dir);
    const r = compose(dir, ['up', '--exit-code-from', 'worker']);
    assert.equal(r.status, 3, r.stderr);
    // Compose v5's output: containers named without their project
    assert.match(r.stdout, /(^|\n)Attaching to idle-1, worker-1\n/);
    assert.match(r.stdout, /(^|\n)worker-1 +\| working/);
    // Compose v5 names the container without its project
    assert.match(r.stdout, /(^|\n)worker-1 exited with code 3/);
    // the other services were stopped
    assert.equal(JSON.parse(d.docker(['inspect', `${p}-idle-1`]).stdout)[0].State.Running, false);
  });

  it('cp to and from a service container, and events --json for the project', async () => {
    const dir = projectDir({ 'compose.yaml': 'services:\n  box: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s}\n', 'in.txt': 'copied\n' });
    const p = path.basename(dir);
    const events = spawn(process.execPath, [BERTH, '-H', d.host, 'compose', 'events', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let ev = '';
    events.stdout.on('data', (c) => (ev += c.toString()));
    try {
      let r = compose(dir, ['up', '-d']);
      assert.equal(r.status, 0, r.stderr);
      r = compose(dir, ['cp', 'in.txt', 'box:/in.txt']);
      assert.equal(r.status, 0, r.stderr);
      r = compose(dir, ['cp', 'box:/in.txt', path.join(dir, 'out.txt')]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'copied\n');
      await waitFor(() => ev.split('\n').some((l) => l.includes('"action":"start"')), 20000);
      const start = JSON.parse(ev.split('\n').find((l) => l.includes('"action":"start"'))!);
      assert.equal(start.service, 'box');
      assert.equal(start.attributes.name, `${p}-box-1`);
    } finally {
      events.kill();
    }
  });

  it('post_start and pre_stop hooks run in the container; a missing bind source is created', () => {
    const dir = projectDir({
      'compose.yaml': [
        'services:',
        '  hooked:',
        '    image: busybox',
        '    command: ["sleep", "1000"]',
        '    stop_grace_period: 1s',
        '    volumes: ["./out:/out"]',
        '    post_start: [{command: ["sh", "-c", "echo started-$$HOOK > /out/post"], environment: {HOOK: yes}}]',
        '    pre_stop: [{command: ["sh", "-c", "echo stopping > /out/pre"]}]',
        '',
      ].join('\n'),
    });
    assert.equal(fs.existsSync(path.join(dir, 'out')), false);
    let r = compose(dir, ['up', '-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'post'), 'utf8'), 'started-yes\n');
    r = compose(dir, ['down']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'pre'), 'utf8'), 'stopping\n');
    // a failing post_start fails up
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      'services:\n  hooked:\n    image: busybox\n    command: ["sleep", "1000"]\n    stop_grace_period: 1s\n    post_start: [{command: ["false"]}]\n',
    );
    r = compose(dir, ['up', '-d']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /post_start hook of .*-hooked-1 failed/);
  });

  it('shows Compose\'s live "[+] Running n/m" view on a terminal', () => {
    const dir = projectDir({
      'compose.yaml':
        'services:\n  one: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s}\n  two: {image: busybox, command: ["sleep", "1000"], stop_grace_period: 1s}\n',
    });
    const p = path.basename(dir);
    const r = spawnSync('script', ['-qfec', `${process.execPath} ${BERTH} -H ${d.host} compose up -d`, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // the last frame: every object done, one line each with its state
    const frames = r.stdout.split('[+] Running ');
    const last = frames[frames.length - 1];
    assert.match(last, /^(\d+)\/\1\r?\n/);
    assert.match(last, new RegExp(`Container ${p}-one-1 +Started`));
    assert.match(last, new RegExp(`Network ${p}_default +Created`));
    // plain lines, without a terminal
    const plain = compose(dir, ['up', '-d', '--force-recreate']);
    assert.doesNotMatch(plain.stderr, /\[\+\]|\x1b\[/);
    assert.match(plain.stderr, new RegExp(` Container ${p}-one-1 Recreated \n`));
  });

  it('Ctrl-C on an attached up stops the services gracefully', async () => {
    const dir = projectDir({
      'compose.yaml': 'services:\n  svc: {image: busybox, command: ["sh", "-c", "echo ready; exec sleep 1000"], stop_grace_period: 1s}\n',
    });
    const p = path.basename(dir);
    // under script: a real terminal, where Ctrl-C is a SIGINT to the foreground process
    const child = spawn('script', ['-qfec', `${process.execPath} ${BERTH} -H ${d.host} compose up`, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c.toString()));
    await waitFor(() => out.includes('ready'), 60000);
    child.stdin.write('\x03');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.match(out, /Gracefully stopping/);
    assert.notEqual(code, null);
    assert.equal(JSON.parse(d.docker(['inspect', `${p}-svc-1`]).stdout)[0].State.Running, false);
  });
});
