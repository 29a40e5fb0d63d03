// daemon.json with a real berthd: a bad file refuses the start with dockerd's
// words; the daemon-wide container defaults are honoured (checked inside real
// containers, against a daemon without them); SIGHUP reloads the keys dockerd
// reloads while the daemon keeps serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BERTHD, TestDaemon, waitFor } from '../helpers/daemon';

function okOf(d: TestDaemon) {
  return (args: string[]): string => {
    const r = d.docker(args);
    assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
}

describe('daemon.json refused at start', () => {
  const d = new TestDaemon('cfgbad');
  after(() => d.stop());
  const configFile = () => path.join(path.dirname(d.socket), 'daemon.json');

  /** berthd with this daemon.json exits 1 with the message, and listens nowhere. */
  function refused(cfg: string, re: RegExp, extra: string[] = []): void {
    fs.writeFileSync(configFile(), cfg);
    const r = spawnSync(
      process.execPath,
      [BERTHD, '--data-root', d.dataRoot, '--exec-root', d.execRoot, '-H', d.host, '--config-file', configFile(), ...extra],
      { encoding: 'utf8', timeout: 20000 },
    );
    assert.equal(r.status, 1, `exit status for ${cfg}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(fs.existsSync(d.socket), false, 'no socket was made');
  }

  it('refuses wrong types, unknown keys, bad values and flag/file conflicts, naming the input', async () => {
    const f = 'unable to configure the Docker daemon with file \\S+daemon.json: ';
    refused('[]', new RegExp(f + 'json: cannot unmarshal array into Go value of type map\\[string\\]interface \\{\\}'));
    refused('"x"', new RegExp(f + 'json: cannot unmarshal string into Go value of type map\\[string\\]interface \\{\\}'));
    refused('{"live-restore":"yes"}', new RegExp(f + 'json: cannot unmarshal string into Go struct field Config.live-restore of type bool'));
    refused(
      '{"log-levle":"debug","max-concurrent-dowloads":3}',
      new RegExp(f + "the following directives don't match any configuration option: log-levle, max-concurrent-dowloads"),
    );
    refused('{"dns":["1.2.3"]}', /IP address is not correctly formatted: 1\.2\.3/);
    refused('{"runtimes":{"fast":{"path":"/nonexistent/crun"}}}', /runtime fast: \/nonexistent\/crun does not exist/);
    refused('{"storage-driver":"btrfs"}', /storage-driver "btrfs" is not supported by berth: berth stores containers and images with overlay2 only/);
    refused(
      '{"log-level":"warn"}',
      new RegExp(f + 'the following directives are specified both as a flag and in the configuration file: log-level: \\(from flag: debug, from file: warn\\)'),
      ['--log-level', 'debug'],
    );
    // positive control: the same daemon starts with a good file
    d.configure({ 'log-level': 'warn', 'storage-driver': 'overlay2', dns: ['1.2.3.4'] });
    await d.start();
    assert.equal(await d.ping(), true);
  });
});

describe('daemon-wide container defaults from daemon.json', () => {
  const plain = new TestDaemon('cfgplain');
  const d = new TestDaemon('cfgdefaults');
  const ok = okOf(d);
  const okPlain = okOf(plain);
  before(async () => {
    d.configure({
      'default-ulimits': { nofile: { Name: 'nofile', Soft: 1111, Hard: 2222 } },
      'default-shm-size': '32M',
      'no-new-privileges': true,
      'default-ipc-mode': 'shareable',
      'default-cgroupns-mode': 'private',
      labels: ['com.example.rack=r7', 'tier=test'],
      experimental: true,
      'shutdown-timeout': 5,
      features: { buildkit: false },
    });
    await Promise.all([d.start(), plain.start()]);
    await Promise.all([d.importBusybox(), plain.importBusybox()]);
  });
  after(async () => {
    await d.stop();
    await plain.stop();
  });

  const probe = 'ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1; grep NoNewPrivs /proc/self/status; readlink /proc/self/ns/cgroup';
  const hostCgroupNs = () => fs.readlinkSync('/proc/self/ns/cgroup');

  it('containers get the daemon defaults; a daemon without them does not', () => {
    const [n, hn, shm, nnp, cgns] = ok(['run', '--rm', 'busybox', 'sh', '-c', probe]).split('\n');
    assert.deepEqual([n, hn], ['1111', '2222']);
    assert.equal(shm.trim().split(/\s+/)[1], '32768', 'shm size 32M');
    assert.match(nnp, /NoNewPrivs:\s+1/);
    assert.notEqual(cgns, hostCgroupNs(), 'own cgroup namespace');
    const id = ok(['create', 'busybox', 'true']);
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}', id]), 'shareable private');
    ok(['rm', id]);
    // control: the plain daemon's containers
    const [pn, , pshm, pnnp, pcgns] = okPlain(['run', '--rm', 'busybox', 'sh', '-c', probe]).split('\n');
    assert.notEqual(pn, '1111');
    assert.equal(pshm.trim().split(/\s+/)[1], '65536', 'shm size 64M');
    assert.match(pnnp, /NoNewPrivs:\s+0/);
    assert.equal(pcgns, hostCgroupNs(), 'host cgroup namespace on this cgroup v1 host');
    const pid = okPlain(['create', 'busybox', 'true']);
    assert.equal(okPlain(['inspect', '-f', '{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}', pid]), 'private host');
    okPlain(['rm', pid]);
  });

  it("a container's own settings win over the daemon's", () => {
    const out = ok([
      'run',
      '--rm',
      '--ulimit',
      'nofile=500:600',
      '--shm-size',
      '8m',
      '--security-opt',
      'no-new-privileges=false',
      '--cgroupns',
      'host',
      'busybox',
      'sh',
      '-c',
      probe,
    ]).split('\n');
    assert.deepEqual(out.slice(0, 2), ['500', '600']);
    assert.equal(out[2].trim().split(/\s+/)[1], '8192');
    assert.match(out[3], /NoNewPrivs:\s+0/);
    assert.equal(out[4], hostCgroupNs());
    const id = ok(['create', '--ipc', 'private', 'busybox', 'true']);
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.IpcMode}}', id]), 'private');
    ok(['rm', id]);
  });

  it('labels and experimental show in info, version and the ping header', async () => {
    assert.equal(ok(['info', '-f', '{{json .Labels}}']), '["com.example.rack=r7","tier=test"]');
    assert.equal(ok(['info', '-f', '{{.ExperimentalBuild}}']), 'true');
    assert.equal(ok(['version', '-f', '{{.Server.Experimental}}']), 'true');
    assert.equal((await d.request('GET', '/_ping')).headers['docker-experimental'], 'true');
    assert.equal(okPlain(['info', '-f', '{{json .Labels}}']), '[]');
    // both CLIs print them in `info`
    for (const out of [ok(['info']), d.berth(['info']).stdout]) {
      assert.match(out, /\n Labels:\n  com\.example\.rack=r7\n  tier=test\n Experimental: true\n/);
    }
    for (const out of [okPlain(['info']), plain.berth(['info']).stdout]) {
      assert.doesNotMatch(out, /Labels:/);
      assert.match(out, /\n Experimental: false\n/);
    }
    assert.equal(okPlain(['version', '-f', '{{.Server.Experimental}}']), 'false');
  });
});

describe('SIGHUP reloads the configuration', () => {
  const d = new TestDaemon('cfgreload');
  const ok = okOf(d);
  const base = { runtimes: { alt: { path: '/usr/sbin/runc' } }, labels: ['gen=1'], 'max-concurrent-downloads': 2 };
  before(async () => {
    d.configure(base);
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const info = (f: string) => ok(['info', '-f', f]);
  const log = () => fs.readFileSync(d.logFile, 'utf8');

  it('applies log level, labels, mirrors, insecure registries, live-restore, default runtime and max-concurrent-*; the daemon keeps serving', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = ok(['run', '-d', 'busybox', 'sleep', '1000']);
    const pid = ok(['inspect', '-f', '{{.State.Pid}}', id]);
    assert.equal(
      info('{{json .Labels}} {{.Debug}} {{.LiveRestoreEnabled}} {{.DefaultRuntime}} {{json .RegistryConfig.Mirrors}}'),
      '["gen=1"] false false runc []',
    );
    d.configure({
      ...base,
      labels: ['gen=2', 'zone=b'],
      'log-level': 'debug',
      'registry-mirrors': ['http://127.0.0.1:5999'],
      'insecure-registries': ['10.99.0.0/16'],
      'live-restore': true,
      'default-runtime': 'alt',
      'max-concurrent-downloads': 7,
    });
    process.kill(d.pid!, 'SIGHUP');
    await waitFor(() => info('{{json .Labels}}') === '["gen=2","zone=b"]');
    assert.equal(info('{{.Debug}} {{.LiveRestoreEnabled}} {{.DefaultRuntime}} {{json .RegistryConfig.Mirrors}}'), 'true true alt ["http://127.0.0.1:5999/"]');
    assert.match(info('{{json .RegistryConfig.InsecureRegistryCIDRs}}'), /10\.99\.0\.0\/16/);
    const line = log()
      .split('\n')
      .find((l) => l.includes('reloaded configuration:'))!;
    assert.match(line, /log-level/);
    assert.match(JSON.parse(line).msg, /max-concurrent-downloads/);
    assert.deepEqual(JSON.parse(line).changed['max-concurrent-downloads'], { from: 2, to: 7 });
    // Docker's `daemon reload` event, with the settings now in effect
    const ev = ok([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'type=daemon',
      '--format',
      '{{.Action}} {{index .Actor.Attributes "labels"}} {{index .Actor.Attributes "max-concurrent-downloads"}}',
    ]);
    assert.equal(ev, 'reload ["gen=2","zone=b"] 7');
    // still serving: the running container untouched, a new one runs on the new default runtime
    assert.equal(ok(['inspect', '-f', '{{.State.Running}} {{.State.Pid}}', id]), `true ${pid}`);
    const c2 = ok(['run', '-d', 'busybox', 'sleep', '1000']);
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Runtime}} {{.State.Running}}', c2]), 'alt true');
    assert.equal(ok(['exec', id, 'echo', 'alive']), 'alive');
    ok(['rm', '-f', id, c2]);
  });

  it('a key only a restart applies is reported, not applied; a bad file changes nothing and the daemon stays up', async () => {
    d.configure({ ...base, labels: ['gen=3'], 'default-shm-size': '16M' });
    process.kill(d.pid!, 'SIGHUP');
    await waitFor(() => info('{{json .Labels}}') === '["gen=3"]');
    assert.match(log(), /takes effect at the next start: default-shm-size/);
    const shm = ok(['run', '--rm', 'busybox', 'sh', '-c', 'df -k /dev/shm | tail -1']).trim().split(/\s+/)[1];
    assert.equal(shm, '65536', 'shm size unchanged until a restart');
    fs.writeFileSync(path.join(path.dirname(d.socket), 'daemon.json'), '{"labels":["gen=4"],"live-restore":"yes"}');
    process.kill(d.pid!, 'SIGHUP');
    await waitFor(() =>
      /configuration not reloaded: unable to configure the Docker daemon with file .*cannot unmarshal string into Go struct field Config.live-restore of type bool/.test(
        log(),
      ),
    );
    assert.equal(info('{{json .Labels}}'), '["gen=3"]');
    assert.equal(await d.ping(), true);
  });
});
