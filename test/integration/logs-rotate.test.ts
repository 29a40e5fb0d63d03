// Log rotation with small limits, through the docker CLI and berth: only what
// Docker's json-file driver would keep stays (its rule: the record after a file
// reaches max-size starts the next file; max-file files are kept), compress=true
// gzips the older files, and `logs` reads across the files in order, with
// --tail, --since and -f across rotations.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { BERTH, TestDaemon, waitFor } from '../helpers/daemon';

/** The lines Docker's rule keeps of `lines` (each written as one record of `recordSize(line)` bytes). */
function kept(lines: string[], recordSize: (line: string) => number, maxSize: number, maxFile: number): string[] {
  const files: string[][] = [];
  let size = Infinity;
  for (const l of lines) {
    if (size >= maxSize) {
      files.push([]);
      size = 0;
    }
    files[files.length - 1].push(l);
    size += recordSize(l);
  }
  return files.slice(Math.max(0, files.length - maxFile)).flat();
}

/**
 * Bytes of one k8s-file record conmon writes for a stdout line: "<time> stdout F <line>\n".
 * Read once the rotation is over (a `logs` call waits for it).
 */
function recordSizer(logPath: string): (line: string) => number {
  const read = (f: string) => (!fs.existsSync(f) ? '' : f.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(f)).toString() : fs.readFileSync(f, 'utf8'));
  const first = [logPath, `${logPath}.1`, `${logPath}.1.gz`, `${logPath}.2.gz`].map(read).find(Boolean);
  assert.ok(first, `no log file of ${logPath} has a record`);
  const ts = first.split(' ')[0];
  return (line) => Buffer.byteLength(`${ts} stdout F ${line}\n`);
}

const seq = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('log rotation (docker CLI and berth)', () => {
  const d = new TestDaemon('logrot');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const files = (logPath: string) =>
    fs
      .readdirSync(path.dirname(logPath))
      .filter((f) => f.startsWith(path.basename(logPath)))
      .sort();

  for (const cli of ['docker', 'berth'] as const) {
    const run = (args: string[]) => (cli === 'docker' ? d.docker(args) : d.berth(args));

    it(`${cli}: max-size=1k max-file=2 keeps only what fits in 2 files`, () => {
      const name = `small-${cli}`;
      const r = run([
        'run',
        '--name',
        name,
        '--log-opt',
        'max-size=1k',
        '--log-opt',
        'max-file=2',
        'busybox',
        'sh',
        '-c',
        'i=1; while [ $i -le 200 ]; do echo line$i; i=$((i+1)); done',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const logPath = run(['inspect', '-f', '{{.LogPath}}', name]).stdout.trim();
      const out = run(['logs', name]);
      assert.equal(out.status, 0, out.stderr);
      const want = kept(seq('line', 200), recordSizer(logPath), 1024, 2);
      assert.ok(want.length < 200 && want.length > 20, `model keeps ${want.length}`);
      assert.deepEqual(out.stdout.split('\n').slice(0, -1), want);
      // what stays on disk is what Docker keeps: two files' worth (berth's rotated .1 and .2,
      // the live file holding only what has not been moved yet), nothing older, nothing left over
      const base = path.basename(logPath);
      const onDisk = files(logPath);
      assert.ok(
        onDisk.every((f) => [base, `${base}.1`, `${base}.2`].includes(f)),
        onDisk.join(','),
      );
      const bytes = onDisk.reduce((n, f) => n + fs.statSync(path.join(path.dirname(logPath), f)).size, 0);
      assert.ok(bytes <= 2 * (1024 + 64), `${bytes} bytes on disk`);
      assert.deepEqual(run(['logs', '--tail', '3', name]).stdout.split('\n').slice(0, -1), want.slice(-3));
      assert.deepEqual(
        run(['logs', '--tail', String(want.length + 50), name])
          .stdout.split('\n')
          .slice(0, -1),
        want,
      );
      // positive control: without limits every line stays
      const all = run(['run', '--name', `${name}-all`, 'busybox', 'sh', '-c', 'i=1; while [ $i -le 200 ]; do echo line$i; i=$((i+1)); done']);
      assert.equal(all.status, 0, all.stderr);
      assert.deepEqual(
        run(['logs', `${name}-all`])
          .stdout.split('\n')
          .slice(0, -1),
        seq('line', 200),
      );
      run(['rm', name, `${name}-all`]);
    });

    it(`${cli}: max-file=1 keeps one file, max-size smaller than one record cuts at every record`, () => {
      const name = `one-${cli}`;
      const r = run([
        'run',
        '--name',
        name,
        '--log-opt',
        'max-size=10',
        '--log-opt',
        'max-file=1',
        'busybox',
        'sh',
        '-c',
        'i=1; while [ $i -le 50 ]; do echo line$i; i=$((i+1)); done',
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(run(['logs', name]).stdout, 'line50\n');
      const r3 = run([
        'run',
        '--name',
        `${name}-3`,
        '--log-opt',
        'max-size=10',
        '--log-opt',
        'max-file=3',
        'busybox',
        'sh',
        '-c',
        'i=1; while [ $i -le 50 ]; do echo line$i; i=$((i+1)); done',
      ]);
      assert.equal(r3.status, 0, r3.stderr);
      assert.equal(run(['logs', `${name}-3`]).stdout, 'line48\nline49\nline50\n');
      run(['rm', name, `${name}-3`]);
    });

    it(`${cli}: compress needs max-size and max-file >= 2, and a boolean, as json-file checks at start`, () => {
      for (const [opts, msg] of [
        [['max-size=1k', 'compress=true'], 'compress cannot be true when max-file is less than 2 or max-size is not set'],
        [['max-size=1k', 'max-file=2', 'compress=yes'], 'strconv.ParseBool: parsing "yes": invalid syntax'],
      ] as const) {
        const r = run(['run', '--rm', ...opts.flatMap((o) => ['--log-opt', o]), 'busybox', 'true']);
        assert.equal(r.status, 125, r.stderr);
        assert.ok(r.stderr.includes(`failed to initialize logging driver: ${msg}`), r.stderr);
      }
      // positive control: the same options with two files start
      assert.equal(run(['run', '--rm', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', '--log-opt', 'compress=true', 'busybox', 'true']).status, 0);
    });

    it(`${cli}: compress=true gzips the older files; logs, --tail and --since read through them`, async () => {
      const name = `gz-${cli}`;
      // two bursts far enough apart in time that --since can tell them apart
      const script = 'i=1; while [ $i -le 60 ]; do echo a$i; i=$((i+1)); done; sleep 1.2; i=1; while [ $i -le 60 ]; do echo b$i; i=$((i+1)); done';
      const r = run([
        'run',
        '--name',
        name,
        '--log-opt',
        'max-size=1k',
        '--log-opt',
        'max-file=4',
        '--log-opt',
        'compress=true',
        'busybox',
        'sh',
        '-c',
        script,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const logPath = run(['inspect', '-f', '{{.LogPath}}', name]).stdout.trim();
      const all = run(['logs', name]).stdout;
      const want = kept([...seq('a', 60), ...seq('b', 60)], recordSizer(logPath), 1024, 4);
      assert.ok(want.includes('a60') && !want.includes('a1'), `the model keeps the end of the first burst: ${want[0]}`);
      assert.deepEqual(all.split('\n').slice(0, -1), want);
      const base = path.basename(logPath);
      const rotated = files(logPath).filter((f) => f !== base);
      assert.ok(rotated.includes(`${base}.1`), rotated.join(','));
      const gz = rotated.filter((f) => f.endsWith('.gz'));
      assert.ok(gz.length >= 1, rotated.join(','));
      // real gzip, holding k8s-file records
      for (const f of gz) assert.match(zlib.gunzipSync(fs.readFileSync(path.join(path.dirname(logPath), f))).toString(), /^\S+ stdout F [ab]\d+\n/);
      assert.deepEqual(run(['logs', '--tail', '5', name]).stdout.split('\n').slice(0, -1), want.slice(-5));
      const tailAcross = want.length - 3; // reaches back into the gzip files
      assert.deepEqual(
        run(['logs', '--tail', String(tailAcross), name])
          .stdout.split('\n')
          .slice(0, -1),
        want.slice(-tailAcross),
      );
      const stamped = run(['logs', '-t', name]).stdout.split('\n');
      const b1 = stamped.find((l) => l.endsWith(' b1'))!.split(' ')[0];
      assert.deepEqual(run(['logs', '--since', b1, name]).stdout.split('\n').slice(0, -1), seq('b', 60));
      // positive control for --since: an earlier time gives the first burst too
      const firstKept = stamped[0].split(' ')[0];
      assert.deepEqual(run(['logs', '--since', firstKept, name]).stdout.split('\n').slice(0, -1), want);
      run(['rm', name]);
      await waitFor(() => !fs.existsSync(logPath));
    });
  }

  it('logs -f follows across rotations without losing or repeating a line', async () => {
    // the container waits for the follower, then writes in bursts across many rotations
    const script =
      'echo ready; while [ ! -f /tmp/go ]; do sleep 0.05; done; i=1; while [ $i -le 400 ]; do echo line$i; if [ $((i % 25)) = 0 ]; then sleep 0.05; fi; i=$((i+1)); done';
    const r = d.docker([
      'run',
      '-d',
      '--name',
      'follow',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      '--log-opt',
      'compress=false',
      'busybox',
      'sh',
      '-c',
      script,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const followers = [d.spawnDocker(['logs', '-f', 'follow']), spawn(BERTH, ['-H', d.host, 'logs', '-f', 'follow'])];
    const outs = followers.map((p) => {
      const o = { text: '', code: new Promise<number | null>((res) => p.on('exit', res)) };
      p.stdout!.on('data', (c) => (o.text += c));
      return o;
    });
    // both are connected once they have printed the first line
    await waitFor(() => outs.every((o) => o.text.startsWith('ready\n')));
    assert.equal(d.docker(['exec', 'follow', 'touch', '/tmp/go']).status, 0);
    const expected = ['ready', ...seq('line', 400)].join('\n') + '\n';
    for (const [i, o] of outs.entries()) {
      assert.equal(await o.code, 0, ['docker', 'berth'][i]);
      assert.equal(o.text, expected, ['docker', 'berth'][i]);
    }
    // and the rotation did happen meanwhile: afterwards only the last files remain
    const after = d.docker(['logs', 'follow']).stdout.split('\n').slice(0, -1);
    assert.ok(after.length < 100 && after[after.length - 1] === 'line400', `${after.length} lines kept`);
    d.docker(['rm', 'follow']);
  });

  it('rotates what a stopped daemon let grow, at the next start', async () => {
    const r = d.docker([
      'run',
      '-d',
      '--name',
      'away',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sh',
      '-c',
      'while [ ! -f /tmp/go ]; do sleep 0.05; done; i=1; while [ $i -le 300 ]; do echo line$i; i=$((i+1)); done; sleep 100',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const logPath = d.docker(['inspect', '-f', '{{.LogPath}}', 'away']).stdout.trim();
    const pid = Number(d.docker(['inspect', '-f', '{{.State.Pid}}', 'away']).stdout.trim());
    await d.stopDaemon();
    // the container writes while berthd is away (through its own namespace, not the API)
    fs.writeFileSync(`/proc/${pid}/root/tmp/go`, '');
    await waitFor(() => fs.existsSync(logPath) && fs.readFileSync(logPath, 'utf8').includes(' line300\n'));
    assert.ok(fs.statSync(logPath).size > 4096, 'the live file grew past the limits meanwhile');
    await d.start();
    // rotated once the records moved out of the live file into .1 (and no rotation is half done)
    await waitFor(() => fs.statSync(logPath).size < 1024 && fs.existsSync(`${logPath}.1`) && !fs.existsSync(`${logPath}.rot`));
    const want = kept(seq('line', 300), recordSizer(`${logPath}.1`), 1024, 2);
    assert.deepEqual(d.docker(['logs', 'away']).stdout.split('\n').slice(0, -1), want);
    d.docker(['rm', '-f', 'away']);
  });
});
