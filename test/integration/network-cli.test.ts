// The berth CLI's network commands and container network flags, checked
// against what the docker CLI shows for the same daemon.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon, busyboxTarball } from '../helpers/daemon';
import { freePort, freeSubnet16, httpGet } from '../helpers/net';

// subnets of this run: concurrent test runs must not share them
const S = freeSubnet16();
const S2 = freeSubnet16([S]);
const S3 = freeSubnet16([S, S2]);
const Sr = S.replace(/\./g, '\\.');
const S3r = S3.replace(/\./g, '\\.');
const BR = `bt-${Math.random().toString(16).slice(2, 10)}`;

describe('berth network commands', () => {
  const d = new TestDaemon('netcli');
  const ok = (args: string[]) => {
    const r = d.berth(args);
    assert.equal(r.status, 0, `berth ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  before(async () => {
    await d.start();
    ok(['import', await busyboxTarball(), 'busybox:latest']);
  });
  after(() => d.stop());

  it('creates, lists, filters and inspects networks as docker shows them', () => {
    const id = ok([
      'network',
      'create',
      '--subnet',
      `${S}.1.0/24`,
      '--gateway',
      `${S}.1.254`,
      '--ip-range',
      `${S}.1.128/25`,
      '--label',
      'team=a',
      '-o',
      `com.docker.network.bridge.name=${BR}`,
      'clinet',
    ]);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(ok(['network', 'ls', '--format', '{{.Name}}']), d.docker(['network', 'ls', '--format', '{{.Name}}']).stdout.trim());
    const table = ok(['network', 'ls']).split('\n');
    assert.match(table[0], /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    assert.ok(
      table.some((l) => new RegExp(`^${id.slice(0, 12)}\\s+clinet\\s+bridge\\s+local$`).test(l)),
      table.join('\n'),
    );
    assert.equal(ok(['network', 'ls', '-q', '--filter', 'label=team=a']), id.slice(0, 12));
    assert.equal(ok(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}} {{.Internal}} {{.IPv6}}']), 'clinet false false');
    assert.equal(ok(['network', 'ls', '--filter', 'driver=null', '--format', '{{.Name}}']), 'none');
    const ins = JSON.parse(ok(['network', 'inspect', 'clinet']));
    assert.deepEqual(ins[0].IPAM.Config, [{ Subnet: `${S}.1.0/24`, IPRange: `${S}.1.128/25`, Gateway: `${S}.1.254` }]);
    assert.equal(ins[0].Options['com.docker.network.bridge.name'], BR);
    assert.equal(ok(['network', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'clinet', 'host']), 'clinet bridge\nhost host');
    assert.equal(ok(['inspect', '-f', '{{.Labels.team}}', 'clinet']), 'a');
  });

  it('reports Docker’s errors', () => {
    const e = (args: string[]) => {
      const r = d.berth(args);
      assert.notEqual(r.status, 0);
      return r.stderr;
    };
    assert.match(
      e(['network', 'create', '--subnet', `${S2}.0.0/24`, '--gateway', `${S3}.0.1`, 'x']),
      new RegExp(`no matching subnet for gateway ${S3r}\\.0\\.1`),
    );
    assert.match(e(['network', 'create', '--gateway', `${S3}.0.1`, 'x']), /every ip-range or gateway must have a corresponding subnet/);
    assert.match(
      e(['network', 'create', '--subnet', `${S}.1.0/25`, 'x']),
      /Error response from daemon: invalid pool request: Pool overlaps with other one on this address space/,
    );
    assert.match(e(['network', 'create', '-o', 'com.docker.network.bridge.name=lo', 'x']), /bridge name lo is already used by an interface on the host/);
    assert.match(e(['network', 'inspect', 'nosuch']), /Error response from daemon: network nosuch not found/);
    assert.match(e(['network', 'rm', 'nosuch']), /network nosuch not found/);
    assert.equal(d.berth(['network', 'rm', '-f', 'nosuch']).status, 0);
    assert.match(
      e(['run', '--rm', '--network', 'clinet', '--network', 'host', 'busybox', 'true']),
      /conflicting options: cannot attach both user-defined and non-user-defined network-modes/,
    );
    assert.match(e(['run', '--rm', '--network-alias', 'x', 'busybox', 'true']), /network-scoped aliases are only supported for user-defined networks/);
  });

  it('runs on several networks with aliases, a fixed address and a MAC', () => {
    ok(['network', 'create', '--subnet', `${S}.2.0/24`, 'clinet2']);
    ok([
      'run',
      '-d',
      '--name',
      'srv',
      '--network',
      'clinet',
      '--network-alias',
      'api',
      '--ip',
      `${S}.1.200`,
      '--mac-address',
      '02:42:0a:eb:01:c8',
      '--network',
      'name=clinet2,alias=api2',
      'busybox',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/etc',
    ]);
    const nets = JSON.parse(ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'srv']));
    assert.deepEqual(Object.keys(nets).sort(), ['clinet', 'clinet2']);
    assert.equal(nets.clinet.IPAddress, `${S}.1.200`);
    assert.equal(nets.clinet.MacAddress, '02:42:0a:eb:01:c8');
    assert.equal(nets.clinet2.IPAddress, `${S}.2.2`);
    assert.match(ok(['exec', 'srv', 'ip', 'link', 'show', 'eth0']), /02:42:0a:eb:01:c8/);
    const id = ok(['inspect', '-f', '{{.Id}}', 'srv']);
    assert.equal(ok(['run', '--rm', '--network', 'clinet2', 'busybox', 'wget', '-qO-', 'http://api2/hostname']), id.slice(0, 12));
    assert.equal(ok(['run', '--rm', '--network', 'clinet', 'busybox', 'wget', '-qO-', 'http://api/hostname']), id.slice(0, 12));
    assert.equal(ok(['ps', '--filter', 'network=clinet2', '--format', '{{.Names}}']), 'srv');
  });

  it('connects and disconnects with berth network connect/disconnect', () => {
    ok(['run', '-d', '--name', 'mover', 'busybox', 'sleep', '300']);
    ok(['network', 'connect', '--ip', `${S}.2.77`, '--alias', 'm2', 'clinet2', 'mover']);
    assert.equal(ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "clinet2").IPAddress}}', 'mover']), `${S}.2.77`);
    assert.match(ok(['run', '--rm', '--network', 'clinet2', 'busybox', 'nslookup', 'm2']), new RegExp(`Address: ${Sr}\\.2\\.77`));
    const r = d.berth(['network', 'connect', 'clinet2', 'mover']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /endpoint with name mover already exists in network clinet2/);
    ok(['network', 'disconnect', 'clinet2', 'mover']);
    assert.equal(ok(['inspect', '-f', '{{len .NetworkSettings.Networks}}', 'mover']), '1');
    ok(['rm', '-f', 'mover']);
  });

  it('publishes ports: berth port and berth ps show them as docker does', async () => {
    const p = await freePort();
    ok(['run', '-d', '--name', 'pub', '-p', `127.0.0.1:${p}:80`, '--expose', '443', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    assert.equal(ok(['port', 'pub']), d.docker(['port', 'pub']).stdout.trim());
    assert.equal(ok(['port', 'pub', '80']), `127.0.0.1:${p}`);
    assert.equal(
      ok(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}']),
      d.docker(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}']).stdout.trim(),
    );
    const id = ok(['inspect', '-f', '{{.Id}}', 'pub']);
    assert.equal((await httpGet(`http://127.0.0.1:${p}/hostname`)).trim(), id.slice(0, 12));
    const r = d.berth(['port', 'pub', '443']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No public port '443' published for pub/);
    ok(['rm', '-f', 'pub']);
  });

  it('refuses to remove a network in use, then removes and prunes', () => {
    const r = d.berth(['network', 'rm', 'clinet']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error while removing network: network clinet has active endpoints \(name:"srv" id:"[0-9a-f]{12}"\)/);
    ok(['rm', '-f', 'srv']);
    assert.equal(ok(['network', 'rm', 'clinet']), 'clinet');
    assert.equal(ok(['network', 'prune', '-f']), 'Deleted Networks:\nclinet2');
    assert.equal(ok(['network', 'ls', '--format', '{{.Name}}']), 'bridge\nhost\nnone');
  });
});
