// Daemon-level networking: --bip/--fixed-cidr/--default-address-pool/--icc=false/
// --ip-masq=false/--dns, IPv6 networks, and recovery after a crash in the middle
// of a container start. Traffic only to 127.0.0.1 and containers made here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { TestDaemon, waitFor, processGone } from '../helpers/daemon';
import { aardvarkPids, leftovers } from '../helpers/netclean';
import { freePort, freeSubnet16, httpGet, iptablesDump, randomUla } from '../helpers/net';
import { chainHash } from '../../src/network/netavark';

// subnets of this run: concurrent test runs must not share them
const A = freeSubnet16();
const B = freeSubnet16([A]);
const C = freeSubnet16([A, B]);
const Ar = A.replace(/\./g, '\\.');
const U = randomUla();

const okOf = (d: TestDaemon) => (args: string[]) => {
  const r = d.docker(args);
  assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

/** A DNS server on 127.0.0.1:53 that knows one name; undefined if the port is taken. */
async function tinyDns(name: string, ip: number[]): Promise<dgram.Socket | undefined> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => {
    let i = 12;
    const labels: string[] = [];
    while (m[i]) {
      labels.push(m.subarray(i + 1, i + 1 + m[i]).toString());
      i += m[i] + 1;
    }
    const qtype = m.readUInt16BE(i + 1);
    const known = labels.join('.') === name;
    const hit = known && qtype === 1;
    const hdr = Buffer.from(m.subarray(0, 12));
    hdr[2] = 0x81;
    hdr[3] = known ? 0x80 : 0x83;
    hdr.writeUInt16BE(hit ? 1 : 0, 6);
    hdr.writeUInt32BE(0, 8);
    const ans = hit ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip]) : Buffer.alloc(0);
    s.send(Buffer.concat([hdr, m.subarray(12, i + 5), ans]), r.port, r.address);
  });
  return new Promise((resolve) => {
    s.once('error', () => resolve(undefined));
    s.bind(53, '127.0.0.1', () => resolve(s));
  });
}

describe('daemon network options', () => {
  const d = new TestDaemon('netopt');
  const ok = okOf(d);
  before(async () => {
    await d.start([
      '--icc=false',
      '--ip-masq=false',
      '--bip',
      `${A}.0.1/24`,
      '--fixed-cidr',
      `${A}.0.128/25`,
      '--default-address-pool',
      `base=${B}.0.0/16,size=24`,
      '--dns',
      '127.0.0.1',
    ]);
    await d.importBusybox();
  });
  after(() => d.stop());

  it('builds the default bridge from --bip and --fixed-cidr', () => {
    const ipam = JSON.parse(ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'bridge']));
    assert.deepEqual(ipam, [{ Subnet: `${A}.0.0/24`, Gateway: `${A}.0.1`, IPRange: `${A}.0.128/25` }]);
    const opts = JSON.parse(ok(['network', 'inspect', '-f', '{{json .Options}}', 'bridge']));
    assert.equal(opts['com.docker.network.bridge.enable_icc'], 'false');
    assert.equal(opts['com.docker.network.bridge.enable_ip_masquerade'], 'false');
    ok(['run', '-d', '--name', 'c1', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const ip = ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'c1']);
    assert.match(ip, new RegExp(`^${Ar}\\.0\\.(\\d+)$`));
    assert.ok(Number(ip.split('.')[3]) >= 128, ip);
  });

  it('--icc=false: containers on the default bridge cannot reach each other, published ports still work', async () => {
    const ip = ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'c1']);
    const fetch = (net: string, addr: string) =>
      d.docker(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', `printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${addr} 80`]);
    const r = fetch('bridge', ip);
    assert.doesNotMatch(r.stdout, /200 OK/);
    // the positive control: the same request between two containers of a network with icc on
    ok(['network', 'create', 'iccon']);
    ok(['run', '-d', '--name', 'c3', '--network', 'iccon', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const ip3 = ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'c3']);
    await waitFor(() => /200 OK/.test(fetch('iccon', ip3).stdout), 15000, 200);
    ok(['rm', '-f', 'c3']);
    ok(['network', 'rm', 'iccon']);
    const p = await freePort();
    ok(['run', '-d', '--name', 'c2', '-p', `127.0.0.1:${p}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), ok(['inspect', '-f', '{{.Id}}', 'c2']).slice(0, 12));
    ok(['rm', '-f', 'c2']);
  });

  it('--ip-masq=false: no masquerade rule for the default bridge', async () => {
    const id = ok(['network', 'inspect', '-f', '{{.Id}}', 'bridge']);
    const chain = `NETAVARK-${chainHash(id)}`;
    const dump = await iptablesDump();
    assert.ok(dump.includes(`-A POSTROUTING -s ${A}.0.0/24 -j ${chain}`), 'the network chain exists');
    assert.ok(!dump.includes(`-A ${chain} ! -d 224.0.0.0/4 -j MASQUERADE`), 'but without masquerading');
  });

  it('--default-address-pool gives user networks their subnets', () => {
    ok(['network', 'create', 'pooled']);
    assert.equal(ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'pooled']), `${B}.0.0/24`);
  });

  it('forwards names it does not know to the daemon --dns servers', async (t) => {
    const dns = await tinyDns('outside.test', [10, 9, 8, 7]);
    if (!dns) return t.skip('127.0.0.1:53 is taken on this host');
    try {
      // asynchronously: this process answers the queries
      const child = d.spawnDocker(['run', '--rm', '--network', 'pooled', 'busybox', 'nslookup', 'outside.test']);
      let out = '';
      child.stdout!.on('data', (b) => (out += b));
      child.stdin!.end();
      const code = await new Promise((res) => child.on('close', res));
      assert.equal(code, 0, out);
      assert.match(out, /Address: 10\.9\.8\.7/);
    } finally {
      dns.close();
    }
  });

  it('IPv6 networks: addresses of both families, names resolve to both, ports published on both', async () => {
    ok(['network', 'create', '--ipv6', '--subnet', `${U}::/64`, '--subnet', `${B}.99.0/24`, 'dual']);
    const p = await freePort();
    ok(['run', '-d', '--name', 'six', '--network', 'dual', '-p', `${p}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    assert.equal(ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "dual").GlobalIPv6Address}}', 'six']), `${U}::2`);
    const out = ok([
      'run',
      '--rm',
      '--network',
      'dual',
      'busybox',
      'sh',
      '-c',
      `nslookup -type=AAAA six | grep "Address: fd"; wget -qO- "http://[${U}::2]/hostname"`,
    ]);
    const id = ok(['inspect', '-f', '{{.Id}}', 'six']);
    assert.equal(out, `Address: ${U}::2\n${id.slice(0, 12)}`);
    assert.equal(ok(['port', 'six']), `80/tcp -> 0.0.0.0:${p}\n80/tcp -> [::]:${p}`);
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), id.slice(0, 12));
    ok(['rm', '-f', 'six']);
    ok(['network', 'rm', 'dual']);
    const v6 = execFileSync('ip6tables-save', { encoding: 'utf8' });
    assert.ok(!v6.includes(`${U}::`), 'no IPv6 rule left');
  });

  it('leaves nothing once stopped', async () => {
    const ids = ok(['ps', '-aq']).split('\n').filter(Boolean);
    if (ids.length) ok(['rm', '-f', ...ids]);
    const fp = d.netFootprint();
    await d.stopDaemon();
    assert.deepEqual(leftovers(fp), []);
    await d.start();
  });
});

describe('recovery after a crash in the middle of a container start', () => {
  const d = new TestDaemon('netcrash');
  const ok = okOf(d);
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('removes the veth, rules and netns a crash left and starts the container afterwards', async () => {
    ok(['network', 'create', '--subnet', `${C}.5.0/24`, 'cnet']);
    const p = await freePort();
    const id = ok(['create', '--name', 'victim', '--network', 'cnet', '-p', `127.0.0.1:${p}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const bridge = d.netFootprint().bridges.find((b) => b.startsWith('br-'))!;
    await d.stopDaemon();
    await d.start([], { BERTHD_CRASH_AT: 'start.network' });
    const pid = d.pid!;
    const r = d.docker(['start', 'victim']);
    assert.notEqual(r.status, 0);
    await waitFor(() => processGone(pid));
    // what the crash left: a veth on the bridge, the DNAT rule, the netns
    assert.equal(fs.readdirSync(`/sys/class/net/${bridge}/brif`).length, 2);
    assert.ok((await iptablesDump()).includes(`--dport ${p} `));
    assert.ok(fs.existsSync(`${d.execRoot}/netns/${id}`));

    await d.start();
    assert.equal(fs.readdirSync(`/sys/class/net/${bridge}/brif`).length, 1, 'only the keeper stays on the bridge');
    assert.ok(!(await iptablesDump()).includes(`--dport ${p} `), 'the DNAT rule is gone');
    assert.deepEqual(fs.readdirSync(`${d.execRoot}/netns`), []);
    assert.equal(ok(['inspect', '-f', '{{.State.Status}}', 'victim']), 'created');
    ok(['start', 'victim']);
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), id.slice(0, 12));
    assert.equal(ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "cnet").IPAddress}}', 'victim']), `${C}.5.2`);
    ok(['rm', '-f', 'victim']);
    ok(['network', 'rm', 'cnet']);
  });
});

describe('aardvark-dns: one per daemon, whatever starts at once', () => {
  const d = new TestDaemon('nvdns');
  const ok = okOf(d);
  const D = freeSubnet16([A, B, C]);
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('containers started together on two new DNS networks get one aardvark-dns, which goes with the last network', async () => {
    ok(['network', 'create', '--subnet', `${D}.1.0/24`, 'dnsa']);
    ok(['network', 'create', '--subnet', `${D}.2.0/24`, 'dnsb']);
    assert.deepEqual(aardvarkPids(d.execRoot), [], 'no DNS server before the first container');
    // six starts at once through the API, three per network, as compose makes them: each netavark setup could start aardvark-dns
    const names = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];
    for (const n of names) ok(['create', '--name', n, '--network', n[0] === 'a' ? 'dnsa' : 'dnsb', 'busybox', 'sleep', '1000']);
    const started = await Promise.all(names.map((n) => d.request('POST', `/containers/${n}/start`)));
    assert.deepEqual(
      started.map((r) => r.status),
      [204, 204, 204, 204, 204, 204],
    );
    assert.equal(aardvarkPids(d.execRoot).length, 1, 'one aardvark-dns for the daemon');
    assert.equal(d.docker(['exec', 'a1', 'ping', '-c1', '-W2', 'a3']).status, 0, 'names resolve on dnsa');
    assert.equal(d.docker(['exec', 'b2', 'ping', '-c1', '-W2', 'b1']).status, 0, 'names resolve on dnsb');
    ok(['rm', '-f', ...names]);
    ok(['network', 'rm', 'dnsa', 'dnsb']);
    await waitFor(() => aardvarkPids(d.execRoot).length === 0, 10000);
  });
});
