// Networking driven by the real docker CLI: the default bridge, user networks
// with DNS, none/host/container modes, published ports, internal networks,
// connect/disconnect, bad input, and that nothing is left on the host.
// Traffic goes only to 127.0.0.1, the host's own bridge address and our containers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { TestDaemon, waitFor } from '../helpers/daemon';
import { leftovers } from '../helpers/netclean';
import { freePort, freeSubnet16, httpGet, iptablesDump, portFree, runningIn } from '../helpers/net';

// subnets of this run: concurrent test runs must not share them
const S = freeSubnet16();
const Sr = S.replace(/\./g, '\\.');

describe('networking with the docker CLI', () => {
  const d = new TestDaemon('net');
  const ok = (args: string[]) => {
    const r = d.docker(args);
    assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const ipOf = (c: string, net?: string) =>
    ok(['inspect', '-f', net ? `{{(index .NetworkSettings.Networks "${net}").IPAddress}}` : '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', c]);

  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('has the built-in networks, and a default bridge of its own on a free subnet', () => {
    const ls = ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']).split('\n');
    assert.deepEqual(ls, ['bridge bridge local', 'host host local', 'none null local']);
    const br = ok([
      'network',
      'inspect',
      '-f',
      '{{index .Options "com.docker.network.bridge.name"}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}',
      'bridge',
    ]);
    const [name, subnet, gw] = br.split(' ');
    assert.notEqual(name, 'docker0');
    assert.ok(fs.existsSync(`/sys/class/net/${name}/bridge`), `bridge ${name} exists`);
    assert.match(subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    // the gateway is on the host's bridge, and no other interface routes that subnet
    const routes = fs
      .readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(name + '\t'));
    assert.equal(routes.length, 1);
    assert.match(gw, /^\d+\.\d+\.\d+\.1$/);
  });

  it('gives a default-bridge container an address, a default route and /etc files as Docker does', () => {
    const out = ok([
      'run',
      '--name',
      'plain',
      '--add-host',
      'gw.test:host-gateway',
      '--add-host',
      'h.test:10.1.2.3',
      'busybox',
      'sh',
      '-c',
      'ip -o -4 addr show eth0; ip route; cat /etc/hosts; cat /etc/hostname',
    ]);
    const id = ok(['inspect', '-f', '{{.Id}}', 'plain']);
    const gw = ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', 'bridge']);
    const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out);
    assert.ok(m, out);
    assert.match(out, new RegExp(`default via ${gw.replace(/\./g, '\\.')} dev eth0`));
    assert.match(out, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(out, new RegExp(`^${gw.replace(/\./g, '\\.')}\\tgw\\.test$`, 'm'));
    assert.match(out, /^10\.1\.2\.3\th\.test$/m);
    assert.match(out, new RegExp(`^${m![1].replace(/\./g, '\\.')}\\t${id.slice(0, 12)}$`, 'm'));
    // stopped: the address is released, the network is remembered
    assert.equal(ok(['inspect', '-f', '{{json .NetworkSettings.Networks.bridge.IPAddress}} {{len .NetworkSettings.Networks}}', 'plain']), '"" 1');
    ok(['rm', 'plain']);
  });

  it("writes --dns, --dns-search and --dns-option into resolv.conf in Docker's order; a user network names 127.0.0.11", () => {
    const flags = ['--dns', '10.0.0.53', '--dns-search', 'example.test', '--dns-option', 'ndots:2'];
    assert.equal(ok(['run', '--rm', ...flags, 'busybox', 'cat', '/etc/resolv.conf']), 'search example.test\nnameserver 10.0.0.53\noptions ndots:2');
    ok(['network', 'create', '--subnet', `${S}.40.0/24`, 'dnsnet']);
    assert.equal(
      ok(['run', '--rm', '--network', 'dnsnet', ...flags, 'busybox', 'cat', '/etc/resolv.conf']),
      'search example.test\nnameserver 127.0.0.11\noptions ndots:2',
    );
    ok(['network', 'rm', 'dnsnet']);
  });

  it('shows the address in inspect as Docker does, and hands out the lowest free one', () => {
    ok(['run', '-d', '--name', 'a1', 'busybox', 'sleep', '300']);
    ok(['run', '-d', '--name', 'a2', 'busybox', 'sleep', '300']);
    const ip1 = ipOf('a1');
    const ip2 = ipOf('a2');
    assert.notEqual(ip1, ip2);
    assert.equal(ok(['exec', 'a2', 'sh', '-c', "ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1"]), ip2);
    assert.equal(ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'a2']), ip2);
    ok(['rm', '-f', 'a1']);
    // a1's address is free again
    ok(['run', '-d', '--name', 'a3', 'busybox', 'sleep', '300']);
    assert.equal(ipOf('a3'), ip1);
    ok(['rm', '-f', 'a2', 'a3']);
  });

  it('resolves names, aliases and short IDs on a user-defined network', () => {
    ok(['network', 'create', '--subnet', `${S}.7.0/24`, 'appnet']);
    const web = ok(['run', '-d', '--name', 'web', '--network', 'appnet', '--network-alias', 'www', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const out = ok([
      'run',
      '--rm',
      '--network',
      'appnet',
      'busybox',
      'sh',
      '-c',
      `wget -qO- http://web/hostname; wget -qO- http://www/hostname; wget -qO- http://${web.slice(0, 12)}/hostname; cat /etc/resolv.conf`,
    ]);
    assert.equal(out.split('\n').slice(0, 3).join(','), [web.slice(0, 12), web.slice(0, 12), web.slice(0, 12)].join(','));
    // Docker's embedded resolver address, ndots:0 added, the host's search domains kept
    const resolv = out.split('\n').slice(3).join('\n');
    assert.match(resolv, /^nameserver 127\.0\.0\.11$/m);
    assert.doesNotMatch(resolv, /^nameserver (?!127\.0\.0\.11$)/m);
    assert.match(resolv, /^options (.* )?ndots:0$/m);
    const hostSearch = /^search\s+(.*)$/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))?.[1].trim().split(/\s+/).join(' ');
    if (hostSearch) assert.match(resolv, new RegExp(`^search ${hostSearch.replace(/\./g, '\\.')}$`, 'm'));
    const ins = JSON.parse(ok(['network', 'inspect', 'appnet']))[0];
    assert.equal(ins.Containers[web].Name, 'web');
    assert.equal(ins.Containers[web].IPv4Address, `${S}.7.2/24`);
    assert.deepEqual(ins.IPAM.Config, [{ Subnet: `${S}.7.0/24`, Gateway: `${S}.7.1` }]);
    const aliases = ok(['inspect', '-f', '{{json .NetworkSettings.Networks.appnet.Aliases}}', 'web']);
    assert.deepEqual(JSON.parse(aliases), ['www', web.slice(0, 12)]);
  });

  it('does not resolve container names on the default bridge; --link writes hosts entries and variables', () => {
    const srv = ok(['run', '-d', '--name', 'db', '--expose', '5432', '-e', 'SECRET=s1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const dbIp = ipOf('db');
    const r = d.docker(['run', '--rm', 'busybox', 'nslookup', 'db']);
    assert.notEqual(r.status, 0);
    const out = ok([
      'run',
      '--rm',
      '--name',
      'client',
      '--link',
      'db:database',
      'busybox',
      'sh',
      '-c',
      'grep database /etc/hosts; env | grep ^DATABASE_ | sort; wget -qO- http://database/hostname',
    ]);
    assert.match(out, new RegExp(`^${dbIp.replace(/\./g, '\\.')}\\tdatabase ${srv.slice(0, 12)} db$`, 'm'));
    assert.match(out, new RegExp(`^DATABASE_PORT_5432_TCP_ADDR=${dbIp.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(out, /^DATABASE_NAME=\/client\/database$/m);
    assert.match(out, /^DATABASE_ENV_SECRET=s1$/m);
    assert.equal(out.split('\n').pop(), srv.slice(0, 12));
    const stopped = d.docker(['run', '--rm', '--link', 'nosuch:x', 'busybox', 'true']);
    assert.equal(stopped.status, 125);
    ok(['rm', '-f', 'db']);
  });

  it('--network none has only lo; --network host sees the host interfaces', () => {
    assert.equal(ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']), 'lo');
    const bridge = ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', 'bridge']);
    const hostIfs = ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']).split(/\s+/);
    assert.ok(hostIfs.includes(bridge), hostIfs.join(' '));
    // interfaces come and go with other daemons' containers: compare the stable ones
    const defaultDev = fs
      .readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .find((l) => l.split('\t')[1] === '00000000')
      ?.split('\t')[0];
    for (const i of ['lo', ...(defaultDev ? [defaultDev] : [])]) assert.ok(hostIfs.includes(i), `${i} in ${hostIfs.join(' ')}`);
    assert.equal(ok(['inspect', '-f', '{{.Config.Hostname}}', ok(['create', '--network', 'host', 'busybox', 'true'])]).length > 0, true);
  });

  it('container:<name> shares the namespace of another container', () => {
    ok(['run', '-d', '--name', 'owner', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const ip = ipOf('owner');
    const out = ok([
      'run',
      '--rm',
      '--network',
      'container:owner',
      'busybox',
      'sh',
      '-c',
      "ip -o -4 addr show eth0 | awk '{print $4}'; wget -qO- http://127.0.0.1/hostname",
    ]);
    const id = ok(['inspect', '-f', '{{.Id}}', 'owner']);
    assert.ok(out.split('\n')[0].startsWith(`${ip}/`), out);
    assert.equal(out.split('\n')[1], id.slice(0, 12));
    const bad = d.docker(['run', '--rm', '--network', 'container:owner', '-p', '81:80', 'busybox', 'true']);
    assert.equal(bad.status, 125);
    assert.match(bad.stderr, /conflicting options: port publishing and the container type network mode/);
    ok(['rm', '-f', 'owner']);
  });

  it('publishes ports on 127.0.0.1 and the host addresses, with -p and -P, as docker port and ps show', async () => {
    const p = await freePort();
    ok(['run', '-d', '--name', 'site', '-p', `127.0.0.1:${p}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const id = ok(['inspect', '-f', '{{.Id}}', 'site']);
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), id.slice(0, 12));
    assert.equal(ok(['port', 'site']), `80/tcp -> 127.0.0.1:${p}`);
    assert.match(ok(['ps', '--filter', 'name=site', '--format', '{{.Ports}}']), new RegExp(`^127\\.0\\.0\\.1:${p}->80/tcp$`));
    assert.equal(ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'site']), `{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"${p}"}]}`);

    ok(['run', '-d', '--name', 'all', '-P', '--expose', '80', '--expose', '90/udp', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const all = ok(['port', 'all', '80/tcp']);
    const m = /^0\.0\.0\.0:(\d+)$/.exec(all);
    assert.ok(m, all);
    const allId = ok(['inspect', '-f', '{{.Id}}', 'all']);
    assert.equal((await httpGet(`http://127.0.0.1:${m![1]}/hostname`)).trim(), allId.slice(0, 12));
    assert.match(ok(['port', 'all']), /^90\/udp -> 0\.0\.0\.0:\d+$/m);
    // another container reaches it through the host's address on the bridge
    const gw = ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', 'bridge']);
    assert.equal(ok(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${gw}:${m![1]}/hostname`]), allId.slice(0, 12));
    ok(['rm', '-f', 'site', 'all']);
    // released: the rules for those ports are gone
    const dump = await iptablesDump();
    assert.ok(!dump.includes(`--dport ${p} `) && !dump.includes(`--dport ${m![1]} `), 'no DNAT rule left for the ports');
  });

  it('publishes a range of ports', async () => {
    let p = await freePort();
    while (!(await portFree(p + 1))) p = await freePort();
    ok([
      'run',
      '-d',
      '--name',
      'ranged',
      '-p',
      `127.0.0.1:${p}-${p + 1}:80-81`,
      'busybox',
      'sh',
      '-c',
      'httpd -p 80 -h /etc; echo -n second > /tmp/x; httpd -f -p 81 -h /tmp',
    ]);
    assert.equal(ok(['port', 'ranged']), `80/tcp -> 127.0.0.1:${p}\n81/tcp -> 127.0.0.1:${p + 1}`);
    const id = ok(['inspect', '-f', '{{.Id}}', 'ranged']);
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${p + 1}/x`).catch(() => '')) === 'second');
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), id.slice(0, 12));
    ok(['rm', '-f', 'ranged']);
  });

  it('refuses a host port that is taken, with Docker’s errors, leaving nothing behind', async () => {
    const p = await freePort();
    const srv = await runningIn(p);
    try {
      const r = d.docker(['run', '-d', '--name', 'clash', '-p', `127.0.0.1:${p}:80`, 'busybox', 'sleep', '60']);
      assert.equal(r.status, 125);
      assert.match(
        r.stderr,
        new RegExp(
          `failed to set up container networking: driver failed programming external connectivity on endpoint clash \\([0-9a-f]{64}\\): failed to bind host port for 127\\.0\\.0\\.1:${p}:[0-9.]+:80/tcp: address already in use`,
        ),
      );
      assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'clash']), 'created');
      ok(['rm', 'clash']);
    } finally {
      srv.close();
    }
    ok(['run', '-d', '--name', 'first', '-p', `${p}:80`, 'busybox', 'sleep', '60']);
    const r2 = d.docker(['run', '-d', '--name', 'second', '-p', `${p}:80`, 'busybox', 'sleep', '60']);
    assert.equal(r2.status, 125);
    assert.match(r2.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${p} failed: port is already allocated`));
    const second = ok(['inspect', '-f', '{{.Id}}', 'second']);
    assert.ok(!fs.existsSync(`${d.execRoot}/netns/${second}`), 'no netns left for the failed start');
    ok(['rm', '-f', 'first', 'second']);
    // the port is free again
    ok(['run', '-d', '--name', 'third', '-p', `${p}:80`, 'busybox', 'sleep', '60']);
    ok(['rm', '-f', 'third']);
  });

  it('rejects bad input with Docker’s errors', async () => {
    const e = (args: string[]) => {
      const r = d.docker(args);
      assert.notEqual(r.status, 0, `docker ${args.join(' ')} should fail`);
      return r.stderr;
    };
    assert.match(e(['network', 'create', '--subnet', `${S}.7.128/25`, 'overlap']), /invalid pool request: Pool overlaps with other one on this address space/);
    assert.match(
      e(['network', 'create', '--subnet', `${S}.9.0/24`, '--gateway', `${S}.8.1`, 'gwout']),
      new RegExp(`no matching subnet for gateway ${Sr}\\.8\\.1`),
    );
    const api = await d.request('POST', '/v1.41/networks/create', { Name: 'gwout', IPAM: { Config: [{ Subnet: `${S}.9.0/24`, Gateway: `${S}.8.1` }] } });
    assert.equal(api.status, 400);
    assert.equal(api.json().message, `invalid network config:\ninvalid gateway ${S}.8.1: parent subnet ${S}.9.0/24 doesn't contain this address`);
    assert.match(e(['network', 'create', 'bridge']), /bridge is a pre-defined network and cannot be created/);
    assert.match(e(['network', 'create', 'appnet']), /network with name appnet already exists/);
    assert.match(
      e(['run', '--rm', '--network', 'appnet', '--ip', '10.99.0.5', 'busybox', 'true']),
      /invalid config for network appnet: no configured subnet or ip-range contain the IP address 10\.99\.0\.5/,
    );
    assert.match(
      e(['run', '--rm', '--ip', '172.17.0.50', 'busybox', 'true']),
      /invalid config for network default: user specified IP address is supported on user defined networks only/,
    );
    ok(['run', '-d', '--name', 'fixed', '--network', 'appnet', '--ip', `${S}.7.50`, 'busybox', 'sleep', '60']);
    assert.equal(ipOf('fixed'), `${S}.7.50`);
    assert.match(e(['run', '--name', 'fixed2', '--network', 'appnet', '--ip', `${S}.7.50`, 'busybox', 'true']), /Address already in use/);
    ok(['rm', 'fixed2']);
    // as in Docker, a missing network is a start-time error: the container is created first
    assert.match(e(['run', '--name', 'lost', '--network', 'nosuch', 'busybox', 'true']), /failed to set up container networking: network nosuch not found/);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'lost']), 'created');
    ok(['network', 'create', '--subnet', `${S}.15.0/24`, 'nosuch']);
    ok(['start', 'lost']);
    ok(['rm', '-f', 'lost']);
    ok(['network', 'rm', 'nosuch']);
    assert.match(e(['network', 'connect', 'nosuch', 'fixed']), /network nosuch not found/);
    assert.match(e(['network', 'connect', 'appnet', 'fixed']), /endpoint with name fixed already exists in network appnet/);
    assert.match(e(['network', 'disconnect', 'bridge', 'fixed']), /is not connected to network bridge/);
    assert.match(e(['network', 'rm', 'appnet']), /error while removing network: network appnet has active endpoints \(name:"(fixed|web)" id:"[0-9a-f]{12}"/);
    assert.match(e(['network', 'rm', 'host']), /host is a pre-defined network and cannot be removed/);
    assert.match(e(['run', '--rm', '-p', '80:abc', 'busybox', 'true']), /invalid containerPort: abc/);
    assert.match(e(['run', '--rm', '-p', '70000:80', 'busybox', 'true']), /invalid hostPort: 70000/);
    const bad = await d.request('POST', '/v1.41/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '99999' }] } },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().message, 'invalid port specification: "99999"');
    ok(['rm', '-f', 'fixed']);
  });

  it('an --internal network reaches its own members but routes nowhere else', () => {
    ok(['network', 'create', '--internal', '--subnet', `${S}.11.0/24`, 'inner']);
    ok(['run', '-d', '--name', 'peer', '--network', 'inner', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    ok(['run', '-d', '--name', 'outside', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const outsideIp = ipOf('outside');
    // nc, not wget: busybox's static wget crashes when there is no default route
    const get = (host: string) => `printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} 80 | tail -n 1`;
    const out = ok(['run', '--rm', '--network', 'inner', 'busybox', 'sh', '-c', `ip route; ${get('peer')}; (${get(outsideIp)}) 2>&1`]);
    assert.doesNotMatch(out, /default/);
    assert.match(out, /Network is unreachable/);
    assert.match(out, new RegExp(ok(['inspect', '-f', '{{.Id}}', 'peer']).slice(0, 12)));
    ok(['rm', '-f', 'peer', 'outside']);
    ok(['network', 'rm', 'inner']);
  });

  it('connects and disconnects a running container', () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    ok(['network', 'create', '--subnet', `${S}.12.0/24`, 'side']);
    ok(['run', '-d', '--name', 'roamer', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    ok(['network', 'connect', '--alias', 'rover', '--ip', `${S}.12.9`, 'side', 'roamer']);
    assert.equal(ipOf('roamer', 'side'), `${S}.12.9`);
    assert.match(ok(['exec', 'roamer', 'ip', '-o', '-4', 'addr']), new RegExp(`eth1\\s+inet ${Sr}\\.12\\.9\\/24`));
    assert.match(ok(['exec', 'roamer', 'cat', '/etc/hosts']), new RegExp(`^${Sr}\\.12\\.9\\t`, 'm'));
    const id = ok(['inspect', '-f', '{{.Id}}', 'roamer']);
    assert.equal(ok(['run', '--rm', '--network', 'side', 'busybox', 'wget', '-qO-', 'http://rover/hostname']), id.slice(0, 12));
    assert.match(ok(['network', 'inspect', '-f', '{{range $k, $v := .Containers}}{{$v.Name}} {{end}}', 'side']), /roamer/);
    ok(['network', 'disconnect', 'side', 'roamer']);
    assert.doesNotMatch(ok(['exec', 'roamer', 'ip', '-o', 'link']), /eth1/);
    assert.notEqual(d.docker(['run', '--rm', '--network', 'side', 'busybox', 'nslookup', 'rover']).status, 0);
    assert.equal(ok(['inspect', '-f', '{{len .NetworkSettings.Networks}}', 'roamer']), '1');
    const events = ok([
      'events',
      '--since',
      since,
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'type=network',
      '--filter',
      'network=side',
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}',
    ]);
    const mine = events.split('\n').filter((l) => l.startsWith('create') || l.endsWith(id));
    assert.deepEqual(mine, ['create side <no value>', `connect side ${id}`, `disconnect side ${id}`]);
    // a stopped container is connected on paper and wired at start
    ok(['create', '--name', 'later', 'busybox', 'sleep', '60']);
    ok(['network', 'connect', 'side', 'later']);
    ok(['start', 'later']);
    assert.match(ok(['exec', 'later', 'ip', '-o', '-4', 'addr']), new RegExp(`eth1\\s+inet ${Sr}\\.12\\.`));
    ok(['rm', '-f', 'roamer', 'later']);
    ok(['network', 'rm', 'side']);
  });

  it('starts a container on several networks given at create', () => {
    ok(['network', 'create', '--subnet', `${S}.13.0/24`, 'multi1']);
    ok(['network', 'create', '--subnet', `${S}.14.0/24`, 'multi2']);
    const out = ok(['run', '--rm', '--network', 'multi1', '--network', 'multi2', 'busybox', 'ip', '-o', '-4', 'addr']);
    assert.match(out, new RegExp(`eth0\\s+inet ${Sr}\\.13\\.2\\/24`));
    assert.match(out, new RegExp(`eth1\\s+inet ${Sr}\\.14\\.2\\/24`));
    ok(['network', 'rm', 'multi1', 'multi2']);
  });

  it('keeps running containers wired across a daemon restart and releases everything after rm', async () => {
    const p = await freePort();
    ok(['run', '-d', '--name', 'keep', '--network', 'appnet', '-p', `127.0.0.1:${p}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const keepIp = ipOf('keep');
    assert.equal(await d.stopDaemon(), 0);
    await d.start();
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), ok(['inspect', '-f', '{{.Id}}', 'keep']).slice(0, 12));
    assert.equal(ok(['run', '--rm', '--network', 'appnet', 'busybox', 'wget', '-qO-', 'http://keep/hostname']).length, 12);
    // the allocation survived the restart: a new container gets another address
    ok(['run', '-d', '--name', 'newer', '--network', 'appnet', 'busybox', 'sleep', '60']);
    assert.notEqual(ipOf('newer'), keepIp);
    // the held port survived too
    const clash = d.docker(['run', '-d', '--name', 'clash2', '-p', `127.0.0.1:${p}:80`, 'busybox', 'true']);
    assert.equal(clash.status, 125);
    ok(['rm', '-f', 'keep', 'newer', 'clash2', 'web']);
    assert.equal(ok(['network', 'inspect', '-f', '{{len .Containers}}', 'appnet']), '0');
    const fp = d.netFootprint();
    ok(['network', 'rm', 'appnet']);
    assert.equal(fp.bridges.filter((b) => fs.existsSync(`/sys/class/net/${b}`)).length, 1, 'only the default bridge remains');
    const dump = await iptablesDump();
    assert.ok(!dump.includes(`${S}.7.0/24`), 'no rule for the removed network');
    assert.deepEqual(fs.readdirSync(`${d.execRoot}/netns`), []);
  });

  it('prunes unused networks', () => {
    ok(['network', 'create', '--label', 'keep=no', 'p1']);
    ok(['network', 'create', 'p2']);
    ok(['run', '-d', '--name', 'user', '--network', 'p2', 'busybox', 'sleep', '60']);
    const out = ok(['network', 'prune', '-f']);
    assert.equal(out, 'Deleted Networks:\np1');
    ok(['rm', '-f', 'user']);
    assert.equal(ok(['network', 'prune', '-f']), 'Deleted Networks:\np2');
  });

  it('leaves nothing on the host once the daemon stops', async () => {
    const ids = ok(['ps', '-aq']).split('\n').filter(Boolean);
    if (ids.length) ok(['rm', '-f', ...ids]);
    const fp = d.netFootprint();
    assert.ok(fp.bridges.length >= 1);
    ok(['run', '-d', '--name', 'last', '-p', '127.0.0.1::80', 'busybox', 'sleep', '60']);
    ok(['rm', '-f', 'last']);
    assert.equal(await d.stopDaemon(), 0);
    await waitFor(() => leftovers(fp).length === 0, 5000).catch(() => {});
    assert.deepEqual(leftovers(fp), []);
    await d.start();
  });
});
