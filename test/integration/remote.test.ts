// Remote engines: berthd on tcp://127.0.0.1 with mutual TLS, ssh:// hosts
// through a private sshd, and contexts shared with the docker CLI. Both the
// real docker CLI and berth drive the daemon through each transport.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { BERTH, BERTHD, TestDaemon, waitFor, type RunResult } from '../helpers/daemon';
import { freePort } from '../helpers/net';
import { sshdAvailable, TestSshd } from '../helpers/sshd';

const REPO_BIN = path.dirname(BERTH);

function run(cmd: string, args: string[], env: Record<string, string> = {}, input?: string): RunResult {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, input, timeout: 60000, killSignal: 'SIGKILL' });
  return { status: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

const berth = (args: string[], env: Record<string, string> = {}, input?: string) => run(process.execPath, [BERTH, ...args], env, input);

/** A CA, server and client certificates made by `berth system certs`. */
function makeCerts(dir: string, host = '127.0.0.1'): void {
  const r = berth(['system', 'certs', '--host', host, '--host', 'localhost', '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
}

/** `-H tcp://127.0.0.1:PORT` with mutual TLS: berthd (as dockerd) and the docker CLI take the same flags. */
function tlsHost(port: number, ca: string, cert: string, key: string): string[] {
  return ['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', ca, '--tlscert', cert, '--tlskey', key];
}

/** berthd's listener with the server pair `berth system certs` wrote in dir. */
const serverTls = (port: number, dir: string) => tlsHost(port, path.join(dir, 'ca.pem'), path.join(dir, 'server-cert.pem'), path.join(dir, 'server-key.pem'));

/** A client of that listener: the CA from certs, the client pair from keys. */
const clientTls = (port: number, certs: string, keys = certs) =>
  tlsHost(port, path.join(certs, 'ca.pem'), path.join(keys, 'cert.pem'), path.join(keys, 'key.pem'));

/** A client certificate from the same CA that expired in 2020 (openssl ca with explicit dates). */
function expiredClientCert(certs: string, out: string): void {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'index.txt'), '');
  fs.writeFileSync(path.join(out, 'serial'), '1000\n');
  fs.writeFileSync(
    path.join(out, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = d',
      '[d]',
      `dir = ${out}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'default_md = sha256',
      'policy = p',
      'unique_subject = no',
      'copy_extensions = none',
      '[p]',
      'commonName = supplied',
      '[ext]',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  let r = run('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    path.join(out, 'key.pem'),
    '-out',
    path.join(out, 'c.csr'),
    '-subj',
    '/CN=expired',
  ]);
  assert.equal(r.status, 0, r.stderr);
  r = run('openssl', [
    'ca',
    '-batch',
    '-config',
    path.join(out, 'ca.cnf'),
    '-cert',
    path.join(certs, 'ca.pem'),
    '-keyfile',
    path.join(certs, 'ca-key.pem'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extensions',
    'ext',
    '-in',
    path.join(out, 'c.csr'),
    '-out',
    path.join(out, 'cert.pem'),
    '-notext',
  ]);
  assert.equal(r.status, 0, r.stderr);
  fs.copyFileSync(path.join(certs, 'ca.pem'), path.join(out, 'ca.pem'));
}

/** Outcome of a raw TLS handshake plus one request: 'ok' (an HTTP answer) or the failure. */
function tlsProbe(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    let data = '';
    s.on('secureConnect', () => s.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    s.on('data', (c) => (data += c.toString()));
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.on('close', () => resolve(data.startsWith('HTTP/1.1 200') ? 'ok' : `closed: ${data.slice(0, 40)}`));
  });
}

describe('remote engines: tcp with mutual TLS', () => {
  const d = new TestDaemon('tls');
  const certs = path.join(os.tmpdir(), `berth-certs-${process.pid}`);
  let port = 0;
  let clientEnv: Record<string, string>;
  let dockerTls: string[];

  before(async () => {
    makeCerts(certs);
    port = await freePort();
    await d.start(serverTls(port, certs));
    await d.importBusybox();
    clientEnv = { DOCKER_CERT_PATH: certs, DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: path.join(certs, 'cfg') };
    dockerTls = clientTls(port, certs);
  });
  after(async () => {
    await d.stop();
    fs.rmSync(certs, { recursive: true, force: true });
  });

  it('makes files that pass openssl verify with the right purposes', () => {
    for (const [f, purpose] of [
      ['server-cert.pem', 'sslserver'],
      ['cert.pem', 'sslclient'],
    ]) {
      const r = run('openssl', ['verify', '-purpose', purpose, '-CAfile', path.join(certs, 'ca.pem'), path.join(certs, f)]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
    // the wrong purpose is refused: the extensions are really there
    assert.notEqual(run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', path.join(certs, 'ca.pem'), path.join(certs, 'cert.pem')]).status, 0);
    assert.equal(fs.statSync(path.join(certs, 'key.pem')).mode & 0o777, 0o600);
  });

  it('runs, execs, streams logs, copies and builds through the docker CLI over TLS', () => {
    let r = run('docker', [...dockerTls, 'run', '--rm', 'busybox', 'echo', 'over-tls']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'over-tls\n');
    r = run('docker', [...dockerTls, 'run', '-d', '--name', 'tl1', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; done; sleep 30']);
    assert.equal(r.status, 0, r.stderr);
    r = run('docker', [...dockerTls, 'exec', 'tl1', 'sh', '-c', 'echo exec-ok; exit 3']);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'exec-ok\n');
    // attach: stdin travels through the hijacked TLS connection
    r = run('docker', [...dockerTls, 'run', '--rm', '-i', 'busybox', 'sh', '-c', 'read x; echo got-$x'], {}, 'hello\n');
    assert.equal(r.stdout, 'got-hello\n', r.stderr);
    r = run('docker', [...dockerTls, 'logs', 'tl1']);
    assert.equal(r.stdout, 'line1\nline2\nline3\n');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tlscp-'));
    fs.writeFileSync(path.join(tmp, 'in.txt'), 'copied-in');
    assert.equal(run('docker', [...dockerTls, 'exec', 'tl1', 'mkdir', '/d']).status, 0);
    r = run('docker', [...dockerTls, 'cp', path.join(tmp, 'in.txt'), 'tl1:/d/']);
    assert.equal(r.status, 0, r.stderr);
    r = run('docker', [...dockerTls, 'cp', 'tl1:/d/in.txt', path.join(tmp, 'out.txt')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(tmp, 'out.txt'), 'utf8'), 'copied-in');
    fs.writeFileSync(path.join(tmp, 'Dockerfile'), 'FROM busybox\nRUN echo built > /b\n');
    r = run('docker', [...dockerTls, 'build', '-q', '-t', 'tlsbuilt', tmp], { DOCKER_BUILDKIT: '0' });
    assert.equal(r.status, 0, r.stderr);
    r = run('docker', [...dockerTls, 'run', '--rm', 'tlsbuilt', 'cat', '/b']);
    assert.equal(r.stdout, 'built\n');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('follows logs until the container exits, through berth over TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)', () => {
    const host = ['-H', `tcp://127.0.0.1:${port}`];
    let r = berth([...host, 'run', '-d', '--name', 'tl2', 'busybox', 'sh', '-c', 'sleep 1; echo a; sleep 1; echo b'], clientEnv);
    assert.equal(r.status, 0, r.stderr);
    r = berth([...host, 'logs', '-f', 'tl2'], clientEnv);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'a\nb\n');
    r = berth([...host, 'exec', 'tl1', 'cat', '/d/in.txt'], clientEnv);
    assert.equal(r.stdout, 'copied-in');
    r = berth([...host, 'run', '--rm', '-i', 'busybox', 'sh', '-c', 'read x; echo berth-$x'], clientEnv, 'hi\n');
    assert.equal(r.stdout, 'berth-hi\n', r.stderr);
    // without the CA, berth refuses the server's certificate, as the docker CLI does
    r = berth([...host, '--tlsverify', '--tlscacert', path.join(certs, 'cert.pem'), 'ps'], { ...clientEnv });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /error during connect/);
  });

  it('refuses at the handshake: no client certificate, another CA, an expired one, plain HTTP', async () => {
    // positive control: the right client certificate gets an answer
    const ok = {
      ca: fs.readFileSync(path.join(certs, 'ca.pem')),
      cert: fs.readFileSync(path.join(certs, 'cert.pem')),
      key: fs.readFileSync(path.join(certs, 'key.pem')),
    };
    assert.equal(await tlsProbe(port, ok), 'ok');
    assert.notEqual(await tlsProbe(port, {}), 'ok');
    const other = path.join(certs, 'other');
    makeCerts(other);
    assert.notEqual(await tlsProbe(port, { cert: fs.readFileSync(path.join(other, 'cert.pem')), key: fs.readFileSync(path.join(other, 'key.pem')) }), 'ok');
    const expired = path.join(certs, 'expired');
    expiredClientCert(certs, expired);
    assert.notEqual(await tlsProbe(port, { cert: fs.readFileSync(path.join(expired, 'cert.pem')), key: fs.readFileSync(path.join(expired, 'key.pem')) }), 'ok');
    const plain = await new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/_ping' }, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (e) => resolve(`error: ${e.message}`));
    });
    assert.match(plain, /^error/);
    // the docker CLI without a certificate is refused too
    const r = run('docker', [...clientTls(port, certs, other), 'ps']);
    assert.notEqual(r.status, 0);
    // the daemon still serves the good client afterwards
    assert.equal(await tlsProbe(port, ok), 'ok');
  });

  it('logs the client certificate subject with mutating requests', async () => {
    const r = run('docker', [...dockerTls, 'volume', 'create', 'tlsvol']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => /volumes\/create.*CN=client.*request from TLS client/.test(fs.readFileSync(d.logFile, 'utf8')), 5000);
  });
});

describe('remote engines: daemon TLS configuration', () => {
  async function startFails(args: string[]): Promise<string> {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tlsbad-'));
    const exec = fs.mkdtempSync('/run/bt-');
    fs.writeFileSync(path.join(base, 'daemon.json'), '{}');
    const r = spawnSync(
      process.execPath,
      [
        BERTHD,
        '--data-root',
        path.join(base, 'data'),
        '--exec-root',
        exec,
        '--pidfile',
        path.join(base, 'pid'),
        '--config-file',
        path.join(base, 'daemon.json'),
        '-H',
        `unix://${base}/s.sock`,
        ...args,
      ],
      { timeout: 20000 },
    );
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(exec, { recursive: true, force: true });
    assert.notEqual(r.status, 0, 'berthd must refuse to start');
    return r.stderr.toString();
  }

  it('refuses plain tcp without --tls=false, and missing or unreadable TLS files, naming them', async () => {
    const port = await freePort();
    assert.match(await startFails(['-H', `tcp://127.0.0.1:${port}`]), /refusing to serve tcp:\/\/127\.0\.0\.1:\d+ without TLS/);
    assert.match(
      await startFails(tlsHost(port, '/nonexistent/ca.pem', '/nonexistent/c.pem', '/nonexistent/k.pem')),
      /could not read .*"\/nonexistent\/c\.pem".*no such file/,
    );
    // a directory where the key should be: unreadable as a file
    assert.match(
      await startFails(['-H', `tcp://127.0.0.1:${port}`, '--tls', '--tlscert', '/etc/hostname', '--tlskey', '/etc']),
      /could not read server key "\/etc"/,
    );
  });

  it('takes the TLS settings from daemon.json, and refuses them twice', async () => {
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tlsjson-'));
    makeCerts(certs);
    const d = new TestDaemon('tlsjson');
    const port = await freePort();
    const cfg = {
      tlsverify: true,
      tlscacert: path.join(certs, 'ca.pem'),
      tlscert: path.join(certs, 'server-cert.pem'),
      tlskey: path.join(certs, 'server-key.pem'),
    };
    try {
      d.configure(cfg);
      await d.start(['-H', `tcp://127.0.0.1:${port}`]);
      const r = run('docker', [...clientTls(port, certs), 'version', '--format', '{{.Server.Os}}']);
      assert.equal(r.stdout, 'linux\n', r.stderr);
      await d.stopDaemon();
      // the same setting as a flag and in the file: dockerd's refusal
      await assert.rejects(d.start(['-H', `tcp://127.0.0.1:${port}`, '--tlsverify']), /specified both as a flag and in the configuration file: tlsverify/);
    } finally {
      await d.stop();
      fs.rmSync(certs, { recursive: true, force: true });
    }
  });

  it('serves plain tcp with --tls=false and warns at start', async () => {
    const d = new TestDaemon('tlsoff');
    const port = await freePort();
    try {
      await d.start(['-H', `tcp://127.0.0.1:${port}`, '--tls=false']);
      const r = run('docker', ['-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.Os}}']);
      assert.equal(r.stdout, 'linux\n', r.stderr);
      assert.match(fs.readFileSync(d.logFile, 'utf8'), /without encryption/);
    } finally {
      await d.stop();
    }
  });
});

describe('remote engines: ssh', { skip: !sshdAvailable() && 'openssh-server is not installed' }, () => {
  const d = new TestDaemon('ssh');
  const sshd = new TestSshd();
  let env: Record<string, string>;

  before(async () => {
    await d.start();
    await d.importBusybox();
    // the far side finds this checkout's berth first, and the test daemon as its default
    await sshd.start({ DOCKER_HOST: d.host, PATH: `${REPO_BIN}:/usr/local/bin:/usr/bin:/bin` });
    env = { PATH: sshd.path, DOCKER_CONFIG: path.join(sshd.dir, 'cfg') };
  });
  after(async () => {
    await sshd.stop();
    await d.stop();
  });

  it('lets the docker CLI run containers on berthd over ssh:// (dial-stdio on the far side)', () => {
    const host = `ssh://root@127.0.0.1:${sshd.port}`;
    let r = run('docker', ['-H', host, 'run', '--rm', 'busybox', 'echo', 'via-ssh'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'via-ssh\n');
    r = run('docker', ['-H', host, 'run', '--rm', '-i', 'busybox', 'sh', '-c', 'read x; echo ssh-$x'], env, 'in\n');
    assert.equal(r.stdout, 'ssh-in\n', r.stderr);
    // the engine answering is this berthd
    r = run('docker', ['-H', host, 'info', '--format', '{{.DockerRootDir}}'], env);
    assert.equal(r.stdout.trim(), d.dataRoot);
  });

  it('lets berth reach berthd over ssh://, also with the socket path in the URL', () => {
    let r = berth(['-H', `ssh://root@127.0.0.1:${sshd.port}`, 'run', '--rm', 'busybox', 'echo', 'berth-ssh'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'berth-ssh\n');
    r = berth(['-H', `ssh://root@127.0.0.1:${sshd.port}${d.socket}`, 'info', '--format', '{{.DockerRootDir}}'], env);
    assert.equal(r.stdout.trim(), d.dataRoot, r.stderr);
    r = berth(['-H', `ssh://root@127.0.0.1:${sshd.port}`, 'exec', '--help'], env);
    assert.equal(r.status, 0);
    // a refused login is an error that says so, not a hang
    r = berth(['-H', `ssh://nobody-here@127.0.0.1:${sshd.port}`, 'ps'], env);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /error during connect|Permission denied/);
  });

  it('falls back to the docker CLI on a far side without berth', async () => {
    // a second sshd whose sessions find only `docker` on PATH: berth's ssh
    // client then runs `docker system dial-stdio`, as for a machine running Docker
    const onlyDocker = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-onlydocker-'));
    fs.symlinkSync(run('sh', ['-c', 'command -v docker']).stdout.trim(), path.join(onlyDocker, 'docker'));
    const other = new TestSshd();
    try {
      await other.start({ DOCKER_HOST: d.host, PATH: `${onlyDocker}:/usr/bin:/bin` });
      const r = berth(['-H', `ssh://root@127.0.0.1:${other.port}`, 'run', '--rm', 'busybox', 'echo', 'through-docker'], {
        PATH: other.path,
        DOCKER_CONFIG: path.join(other.dir, 'cfg'),
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'through-docker\n');
    } finally {
      await other.stop();
      fs.rmSync(onlyDocker, { recursive: true, force: true });
    }
  });

  it('proxies a raw API connection with system dial-stdio', () => {
    const r = run(process.execPath, [BERTH, '-H', d.host, 'system', 'dial-stdio'], {}, 'GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 200 OK/);
    assert.match(r.stdout, /\r\n\r\nOK$/);
  });
});

describe('remote engines: contexts shared with the docker CLI', () => {
  const d = new TestDaemon('ctx');
  const cfg = path.join(os.tmpdir(), `berth-ctx-${process.pid}`);
  const certs = path.join(cfg, 'certs');
  let port = 0;
  const env = () => ({ DOCKER_CONFIG: cfg, DOCKER_HOST: '', BERTH_HOST: '' });

  before(async () => {
    fs.mkdirSync(cfg, { recursive: true });
    makeCerts(certs);
    port = await freePort();
    await d.start(serverTls(port, certs));
  });
  after(async () => {
    await d.stop();
    fs.rmSync(cfg, { recursive: true, force: true });
  });

  it('a context made by berth works in docker, and the other way round', () => {
    const tlsSpec = `host=tcp://127.0.0.1:${port},ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`;
    let r = berth(['context', 'create', 'by-berth', '--description', 'made by berth', '--docker', tlsSpec], env());
    assert.equal(r.status, 0, r.stderr);
    r = run('docker', ['--context', 'by-berth', 'info', '--format', '{{.DockerRootDir}}'], env());
    assert.equal(r.stdout.trim(), d.dataRoot, r.stderr);
    r = run('docker', ['context', 'create', 'by-docker', '--docker', tlsSpec], env());
    assert.equal(r.status, 0, r.stderr);
    r = berth(['--context', 'by-docker', 'info', '--format', '{{.DockerRootDir}}'], env());
    assert.equal(r.stdout.trim(), d.dataRoot, r.stderr);
    // both list the same contexts the same way
    const bl = berth(['context', 'ls', '--format', '{{.Name}} {{.DockerEndpoint}} {{.Description}}'], env());
    const dl = run('docker', ['context', 'ls', '--format', '{{.Name}} {{.DockerEndpoint}} {{.Description}}'], env());
    assert.deepEqual(
      bl.stdout.split('\n').filter((l) => !l.startsWith('default')),
      dl.stdout.split('\n').filter((l) => !l.startsWith('default')),
    );
    // inspect is byte-identical
    assert.equal(berth(['context', 'inspect', 'by-docker'], env()).stdout, run('docker', ['context', 'inspect', 'by-docker'], env()).stdout);
  });

  it('use, show, DOCKER_CONTEXT and -H follow the docker CLI precedence', () => {
    let r = berth(['context', 'use', 'by-docker'], env());
    assert.equal(r.status, 0, r.stderr);
    assert.equal(run('docker', ['context', 'show'], env()).stdout, 'by-docker\n');
    r = berth(['info', '--format', '{{.DockerRootDir}}'], env());
    assert.equal(r.stdout.trim(), d.dataRoot, r.stderr);
    assert.equal(berth(['context', 'show'], { ...env(), DOCKER_CONTEXT: 'by-berth' }).stdout, 'by-berth\n');
    // -H and --context together are refused, as by docker
    r = berth(['-H', d.host, '--context', 'by-docker', 'ps'], env());
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), 'conflicting options: cannot specify both --host and --context');
    // DOCKER_HOST wins over the current context, with docker's warning in context ls
    r = berth(['context', 'ls'], { ...env(), DOCKER_HOST: d.host });
    assert.match(r.stdout, /^default \*/m);
    assert.match(r.stderr, /DOCKER_HOST environment variable overrides the active context/);
    r = berth(['context', 'rm', 'by-docker'], env());
    assert.equal(r.status, 1);
    assert.match(r.stderr, /context "by-docker" is in use, set -f flag to force remove/);
    assert.equal(berth(['context', 'use', 'default'], env()).status, 0);
  });

  it('imports docker context export tarballs and exports what docker imports', () => {
    const tar = path.join(cfg, 'exported.tar');
    let r = run('docker', ['context', 'export', 'by-berth', tar], env());
    assert.equal(r.status, 0, r.stderr);
    r = berth(['context', 'import', 'from-docker', tar], env());
    assert.equal(r.status, 0, r.stderr);
    r = berth(['--context', 'from-docker', 'version', '--format', '{{.Server.Os}}'], env());
    assert.equal(r.stdout, 'linux\n', r.stderr);
    const tar2 = path.join(cfg, 'exported2.tar');
    r = berth(['context', 'export', 'from-docker', tar2], env());
    assert.equal(r.status, 0, r.stderr);
    r = run('docker', ['context', 'import', 'from-berth', tar2], env());
    assert.equal(r.status, 0, r.stderr);
    r = run('docker', ['--context', 'from-berth', 'version', '--format', '{{.Server.Os}}'], env());
    assert.equal(r.stdout, 'linux\n', r.stderr);
    // bad names and unknown keys are refused with docker's words
    r = berth(['context', 'create', 'bad name', '--docker', 'host=unix:///x'], env());
    assert.match(r.stderr, /context name "bad name" is invalid/);
    r = berth(['context', 'create', 'x1', '--docker', 'bogus=1'], env());
    assert.match(r.stderr, /unrecognized config key: bogus/);
  });
});
