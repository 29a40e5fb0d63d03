// What test/conformance/docker-compare.ts found berth doing differently from
// dockerd, pinned with the real docker CLI against berthd alone. The expected
// texts are what dockerd 20.10 (Debian's, API 1.41) printed for the same
// commands in that comparison.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, waitFor } from '../helpers/daemon';

describe('docker CLI output as dockerd gives it', () => {
  const d = new TestDaemon('fidelity');
  const ok = (r: { status: number; stdout: string; stderr: string }) => {
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  /** The events since `since` (a unix time) up to now, as `Type Action {attributes}` lines. */
  const events = (since: number) =>
    ok(
      d.docker([
        'events',
        '--since',
        since.toFixed(3),
        '--until',
        (Date.now() / 1000 + 0.5).toFixed(3),
        '--format',
        '{{.Type}} {{.Action}} {{json .Actor.Attributes}}',
      ]),
    )
      .split('\n')
      .filter(Boolean);
  before(async () => {
    await d.start();
    await d.importBusybox();
    ok(d.docker(['run', '-d', '--name', 'up', '--label', 'tier=web', '--ulimit', 'nofile=1024:2048', 'busybox', 'sleep', '300']));
    ok(d.docker(['create', '--name', 'idle', 'busybox', 'true']));
  });
  after(() => d.stop());

  it('kill errors name the container as the client gave it', () => {
    // dockerd 20.10: the router wraps what the daemon refuses with "Cannot kill container: <name>: "
    const gone = d.docker(['kill', 'nosuch']);
    assert.equal(gone.status, 1);
    assert.equal(gone.stderr.trim(), 'Error response from daemon: Cannot kill container: nosuch: No such container: nosuch');
    const idleId = ok(d.docker(['inspect', '-f', '{{.Id}}', 'idle'])).trim();
    const stopped = d.docker(['kill', 'idle']);
    assert.equal(stopped.stderr.trim(), `Error response from daemon: Cannot kill container: idle: Container ${idleId} is not running`);
    const big = d.docker(['kill', '-s', '99', 'up']);
    assert.equal(big.stderr.trim(), 'Error response from daemon: Cannot kill container: up: The linux daemon does not support signal 99');
    // a name that is no signal at all is the whole answer
    assert.equal(d.docker(['kill', '-s', 'BOGUS', 'up']).stderr.trim(), 'Error response from daemon: Invalid signal: BOGUS');
    // positive control: a real signal to a running container
    ok(d.docker(['kill', '-s', 'USR1', 'up']));
    assert.equal(ok(d.docker(['inspect', '-f', '{{.State.Running}}', 'up'])).trim(), 'true');
  });

  it('rename onto a name in use says it failed to allocate the name', () => {
    const upId = ok(d.docker(['inspect', '-f', '{{.Id}}', 'up'])).trim();
    const r = d.docker(['rename', 'idle', 'up']);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^Error response from daemon: Error when allocating new name: Conflict\\. The container name "/up" is already in use by container "${upId}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.\n`,
      ),
    );
    ok(d.docker(['rename', 'idle', 'idle2']));
    ok(d.docker(['rename', 'idle2', 'idle']));
  });

  it('create refuses an unknown capability naming the list, and an unknown stop signal', () => {
    const add = d.docker(['run', '--rm', '--cap-add', 'NOPE', 'busybox', 'true']);
    assert.equal(add.status, 125);
    assert.match(add.stderr, /^docker: Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOPE"/);
    const drop = d.docker(['create', '--cap-drop', 'NOPE', 'busybox', 'true']);
    assert.match(drop.stderr, /^Error response from daemon: invalid CapDrop: unknown capability: "CAP_NOPE"/);
    const sig = d.docker(['create', '--name', 'badsig', '--stop-signal', 'BOGUS', 'busybox', 'true']);
    assert.equal(sig.status, 1);
    assert.match(sig.stderr, /^Error response from daemon: Invalid signal: BOGUS/);
    assert.equal(d.docker(['inspect', 'badsig']).status, 1, 'nothing was created');
    // positive control
    ok(d.docker(['run', '--rm', '--cap-add', 'NET_ADMIN', '--stop-signal', 'SIGUSR1', 'busybox', 'true']));
  });

  it('an unknown image is named with its default tag', () => {
    for (const args of [
      ['rmi', 'nosuch'],
      ['tag', 'nosuch', 'x'],
      ['image', 'history', 'nosuch'],
    ]) {
      const r = d.docker(args);
      assert.equal(r.status, 1);
      assert.equal(r.stderr.trim(), 'Error response from daemon: No such image: nosuch:latest', args.join(' '));
    }
    assert.equal(d.docker(['rmi', 'nosuch:tag']).stderr.trim(), 'Error response from daemon: No such image: nosuch:tag');
  });

  it('a bad commit change names the instruction in lower case', () => {
    const r = d.docker(['commit', '-c', 'BOGUS x', 'idle', 'x:1']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), 'Error response from daemon: bogus is not a valid change command');
  });

  it("exec as an unknown user prints dockerd's message and exits 126; exec_start is announced as dockerd words it", () => {
    const since = Date.now() / 1000;
    const r = d.docker(['exec', '-u', 'nosuch', 'up', 'true']);
    assert.equal(r.status, 126);
    assert.match(r.stdout, /^unable to find user nosuch: no matching entries in passwd file\r?\n$/);
    // positive control, and the actions: entrypoint, a space, the arguments
    ok(d.docker(['exec', 'up', 'true']));
    const ev = events(since).filter((l) => l.includes('exec_'));
    assert.deepEqual(
      ev.map((l) => l.split(' {')[0]),
      ['container exec_create: true ', 'container exec_start: true ', 'container exec_create: true ', 'container exec_start: true ', 'container exec_die'],
    );
  });

  it("finished and failed execs leave the container's ExecIDs", async () => {
    ok(d.docker(['exec', 'up', 'true']));
    d.docker(['exec', 'up', 'nosuchcmd']);
    await waitFor(() => ok(d.docker(['inspect', '-f', '{{json .ExecIDs}}', 'up'])).trim() === 'null', 10000, 50, 'ExecIDs emptied');
    // positive control: a running exec is listed
    ok(d.docker(['exec', '-d', 'up', 'sleep', '30']));
    assert.match(ok(d.docker(['inspect', '-f', '{{json .ExecIDs}}', 'up'])), /^\["[0-9a-f]{64}"\]/);
  });

  it('the primary group is also a supplementary group', () => {
    // dockerd 20.10 (getUser since 20.10.18): `id` shows groups=1000(berth) for -u 1000:1000
    assert.equal(ok(d.docker(['run', '--rm', '-u', '1000:1000', 'busybox', 'id'])), 'uid=1000(berth) gid=1000(berth) groups=1000(berth)\n');
    // with the implicit form, the groups that list the user too (staff lists berth; the kernel sorts them)
    assert.equal(ok(d.docker(['run', '--rm', '-u', 'berth', 'busybox', 'id'])), 'uid=1000(berth) gid=1000(berth) groups=50(staff),1000(berth)\n');
    assert.equal(ok(d.docker(['exec', '-u', '1000:50', 'up', 'id'])), 'uid=1000(berth) gid=50(staff) groups=50(staff)\n');
    assert.equal(ok(d.docker(['run', '--rm', 'busybox', 'id'])), 'uid=0(root) gid=0(root) groups=0(root)\n');
  });

  it('a variable given without "=" is unset, not an error', () => {
    // dockerd 20.10: `docker exec -e BAD` (BAD not set for the client) runs with BAD unset;
    // the test's own environment must not have it, or the CLI would send its value
    assert.equal(process.env.BAD, undefined);
    assert.equal(ok(d.docker(['exec', '-e', 'BAD', 'up', 'sh', '-c', 'echo ${BAD-unset}'])), 'unset\n');
    assert.equal(ok(d.docker(['run', '--rm', '-e', 'BAD', '-e', 'GOOD=1', 'busybox', 'sh', '-c', 'echo ${BAD-unset} $GOOD'])), 'unset 1\n');
  });

  it("an exec runs under the container's ulimits", () => {
    // dockerd starts an exec from the container's process spec; before, berth's exec got the host's limits
    assert.equal(ok(d.docker(['exec', 'up', 'sh', '-c', 'ulimit -n; ulimit -Hn'])), '1024\n2048\n');
  });

  it('top, export, cp and commit are events with the image and the labels; untag names the image ID', () => {
    const since = Date.now() / 1000;
    ok(d.docker(['top', 'up']));
    const tar = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fidelity-')), 'up.tar');
    ok(d.docker(['export', '-o', tar, 'up']));
    fs.rmSync(path.dirname(tar), { recursive: true, force: true });
    ok(d.docker(['cp', 'up:/etc/passwd', '-']));
    ok(d.docker(['commit', 'up', 'snap:1']));
    const id = ok(d.docker(['image', 'inspect', '-f', '{{.Id}}', 'snap:1'])).trim();
    ok(d.docker(['tag', 'snap:1', 'snap:2']));
    ok(d.docker(['rmi', 'snap:2']));
    const ev = events(since);
    const attrs = (action: string) => {
      const l = ev.find((x) => x.startsWith(`container ${action} `));
      assert.ok(l, `${action} in ${ev.join('\n')}`);
      return JSON.parse(l.slice(`container ${action} `.length));
    };
    for (const a of ['top', 'export', 'archive-path', 'commit']) {
      const at = attrs(a);
      assert.equal(at.image, 'busybox', a);
      assert.equal(at.name, 'up', a);
      assert.equal(at.tier, 'web', a);
    }
    assert.ok(ev.includes(`image untag {"name":"${id}"}`), ev.join('\n'));
    // dockerd's copy events carry no path; a commit's tag is an image event with the image's labels, before the commit
    assert.ok(!('path' in attrs('archive-path')));
    const tagAt = ev.indexOf('image tag {"name":"snap:1","tier":"web"}');
    assert.ok(tagAt >= 0 && tagAt < ev.findIndex((l) => l.startsWith('container commit ')), ev.join('\n'));
  });

  it('an exit is announced before the network and volume events of its cleanup', () => {
    const since = Date.now() / 1000;
    ok(d.docker(['run', '--name', 'quits', '--network', 'none', '-v', 'quitvol:/d', 'busybox', 'true']));
    const ev = events(since)
      .map((l) => l.split(' {')[0])
      .filter((l) => /die|disconnect|unmount/.test(l));
    // dockerd 20.10's order
    assert.deepEqual(ev, ['container die', 'network disconnect', 'volume unmount']);
  });

  it('logs --details puts a space before each line', () => {
    ok(d.docker(['run', '--name', 'said', 'busybox', 'echo', 'a']));
    assert.equal(ok(d.docker(['logs', '--details', 'said'])), ' a\n');
    assert.equal(ok(d.docker(['logs', 'said'])), 'a\n');
    // dockerd reads a --tail that is no number as "all"
    assert.equal(ok(d.docker(['logs', '--tail', 'bogus', 'said'])), 'a\n');
    assert.equal(ok(d.docker(['logs', '--tail', '0', 'said'])), '');
  });

  it('inspect shows what dockerd fills in at create', async () => {
    // the API's own JSON: the CLI 28 re-marshals through its structs, which dropped KernelMemory
    const hc = (await d.request('GET', '/containers/up/json')).json().HostConfig;
    assert.equal(hc.ShmSize, 67108864);
    assert.equal(hc.MemorySwappiness, null);
    assert.equal(hc.PidsLimit, null);
    assert.equal(hc.KernelMemory, 0);
    assert.equal(hc.KernelMemoryTCP, 0);
    assert.ok(!('Init' in hc), 'Init is left out when not set');
    assert.ok(hc.MaskedPaths.includes('/proc/kcore') && hc.MaskedPaths.includes('/sys/firmware'), hc.MaskedPaths.join(' '));
    assert.deepEqual(hc.ReadonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
    // a privileged container masks nothing (dockerd: empty lists)
    ok(d.docker(['create', '--name', 'priv', '--privileged', 'busybox', 'true']));
    const ph = (await d.request('GET', '/containers/priv/json')).json().HostConfig;
    assert.deepEqual([ph.MaskedPaths, ph.ReadonlyPaths], [[], []]);
    // --init is shown when given
    ok(d.docker(['create', '--name', 'withinit', '--init', 'busybox', 'true']));
    assert.equal(ok(d.docker(['inspect', '-f', '{{json .HostConfig.Init}}', 'withinit'])).trim(), 'true');
  });

  it('a container of an image without PATH has none in Config.Env, and its processes get the default', () => {
    // dockerd 20.10: Config.Env null; the default PATH is in the process only (also for exec)
    assert.equal(ok(d.docker(['inspect', '-f', '{{json .Config.Env}}', 'up'])).trim(), 'null');
    const path = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    assert.equal(ok(d.docker(['exec', 'up', 'sh', '-c', 'echo $PATH'])).trim(), path);
    assert.equal(ok(d.docker(['run', '--rm', '-e', 'A=1', 'busybox', 'sh', '-c', 'echo $PATH $A'])).trim(), `${path} 1`);
    ok(d.docker(['run', '--name', 'envless', 'busybox', 'true']));
    ok(d.docker(['commit', 'envless', 'envless:1']));
    assert.equal(ok(d.docker(['image', 'inspect', '-f', '{{json .Config.Env}}', 'envless:1'])).trim(), 'null');
  });

  it('image inspect gives the whole run config of an imported image', () => {
    const img = JSON.parse(ok(d.docker(['image', 'inspect', 'busybox'])))[0];
    // dockerd 20.10: every field of Go's container.Config, null where unset; the import's comment
    for (const cfg of [img.Config, img.ContainerConfig]) {
      for (const k of ['Hostname', 'User', 'Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'Labels', 'Volumes', 'OnBuild', 'Tty']) assert.ok(k in cfg, k);
      assert.equal(cfg.Cmd, null);
    }
    assert.equal(img.Comment, 'Imported from -');
    // the daemon's version, as dockerd writes its own at import and commit
    const server = ok(d.docker(['version', '--format', '{{.Server.Version}}'])).trim();
    assert.equal(img.DockerVersion, server);
    ok(d.docker(['commit', 'up', 'versioned:1']));
    assert.equal(ok(d.docker(['image', 'inspect', '-f', '{{.DockerVersion}}', 'versioned:1'])).trim(), server);
  });
});
