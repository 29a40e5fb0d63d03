// Logs (follow, tail, timestamps, rotation) and the container filesystem (cp, diff, export).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestDaemon, waitFor } from '../helpers/daemon';

describe('logs and container files', () => {
  const d = new TestDaemon('logs');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(async () => {
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reads logs with tail, timestamps and since', () => {
    d.docker(['run', '--name', 'lg', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2']);
    assert.equal(d.docker(['logs', '--tail', '2', 'lg']).stdout, 'line5\n');
    const both = d.docker(['logs', '--tail', '2', 'lg']);
    assert.equal(both.stderr, 'oops\n');
    const ts = d.docker(['logs', '-t', 'lg']).stdout.split('\n')[0];
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line1$/);
    const future = d.docker(['logs', '--since', String(Math.floor(Date.now() / 1000) + 60), 'lg']);
    assert.equal(future.stdout, '');
    d.docker(['rm', 'lg']);
  });

  it('follows logs until the container exits', async () => {
    d.docker(['run', '-d', '--name', 'fl', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo f$i; sleep 0.3; done']);
    const p = d.spawnDocker(['logs', '-f', 'fl']);
    let out = '';
    p.stdout!.on('data', (c) => (out += c));
    const code = await new Promise<number | null>((r) => p.on('exit', r));
    assert.equal(code, 0);
    assert.equal(out, 'f1\nf2\nf3\n');
    d.docker(['rm', 'fl']);
  });

  it('returns a last line that has no newline, with and without --tail', () => {
    const r = d.docker(['run', '--name', 'nonl', 'busybox', 'printf', 'first\\nlast-without-newline']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(d.docker(['logs', 'nonl']).stdout, 'first\nlast-without-newline');
    assert.equal(d.docker(['logs', '--tail', '1', 'nonl']).stdout, 'last-without-newline');
    assert.match(d.docker(['logs', '-t', 'nonl']).stdout, /^\S+Z first\n\S+Z last-without-newline$/);
    d.docker(['rm', 'nonl']);
  });

  it('rotates logs at max-size keeping max-file files', async () => {
    const r = d.docker([
      'run',
      '-d',
      '--name',
      'rot',
      '--log-opt',
      'max-size=10k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sh',
      '-c',
      'i=0; while [ $i -lt 3000 ]; do echo "line $i padding padding padding"; i=$((i+1)); done; sleep 1',
    ]);
    assert.equal(r.status, 0, r.stderr);
    d.docker(['wait', 'rot']);
    const logPath = d.docker(['inspect', '-f', '{{.LogPath}}', 'rot']).stdout.trim();
    assert.ok(fs.existsSync(logPath));
    assert.ok(fs.existsSync(`${logPath}.1`), 'rotated file exists');
    // max-file files' worth: berth's rotated .1 and .2 (the live file holds what is not moved yet)
    assert.ok(!fs.existsSync(`${logPath}.3`), 'no more than max-file files');
    assert.ok(fs.statSync(logPath).size < 10 * 1024);
    const logs = d.docker(['logs', 'rot']).stdout.trim().split('\n');
    assert.match(logs[logs.length - 1], /^line 2999 /);
    d.docker(['rm', 'rot']);
    await waitFor(() => true);
  });

  it('copies files in and out with docker cp, confined to the container', async () => {
    d.docker(['run', '-d', '--name', 'cp', 'busybox', 'sh', '-c', 'mkdir -p /data && echo inside > /data/f && ln -s / /data/escape && sleep 100']);
    fs.writeFileSync(path.join(tmp, 'up.txt'), 'uploaded\n');
    // the container's script has made its files
    await waitFor(() => d.docker(['exec', 'cp', 'test', '-L', '/data/escape']).status === 0, 15000, 100);
    assert.equal(d.docker(['cp', path.join(tmp, 'up.txt'), 'cp:/data/']).status, 0);
    assert.equal(d.docker(['exec', 'cp', 'cat', '/data/up.txt']).stdout, 'uploaded\n');
    const out = d.docker(['cp', 'cp:/data/f', path.join(tmp, 'f')]);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(fs.readFileSync(path.join(tmp, 'f'), 'utf8'), 'inside\n');
    // writing through a symlink that points at / stays inside the container
    const esc = d.docker(['cp', path.join(tmp, 'up.txt'), 'cp:/data/escape/tmp/']);
    assert.equal(esc.status, 0, esc.stderr);
    assert.equal(d.docker(['exec', 'cp', 'cat', '/tmp/up.txt']).stdout, 'uploaded\n');
    const miss = d.docker(['cp', 'cp:/nope', tmp]);
    assert.notEqual(miss.status, 0);
    assert.match(miss.stderr, /Could not find the file \/nope in container cp|No such container:path/);
    d.docker(['rm', '-f', 'cp']);
  });

  it('lists changes and exports the filesystem', () => {
    d.docker(['run', '--name', 'ch', 'busybox', 'sh', '-c', 'echo x > /tmp/new && rm /bin/vi && mkdir /added']);
    const diff = d.docker(['diff', 'ch']).stdout.split('\n').filter(Boolean);
    assert.ok(diff.includes('A /tmp/new'), diff.join(','));
    assert.ok(diff.includes('D /bin/vi'), diff.join(','));
    assert.ok(diff.includes('A /added'), diff.join(','));
    assert.ok(!diff.some((l) => l.includes('.dockerenv') || l.includes('/etc/hosts')), diff.join(','));
    const tarFile = path.join(tmp, 'export.tar');
    assert.equal(d.docker(['export', '-o', tarFile, 'ch']).status, 0);
    const list = spawnSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).stdout;
    assert.match(list, /^(\.\/)?tmp\/new$/m);
    assert.match(list, /^(\.\/)?bin\/busybox$/m);
    assert.doesNotMatch(list, /^(\.\/)?bin\/vi$/m);
    d.docker(['rm', 'ch']);
  });
});
