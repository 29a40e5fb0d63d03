// The berth CLI against berthd: every container command, its output shape,
// errors and exit codes, as a docker user would type them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon, busyboxTarball, processGone, waitFor } from '../helpers/daemon';

describe('berth CLI', () => {
  const d = new TestDaemon('cli');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-'));
  before(async () => {
    await d.start();
    const r = d.berth(['import', await busyboxTarball(), 'busybox:latest']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });
  after(async () => {
    await d.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('runs a container: output, stderr, exit code, --rm', () => {
    const r = d.berth(['run', '--rm', '--name', 'r1', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.status, 7);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(d.berth(['ps', '-aq', '--filter', 'name=r1']).stdout, '');
  });

  it('passes options after the image to the command', () => {
    const r = d.berth(['run', '--rm', 'busybox', 'echo', '--rm', '-x']);
    assert.equal(r.stdout, '--rm -x\n');
  });

  it('pipes stdin with -i and sets env, workdir and user', () => {
    const r = d.berth(['run', '--rm', '-i', '-e', 'GREETING=hi', '-w', '/tmp', '-u', '1000', 'busybox', 'sh', '-c', 'cat; echo $GREETING $(pwd) $(id -u)'], {
      input: 'from stdin\n',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'from stdin\nhi /tmp 1000\n');
  });

  it('gives docker run exit codes: 125 daemon/flag errors, 126, 127', () => {
    const nf = d.berth(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(nf.status, 127);
    assert.match(nf.stderr, /^berth: Error response from daemon: .*executable file not found/m);
    assert.match(nf.stderr, /Run 'berth run --help' for more information/);
    assert.equal(d.berth(['run', '--rm', 'busybox', '/etc']).status, 126);
    const img = d.berth(['run', '--rm', '--pull', 'never', 'nosuchimage']);
    assert.equal(img.status, 125);
    assert.match(img.stderr, /No such image: nosuchimage:latest/);
    const flag = d.berth(['run', '--bogus', 'busybox']);
    assert.equal(flag.status, 125);
    assert.match(flag.stderr, /unknown flag: --bogus/);
    const mem = d.berth(['run', '-m', 'lots', 'busybox']);
    assert.equal(mem.status, 125);
    assert.match(mem.stderr, /invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'/);
  });

  it('runs detached, lists, inspects, logs, execs, stops and removes', async () => {
    const run = d.berth([
      'run',
      '-d',
      '--name',
      'web',
      '-l',
      'tier=front',
      'busybox',
      'sh',
      '-c',
      'echo started; trap "exit 0" TERM; while :; do sleep 0.1; done',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const id = run.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const ps = d.berth(['ps']);
    assert.match(ps.stdout.split('\n')[0], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sh -c echo started;…"\\s+.* ago\\s+Up .*\\s+web$`, 'm'));
    const q = d.berth(['ps', '-q', '--no-trunc']);
    assert.equal(q.stdout.trim(), id, `${q.stderr}\n${d.berth(['ps', '-a']).stdout}`);
    assert.equal(d.berth(['ps', '--format', '{{.Names}}:{{.Label "tier"}}:{{.State}}']).stdout, 'web:front:running\n');
    const json = JSON.parse(d.berth(['ps', '--format', 'json']).stdout);
    assert.equal(json.Names, 'web');
    assert.equal(json.ID, id.slice(0, 12));

    assert.equal(d.berth(['inspect', '-f', '{{.State.Running}} {{.Config.Labels.tier}} {{.Name}}', 'web']).stdout, 'true front /web\n');
    const full = JSON.parse(d.berth(['container', 'inspect', 'web']).stdout);
    assert.equal(full.length, 1);
    assert.equal(full[0].Id, id);

    await waitFor(() => d.berth(['logs', 'web']).stdout === 'started\n');
    const ex = d.berth(['exec', '-e', 'X=1', '-w', '/etc', 'web', 'sh', '-c', 'echo $X $(pwd); exit 3']);
    assert.equal(ex.status, 3, ex.stderr);
    assert.equal(ex.stdout, '1 /etc\n', ex.stderr);
    const cat = d.berth(['exec', '-i', 'web', 'cat'], { input: 'piped' });
    assert.equal(cat.stdout, 'piped', `status ${cat.status}: ${cat.stderr}`);

    const top = d.berth(['top', 'web']);
    assert.equal(top.status, 0, top.stderr);
    assert.match(top.stdout.split('\n')[0], /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);

    const stats = d.berth(['stats', '--no-stream', 'web']);
    assert.equal(stats.status, 0, stats.stderr);
    assert.match(stats.stdout, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/m);
    assert.match(stats.stdout, /\sweb\s+\d+\.\d\d%\s+[\d.]+[KMG]?i?B \/ [\d.]+[KMGT]iB/);

    const stop = d.berth(['stop', 'web']);
    assert.equal(stop.stdout, 'web\n', stop.stderr);
    assert.match(d.berth(['ps', '-a', '--format', '{{.Status}}']).stdout, /^Exited \(0\) .* ago$/m);
    assert.equal(d.berth(['rm', 'web']).stdout, 'web\n');
  });

  it('create + start -a, wait, restart, kill, pause/unpause, rename, update', async () => {
    const cr = d.berth(['create', '--name', 'c1', 'busybox', 'sh', '-c', 'echo once; exit 4']);
    assert.equal(cr.status, 0, cr.stderr);
    const sa = d.berth(['start', '-a', 'c1']);
    assert.equal(sa.status, 4);
    assert.equal(sa.stdout, 'once\n');
    assert.equal(d.berth(['wait', 'c1']).stdout, '4\n');

    d.berth(['run', '-d', '--name', 'c2', 'busybox', 'sleep', '1000']);
    assert.equal(d.berth(['pause', 'c2']).stdout, 'c2\n');
    assert.equal(d.berth(['inspect', '-f', '{{.State.Status}}', 'c2']).stdout, 'paused\n');
    assert.equal(d.berth(['unpause', 'c2']).stdout, 'c2\n');
    assert.equal(d.berth(['update', '--memory', '32m', '--pids-limit', '20', 'c2']).stdout, 'c2\n');
    assert.equal(d.berth(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', 'c2']).stdout, '33554432 20\n');
    assert.equal(d.berth(['rename', 'c2', 'c3']).status, 0);
    assert.equal(d.berth(['restart', '-t', '0', 'c3']).stdout, 'c3\n');
    assert.equal(d.berth(['inspect', '-f', '{{.State.Running}}', 'c3']).stdout, 'true\n');
    const k = d.berth(['kill', '-s', 'KILL', 'c3']);
    assert.equal(k.stdout, 'c3\n');
    assert.equal(d.berth(['wait', 'c3']).stdout, '137\n');
  });

  it('prints Docker errors and exit 1 for unknown containers, continuing with the rest', () => {
    const r = d.berth(['stop', 'nosuch', 'c1']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'Error response from daemon: No such container: nosuch\n');
    assert.equal(r.stdout, 'c1\n');
    const i = d.berth(['inspect', 'nosuch']);
    assert.equal(i.status, 1);
    assert.equal(i.stdout, '[]\n');
    assert.equal(i.stderr, 'Error: No such object: nosuch\n');
    const args = d.berth(['start']);
    assert.equal(args.status, 1);
    assert.match(args.stderr, /'berth start' requires at least 1 argument/);
    const unk = d.berth(['frobnicate']);
    assert.equal(unk.status, 1);
    assert.match(unk.stderr, /unknown command: berth frobnicate/);
  });

  it('words mistakes as the docker CLI (28) does: texts, help lines and exit codes', () => {
    const expect = (args: string[], status: number, stderr: string) => {
      const r = d.berth(args);
      assert.deepEqual([r.status, r.stderr], [status, stderr], args.join(' '));
    };
    // the lines below are what docker 28 prints for the same command lines against the same daemon
    expect(
      ['start', 'nosuch1', 'nosuch2'],
      1,
      'Error response from daemon: No such container: nosuch1\nError response from daemon: No such container: nosuch2\nError: failed to start containers: nosuch1, nosuch2\n',
    );
    expect(['rename', 'nosuch', 'x'], 1, 'Error response from daemon: No such container: nosuch\nError: failed to rename container named nosuch\n');
    expect(['container', 'inspect', 'nosuch'], 1, 'Error response from daemon: No such container: nosuch\n');
    expect(
      ['tag', 'busybox', 'Bad:x'],
      1,
      'Error parsing reference: "Bad:x" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase\n',
    );
    expect(['create', 'busybox'], 1, 'Error response from daemon: No command specified\n');
    expect(['run', '-a', 'stdout', '-d', 'busybox', 'true'], 1, 'conflicting options: cannot specify both --attach and --detach\n');
    expect(
      ['run', '--rm', '--restart', 'always', 'busybox', 'true'],
      125,
      "berth: conflicting options: cannot specify both --restart and --rm\n\nRun 'berth run --help' for more information\n",
    );
    expect(
      ['run', '--memory', '1x', 'busybox'],
      125,
      'invalid argument "1x" for "-m, --memory" flag: invalid suffix: \'x\'\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun \'berth run --help\' for more information\n',
    );
    expect(['ps', '--bogus'], 125, "unknown flag: --bogus\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n");
    expect(['image', 'bogus'], 1, "berth: unknown command: berth image bogus\n\nUsage:  berth image\n\nRun 'berth image --help' for more information\n");
    expect(
      ['wait'],
      1,
      "berth: 'berth wait' requires at least 1 argument\n\nUsage:  berth wait CONTAINER [CONTAINER...]\n\nSee 'berth wait --help' for more information\n",
    );
    expect(
      ['rename', 'a'],
      1,
      "berth: 'berth rename' requires 2 arguments\n\nUsage:  berth rename CONTAINER NEW_NAME\n\nRun 'berth rename --help' for more information\n",
    );
    expect(
      ['port'],
      1,
      "berth: 'berth port' requires at least 1 and at most 2 arguments\n\nUsage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'berth port --help' for more information\n",
    );
    expect(
      ['stop', '-t', '1', '--time', '2', 'nosuch'],
      1,
      'Flag --time has been deprecated, use --timeout instead\nconflicting options: cannot specify both --timeout and --time\n',
    );
  });

  it('copies files both ways, shows the diff and exports', () => {
    d.berth(['run', '-d', '--name', 'files', 'busybox', 'sleep', '1000']);
    fs.mkdirSync(path.join(tmp, 'src', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'src', 'sub', 'f.txt'), 'payload');
    assert.equal(d.berth(['cp', path.join(tmp, 'src'), 'files:/tmp/']).status, 0);
    assert.equal(d.berth(['exec', 'files', 'cat', '/tmp/src/sub/f.txt']).stdout, 'payload');
    assert.equal(d.berth(['cp', path.join(tmp, 'src', 'sub', 'f.txt'), 'files:/tmp/renamed.txt']).status, 0);
    assert.equal(d.berth(['exec', 'files', 'cat', '/tmp/renamed.txt']).stdout, 'payload');
    const out = path.join(tmp, 'back');
    assert.equal(d.berth(['cp', 'files:/tmp/src', out]).status, 0);
    assert.equal(fs.readFileSync(path.join(out, 'sub', 'f.txt'), 'utf8'), 'payload');
    const diff = d.berth(['diff', 'files']).stdout;
    assert.match(diff, /^C \/tmp$/m);
    assert.match(diff, /^A \/tmp\/src\/sub\/f\.txt$/m);
    const tarFile = path.join(tmp, 'files.tar');
    assert.equal(d.berth(['export', '-o', tarFile, 'files']).status, 0);
    const list = spawnSync('tar', ['tf', tarFile], { encoding: 'utf8' }).stdout;
    assert.match(list, /^tmp\/renamed\.txt$/m);
    const missing = d.berth(['cp', 'files:/nonexistent', tmp]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /Could not find the file \/nonexistent in container files/);
  });

  it('lists, inspects and removes images', () => {
    const img = d.berth(['images']);
    assert.match(img.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    assert.match(img.stdout, /^busybox\s+latest\s+[0-9a-f]{12}\s+.* ago\s+[\d.]+MB$/m);
    assert.equal(d.berth(['image', 'inspect', '-f', '{{.RepoTags}}', 'busybox']).stdout, '[busybox:latest]\n');
    const rmi = d.berth(['rmi', 'busybox']);
    assert.equal(rmi.status, 1);
    assert.match(rmi.stderr, /conflict/);
  });

  it('streams events between --since and --until', () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    d.berth(['run', '--rm', '--name', 'ev', 'busybox', 'true']);
    const r = d.berth([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=ev',
      '--filter',
      'event=start',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\S+Z container start [0-9a-f]{64} \(image=busybox, name=ev\)$/m);
  });

  it('prints version and info, and prunes stopped containers', () => {
    assert.equal(d.berth(['version', '--format', '{{.Server.APIVersion}}']).stdout, '1.41\n');
    assert.match(d.berth(['info']).stdout, /^ Server Version: /m);
    assert.equal(d.berth(['info', '--format', '{{.Driver}}']).stdout, 'overlay2\n');
    const p = d.berth(['container', 'prune', '-f']);
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n/);
    assert.match(p.stdout, /Total reclaimed space: /);
    assert.equal(d.berth(['ps', '-aq', '--filter', 'status=exited']).stdout, '');
  });

  it('runs a TTY session under a terminal and detaches with ctrl-p ctrl-q', async () => {
    const r = spawnSync('script', ['-qec', `stty rows 33 cols 90; ${BERTH} -H ${d.host} run --rm -t busybox sh -c 'tty; stty size'`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /^33 90\r?$/m);
    // -it puts the terminal in Docker's raw mode (no output processing: the
    // container's \r\n arrives as is) and gives the terminal back as it was
    const raw = spawnSync(
      'script',
      ['-qec', `stty -a | grep -o -- '-\\?opost'; ${BERTH} -H ${d.host} run --rm -it busybox echo x; stty -a | grep -o -- '-\\?opost'`, '/dev/null'],
      { encoding: 'utf8', timeout: 30000, input: '' },
    );
    assert.equal(raw.status, 0, raw.stdout);
    assert.match(raw.stdout, /^opost\r\nx\r\nopost\r\n$/, JSON.stringify(raw.stdout));
    // an interactive session that detaches: the container keeps running
    const child = spawn('script', ['-qfc', `${BERTH} -H ${d.host} run -it --name det busybox sh`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    await waitFor(() => d.berth(['inspect', '-f', '{{.State.Running}}', 'det']).stdout === 'true\n', 15000);
    // typed before the CLI is attached, a line can be lost: type it until its output shows
    await waitFor(() => (out.includes('hello-42') ? true : (child.stdin.write('echo hello-$((6*7))\r'), false)), 20000, 500);
    child.stdin.write('\x10\x11');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0);
    assert.equal(d.berth(['inspect', '-f', '{{.State.Running}}', 'det']).stdout, 'true\n');
    d.berth(['rm', '-f', 'det']);
  });
});

/** Listens on an abstract unix socket name: false when someone holds it (a running berthd holds its data root's). */
function holdAbstract(name: string): Promise<net.Server | false> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen('\0' + name, () => resolve(srv));
  });
}

/** Is a berthd running on the defaults (its socket answers, or the default data root is locked)? */
async function defaultDaemonRuns(): Promise<boolean> {
  if (
    await new Promise<boolean>((r) =>
      net
        .connect('/run/berth.sock')
        .once('connect', function (this: net.Socket) {
          this.destroy();
          r(true);
        })
        .once('error', () => r(false)),
    )
  )
    return true;
  if (!fs.existsSync('/var/lib/berth')) return false;
  const lock = await holdAbstract('berthd-' + createHash('sha256').update(fs.realpathSync('/var/lib/berth')).digest('hex').slice(0, 32));
  if (!lock) return true;
  lock.close();
  return false;
}

describe('berth zero-config', () => {
  // the defaults are machine-wide: one such test at a time, and a berthd really running there is never touched
  let mutex: net.Server | false = false;
  const aside: Array<[string, string]> = [];
  before(async () => {
    await waitFor(async () => !!(mutex = await holdAbstract('berth-zero-config-test')), 300000, 200);
  });
  after(() => {
    if (mutex) mutex.close();
  });

  it('starts berthd in the background when the default socket has no daemon', async (t) => {
    if (await defaultDaemonRuns()) return t.skip('a berthd runs on the default socket or data root of this machine');
    // what an earlier berth left on the defaults goes aside for the test and comes back after it
    for (const p of ['/var/lib/berth', '/run/berth', '/run/berth.sock', '/run/berthd.pid']) {
      if (!fs.existsSync(p)) continue;
      const to = `${p}.aside-${process.pid}`;
      fs.renameSync(p, to);
      aside.push([p, to]);
    }
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    delete env.BERTH_HOST;
    try {
      const r = spawnSync(BERTH, ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', env, timeout: 60000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /starting it in the background \(log: \/var\/log\/berthd\.log\)/);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
      const again = spawnSync(BERTH, ['ps', '-q'], { encoding: 'utf8', env, timeout: 30000 });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stderr, '');
    } finally {
      try {
        const pid = Number(fs.readFileSync('/run/berthd.pid', 'utf8'));
        process.kill(pid, 'SIGTERM');
        await waitFor(() => processGone(pid), 30000);
      } catch {
        /* it did not start */
      }
      fs.rmSync('/var/lib/berth', { recursive: true, force: true });
      fs.rmSync('/run/berth', { recursive: true, force: true });
      for (const f of ['/run/berth.sock', '/run/berthd.pid']) fs.rmSync(f, { force: true });
      for (const [p, to] of aside) fs.renameSync(to, p);
    }
  });
});
