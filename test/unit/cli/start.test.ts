// bin/berth starts the CLI from its V8 snapshot when the build made a fresh
// one, and from the tsc output otherwise: the same output either way, and a
// stale or missing snapshot is never used. Runs in a copy of the start path
// (bin/berth, scripts/build-cli.js, dist/src linked), with a snapshot built there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

describe('berth start-up', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-start-'));
  const bin = path.join(root, 'bin', 'berth');
  const cliDir = path.join(root, 'dist', 'cli');
  const tsbuildinfo = path.join(root, 'dist', '.tsbuildinfo');

  /** Runs bin/berth under `sh -x`: its output, and which start it took. */
  const berth = (args: string[]) => {
    const r = spawnSync('sh', ['-x', bin, ...args], { encoding: 'utf8', timeout: 60000 });
    const exec = r.stderr.split('\n').find((l) => l.startsWith('+ exec ')) ?? '';
    return { status: r.status, stdout: r.stdout, snapshot: exec.includes('--snapshot-blob'), exec, stderr: r.stderr };
  };
  const touchNewer = (file: string, than: string) => {
    const t = fs.statSync(than).mtimeMs / 1000 + 2;
    fs.utimesSync(file, t, t);
  };

  before(() => {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.mkdirSync(path.join(root, 'scripts'));
    fs.mkdirSync(path.join(root, 'dist'));
    fs.copyFileSync(path.join(REPO, 'bin', 'berth'), bin);
    fs.chmodSync(bin, 0o755);
    fs.copyFileSync(path.join(REPO, 'scripts', 'build-cli.js'), path.join(root, 'scripts', 'build-cli.js'));
    fs.symlinkSync(path.join(REPO, 'dist', 'src'), path.join(root, 'dist', 'src'));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
    fs.writeFileSync(tsbuildinfo, '{}');
    const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cli.js')], { encoding: 'utf8', timeout: 120000 });
    assert.equal(b.status, 0, b.stderr);
    assert.ok(fs.existsSync(path.join(cliDir, 'berth.blob')), `no snapshot was built: ${b.stderr}`);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('starts from the snapshot, with the same output as the tsc build', () => {
    const snap = berth(['--help']);
    assert.equal(snap.status, 0, snap.stderr);
    assert.ok(snap.snapshot, snap.exec);
    const plain = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(plain.status, 0);
    assert.match(plain.stdout, /^\nUsage:  berth \[OPTIONS\] COMMAND/);
    assert.equal(snap.stdout, plain.stdout);
    // a command's own help and a flag error: same output, same exit code
    for (const args of [['ps', '--help'], ['ps', '--no-such-flag'], ['no-such-command']]) {
      const s = berth(args);
      const p = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      assert.ok(s.snapshot, s.exec);
      assert.match(s.exec, /\/berth\.blob /);
      assert.deepEqual([s.status, s.stdout], [p.status, p.stdout], args.join(' '));
    }
  });

  it('starts compose commands from the snapshot that has compose warmed, with the same output', () => {
    const dir = fs.mkdtempSync(path.join(root, 'proj-'));
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: example/web\n    ports: ["8080:80"]\n');
    for (const args of [
      ['compose', 'version'],
      ['compose', '--project-directory', dir, 'config'],
      ['-H', 'unix:///nonexistent.sock', 'compose', 'up', '--no-such-flag'],
    ]) {
      const s = berth(args);
      const p = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      assert.match(s.exec, /\/berth-compose\.blob /, args.join(' '));
      assert.deepEqual(
        [
          s.status,
          s.stdout,
          s.stderr
            .split('\n')
            .filter((l) => !l.startsWith('+ '))
            .join('\n'),
        ],
        [p.status, p.stdout, p.stderr],
        args.join(' '),
      );
    }
  });

  it('--version and -v print the client version alone, as docker --version, without a daemon', () => {
    for (const flag of ['--version', '-v']) {
      const r = berth(['-H', 'unix:///nonexistent/berth.sock', flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^berth version \d+\.\d+\.\d+, build \S+\n$/);
    }
  });

  it('runs the tsc output when the snapshot is older than the tsc build', () => {
    touchNewer(tsbuildinfo, path.join(cliDir, 'berth.blob'));
    const r = berth(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.snapshot && r.exec.startsWith('+ exec node '), r.exec);
    assert.match(r.stdout, /^\nUsage:  berth \[OPTIONS\] COMMAND/);
    // positive control: a build after it makes the snapshot count again
    touchNewer(path.join(cliDir, 'berth.blob'), tsbuildinfo);
    assert.ok(berth(['--help']).snapshot);
  });

  it('runs the tsc output when the Node that built the snapshot changed or is unknown', () => {
    const nodeFile = path.join(cliDir, 'node');
    const fake = path.join(root, 'newer-node');
    fs.writeFileSync(fake, '');
    touchNewer(fake, path.join(cliDir, 'berth.blob'));
    const saved = fs.readFileSync(nodeFile, 'utf8');
    fs.writeFileSync(nodeFile, `${fake}\n`);
    touchNewer(path.join(cliDir, 'berth.blob'), tsbuildinfo);
    const r = berth(['--help']);
    assert.ok(!r.snapshot && r.status === 0, r.exec);
    fs.rmSync(nodeFile);
    const gone = berth(['--help']);
    assert.ok(!gone.snapshot && gone.status === 0, gone.exec);
    assert.match(gone.stdout, /^\nUsage:  berth \[OPTIONS\] COMMAND/);
    fs.writeFileSync(nodeFile, saved);
    assert.ok(berth(['--help']).snapshot);
  });

  it('follows a symlink to find its snapshot', () => {
    const link = path.join(root, 'berth-link');
    fs.symlinkSync(bin, link);
    const r = spawnSync('sh', ['-x', link, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\+ exec \S+ --snapshot-blob /);
  });
  it("keeps NODE_EXTRA_CA_CERTS from Node's start but hands it to child processes unchanged", () => {
    // a file Node could not load: Node warns at start-up when it reads it
    const certs = path.join(root, 'no-such-bundle.pem');
    const seen = path.join(root, 'child-env');
    const ssh = path.join(root, 'fake-ssh');
    fs.writeFileSync(ssh, `#!/bin/sh\nprintf '%s|%s' "$NODE_EXTRA_CA_CERTS" "\${BERTH_EXTRA_CA_CERTS-unset}" > ${seen}\nexit 255\n`, { mode: 0o755 });
    for (const start of [[bin], ['sh', '-c', `touch -d @1 ${path.join(cliDir, 'berth.blob')}; exec ${bin} "$@"`, 'sh']]) {
      fs.rmSync(seen, { force: true });
      const [cmd, ...pre] = start;
      const r = spawnSync(cmd, [...pre, '-H', 'ssh://someone@127.0.0.1', 'ps'], {
        encoding: 'utf8',
        env: { ...process.env, NODE_EXTRA_CA_CERTS: certs, BERTH_SSH_COMMAND: ssh },
      });
      assert.notEqual(r.status, 0);
      assert.doesNotMatch(r.stderr, /extra certs/i, 'Node did not read the file at start-up');
      assert.equal(fs.readFileSync(seen, 'utf8'), `${certs}|unset`, 'the ssh child saw the variable as the user set it');
    }
    touchNewer(path.join(cliDir, 'berth.blob'), tsbuildinfo);
    // positive control: Node itself reads it at start-up
    const node = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: certs } });
    assert.match(node.stderr, /extra certs/i);
  });
});
