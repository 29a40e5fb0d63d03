// Pure parts of networking: address math, pools, IPAM, port requests, the rule
// sweep, create-request validation, the CLI's subnet pairing, daemon flags.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalAddr, cidrString, contains, overlaps, parseAddr, parseCidr, formatAddr } from '../../../src/common/ipnet';
import { pickSubnet } from '../../../src/network/pool';
import { Ipam } from '../../../src/network/ipam';
import { portMap, portRequests, toNetavark, validatePortBindings } from '../../../src/network/ports';
import { sweepScript } from '../../../src/network/firewall';
import { forwardedPorts, missingScript, networkPlan, portRules } from '../../../src/network/rules';
import { embeddedDnsRules } from '../../../src/network/dns';
import { chainHash } from '../../../src/network/netavark';
import { checkCreateRequest, validateIpam } from '../../../src/network/config';
import { endpointFor, prepareNetworking } from '../../../src/network/prepare';
import { hostsContent } from '../../../src/network/etcfiles';
import { ipamConfigs } from '../../../src/cli/commands/network';
import { parseDaemonArgs } from '../../../src/daemon/options';
import type { NetworkRecord } from '../../../src/network/types';
import type { Container } from '../../../src/container';

function net(name: string, configs: NetworkRecord['IPAM']['Config'], extra: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    Name: name,
    Id: name.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a'),
    Created: '',
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: configs },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Options: {},
    Labels: {},
    ...extra,
  };
}

describe('ipnet', () => {
  it('parses and formats both families', () => {
    assert.equal(formatAddr(parseAddr('10.1.2.3')!), '10.1.2.3');
    assert.equal(canonicalAddr('fd00:0:0:0:0:0:0:1'), 'fd00::1');
    assert.equal(canonicalAddr('::ffff:1.2.3.4'), '::ffff:102:304');
    assert.equal(canonicalAddr('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonicalAddr('::'), '::');
    for (const bad of ['1.2.3', '256.1.1.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'x::1', '']) assert.equal(parseAddr(bad), undefined, bad);
  });

  it('does containment and overlap', () => {
    const a = parseCidr('172.18.0.0/16')!;
    assert.ok(contains(a, parseAddr('172.18.255.1')!));
    assert.ok(!contains(a, parseAddr('172.19.0.1')!));
    assert.ok(overlaps(a, parseCidr('172.18.5.0/24')!));
    assert.ok(!overlaps(a, parseCidr('172.19.0.0/16')!));
    assert.ok(!overlaps(a, parseCidr('fd00::/8')!));
    assert.equal(cidrString(parseCidr('fd3c:1:2::/64')!), 'fd3c:1:2::/64');
  });
});

describe('pool', () => {
  it('skips routed subnets and takes the next block', () => {
    const pools = [
      { base: '172.17.0.0/16', size: 16 },
      { base: '172.18.0.0/16', size: 16 },
      { base: '192.168.0.0/16', size: 20 },
    ];
    assert.equal(cidrString(pickSubnet(pools, [])!), '172.17.0.0/16');
    assert.equal(cidrString(pickSubnet(pools, [parseCidr('172.17.0.0/16')!])!), '172.18.0.0/16');
    // a smaller route inside a block still takes the whole block
    assert.equal(cidrString(pickSubnet(pools, [parseCidr('172.17.3.0/24')!, parseCidr('172.18.0.1/32')!])!), '192.168.0.0/20');
    assert.equal(cidrString(pickSubnet([{ base: '10.10.0.0/16', size: 24 }], [parseCidr('10.10.0.0/24')!])!), '10.10.1.0/24');
    assert.equal(pickSubnet([{ base: '10.10.0.0/24', size: 24 }], [parseCidr('10.0.0.0/8')!]), undefined);
  });
});

describe('ipam', () => {
  const n = net('ipamtest', [{ Subnet: '10.9.0.0/29', Gateway: '10.9.0.1', AuxiliaryAddresses: { r: '10.9.0.3' } }]);

  it('hands out the lowest free address, skipping gateway, aux and broadcast', () => {
    const ipam = new Ipam();
    const got = [1, 2, 3, 4].map(() => ipam.allocate(n, 4)!.address);
    assert.deepEqual(got, ['10.9.0.2', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    assert.throws(() => ipam.allocate(n, 4), /no available IPv4 addresses/);
    ipam.release(n.Id, '10.9.0.4');
    assert.equal(ipam.allocate(n, 4)!.address, '10.9.0.4');
  });

  it('gives a requested address once, and only inside the subnet', () => {
    const ipam = new Ipam();
    assert.equal(ipam.allocate(n, 4, '10.9.0.5')!.prefixLen, 29);
    assert.throws(() => ipam.allocate(n, 4, '10.9.0.5'), /Address already in use/);
    assert.throws(() => ipam.allocate(n, 4, '10.9.1.5'), /no configured subnet or ip-range contain the IP address 10\.9\.1\.5/);
    ipam.claim(n.Id, '10.9.0.2');
    assert.equal(ipam.allocate(n, 4)!.address, '10.9.0.4');
    assert.equal(ipam.allocate(n, 6), undefined);
  });

  it('allocates from the ip-range', () => {
    const ipam = new Ipam();
    const r = net('ranged', [{ Subnet: '10.9.0.0/24', IPRange: '10.9.0.128/25', Gateway: '10.9.0.1' }]);
    assert.equal(ipam.allocate(r, 4)!.address, '10.9.0.128');
  });
});

describe('ports', () => {
  const cfg = { ExposedPorts: { '80/tcp': {}, '53/udp': {}, '443/tcp': {} } } as unknown as Container['Config'];

  it('expands bindings, ranges and -P', () => {
    const hc = {
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '7000-7001/tcp': [{ HostIp: '', HostPort: '9000-9001' }] },
      PublishAllPorts: true,
    } as unknown as Container['HostConfig'];
    const reqs = portRequests(cfg, hc);
    assert.deepEqual(reqs.map((r) => `${r.hostIp}|${r.lo}-${r.hi}|${r.ctrPort}/${r.proto}`).sort(), [
      '127.0.0.1|8080-8080|80/tcp',
      '|0-0|443/tcp',
      '|0-0|53/udp',
      '|9000-9000|7000/tcp',
      '|9001-9001|7001/tcp',
    ]);
  });

  it('folds consecutive mappings into netavark ranges', () => {
    const pm = toNetavark([
      { proto: 'tcp', ctrPort: 7000, hostIp: '0.0.0.0', hostPort: 9000 },
      { proto: 'tcp', ctrPort: 7001, hostIp: '0.0.0.0', hostPort: 9001 },
      { proto: 'tcp', ctrPort: 7001, hostIp: '::', hostPort: 9001 },
      { proto: 'udp', ctrPort: 53, hostIp: '127.0.0.1', hostPort: 5353 },
    ]);
    assert.deepEqual(pm, [
      { host_ip: '', container_port: 7000, host_port: 9000, range: 2, protocol: 'tcp' },
      { host_ip: '127.0.0.1', container_port: 53, host_port: 5353, range: 1, protocol: 'udp' },
    ]);
  });

  it('shows NetworkSettings.Ports with null for exposed-only ports', () => {
    assert.deepEqual(portMap(cfg, [{ proto: 'tcp', ctrPort: 80, hostIp: '0.0.0.0', hostPort: 32768 }]), {
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }],
      '53/udp': null,
      '443/tcp': null,
    });
  });

  it('validates port bindings as dockerd does', () => {
    assert.throws(() => validatePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '70000' }] }), /invalid port specification: "70000"/);
    assert.throws(() => validatePortBindings({ 'abc/tcp': [] }), /invalid port specification: "abc"/);
    validatePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '' }], '1000-1010/udp': [{ HostIp: '::1', HostPort: '2000-2010' }] });
  });
});

describe('firewall sweep', () => {
  it('deletes exactly the rules and chains of one network', () => {
    const id = 'a'.repeat(64);
    const h = chainHash(id);
    const other = chainHash('b'.repeat(64));
    const dump = [
      '*filter',
      ':FORWARD ACCEPT [0:0]',
      ':NETAVARK_FORWARD - [0:0]',
      ':NETAVARK_ISOLATION_1 - [0:0]',
      '-A FORWARD -j NETAVARK_ISOLATION_1',
      '-A NETAVARK_FORWARD -d 10.1.0.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A NETAVARK_FORWARD -s 10.1.0.0/24 -j ACCEPT',
      '-A NETAVARK_FORWARD -s 10.2.0.0/24 -j ACCEPT',
      '-A NETAVARK_ISOLATION_1 -i br-x ! -o br-x -j NETAVARK_ISOLATION_2',
      '-A NETAVARK_ISOLATION_1 -i br-y ! -o br-y -j NETAVARK_ISOLATION_2',
      'COMMIT',
      '*nat',
      `:NETAVARK-${h} - [0:0]`,
      `:NETAVARK-DN-${h} - [0:0]`,
      `:NETAVARK-${other} - [0:0]`,
      `-A POSTROUTING -s 10.1.0.0/24 -j NETAVARK-${h}`,
      `-A POSTROUTING -s 10.2.0.0/24 -j NETAVARK-${other}`,
      `-A NETAVARK-${h} ! -d 224.0.0.0/4 -j MASQUERADE`,
      `-A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 80 -m comment --comment "dnat name: ${id} id: c" -j NETAVARK-DN-${h}`,
      'COMMIT',
    ].join('\n');
    const script = sweepScript(dump, { nvName: id, bridge: 'br-x', subnets: ['10.1.0.0/24'] });
    assert.equal(
      script,
      [
        '*filter',
        '-D NETAVARK_FORWARD -d 10.1.0.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-D NETAVARK_FORWARD -s 10.1.0.0/24 -j ACCEPT',
        '-D NETAVARK_ISOLATION_1 -i br-x ! -o br-x -j NETAVARK_ISOLATION_2',
        'COMMIT',
        '*nat',
        `-D POSTROUTING -s 10.1.0.0/24 -j NETAVARK-${h}`,
        `-D NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 80 -m comment --comment "dnat name: ${id} id: c" -j NETAVARK-DN-${h}`,
        `-F NETAVARK-${h}`,
        `-F NETAVARK-DN-${h}`,
        `-X NETAVARK-${h}`,
        `-X NETAVARK-DN-${h}`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    assert.equal(sweepScript('*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n', { nvName: id, bridge: 'br-x', subnets: ['10.1.0.0/24'] }), '');
  });
});

describe('network rules', () => {
  const id = 'a'.repeat(64);
  const h = chainHash(id);
  const net = { nvName: id, bridge: 'br-x', subnets: ['10.1.0.0/24', 'fd00:1::/64'], internal: false, masquerade: true };

  it('installs only what is missing, so daemon starts and network creates are idempotent', () => {
    const first = missingScript('', networkPlan(net, 4));
    assert.match(first, /^\*filter\n:NETAVARK_FORWARD - \[0:0\]\n/);
    assert.ok(first.includes(`-A NETAVARK-${h} ! -d 224.0.0.0/4 -j MASQUERADE`));
    assert.ok(first.includes('-A NETAVARK_ISOLATION_2 -o br-x -j DROP'));
    // the host-port chains come before the network's own POSTROUTING jump (its ACCEPT would end the chain)
    assert.ok(first.indexOf('-A POSTROUTING -j NETAVARK-HOSTPORT-MASQ') < first.indexOf(`-A POSTROUTING -s 10.1.0.0/24 -j NETAVARK-${h}`));
    // what iptables-save prints once the script is applied: nothing left to add
    const dump = first
      .split('\n')
      .filter((l) => l !== 'COMMIT')
      .join('\n');
    assert.equal(missingScript(dump, networkPlan(net, 4)), '');
    // a second network adds its own rules only
    const two = missingScript(dump, networkPlan({ ...net, nvName: 'b'.repeat(64), bridge: 'br-y', subnets: ['10.2.0.0/24'] }, 4));
    assert.ok(!two.includes('-A FORWARD ') && two.includes('-A NETAVARK_FORWARD -s 10.2.0.0/24 -j ACCEPT'), two);
  });

  it('adds no masquerade with ip-masq off, nothing for internal networks, IPv6 rules per family', () => {
    assert.ok(!missingScript('', networkPlan({ ...net, masquerade: false }, 4)).includes(`-A NETAVARK-${h} ! -d`));
    assert.equal(missingScript('', networkPlan({ ...net, internal: true }, 4)), '');
    const v6 = missingScript('', networkPlan(net, 6));
    assert.ok(v6.includes(`-A NETAVARK-${h} ! -d ff00::/8 -j MASQUERADE`) && !v6.includes('10.1.0.0'));
  });

  it('writes a container port forward as netavark did: jump, hairpin marks, DNAT', () => {
    const t = { nvName: id, containerId: 'c'.repeat(64), subnets: ['10.1.0.0/24'], addresses: ['10.1.0.5'] };
    const rules = portRules(t, [{ host_ip: '127.0.0.1', container_port: 80, host_port: 8080, range: 2, protocol: 'tcp' }], 4);
    assert.deepEqual(rules.slice(0, 4), [
      `-A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "dnat name: ${id} id: ${'c'.repeat(64)}" -j NETAVARK-DN-${h}`,
      `-A NETAVARK-DN-${h} -s 10.1.0.0/24 -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j NETAVARK-HOSTPORT-SETMARK`,
      `-A NETAVARK-DN-${h} -s 127.0.0.1/32 -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j NETAVARK-HOSTPORT-SETMARK`,
      `-A NETAVARK-DN-${h} -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80`,
    ]);
    assert.equal(rules.length, 8, 'a range of two is two forwards');
    assert.deepEqual(portRules(t, [{ host_ip: '::1', container_port: 80, host_port: 8080, range: 1, protocol: 'tcp' }], 4), []);
  });
});

describe('host ports other daemons forward', () => {
  it('reads every DNAT of a port forward, with its address and port range, whoever made it', () => {
    const dump = [
      '*nat',
      '-A NETAVARK-DN-AAA -s 10.1.0.0/24 -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j NETAVARK-HOSTPORT-SETMARK',
      '-A NETAVARK-DN-AAA -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80',
      '-A NETAVARK-DN-BBB -p udp -m udp --dport 9000:9002 -j DNAT --to-destination 10.2.0.5:9000-9002/9000',
      '-A DOCKER -p tcp -m tcp --dport 7000 -j DNAT --to-destination 172.17.0.2:80',
      'COMMIT',
    ].join('\n');
    assert.deepEqual(forwardedPorts(dump), [
      { proto: 'tcp', ip: '127.0.0.1', lo: 8080, hi: 8080 },
      { proto: 'udp', ip: '', lo: 9000, hi: 9002 },
    ]);
  });
});

describe('embedded DNS rules', () => {
  it('DNATs 127.0.0.11:53 over UDP and TCP to the given server and drops other outside traffic to 127/8', () => {
    const r = embeddedDnsRules('10.1.0.1');
    assert.match(r, /ip daddr 127\.0\.0\.11 udp dport 53 dnat to 10\.1\.0\.1:53/);
    assert.match(r, /ip daddr 127\.0\.0\.11 tcp dport 53 dnat to 10\.1\.0\.1:53/);
    assert.match(r, /iifname != "lo" ip daddr 127\.0\.0\.0\/8 drop/);
  });
});

describe('network create validation', () => {
  it('joins IPAM problems as dockerd does', () => {
    assert.throws(() => validateIpam([{ Subnet: '10.1.0.0/24', Gateway: '10.2.0.1' }], false), {
      message: "invalid network config:\ninvalid gateway 10.2.0.1: parent subnet 10.1.0.0/24 doesn't contain this address",
    });
    assert.throws(() => validateIpam([{ Subnet: '10.1.0.1/24', IPRange: '10.1.0.0/16' }], false), {
      message:
        'invalid network config:\n* invalid subnet 10.1.0.1/24: it should be 10.1.0.0/24\n* invalid ip-range 10.1.0.0/16: CIDR block is bigger than its parent subnet 10.1.0.1/24',
    });
    assert.throws(() => validateIpam([{ Subnet: 'nope' }], false), /invalid subnet nope: invalid CIDR block notation/);
    validateIpam([{ Subnet: 'fd00::/64', Gateway: 'garbage' }], false);
  });

  it('refuses predefined names, other drivers and IPAM plugins', () => {
    assert.throws(() => checkCreateRequest({ Name: 'host' }), /host is a pre-defined network and cannot be created/);
    assert.throws(() => checkCreateRequest({ Name: 'x', Driver: 'overlay' }), /plugin "overlay" not found/);
    assert.throws(() => checkCreateRequest({ Name: 'x', IPAM: { Driver: 'dhcp' } }), /plugin "dhcp" not found/);
    assert.throws(() => checkCreateRequest({ Name: 'x', Options: { 'com.docker.network.bridge.name': 'a-name-far-too-long' } }), /invalid bridge name/);
  });
});

describe('container networking at create', () => {
  const bridge = net('bridge', [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }], { berth: { bridge: 'b0', autoSubnet: true } });
  const user = net('user', [{ Subnet: '10.3.0.0/24', Gateway: '10.3.0.1' }]);
  const auto = net('auto', [{ Subnet: '172.20.0.0/16', Gateway: '172.20.0.1' }], { berth: { bridge: 'b1', autoSubnet: true } });
  const nets = [bridge, user, auto, net('host', [], { Driver: 'host' }), net('none', [], { Driver: 'null' })];
  const lookup = {
    find: (r: string) => nets.find((n) => n.Name === r || n.Id === r),
    byName: (r: string) => nets.find((n) => n.Name === r),
    containerExists: (r: string) => r === 'peer',
  };
  const container = (mode: string, more: Partial<Container['HostConfig']> = {}) =>
    ({
      ID: 'c'.repeat(64),
      Config: { Hostname: 'h' },
      HostConfig: { NetworkMode: mode, PortBindings: {}, PublishAllPorts: false, Links: null, Dns: [], ExtraHosts: null, ...more },
    }) as unknown as Container;

  it('records the primary network first, then the extra endpoints', () => {
    const c = container('user');
    prepareNetworking(c, { NetworkingConfig: { EndpointsConfig: { auto: { Aliases: ['a'] }, user: { IPAMConfig: { IPv4Address: '10.3.0.9' } } } } }, lookup);
    assert.deepEqual(Object.keys(c.NetworkSettings!.Networks), ['user', 'auto']);
    assert.deepEqual(c.NetworkSettings!.Networks.user.IPAMConfig, { IPv4Address: '10.3.0.9' });
    assert.deepEqual(c.NetworkSettings!.Networks.auto.Aliases, ['a']);
  });

  it('gives Docker’s create-time errors', () => {
    assert.throws(
      () =>
        prepareNetworking(container('default'), { NetworkingConfig: { EndpointsConfig: { default: { IPAMConfig: { IPv4Address: '172.17.0.9' } } } } }, lookup),
      {
        message: 'invalid config for network default: user specified IP address is supported on user defined networks only',
      },
    );
    assert.throws(
      () => prepareNetworking(container('auto'), { NetworkingConfig: { EndpointsConfig: { auto: { IPAMConfig: { IPv4Address: '172.20.0.9' } } } } }, lookup),
      /supported only when connecting to networks with user configured subnets/,
    );
    assert.throws(() => prepareNetworking(container('container:peer'), { Hostname: 'x' }, lookup), /conflicting options: hostname and the network mode/);
    assert.throws(() => prepareNetworking(container('container:gone'), {}, lookup), /No such container: gone/);
    assert.throws(() => prepareNetworking(container('host', { Links: ['a:b'] }), {}, lookup), /host type networking can't be used with links/);
    assert.throws(() => prepareNetworking(container('none'), { NetworkingConfig: { EndpointsConfig: { user: {} } } }, lookup), /private \(none\) mode/);
    assert.throws(() => endpointFor(user, { MacAddress: 'zz' }), /invalid MAC address zz/);
    // a network that does not exist yet only fails at start, as in Docker
    const later = container('later');
    prepareNetworking(later, {}, lookup);
    assert.deepEqual(Object.keys(later.NetworkSettings!.Networks), ['later']);
  });

  it('warns that host mode drops published ports', () => {
    const c = container('host', { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }] } });
    assert.deepEqual(prepareNetworking(c, {}, lookup), ['Published ports are discarded when using host network mode']);
  });
});

describe('/etc/hosts', () => {
  it('has Docker’s order: defaults, --add-host, own addresses, links', () => {
    const h = hostsContent({
      hostname: 'web',
      domainname: 'example.test',
      extraHosts: ['gw:10.0.0.1'],
      addresses: ['172.17.0.2'],
      links: [{ ip: '172.17.0.3', names: 'db abc db1' }],
    });
    assert.equal(h.split('\n').slice(6).join('\n'), '10.0.0.1\tgw\n172.17.0.2\tweb.example.test web\n172.17.0.3\tdb abc db1\n');
  });
});

describe('berth network create pairing', () => {
  it('pairs gateways and ranges with their subnet as the docker CLI does', () => {
    assert.deepEqual(ipamConfigs(['10.1.0.0/16', 'fd00::/64'], ['10.1.2.0/24'], ['fd00::1'], {}), [
      { Subnet: '10.1.0.0/16', IPRange: '10.1.2.0/24' },
      { Subnet: 'fd00::/64', Gateway: 'fd00::1' },
    ]);
    assert.throws(() => ipamConfigs(['10.1.0.0/16', '10.1.2.0/24'], [], [], {}), /multiple overlapping subnet configuration is not supported/);
    assert.throws(() => ipamConfigs(['10.1.0.0/16'], [], ['10.1.0.1', '10.1.0.2'], {}), /every ip-range or gateway must have a corresponding subnet/);
    assert.throws(() => ipamConfigs(['10.1.0.0/16'], [], ['10.2.0.1'], {}), /no matching subnet for gateway 10\.2\.0\.1/);
  });
});

describe('daemon network flags', () => {
  it('reads dockerd’s networking flags and daemon.json keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-netopt-'));
    try {
      const file = path.join(dir, 'daemon.json');
      fs.writeFileSync(file, JSON.stringify({ 'default-address-pools': [{ base: '10.7.0.0/16', size: 24 }], mtu: 1400, 'fixed-cidr': '10.5.0.128/25' }));
      const o = parseDaemonArgs(['--config-file', file, '--icc=false', '--ip-masq=false', '--bip', '10.5.0.1/24', '--dns', '1.1.1.1', '--ipv6']);
      assert.ok(typeof o === 'object');
      const n = o.engine.network;
      assert.deepEqual([n.icc, n.ipMasq, n.ipv6, n.bip, n.fixedCidr, n.mtu], [false, false, true, '10.5.0.1/24', '10.5.0.128/25', 1400]);
      assert.deepEqual(n.defaultAddressPools, [{ base: '10.7.0.0/16', size: 24 }]);
      assert.deepEqual(o.engine.dns, ['1.1.1.1']);
      assert.throws(() => parseDaemonArgs(['--config-file', file, '--icc=maybe']), /invalid argument "maybe" for "--icc" flag/);
      assert.throws(() => parseDaemonArgs(['--config-file', file, '--bip', '10.6.0.0/24']), /is the network address, not a gateway address/);
      assert.throws(() => parseDaemonArgs(['--config-file', file, '--bip', '10.6.0.1/24']), /fixed-cidr 10\.5\.0\.128\/25 is not within bip 10\.6\.0\.1\/24/);
      assert.throws(() => parseDaemonArgs(['--config-file', file, '--iptables=false']), /--iptables=false is not supported/);
      fs.writeFileSync(file, JSON.stringify({ bip: '10.5.0.1/24' }));
      assert.throws(() => parseDaemonArgs(['--config-file', file, '--bip', '10.6.0.1/24']), /specified both as a flag and in the configuration file: bip/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
