// The docker flag grammar and the run/create option translation of the berth CLI.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseFlags, type FlagDef } from '../../../src/cli/flags';
import { buildCreateBody, containerFlags, runOnlyFlags } from '../../../src/cli/opts/container';
import { parseMountSpec } from '../../../src/cli/opts/mount';
import { parsePortSpecs } from '../../../src/cli/opts/ports';

const defs: FlagDef[] = [
  { long: 'detach', short: 'd', kind: 'bool', help: '' },
  { long: 'interactive', short: 'i', kind: 'bool', help: '' },
  { long: 'tty', short: 't', kind: 'bool', help: '' },
  { long: 'rm', kind: 'bool', help: '' },
  { long: 'name', kind: 'string', help: '' },
  { long: 'env', short: 'e', kind: 'list', help: '' },
  { long: 'publish', short: 'p', kind: 'list', help: '' },
  { long: 'cpu-shares', short: 'c', kind: 'int', help: '' },
];

describe('parseFlags', () => {
  it('takes clusters, attached values and repeated lists', () => {
    const r = parseFlags(defs, ['-dit', '-p80:80', '-p', '8080:8080', '-e', 'A=1', '-e=B=2', '--name=web', 'busybox'], false);
    assert.equal(r.flags.bool('detach'), true);
    assert.equal(r.flags.bool('interactive'), true);
    assert.equal(r.flags.bool('tty'), true);
    assert.deepEqual(r.flags.list('publish'), ['80:80', '8080:8080']);
    assert.deepEqual(r.flags.list('env'), ['A=1', 'B=2']);
    assert.equal(r.flags.str('name'), 'web');
    assert.deepEqual(r.args, ['busybox']);
  });

  it('stops at the first positional when not interspersed', () => {
    const r = parseFlags(defs, ['--rm', 'busybox', 'sh', '-c', 'echo', '--rm', '-x'], false);
    assert.deepEqual(r.args, ['busybox', 'sh', '-c', 'echo', '--rm', '-x']);
    const r2 = parseFlags(defs, ['a', '--rm', 'b'], true);
    assert.deepEqual(r2.args, ['a', 'b']);
    assert.equal(r2.flags.bool('rm'), true);
  });

  it('booleans take a value only with "="', () => {
    const r = parseFlags(defs, ['--rm=false', '-d=false', 'img'], false);
    assert.equal(r.flags.bool('rm'), false);
    assert.equal(r.flags.isSet('rm'), true);
    assert.equal(r.flags.bool('detach'), false);
    const r2 = parseFlags(defs, ['--rm', 'false'], true);
    assert.deepEqual(r2.args, ['false']);
  });

  it("reports pflag's errors", () => {
    assert.throws(() => parseFlags(defs, ['--nope']), new FlagError('unknown flag: --nope'));
    assert.throws(() => parseFlags(defs, ['-x']), new FlagError("unknown shorthand flag: 'x' in -x"));
    assert.throws(() => parseFlags(defs, ['--name']), new FlagError('flag needs an argument: --name'));
    assert.throws(() => parseFlags(defs, ['-p']), new FlagError("flag needs an argument: 'p' in -p"));
    assert.throws(
      () => parseFlags(defs, ['-c', 'abc']),
      new FlagError('invalid argument "abc" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "abc": invalid syntax'),
    );
    assert.throws(() => parseFlags(defs, ['--rm=maybe']), /strconv.ParseBool: parsing "maybe": invalid syntax/);
  });

  it('"--" ends the options and --help is noticed', () => {
    const r = parseFlags(defs, ['--', '--rm']);
    assert.deepEqual(r.args, ['--rm']);
    assert.equal(parseFlags(defs, ['--help']).help, true);
  });
});

const runDefs = [...containerFlags, ...runOnlyFlags];
const body = (argv: string[], stdinIsTty = false) => {
  const r = parseFlags(runDefs, argv, false);
  return buildCreateBody(r.flags, r.args, { run: true, stdinIsTty });
};

describe('run options → create body', () => {
  it('fills Config and HostConfig like the docker CLI', () => {
    const p = body([
      '-d',
      '--name',
      'web',
      '-e',
      'A=1',
      '-l',
      'k=v',
      '-m',
      '64m',
      '--cpus',
      '1.5',
      '--restart',
      'on-failure:3',
      '-w',
      '/tmp',
      '-u',
      '1000:1000',
      '--pids-limit',
      '50',
      '--init',
      'busybox',
      'sleep',
      '100',
    ]);
    assert.equal(p.name, 'web');
    assert.equal(p.detach, true);
    assert.deepEqual(p.attach, { stdin: false, stdout: false, stderr: false });
    assert.equal(p.body.Image, 'busybox');
    assert.deepEqual(p.body.Cmd, ['sleep', '100']);
    assert.deepEqual(p.body.Env, ['A=1']);
    assert.deepEqual(p.body.Labels, { k: 'v' });
    assert.equal(p.body.WorkingDir, '/tmp');
    assert.equal(p.body.User, '1000:1000');
    const hc = p.body.HostConfig;
    assert.equal(hc.Memory, 64 * 1024 * 1024);
    assert.equal(hc.NanoCpus, 1.5e9);
    assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.equal(hc.PidsLimit, 50);
    assert.equal(hc.Init, true);
  });

  it('attaches stdout/stderr in the foreground and stdin with -i', () => {
    const p = body(['-i', 'busybox']);
    assert.deepEqual(p.attach, { stdin: true, stdout: true, stderr: true });
    assert.equal(p.body.OpenStdin, true);
    assert.equal(p.body.StdinOnce, true);
    assert.throws(() => body(['-it', 'busybox'], false), /the input device is not a TTY/);
    assert.equal(body(['-it', 'busybox'], true).body.Tty, true);
  });

  it('splits -v into binds and anonymous volumes, and parses --mount and --tmpfs', () => {
    const p = body([
      '-v',
      '/data',
      '-v',
      '/host:/ctr:ro',
      '-v',
      'named:/n',
      '--mount',
      'type=tmpfs,dst=/t,tmpfs-size=1m',
      '--tmpfs',
      '/run:size=1m',
      'busybox',
    ]);
    assert.deepEqual(p.body.Volumes, { '/data': {} });
    assert.deepEqual(p.body.HostConfig.Binds, ['/host:/ctr:ro', 'named:/n']);
    assert.deepEqual(p.body.HostConfig.Mounts, [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } }]);
    assert.deepEqual(p.body.HostConfig.Tmpfs, { '/run': 'size=1m' });
  });

  it('builds the healthcheck and refuses --no-healthcheck with health flags', () => {
    const p = body(['--health-cmd', 'true', '--health-interval', '1s', '--health-retries', '2', 'busybox']);
    assert.deepEqual(p.body.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 2 });
    assert.deepEqual(body(['--no-healthcheck', 'busybox']).body.Healthcheck, { Test: ['NONE'] });
    assert.throws(() => body(['--no-healthcheck', '--health-cmd', 'x', 'busybox']), /--no-healthcheck conflicts with --health-\* options/);
    assert.throws(() => body(['--health-interval', 'soon', 'busybox']), /invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon"/);
  });

  it('gives the docker CLI errors for bad values', () => {
    assert.throws(() => body(['-m', 'lots', 'busybox']), /invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'/);
    assert.throws(() => body(['--cpus', 'x', 'busybox']), /failed to parse x as a rational number/);
    assert.throws(() => body(['--ulimit', 'nofile', 'busybox']), /invalid ulimit argument: nofile/);
    assert.throws(() => body(['--rm', '--restart', 'always', 'busybox']), /cannot specify both --restart and --rm/);
    assert.throws(() => body(['-d', '-a', 'stdout', 'busybox']), /conflicting options: cannot specify both --attach and --detach/);
    assert.throws(() => body(['--restart', 'on-failure:x', 'busybox']), /maximum retry count must be an integer/);
    assert.throws(() => body(['--add-host', 'nocolon', 'busybox']), /bad format for add-host/);
  });

  it('block-IO device limits, kernel memory, link-local addresses and GPU requests, in the docker CLI 28 body and words', () => {
    const p = body([
      '--device-read-bps',
      '/dev/vda:1mb',
      '--device-write-bps',
      '/dev/vda:512',
      '--device-read-iops',
      '/dev/vda:100',
      '--device-write-iops',
      '/dev/vdb:7',
      '--blkio-weight-device',
      '/dev/vda:200',
      '--kernel-memory',
      '10m',
      '--link-local-ip',
      '169.254.1.2',
      '--network',
      'net1',
      '--gpus',
      '"device=0,2",capabilities=compute',
      '--disable-content-trust',
      'busybox',
    ]).body;
    const hc = p.HostConfig as Record<string, unknown>;
    assert.deepEqual(hc.BlkioDeviceReadBps, [{ Path: '/dev/vda', Rate: 1 << 20 }]);
    assert.deepEqual(hc.BlkioDeviceWriteBps, [{ Path: '/dev/vda', Rate: 512 }]);
    assert.deepEqual(hc.BlkioDeviceReadIOps, [{ Path: '/dev/vda', Rate: 100 }]);
    assert.deepEqual(hc.BlkioDeviceWriteIOps, [{ Path: '/dev/vdb', Rate: 7 }]);
    assert.deepEqual(hc.BlkioWeightDevice, [{ Path: '/dev/vda', Weight: 200 }]);
    assert.equal(hc.KernelMemory, 10 << 20);
    assert.deepEqual(hc.DeviceRequests, [{ Driver: '', Count: 0, DeviceIDs: ['0', '2'], Capabilities: [['compute', 'gpu']], Options: {} }]);
    // as sent (JSON drops the unset addresses)
    assert.deepEqual(JSON.parse(JSON.stringify(p.NetworkingConfig.EndpointsConfig.net1)).IPAMConfig, { LinkLocalIPs: ['169.254.1.2'] });
    assert.deepEqual(body(['--gpus', 'all', 'busybox']).body.HostConfig.DeviceRequests, [
      { Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} },
    ]);
    const bad = (args: string[], msg: string) => assert.throws(() => body([...args, 'busybox']), { message: msg });
    bad(['--device-read-bps', 'x'], 'invalid argument "x" for "--device-read-bps" flag: bad format: x');
    bad(['--device-read-bps', 'sda:1mb'], 'invalid argument "sda:1mb" for "--device-read-bps" flag: bad format for device path: sda:1mb');
    bad(
      ['--device-write-bps', '/dev/sda:zz'],
      'invalid argument "/dev/sda:zz" for "--device-write-bps" flag: invalid rate for device: /dev/sda:zz. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb',
    );
    bad(
      ['--device-read-iops', '/dev/sda:1k'],
      'invalid argument "/dev/sda:1k" for "--device-read-iops" flag: invalid rate for device: /dev/sda:1k. The correct format is <device-path>:<number>. Number must be a positive integer',
    );
    bad(['--blkio-weight-device', '/dev/sda:5'], 'invalid argument "/dev/sda:5" for "--blkio-weight-device" flag: invalid weight for device: /dev/sda:5');
    bad(['--gpus', 'count=x'], 'invalid argument "count=x" for "--gpus" flag: invalid count (x): value must be either "all" or an integer: invalid syntax');
    bad(['--gpus', 'all,all'], 'invalid argument "all,all" for "--gpus" flag: gpu request key \'all\' can be specified only once');
    bad(['--gpus', 'foo=1'], 'invalid argument "foo=1" for "--gpus" flag: unexpected key \'foo\' in \'foo=1\'');
  });

  it('--entrypoint "" resets the entrypoint', () => {
    assert.deepEqual(body(['--entrypoint', '', 'busybox']).body.Entrypoint, ['']);
    assert.equal(body(['busybox']).body.Entrypoint, null);
  });
});

describe('port and mount specs', () => {
  it('parses -p forms and ranges', () => {
    const { exposed, bindings } = parsePortSpecs(['8080:80', '127.0.0.1:5353:53/udp', '9000-9001:90-91', '7000'], ['3000-3001']);
    assert.deepEqual(bindings['80/tcp'], [{ HostIp: '', HostPort: '8080' }]);
    assert.deepEqual(bindings['53/udp'], [{ HostIp: '127.0.0.1', HostPort: '5353' }]);
    assert.deepEqual(bindings['91/tcp'], [{ HostIp: '', HostPort: '9001' }]);
    assert.deepEqual(bindings['7000/tcp'], [{ HostIp: '', HostPort: '' }]);
    assert.ok(exposed['3001/tcp']);
    assert.throws(() => parsePortSpecs(['80:99999'], []), /invalid containerPort: 99999/);
    assert.throws(() => parsePortSpecs(['80/xyz'], []), /invalid proto: xyz/);
    assert.throws(() => parsePortSpecs(['8080:80-81'], []), /invalid ranges specified/);
  });

  it('parses --mount and reports its errors', () => {
    assert.deepEqual(parseMountSpec('type=bind,src=/a,dst=/b,readonly,bind-propagation=rshared'), {
      Type: 'bind',
      Source: '/a',
      Target: '/b',
      ReadOnly: true,
      BindOptions: { Propagation: 'rshared' },
    });
    assert.deepEqual(parseMountSpec('source=v,target=/d,volume-nocopy,volume-label=a=b'), {
      Type: 'volume',
      Source: 'v',
      Target: '/d',
      VolumeOptions: { NoCopy: true, Labels: { a: 'b' } },
    });
    assert.throws(() => parseMountSpec('type=bind,src=/a'), /target is required/);
    assert.throws(() => parseMountSpec('type=volume,dst=/a,bind-propagation=shared'), /cannot mix 'bind-\*' options with mount type 'volume'/);
    assert.throws(() => parseMountSpec('type=bind,dst=/a,bogus=1'), /unexpected key 'bogus'/);
    assert.throws(() => parseMountSpec('dst=/a,foo'), /invalid field 'foo' must be a key=value pair/);
  });
});
