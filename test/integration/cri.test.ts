// berth as a Kubernetes node runtime, driven by the real crictl (built by
// scripts/setup-tools.sh) over berthd's CRI socket: pods with CNI networking,
// containers sharing a pod's namespaces, exec, logs, images, and errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestDaemon, waitFor } from '../helpers/daemon';
import { freePort, freeSubnet16, httpGet } from '../helpers/net';
import { TestRegistry } from '../helpers/registry';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CRICTL = [process.env.CRICTL, path.join(REPO, 'tools', 'bin', 'crictl')].find((p) => p && fs.existsSync(p));
const PLUGINS = ['/usr/lib/cni', '/opt/cni/bin'].find((d) => fs.existsSync(path.join(d, 'bridge')));
const REFERENCE = [path.resolve(REPO, '..', '..', 'shared', 'reference', 'cri', 'api.proto'), '/work/shared/reference/cri/api.proto'].find((p) =>
  fs.existsSync(p),
);
const CATATONIT = fs.existsSync('/usr/bin/catatonit');
const skip = !CRICTL
  ? 'crictl is not built: run scripts/setup-tools.sh'
  : !PLUGINS
    ? 'CNI plugins are not installed (Debian containernetworking-plugins)'
    : !CATATONIT
      ? 'catatonit is not installed'
      : false;

const S = freeSubnet16();
const BRIDGE = `bcri-${Math.random().toString(16).slice(2, 8)}`;
const until = (what: string, fn: () => boolean, ms = 15000) => waitFor(fn, ms, 50, what);

describe('CRI through crictl', { skip }, () => {
  const d = new TestDaemon('cri');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cri-'));
  const sock = path.join(base, 'cri.sock');
  const netd = path.join(base, 'net.d');
  const ipamDir = path.join(base, 'ipam');
  const logs = path.join(base, 'pods');
  const conflist = path.join(netd, '10-berth-test.conflist');
  let reg: TestRegistry;
  const daemonArgs = () => ['--cri-socket', `unix://${sock}`, '--cni-conf-dir', netd, '--cni-bin-dir', PLUGINS!];
  const netconf = (bridgePlugin = 'bridge') =>
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'berth-cri-test',
      plugins: [
        {
          type: bridgePlugin,
          bridge: BRIDGE,
          isGateway: true,
          ipMasq: false,
          ipam: { type: 'host-local', dataDir: ipamDir, ranges: [[{ subnet: `${S}.0.0/24` }]] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    });

  const crictl = (args: string[], timeout = 60000) => {
    const r = spawnSync(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, '--image-endpoint', `unix://${sock}`, '--timeout', '30s', ...args], {
      encoding: 'utf8',
      timeout,
      env: { ...process.env, HOME: base },
    });
    return {
      status: r.status ?? -1,
      stdout: r.stdout ?? '',
      stderr: (r.stderr ?? '')
        .split('\n')
        .filter((l) => !/level=warning/.test(l))
        .join('\n'),
    };
  };
  const ok = (args: string[]) => {
    const r = crictl(args);
    assert.equal(r.status, 0, `crictl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const file = (name: string, v: unknown) => {
    const p = path.join(base, name);
    fs.writeFileSync(p, JSON.stringify(v));
    return p;
  };
  const podConfig = (name: string, extra: Record<string, unknown> = {}) =>
    file(`${name}-pod.json`, {
      metadata: { name, namespace: 'berth-test', uid: `uid-${name}`, attempt: 0 },
      hostname: name,
      log_directory: path.join(logs, name),
      linux: {},
      ...extra,
    });
  const ctrConfig = (name: string, command: string[], extra: Record<string, unknown> = {}) =>
    file(`${name}-ctr.json`, { metadata: { name }, image: { image: 'busybox:latest' }, command, log_path: `${name}.log`, linux: {}, ...extra });

  /** A gRPC client on the contract's own proto: sends what crictl would refuse to. */
  const rawClient = () => {
    const def = protoLoader.loadSync(REFERENCE!, { keepCase: true, longs: Number, enums: String, defaults: true });
    const v1 = (grpc.loadPackageDefinition(def) as any).runtime.v1; // eslint-disable-line @typescript-eslint/no-explicit-any
    const rt = new v1.RuntimeService(`unix://${sock}`, grpc.credentials.createInsecure());
    const im = new v1.ImageService(`unix://${sock}`, grpc.credentials.createInsecure());
    const on =
      (svc: any) =>
      (
        m: string,
        req: unknown, // eslint-disable-line @typescript-eslint/no-explicit-any
      ) =>
        new Promise<{ code: number; details: string; res?: Record<string, unknown> }>((resolve) =>
          svc[m](req, { deadline: Date.now() + 30000 }, (e: grpc.ServiceError | null, res: Record<string, unknown>) =>
            resolve(e ? { code: e.code, details: e.details } : { code: 0, details: '', res }),
          ),
        );
    const unaryMethods = (svc: any) =>
      Object.entries(svc.service as Record<string, { requestStream: boolean; responseStream: boolean }>)
        .filter(([, m]) => !m.requestStream && !m.responseStream)
        .map(([k]) => k); // eslint-disable-line @typescript-eslint/no-explicit-any
    return {
      call: on(rt),
      callImage: on(im),
      runtimeMethods: unaryMethods(v1.RuntimeService),
      imageMethods: unaryMethods(v1.ImageService),
      close: () => (rt.close(), im.close()),
    };
  };

  before(async () => {
    fs.mkdirSync(netd);
    fs.writeFileSync(conflist, netconf());
    reg = await TestRegistry.start();
    await d.start(daemonArgs());
    await d.importBusybox();
  });
  after(async () => {
    for (const id of crictl(['pods', '-q']).stdout.split('\n').filter(Boolean)) crictl(['rmp', '-f', id]);
    await d.stop();
    await reg?.stop();
    spawnSync('ip', ['link', 'del', BRIDGE]);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('reports the runtime and the network ready', () => {
    assert.match(ok(['version']), /RuntimeName:\s+berth[\s\S]*RuntimeApiVersion:\s+v1/);
    const info = JSON.parse(ok(['info']));
    const cond = Object.fromEntries(info.status.conditions.map((c: { type: string; status: boolean }) => [c.type, c.status]));
    assert.deepEqual(cond, { RuntimeReady: true, NetworkReady: true });
    assert.match(ok(['runtime-config']), /cgroupfs|systemd/i);
  });

  it('runs a pod of two containers that share its network, IPC and hostname; logs and exec', async () => {
    const pod = ok(['runp', podConfig('web')]);
    assert.match(pod, /^[0-9a-f]{64}$/);
    const sb = JSON.parse(ok(['inspectp', pod]));
    assert.equal(sb.status.state, 'SANDBOX_READY');
    assert.equal(sb.status.metadata.name, 'web');
    const ip: string = sb.status.network.ip;
    assert.ok(ip.startsWith(`${S}.0.`), `pod IP ${ip} is from the conflist's subnet`);

    const server = ok([
      'create',
      pod,
      ctrConfig('server', ['sh', '-c', 'echo hello-out; echo hello-err >&2; mkdir -p /www; echo from-server > /www/index.html; exec httpd -f -p 8080 -h /www']),
      podConfig('web'),
    ]);
    const client = ok(['create', pod, ctrConfig('client', ['sleep', '1000']), podConfig('web')]);
    ok(['start', server]);
    ok(['start', client]);
    const ps = ok(['ps', '--pod', pod, '-o', 'json']);
    assert.deepEqual(
      JSON.parse(ps).containers.map((c: { state: string }) => c.state),
      ['CONTAINER_RUNNING', 'CONTAINER_RUNNING'],
    );

    // the client reaches the server on localhost: one network namespace
    let page = '';
    await until('the server to answer on localhost', () => {
      const r = crictl(['exec', '-s', client, 'wget', '-qO-', 'http://127.0.0.1:8080/']);
      page = r.stdout;
      return r.status === 0;
    });
    assert.equal(page.trim(), 'from-server');
    assert.equal(ok(['exec', '-s', client, 'hostname']), 'web');
    assert.match(ok(['exec', '-s', client, 'ip', '-4', 'addr', 'show', 'eth0']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`));
    // IPC: both see the pod's namespace (same inode)
    assert.equal(ok(['exec', '-s', client, 'readlink', '/proc/self/ns/ipc']), ok(['exec', '-s', server, 'readlink', '/proc/self/ns/ipc']));
    // exit codes and stderr come back apart
    const r = crictl(['exec', '-s', client, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /exited with 3/);

    // logs: CRI format at <log_directory>/<log_path>, read by crictl
    const logPath = path.join(logs, 'web', 'server.log');
    await until('the server log', () => fs.existsSync(logPath) && fs.readFileSync(logPath, 'utf8').includes('hello-err'));
    assert.match(fs.readFileSync(logPath, 'utf8'), /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d) stdout F hello-out$/m);
    assert.match(fs.readFileSync(logPath, 'utf8'), / stderr F hello-err$/m);
    const lr = crictl(['logs', server]);
    assert.equal(lr.stdout.trim(), 'hello-out');
    assert.match(lr.stderr, /hello-err/);
    assert.equal(JSON.parse(ok(['inspect', server])).status.logPath, logPath);

    // berth sees the pod's parts as containers, with Kubernetes' names
    const names = d.berth(['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(names, ['k8s_POD_web_berth-test_uid-web_0', 'k8s_client_web_berth-test_uid-web_0', 'k8s_server_web_berth-test_uid-web_0']);

    // stop: TERM, then KILL after the timeout; the status says how it ended
    const stubborn = ok(['create', pod, ctrConfig('stubborn', ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 1; done']), podConfig('web')]);
    ok(['start', stubborn]);
    await until('the trap to be set', () => crictl(['logs', stubborn]).stdout.includes('ready'));
    ok(['stop', '--timeout', '1', stubborn]);
    const st = JSON.parse(ok(['inspect', stubborn])).status;
    assert.equal(st.state, 'CONTAINER_EXITED');
    assert.equal(st.exitCode, 137);
    assert.equal(st.reason, 'Error');
    ok(['rm', stubborn]);
    assert.match(crictl(['inspect', stubborn]).stderr, /NotFound/);

    // teardown: stopping the pod stops its containers and releases its address
    const ipFile = path.join(ipamDir, 'berth-cri-test', ip);
    assert.ok(fs.existsSync(ipFile), 'host-local holds the pod address');
    ok(['stopp', pod]);
    assert.equal(JSON.parse(ok(['inspectp', pod])).status.state, 'SANDBOX_NOTREADY');
    assert.deepEqual(
      JSON.parse(ok(['ps', '-a', '--pod', pod, '-o', 'json'])).containers.map((c: { state: string }) => c.state),
      ['CONTAINER_EXITED', 'CONTAINER_EXITED'],
    );
    assert.ok(!fs.existsSync(ipFile), 'the address went back to the pool');
    ok(['rmp', pod]);
    assert.equal(ok(['pods', '-q']), '');
    assert.equal(d.berth(['ps', '-aq']).stdout.trim(), '');
  });

  for (const transport of ['spdy', 'websocket'] as const) {
    it(`streams exec and attach over ${transport === 'spdy' ? "SPDY/3.1 (crictl's default)" : 'WebSocket (v5.channel.k8s.io)'}: output, input, terminals, exit codes`, () => {
      const pod = ok(['runp', podConfig(`stream-${transport}`)]);
      try {
        const c = ok(['create', pod, ctrConfig('target', ['sleep', '1000']), podConfig(`stream-${transport}`)]);
        ok(['start', c]);
        // spdy is crictl's default: it is not named, as a user would not
        const flags = transport === 'spdy' ? [] : ['--transport', transport];
        const run = (cmd: 'exec' | 'attach', args: string[], input?: string) => {
          const r = spawnSync(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, '--timeout', '30s', cmd, ...flags, ...args], {
            encoding: 'utf8',
            input,
            timeout: 60000,
            env: { ...process.env, HOME: base },
          });
          return {
            status: r.status,
            stdout: r.stdout,
            stderr: r.stderr
              .split('\n')
              .filter((l) => !/level=warning/.test(l))
              .join('\n'),
          };
        };
        let r = run('exec', [c, 'sh', '-c', 'echo to-out; echo to-err >&2']);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, 'to-out\n');
        assert.match(r.stderr, /to-err/);
        r = run('exec', ['-i', c, 'sh', '-c', 'tr a-z A-Z'], 'piped through\n');
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, 'PIPED THROUGH\n');
        // more than one DATA frame / WebSocket message each way, intact
        const big = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join('\n') + '\n';
        r = run('exec', ['-i', c, 'cat'], big);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, big);
        // the exit code travels in the final status; crictl reports it and exits 1 (it passes codes on only with -s)
        r = run('exec', [c, 'sh', '-c', 'exit 3']);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /command terminated with exit code 3/);
        // a terminal: crictl needs one on its side too (script gives it a pty); its size travels on the resize channel
        const t = spawnSync(
          'script',
          ['-qec', `stty rows 30 cols 100; ${CRICTL} --runtime-endpoint unix://${sock} exec -it ${flags.join(' ')} ${c} sh -c 'tty; stty size'`, '/dev/null'],
          { encoding: 'utf8', timeout: 60000, input: '', env: { ...process.env, HOME: base } },
        );
        assert.equal(t.status, 0, t.stdout + t.stderr);
        assert.match(t.stdout, /\/dev\/pts\/\d+/);
        assert.match(t.stdout, /^30 100\r?$/m);
        // attach: the container's own stdio; its end (stdin closed once) ends the session
        const echo = ok([
          'create',
          pod,
          ctrConfig('echo', ['sh', '-c', 'while read l; do echo got-$l; done; echo bye'], { stdin: true, stdin_once: true }),
          podConfig(`stream-${transport}`),
        ]);
        ok(['start', echo]);
        const ar = run('attach', ['-i', echo], 'one\ntwo\n');
        assert.equal(ar.status, 0, ar.stderr);
        assert.equal(ar.stdout, 'got-one\ngot-two\nbye\n');
        assert.equal(JSON.parse(ok(['inspect', echo])).status.state, 'CONTAINER_EXITED');
      } finally {
        ok(['rmp', '-f', pod]);
      }
    });
  }

  it('forwards a local port into a pod (crictl port-forward, SPDY portforward.k8s.io)', async () => {
    const pod = ok(['runp', podConfig('forward')]);
    const local = await freePort();
    const closed = await freePort();
    const procs: ChildProcess[] = [];
    const forward = (spec: string) => {
      const p = spawn(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, 'port-forward', pod, spec], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: base },
      });
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      p.stderr!.on('data', (d) => (out += d));
      procs.push(p);
      return () => out;
    };
    try {
      const c = ok([
        'create',
        pod,
        ctrConfig('web', ['sh', '-c', 'mkdir -p /www; echo forwarded > /www/index.html; exec httpd -f -p 8080 -h /www']),
        podConfig('forward'),
      ]);
      ok(['start', c]);
      const out = forward(`${local}:8080`);
      await until('crictl to listen', () => /Forwarding from 127\.0\.0\.1/.test(out()));
      let body = '';
      await until('the forwarded port to answer', () => {
        void httpGet(`http://127.0.0.1:${local}/`, 2000).then(
          (b) => (body = b),
          () => {},
        );
        return body.trim() === 'forwarded';
      });
      // one SPDY session, a stream pair per connection: more connections through it
      for (let i = 0; i < 3; i++) assert.equal((await httpGet(`http://127.0.0.1:${local}/`)).trim(), 'forwarded');
      assert.match(out(), /Handling connection/);
      // nothing listens on 8081 in the pod: the error travels on the error stream, crictl reports it
      const out2 = forward(`${closed}:8081`);
      await until('crictl to listen', () => /Forwarding from 127\.0\.0\.1/.test(out2()));
      await assert.rejects(httpGet(`http://127.0.0.1:${closed}/`, 5000));
      await until('the forwarding error', () => /error forwarding port 8081 to pod/.test(out2()));
    } finally {
      for (const p of procs) p.kill();
      crictl(['rmp', '-f', pod]);
    }
  });

  it('publishes a pod port through the portmap plugin, and takes it back with the pod', async () => {
    const natBefore = spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout;
    const hadChains = /CNI-HOSTPORT-DNAT/.test(natBefore);
    const port = await freePort();
    const gw = `${S}.0.1`;
    const pod = ok(['runp', podConfig('ports', { port_mappings: [{ protocol: 0, container_port: 8080, host_port: port, host_ip: gw }] })]);
    try {
      const c = ok([
        'create',
        pod,
        ctrConfig('web', ['sh', '-c', 'mkdir -p /www; echo published > /www/index.html; exec httpd -f -p 8080 -h /www']),
        podConfig('ports'),
      ]);
      ok(['start', c]);
      let body = '';
      await until('the published port to answer', () => {
        void httpGet(`http://${gw}:${port}/`, 2000).then(
          (b) => (body = b),
          () => {},
        );
        return body.trim() === 'published';
      });
      ok(['rmp', '-f', pod]);
      assert.doesNotMatch(
        spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).stdout,
        new RegExp(`--dport ${port}\\b`),
        'the DNAT rule went with the pod',
      );
    } finally {
      crictl(['rmp', '-f', pod]);
      if (!hadChains) {
        // portmap leaves its (now empty) top-level chains behind: they were made by this test
        for (const [chain, hook] of [
          ['CNI-HOSTPORT-DNAT', 'PREROUTING'],
          ['CNI-HOSTPORT-DNAT', 'OUTPUT'],
          ['CNI-HOSTPORT-MASQ', 'POSTROUTING'],
        ]) {
          const rules = spawnSync('iptables', ['-t', 'nat', '-S', hook], { encoding: 'utf8' })
            .stdout.split('\n')
            .filter((l) => l.includes(`-j ${chain}`));
          // the rules carry quoted comments: the shell splits them as iptables-save wrote them
          for (const r of rules) spawnSync('sh', ['-c', `iptables -t nat ${r.replace(/^-A /, '-D ')}`]);
        }
        for (const chain of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ']) {
          spawnSync('iptables', ['-t', 'nat', '-F', chain]);
          spawnSync('iptables', ['-t', 'nat', '-X', chain]);
        }
      }
    }
  });

  it('runs a command with a deadline', () => {
    const pod = ok(['runp', podConfig('deadline')]);
    const c = ok(['create', pod, ctrConfig('sleeper', ['sleep', '1000']), podConfig('deadline')]);
    ok(['start', c]);
    assert.equal(ok(['exec', '-s', '--timeout', '20', c, 'echo', 'in-time']), 'in-time');
    const r = crictl(['exec', '-s', '--timeout', '1', c, 'sleep', '30']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /DeadlineExceeded|timed out/);
    ok(['rmp', '-f', pod]);
  });

  it('reports container stats and updates resources in place', async () => {
    const pod = ok(['runp', podConfig('stats')]);
    const c = ok(['create', pod, ctrConfig('busy', ['sh', '-c', 'head -c 20000000 /dev/zero > /tmp/f; while true; do :; done']), podConfig('stats')]);
    ok(['start', c]);
    type V = { value: string };
    let s:
      | { cpu: { usageCoreNanoSeconds: V }; memory: { usageBytes: V; workingSetBytes: V }; writableLayer: { usedBytes: V }; attributes: { id: string } }
      | undefined;
    await until('CPU time, memory and the written file to show', () => {
      s = JSON.parse(ok(['stats', '-o', 'json', '--id', c])).stats[0];
      return (
        !!s &&
        Number(s.cpu.usageCoreNanoSeconds.value) > 0 &&
        Number(s.memory.usageBytes.value) > 10_000_000 &&
        Number(s.writableLayer.usedBytes.value) >= 20_000_000
      );
    });
    // the file is page cache the kernel can drop: not in the working set
    assert.ok(Number(s!.memory.workingSetBytes.value) < Number(s!.memory.usageBytes.value));
    assert.equal(s!.attributes.id, c);
    try {
      // the pod: its containers summed with the infra, its interfaces, its processes
      let ps: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      await until('pod stats with CPU and memory', () => {
        ps = JSON.parse(ok(['statsp', '-o', 'json', '--id', pod])).stats[0];
        return !!ps?.linux?.cpu && Number(ps.linux.memory.usageBytes.value) >= Number(s!.memory.usageBytes.value);
      });
      assert.equal(ps.attributes.id, pod);
      assert.equal(ps.attributes.metadata.name, 'stats');
      assert.equal(ps.linux.network.defaultInterface.name, 'eth0');
      assert.ok(Number(ps.linux.process.processCount.value) >= 2, 'catatonit and the shell');
      assert.deepEqual(
        ps.linux.containers.map((x: { attributes: { id: string } }) => x.attributes.id),
        [c],
      );
      ok(['update', '--memory', '67108864', '--cpu-quota', '50000', '--cpu-period', '100000', c]);
      // the container's own view of its cgroup (cgroup v2, private cgroup namespace)
      const limits = ok([
        'exec',
        '-s',
        c,
        'sh',
        '-c',
        'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
      ]);
      assert.match(limits, /^67108864$/m);
      if (limits.includes(' ')) assert.match(limits, /^50000 100000$/m);
    } finally {
      ok(['rmp', '-f', pod]);
    }
  });

  it('lists pods and containers by id prefix, state and labels', () => {
    const a = ok(['runp', podConfig('lista', { labels: { app: 'a', tier: 'x' } })]);
    const b = ok(['runp', podConfig('listb', { labels: { app: 'b' } })]);
    assert.deepEqual(ok(['pods', '-q', '--label', 'app=a']).split('\n'), [a]);
    assert.deepEqual(ok(['pods', '-q', '--id', b.slice(0, 10)]).split('\n'), [b]);
    assert.equal(ok(['pods', '-q', '--label', 'app=zzz']), '');
    ok(['stopp', b]);
    assert.deepEqual(ok(['pods', '-q', '--state', 'ready']).split('\n'), [a]);
    assert.deepEqual(ok(['pods', '-q', '--state', 'notready']).split('\n'), [b]);
    const c = ok(['create', a, ctrConfig('labelled', ['sleep', '1000'], { labels: { role: 'db' } }), podConfig('lista')]);
    assert.deepEqual(ok(['ps', '-a', '-q', '--label', 'role=db']).split('\n'), [c]);
    assert.deepEqual(ok(['ps', '-a', '-q', '--state', 'created']).split('\n'), [c]);
    assert.equal(ok(['ps', '-q', '--state', 'running']), '');
    assert.deepEqual(JSON.parse(ok(['inspectp', a])).status.labels, { app: 'a', tier: 'x' });
    ok(['rmp', '-f', a]);
    ok(['rmp', '-f', b]);
  });

  it('pulls, lists, inspects and removes images in the store berth uses', async () => {
    assert.equal(d.docker(['tag', 'busybox:latest', `${reg.host}/cri/bb:v1`]).status, 0);
    assert.equal(d.docker(['push', `${reg.host}/cri/bb:v1`]).status, 0);
    assert.equal(d.docker(['rmi', `${reg.host}/cri/bb:v1`]).status, 0);
    assert.equal(crictl(['inspecti', `${reg.host}/cri/bb:v1`]).status, 1);
    const pulled = ok(['pull', `${reg.host}/cri/bb:v1`]);
    assert.match(pulled, /Image is up to date for sha256:[0-9a-f]{64}/);
    assert.match(ok(['images']), new RegExp(`${reg.host}/cri/bb\\s+v1`));
    assert.match(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout, new RegExp(`${reg.host}/cri/bb:v1`));
    const img = JSON.parse(ok(['inspecti', `${reg.host}/cri/bb:v1`]));
    assert.ok(img.status.repoTags.includes(`${reg.host}/cri/bb:v1`), img.status.repoTags.join());
    assert.ok(img.status.repoTags.includes('docker.io/library/busybox:latest'), 'the same image, pushed and pulled back');
    assert.match(ok(['imagefsinfo']), /usedBytes/);
    ok(['rmi', `${reg.host}/cri/bb:v1`]);
    // the image goes with all its names, as with containerd's CRI
    assert.doesNotMatch(ok(['images']), /cri\/bb|busybox/);
    assert.equal(d.docker(['image', 'inspect', 'busybox:latest']).status, 1);
    await d.importBusybox();
    assert.match(crictl(['pull', `${reg.host}/cri/none:v1`]).stderr, /not found|unknown/i);
  });

  it('answers NotFound for unknown ids and images, Unimplemented for what it does not serve', () => {
    const unknown = 'f'.repeat(64);
    for (const args of [
      ['inspectp', unknown],
      ['inspect', unknown],
      ['start', unknown],
    ]) {
      const r = crictl(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, /code = NotFound/, args.join(' '));
    }
    // stopping is idempotent (the CRI contract, critest's Idempotence): what is gone is stopped
    for (const args of [
      ['stop', unknown],
      ['stopp', unknown],
    ])
      assert.equal(crictl(args).status, 0, args.join(' '));
    const pod = ok(['runp', podConfig('bad')]);
    const missingImage = ctrConfig('missing', ['true'], { image: { image: 'no-such-image:v9' } });
    assert.match(crictl(['create', pod, missingImage, podConfig('bad')]).stderr, /code = NotFound/);
    // a good config in the same pod still works (control)
    const c = ok(['create', pod, ctrConfig('good', ['true']), podConfig('bad')]);
    assert.match(c, /^[0-9a-f]{64}$/);
    assert.match(crictl(['metricdescs']).stderr, /code = Unimplemented/);
    assert.match(crictl(['port-forward', 'no-such-pod', '8080:80']).stderr, /code = NotFound/);
    ok(['rmp', '-f', pod]);
  });

  it("answers InvalidArgument with what is wrong to a client that skips crictl's checks", { skip: !REFERENCE && 'no reference api.proto' }, async () => {
    // crictl validates names itself: a raw gRPC client (the contract's proto) sends what crictl would not
    const { call, close } = rawClient();
    try {
      let r = await call('RunPodSandbox', { config: { metadata: { namespace: 'x', uid: 'u' } } });
      assert.deepEqual([r.code, r.details], [grpc.status.INVALID_ARGUMENT, 'sandbox config must include metadata.name']);
      r = await call('RunPodSandbox', { config: {} });
      assert.deepEqual([r.code, r.details], [grpc.status.INVALID_ARGUMENT, 'sandbox config must include metadata']);
      r = await call('RunPodSandbox', {
        config: { metadata: { name: 'raw', namespace: 'berth-test', uid: 'uid-raw' }, log_directory: path.join(logs, 'raw') },
      });
      assert.equal(r.code, 0, r.details);
      const pod = r.res!.pod_sandbox_id as string;
      r = await call('CreateContainer', { pod_sandbox_id: pod, config: { metadata: { name: 'x' }, command: ['true'] } });
      assert.deepEqual([r.code, r.details], [grpc.status.INVALID_ARGUMENT, 'container config must include image']);
      r = await call('CreateContainer', {
        pod_sandbox_id: pod,
        config: { metadata: { name: 'x' }, image: { image: 'busybox:latest' }, mounts: [{ container_path: 'rel', host_path: '/tmp' }] },
      });
      assert.deepEqual([r.code, r.details], [grpc.status.INVALID_ARGUMENT, 'mount container path "rel" must be absolute']);
      r = await call('CreateContainer', { pod_sandbox_id: pod, config: { metadata: { name: 'x' }, image: { image: 'busybox:latest' }, command: ['true'] } });
      assert.equal(r.code, 0, r.details);
      r = await call('ListMetricDescriptors', {});
      assert.equal(r.code, grpc.status.UNIMPLEMENTED);
      r = await call('RemovePodSandbox', { pod_sandbox_id: pod });
      assert.equal(r.code, 0, r.details);
      // removal is idempotent, as the CRI requires
      r = await call('RemovePodSandbox', { pod_sandbox_id: pod });
      assert.equal(r.code, 0, r.details);
    } finally {
      close();
    }
  });

  it('answers every unary RPC, sent nothing or unknown ids, with a status of the contract, and stays up', {
    skip: !REFERENCE && 'no reference api.proto',
  }, async () => {
    const { call, callImage, runtimeMethods, imageMethods, close } = rawClient();
    const unknown = 'f'.repeat(64);
    // an image name on the test registry (nothing leaves the host)
    const junk = {
      container_id: unknown,
      pod_sandbox_id: unknown,
      image: { image: `${reg.host}/none/none:v0` },
      cmd: ['true'],
      stdout: true,
      port: [80],
      timeout: 1,
    };
    const byId = [
      'ContainerStatus',
      'PodSandboxStatus',
      'StartContainer',
      'UpdateContainerResources',
      'ReopenContainerLog',
      'ExecSync',
      'Exec',
      'Attach',
      'PortForward',
      'ContainerStats',
      'PodSandboxStats',
      'CreateContainer',
    ];
    const idempotent = ['StopContainer', 'RemoveContainer', 'StopPodSandbox', 'RemovePodSandbox'];
    const allowed = new Set([grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.UNIMPLEMENTED, grpc.status.FAILED_PRECONDITION]);
    const seen: Record<string, [number, number]> = {};
    const bad: string[] = [];
    try {
      for (const [methods, fn] of [
        [runtimeMethods, call],
        [imageMethods, callImage],
      ] as const) {
        for (const m of methods) {
          const empty = await fn(m, {});
          const ids = await fn(m, junk);
          seen[m] = [empty.code, ids.code];
          for (const r of [empty, ids]) {
            // a JavaScript fault would surface as UNKNOWN or INTERNAL with its own words
            if (/TypeError|Cannot read|is not a function|undefined/.test(r.details)) bad.push(`${m}: ${r.details}`);
            if (!allowed.has(r.code) && !(m === 'PullImage' && r === ids && r.code === grpc.status.NOT_FOUND)) bad.push(`${m}: code ${r.code} ${r.details}`);
          }
        }
      }
      assert.deepEqual(bad, []);
      for (const m of byId) assert.deepEqual(seen[m], [grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND], m);
      for (const m of idempotent) assert.equal(seen[m][1], grpc.status.OK, m);
      assert.equal(seen.PullImage[1], grpc.status.NOT_FOUND);
      assert.equal(seen.RunPodSandbox[0], grpc.status.INVALID_ARGUMENT);
      assert.deepEqual(seen.Version, [0, 0]);
      // positive control: the same client gets real answers
      const v = await call('Version', {});
      assert.equal(v.res?.runtime_name, 'berth');
      assert.equal(d.pid !== undefined && fs.existsSync(`/proc/${d.pid}`), true, 'berthd is still running');
    } finally {
      close();
    }
  });

  it('refuses bad container and pod configs with InvalidArgument saying what is wrong, and keeps nothing of them', {
    skip: !REFERENCE && 'no reference api.proto',
  }, async () => {
    const { call, close } = rawClient();
    const before = d.berth(['ps', '-aq']).stdout;
    const r0 = await call('RunPodSandbox', {
      config: { metadata: { name: 'badcfg', namespace: 'berth-test', uid: 'uid-badcfg' }, log_directory: path.join(logs, 'badcfg') },
    });
    assert.equal(r0.code, 0, r0.details);
    const pod = r0.res!.pod_sandbox_id as string;
    const ctr = (extra: Record<string, unknown>) => ({
      pod_sandbox_id: pod,
      config: { metadata: { name: 'c' }, image: { image: 'busybox:latest' }, command: ['true'], ...extra },
    });
    const sec = (sc: Record<string, unknown>) => ctr({ linux: { security_context: sc } });
    try {
      const cases: Array<[string, Record<string, unknown>, string | RegExp]> = [
        ['CreateContainer', sec({ run_as_group: { value: 1002 } }), 'user group "1002" is specified without user or username'],
        ['CreateContainer', sec({ seccomp: { profile_type: 'Localhost' } }), 'seccomp profile type Localhost needs a localhost_ref'],
        [
          'CreateContainer',
          sec({ seccomp: { profile_type: 'Localhost', localhost_ref: path.join(base, 'no-such-profile.json') } }),
          /^cannot load seccomp profile ".*no-such-profile\.json": ENOENT/,
        ],
        ['CreateContainer', sec({ seccomp_profile_path: 'bogus' }), 'unknown seccomp profile path "bogus"'],
        ['CreateContainer', ctr({ envs: [{ key: '', value: Buffer.from('x') }] }), 'environment variable with an empty name'],
        ['CreateContainer', ctr({ mounts: [{ container_path: '/data', host_path: '' }] }), 'mount for "/data" has no host path'],
        ['CreateContainer', ctr({ metadata: {} }), 'container config must include metadata.name'],
        [
          'RunPodSandbox',
          { config: { metadata: { name: 'p', namespace: 'n', uid: 'u' }, port_mappings: [{ container_port: 70000 }] } },
          'invalid container port 70000',
        ],
        [
          'RunPodSandbox',
          { config: { metadata: { name: 'p', namespace: 'n', uid: 'u' } }, runtime_handler: 'no-such-handler' },
          'no runtime for "no-such-handler" is configured',
        ],
        ['RunPodSandbox', { config: { metadata: { name: 'p', uid: 'u' } } }, 'sandbox config must include metadata.namespace'],
      ];
      for (const [m, req, msg] of cases) {
        const r = await call(m, req);
        assert.equal(r.code, grpc.status.INVALID_ARGUMENT, `${JSON.stringify(req)}: ${r.details}`);
        if (typeof msg === 'string') assert.equal(r.details, msg);
        else assert.match(r.details, msg);
      }
      // nothing was made of them: only the pod's infra container is new
      assert.deepEqual(d.berth(['ps', '-aq']).stdout.split('\n').filter(Boolean).sort(), [...before.split('\n').filter(Boolean), pod.slice(0, 12)].sort());
      // positive control: the same pod takes a good config with a user and a group
      const good = await call('CreateContainer', sec({ run_as_user: { value: 1000 }, run_as_group: { value: 1002 } }));
      assert.equal(good.code, 0, good.details);
    } finally {
      close();
      ok(['rmp', '-f', pod]);
    }
  });

  it('masks and makes read-only the paths the security context names (and only those)', () => {
    const pod = ok(['runp', podConfig('masked')]);
    try {
      const sc = { masked_paths: ['/etc/passwd', '/home'], readonly_paths: ['/tmp'] };
      const c = ok(['create', pod, ctrConfig('masked', ['sleep', '1000'], { linux: { security_context: sc } }), podConfig('masked')]);
      const plain = ok(['create', pod, ctrConfig('plain', ['sleep', '1000']), podConfig('masked')]);
      ok(['start', c]);
      ok(['start', plain]);
      const exec = (id: string, cmd: string) => crictl(['exec', '-s', id, 'sh', '-c', cmd]);
      // a masked file reads empty, a masked directory lists empty; a read-only path refuses writes
      // (crictl prints a newline after each stream, empty or not)
      assert.equal(exec(c, 'cat /etc/passwd').stdout.trim(), '');
      assert.equal(exec(c, 'ls -A /home').stdout.trim(), '');
      const w = exec(c, 'touch /tmp/x');
      assert.notEqual(w.status, 0);
      assert.match(w.stdout + w.stderr, /Read-only file system/);
      // the same image without them (control)
      assert.match(exec(plain, 'cat /etc/passwd').stdout, /^root:/);
      assert.match(exec(plain, 'ls -A /home').stdout, /berth/);
      assert.equal(exec(plain, 'touch /tmp/x').status, 0);
    } finally {
      ok(['rmp', '-f', pod]);
    }
  });

  it('reopens a container log the kubelet moved away', async () => {
    const { call, close } = rawClient();
    const pod = ok(['runp', podConfig('reopen')]);
    try {
      const c = ok(['create', pod, ctrConfig('ticker', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.1; done']), podConfig('reopen')]);
      ok(['start', c]);
      const log = path.join(logs, 'reopen', 'ticker.log');
      await until('ticks in the log', () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('tick-2'));
      // OK means a new file is at the log path; where none can be made (its directory
      // gone), the answer is an error, not an OK that the kubelet would trust
      const dir = path.dirname(log);
      fs.renameSync(dir, `${dir}.away`);
      try {
        const refused = await call('ReopenContainerLog', { container_id: c });
        assert.notEqual(refused.code, 0, 'ReopenContainerLog answered OK with no log file to write');
        assert.equal(fs.existsSync(log), false);
      } finally {
        fs.renameSync(`${dir}.away`, dir);
      }
      fs.renameSync(log, `${log}.1`);
      assert.equal(fs.existsSync(log), false);
      const r = await call('ReopenContainerLog', { container_id: c });
      assert.equal(r.code, 0, r.details);
      // the kubelet (and critest) look for the new file as soon as the call returns
      assert.equal(fs.existsSync(log), true, 'the new log file exists when ReopenContainerLog answers');
      await until('new ticks in a new file', () => fs.existsSync(log) && / stdout F tick-\d+$/m.test(fs.readFileSync(log, 'utf8')));
      const moved = fs.readFileSync(`${log}.1`, 'utf8');
      const fresh = fs.readFileSync(log, 'utf8');
      const last = (t: string, first: boolean) => Number((first ? t.match(/tick-(\d+)/) : [...t.matchAll(/tick-(\d+)/g)].pop())![1]);
      assert.ok(last(fresh, true) > last(moved, false), 'the new file continues where the moved one ended');
      ok(['stop', c]);
      const stopped = await call('ReopenContainerLog', { container_id: c });
      assert.equal(stopped.code, grpc.status.FAILED_PRECONDITION);
    } finally {
      close();
      ok(['rmp', '-f', pod]);
    }
  });

  it('runs a pod in the host network namespace, and one whose containers share its PID namespace', () => {
    const host = ok(['runp', podConfig('hostnet', { linux: { security_context: { namespace_options: { network: 2 } } } })]);
    try {
      assert.equal(JSON.parse(ok(['inspectp', host])).status.linux.namespaces.options.network, 'NODE');
      const c = ok(['create', host, ctrConfig('h', ['sleep', '1000']), podConfig('hostnet')]);
      ok(['start', c]);
      assert.equal(ok(['exec', '-s', c, 'hostname']), os.hostname());
      assert.equal(ok(['exec', '-s', c, 'readlink', '/proc/self/ns/net']), fs.readlinkSync('/proc/self/ns/net'));
    } finally {
      ok(['rmp', '-f', host]);
    }
    const shared = ok(['runp', podConfig('sharedpid', { linux: { security_context: { namespace_options: { pid: 0 } } } })]);
    try {
      const a = ok([
        'create',
        shared,
        ctrConfig('a', ['sleep', '1001'], { linux: { security_context: { namespace_options: { pid: 0 } } } }),
        podConfig('sharedpid'),
      ]);
      const b = ok([
        'create',
        shared,
        ctrConfig('b', ['sleep', '1002'], { linux: { security_context: { namespace_options: { pid: 1 } } } }),
        podConfig('sharedpid'),
      ]);
      ok(['start', a]);
      ok(['start', b]);
      // a shares the pod's PID namespace (catatonit is PID 1); b has its own (control)
      const psA = ok(['exec', '-s', a, 'ps', '-o', 'pid,args']);
      assert.match(psA, /^\s*1 \/catatonit -P$/m);
      assert.match(psA, /sleep 1001/);
      const psB = ok(['exec', '-s', b, 'ps', '-o', 'pid,args']);
      assert.match(psB, /^\s*1 sleep 1002$/m);
      assert.doesNotMatch(psB, /catatonit/);
    } finally {
      ok(['rmp', '-f', shared]);
    }
  });

  it('keeps a pod running across a kill -9 of berthd, and lists it after the restart', async () => {
    const pod = ok(['runp', podConfig('survivor')]);
    const c = ok(['create', pod, ctrConfig('sleeper', ['sleep', '1000']), podConfig('survivor')]);
    ok(['start', c]);
    const ip = JSON.parse(ok(['inspectp', pod])).status.network.ip;
    assert.equal(await d.stopDaemon('SIGKILL'), -1);
    await d.start(daemonArgs());
    const sb = JSON.parse(ok(['inspectp', pod])).status;
    assert.equal(sb.state, 'SANDBOX_READY');
    assert.equal(sb.network.ip, ip);
    assert.equal(JSON.parse(ok(['inspect', c])).status.state, 'CONTAINER_RUNNING');
    assert.equal(ok(['exec', '-s', c, 'echo', 'still-here']), 'still-here');
    ok(['rmp', '-f', pod]);
    assert.match(crictl(['inspectp', pod]).stderr, /NotFound/);
  });

  it('gives the pod address back when the infra process dies or is removed outside the CRI', async () => {
    const ipFile = (pod: string) => path.join(ipamDir, 'berth-cri-test', JSON.parse(ok(['inspectp', pod])).status.network.ip);
    const crashed = ok(['runp', podConfig('crashed')]);
    const f1 = ipFile(crashed);
    assert.ok(fs.existsSync(f1));
    process.kill(JSON.parse(ok(['inspectp', crashed])).info.pid, 'SIGKILL');
    await until(
      'the crashed pod to be NotReady and its address released',
      () => !fs.existsSync(f1) && JSON.parse(ok(['inspectp', crashed])).status.state === 'SANDBOX_NOTREADY',
    );
    ok(['rmp', crashed]);
    const removed = ok(['runp', podConfig('removed')]);
    const f2 = ipFile(removed);
    assert.ok(fs.existsSync(f2));
    assert.equal(d.berth(['rm', '-f', removed]).status, 0);
    await until('the removed pod address to be released', () => !fs.existsSync(f2));
    assert.match(crictl(['inspectp', removed]).stderr, /NotFound/);
  });

  it('stays up after all that', () => {
    assert.match(ok(['version']), /berth/);
  });

  it('leaves nothing behind when the pod network cannot be set up', () => {
    const before = d.berth(['ps', '-aq']).stdout;
    const pods = ok(['pods', '-q']);
    fs.writeFileSync(conflist, netconf('no-such-plugin'));
    try {
      const r = crictl(['runp', podConfig('broken')]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /failed to find plugin .{0,4}no-such-plugin/);
      assert.equal(d.berth(['ps', '-aq']).stdout, before);
      assert.equal(ok(['pods', '-q']), pods);
    } finally {
      fs.writeFileSync(conflist, netconf());
    }
    // the same pod runs once the network is back (control)
    const pod = ok(['runp', podConfig('broken')]);
    assert.equal(JSON.parse(ok(['inspectp', pod])).status.state, 'SANDBOX_READY');
    ok(['rmp', '-f', pod]);
  });

  it('undoes the plugins that ran when a later one fails: no veth, no address, no container, no mount', () => {
    const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
    const ipam = path.join(ipamDir, 'berth-cri-test');
    const veths = () => spawnSync('ip', ['-o', 'link', 'show', 'master', BRIDGE], { encoding: 'utf8' }).stdout.trim();
    const mounts = () =>
      fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .filter((l) => l.includes(d.dataRoot)).length;
    const state = () => ({ ps: d.berth(['ps', '-aq']).stdout, ips: list(ipam), veths: veths(), mounts: mounts() });
    const before = state();
    // the bridge plugin runs (a veth, an address), then the next plugin is missing
    const conf = JSON.parse(netconf());
    conf.plugins.splice(1, 0, { type: 'no-such-plugin' });
    fs.writeFileSync(conflist, JSON.stringify(conf));
    try {
      const r = crictl(['runp', podConfig('halfway')]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /failed to find plugin .{0,4}no-such-plugin/);
      assert.deepEqual(state(), before);
    } finally {
      fs.writeFileSync(conflist, netconf());
    }
    // control: with the list whole, the pod gets a veth on the bridge and an address
    const pod = ok(['runp', podConfig('halfway')]);
    try {
      assert.notEqual(veths(), before.veths);
      assert.equal(list(ipam).length, before.ips.length + 1);
    } finally {
      ok(['rmp', '-f', pod]);
    }
    assert.deepEqual(state(), before);
  });
});
