import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildSpec,
  SpecInput,
  parseMemory,
  parseSignal,
  signalName,
  parseSecurityOpts,
  parseUlimit,
  parseDeviceSpec,
  mergeTmpfsOptions,
  validateResources,
  toOciResources,
  computeCapabilities,
  capabilityMask,
  DEFAULT_CAPABILITIES,
  serializeSpec,
  hostFacts,
  CgroupFeatures,
} from '../../../src/runtime';
import { EngineError } from '../../../src/util/errors';
import { defaultHostConfig, type HostConfig } from '../../../src/container';
import { validateHostConfig } from '../../../src/engine/containers/create';

const ALL_FEATURES: CgroupFeatures = {
  memoryLimit: true,
  swapLimit: true,
  memoryReservation: true,
  memorySwappiness: true,
  oomKillDisable: true,
  cpuShares: true,
  cpuCfs: true,
  cpuset: true,
  pids: true,
  blkioWeight: true,
  blkioThrottle: true,
};

function base(over: Partial<SpecInput> = {}): SpecInput {
  return {
    process: { args: ['/bin/sh'], env: ['A=1'], user: { uid: 0, gid: 0 } },
    root: { path: '/tmp/rootfs' },
    hostname: 'abc123',
    cgroupsPath: '/berth/x',
    network: { kind: 'private' },
    seccomp: 'unconfined',
    ...over,
  };
}

function throws400(fn: () => unknown, msg: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.equal(e.status, 400);
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  });
}

describe('buildSpec', () => {
  test('defaults look like Docker', () => {
    const s = buildSpec(base());
    assert.equal(s.ociVersion, '1.0.2');
    assert.deepEqual(s.process!.capabilities!.bounding!.slice().sort(), [...DEFAULT_CAPABILITIES].sort());
    assert.equal(s.process!.capabilities!.inheritable, undefined);
    assert.equal(s.process!.capabilities!.ambient, undefined);
    assert.equal(s.process!.rlimits, undefined);
    assert.equal(s.process!.cwd, '/');
    assert.ok(s.process!.env!.some((e) => e.startsWith('PATH=')));
    assert.equal(s.hostname, 'abc123');
    const ns = s.linux!.namespaces!.map((n) => n.type);
    for (const t of ['mount', 'network', 'uts', 'pid', 'ipc']) assert.ok(ns.includes(t as never), t);
    const dests = s.mounts!.map((m) => m.destination);
    assert.deepEqual(dests, ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
    const shm = s.mounts!.find((m) => m.destination === '/dev/shm')!;
    assert.ok(shm.options!.includes(`size=${64 * 1024 * 1024}`));
    assert.ok(s.mounts!.find((m) => m.destination === '/sys')!.options!.includes('ro'));
    assert.ok(s.linux!.maskedPaths!.includes('/proc/kcore'));
    assert.ok(s.linux!.maskedPaths!.includes('/proc/interrupts'));
    assert.ok(s.linux!.maskedPaths!.includes('/sys/devices/virtual/powercap'));
    assert.ok(s.linux!.readonlyPaths!.includes('/proc/sys'));
    const rules = s.linux!.resources!.devices!;
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    assert.ok(rules.some((r) => r.allow && r.type === 'c' && r.major === 136 && r.minor === undefined));
    assert.ok(rules.some((r) => r.allow && r.type === 'b' && r.access === 'm'));
    assert.equal(s.linux!.seccomp, undefined);
    assert.equal(s.linux!.cgroupsPath, '/berth/x');
  });

  test("CapEff mask of the default set is Docker's", () => {
    assert.equal(capabilityMask(DEFAULT_CAPABILITIES).toString(16), 'a80425fb');
  });

  test('capAdd / capDrop rules', () => {
    const a = computeCapabilities({ capAdd: ['net_admin', 'CAP_SYS_ADMIN'], capDrop: ['mknod'] });
    assert.ok(a.includes('CAP_NET_ADMIN') && a.includes('CAP_SYS_ADMIN') && !a.includes('CAP_MKNOD'));
    assert.deepEqual(computeCapabilities({ capDrop: ['ALL'], capAdd: ['chown'] }), ['CAP_CHOWN']);
    const all = computeCapabilities({ capAdd: ['ALL'], capDrop: ['sys_admin'] });
    assert.ok(!all.includes('CAP_SYS_ADMIN') && all.includes('CAP_NET_ADMIN'));
    throws400(() => computeCapabilities({ capAdd: ['FOO'] }), 'unknown capability: "CAP_FOO"');
  });

  test('privileged: all grantable caps, no masks, rw sys, host devices, allow-all', () => {
    const s = buildSpec(base({ privileged: true, seccomp: 'default' }));
    const caps = s.process!.capabilities!.bounding!;
    assert.ok(caps.includes('CAP_SYS_ADMIN'));
    assert.ok(caps.length >= 38);
    assert.deepEqual(s.linux!.maskedPaths, []);
    assert.deepEqual(s.linux!.readonlyPaths, []);
    assert.equal(s.linux!.seccomp, undefined);
    assert.ok(!s.mounts!.find((m) => m.destination === '/sys')!.options!.includes('ro'));
    assert.ok(!s.mounts!.find((m) => m.destination === '/sys/fs/cgroup')!.options!.includes('ro'));
    assert.deepEqual(s.linux!.resources!.devices, [{ allow: true, access: 'rwm' }]);
    assert.ok(s.linux!.devices!.some((d) => d.path === '/dev/null'));
  });

  test('host namespaces and joined netns', () => {
    const s = buildSpec(base({ pidMode: 'host', ipcMode: 'host', utsMode: 'host', network: { kind: 'host' } }));
    const ns = s.linux!.namespaces!.map((n) => n.type);
    assert.ok(!ns.includes('pid') && !ns.includes('ipc') && !ns.includes('uts') && !ns.includes('network'));
    assert.equal(s.hostname, undefined);
    assert.ok(s.mounts!.some((m) => m.destination === '/dev/shm' && m.source === '/dev/shm' && m.type === 'bind'));
    assert.equal(s.linux!.sysctl!['net.ipv4.ip_unprivileged_port_start'], undefined);
    const j = buildSpec(base({ network: { kind: 'path', path: '/proc/42/ns/net' } }));
    assert.deepEqual(
      j.linux!.namespaces!.find((n) => n.type === 'network'),
      { type: 'network', path: '/proc/42/ns/net' },
    );
    const none = buildSpec(base({ ipcMode: 'none' }));
    assert.ok(!none.mounts!.some((m) => m.destination === '/dev/shm'));
  });

  test('binds, tmpfs, etc files, readonly rootfs', () => {
    const s = buildSpec(
      base({
        root: { path: '/r', readonly: true },
        mounts: [
          { source: '/data/a/b', destination: '/a/b', options: ['rbind', 'rprivate'] },
          { source: '/data/a', destination: '/a', options: ['ro'] },
        ],
        tmpfs: { '/run': 'exec,size=1m' },
        etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
        shmSize: 1048576,
      }),
    );
    assert.equal(s.root!.readonly, true);
    const by = (d: string) => s.mounts!.find((m) => m.destination === d)!;
    assert.deepEqual(by('/a').options, ['rbind', 'ro']);
    assert.ok(s.mounts!.indexOf(by('/a')) < s.mounts!.indexOf(by('/a/b')));
    assert.deepEqual(by('/run').options!.slice().sort(), ['exec', 'nodev', 'nosuid', 'rprivate', 'size=1m'].sort());
    assert.deepEqual(by('/etc/hosts').options, ['rbind', 'rprivate', 'ro']);
    assert.ok(by('/sys/fs/cgroup').options!.includes('ro'));
    assert.ok(!by('/dev/shm').options!.includes('ro'));
    assert.ok(by('/dev/shm').options!.includes('size=1048576'));
    throws400(
      () =>
        buildSpec(
          base({
            mounts: [
              { source: '/x', destination: '/a' },
              { source: '/y', destination: '/a' },
            ],
          }),
        ),
      'Duplicate mount point: /a',
    );
  });

  test('init prefixes args and binds the init binary', () => {
    const s = buildSpec(base({ init: true, initPath: '/usr/bin/tini-static' }));
    assert.deepEqual(s.process!.args, ['/sbin/docker-init', '--', '/bin/sh']);
    const m = s.mounts!.find((x) => x.destination === '/sbin/docker-init')!;
    assert.deepEqual(m, { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro'] });
    // not with a shared pid namespace
    assert.deepEqual(buildSpec(base({ init: true, pidMode: 'host' })).process!.args, ['/bin/sh']);
  });

  test('ulimits: mapping and the host hard limit', () => {
    const nofileHard = hostFacts().limits.nofile?.hard ?? Infinity;
    const s = buildSpec(base({ process: { ...base().process, ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }] } }));
    assert.deepEqual(s.process!.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }]);
    if (Number.isFinite(nofileHard)) {
      throws400(
        () => buildSpec(base({ process: { ...base().process, ulimits: [{ Name: 'nofile', Soft: 1, Hard: nofileHard + 1 }] } })),
        /hard limit .* above this host's hard limit .*CAP_SYS_RESOURCE/,
      );
    }
    throws400(() => buildSpec(base({ process: { ...base().process, ulimits: [{ Name: 'as', Soft: 1, Hard: 1 }] } })), 'invalid ulimit type: as');
    throws400(
      () => buildSpec(base({ process: { ...base().process, ulimits: [{ Name: 'nproc', Soft: 5, Hard: 1 }] } })),
      'ulimit soft limit must be less than or equal to hard limit: 5 > 1',
    );
  });

  test('unlimited rlimit serializes as an exact u64', () => {
    const json = serializeSpec({
      ociVersion: '1',
      process: { user: { uid: 0, gid: 0 }, args: ['x'], cwd: '/', rlimits: [{ type: 'RLIMIT_CORE', soft: (1n << 64n) - 1n, hard: 5 }] },
    });
    assert.match(json, /"soft":18446744073709551615,"hard":5/);
  });

  test('sysctls: defaults for a private netns, namespace checks', () => {
    const s = buildSpec(base({ sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '100' } }));
    assert.equal(s.linux!.sysctl!['net.ipv4.ip_forward'], '1');
    throws400(() => buildSpec(base({ network: { kind: 'host' }, sysctls: { 'net.ipv4.ip_forward': '1' } })), /not allowed in host network namespace/);
    throws400(() => buildSpec(base({ sysctls: { 'vm.swappiness': '1' } })), /is not in a separate kernel namespace/);
  });

  test('devices: --device maps a host node; missing device fails like Docker', () => {
    const s = buildSpec(base({ devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rw' }] }));
    assert.deepEqual(
      { ...s.linux!.devices![0], fileMode: undefined, uid: undefined, gid: undefined },
      { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: undefined, uid: undefined, gid: undefined },
    );
    assert.ok(s.linux!.resources!.devices!.some((r) => r.major === 1 && r.minor === 3 && r.access === 'rw'));
    throws400(
      () => buildSpec(base({ devices: [{ PathOnHost: '/dev/nope-x' }] })),
      'error gathering device information while adding custom device "/dev/nope-x": no such file or directory',
    );
    throws400(() => buildSpec(base({ devices: [{ PathOnHost: '/etc/hostname' }] })), /not a device node/);
    throws400(() => buildSpec(base({ deviceCgroupRules: ['c 1:1  rwm'] })), "invalid device cgroup rule format: 'c 1:1  rwm'");
    assert.deepEqual(parseDeviceSpec('/dev/sda:/dev/xvda:r'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'r' });
    assert.deepEqual(parseDeviceSpec('/dev/sda:rw'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rw' });
  });

  test('resources in the spec', () => {
    const s = buildSpec(base({ resources: { Memory: 64 << 20, NanoCpus: 500_000_000, PidsLimit: 0, CpuShares: 512 } }));
    const r = s.linux!.resources!;
    assert.equal(r.memory!.limit, 64 << 20);
    assert.deepEqual(r.cpu, { shares: 512, period: 100000, quota: 50000 });
    assert.deepEqual(r.pids, { limit: -1 });
  });

  test('oom score adj and shm size are checked once, at create', () => {
    const hc = (more: Partial<HostConfig>): HostConfig => ({ ...defaultHostConfig(), ...more });
    throws400(() => validateHostConfig(hc({ OomScoreAdj: 1001 })), 'Invalid value 1001, range for oom score adj is [-1000, 1000]');
    throws400(() => validateHostConfig(hc({ OomScoreAdj: -1001 })), 'Invalid value -1001, range for oom score adj is [-1000, 1000]');
    throws400(() => validateHostConfig(hc({ ShmSize: -1 })), 'SHM size can not be less than 0');
    validateHostConfig(hc({ OomScoreAdj: 1000, ShmSize: 0 }));
    assert.equal(buildSpec(base({ process: { ...base().process, oomScoreAdj: -1000 } })).process!.oomScoreAdj, -1000);
  });
});

describe('validateResources', () => {
  const v = (r: Parameters<typeof validateResources>[0], update = false) => validateResources(r, { features: ALL_FEATURES, update });
  test('swap defaults to 2x memory; -1 is unlimited', () => {
    assert.equal(v({ Memory: 100 << 20 }).resources.MemorySwap, 200 << 20);
    assert.equal(toOciResources(v({ Memory: 100 << 20 }).resources).memory!.swap, 200 << 20);
    assert.equal(toOciResources(v({ Memory: 100 << 20, MemorySwap: -1 }).resources).memory!.swap, -1);
  });
  test('Docker messages', () => {
    throws400(() => v({ Memory: 1000 }), 'Minimum memory limit allowed is 6MB');
    throws400(() => v({ Memory: 100 << 20, MemorySwap: 50 << 20 }), 'Minimum memoryswap limit should be larger than memory limit, see usage');
    throws400(() => v({ MemorySwap: 50 << 20 }), 'You should always set the Memory limit when using Memoryswap limit, see usage');
    throws400(() => v({ BlkioWeight: 5 }), 'Range of blkio weight is from 10 to 1000');
    throws400(() => v({ BlkioWeight: 1001 }), 'Range of blkio weight is from 10 to 1000');
    throws400(() => v({ NanoCpus: 1e9, CpuPeriod: 100000 }), 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
    throws400(() => v({ CpuPeriod: 10 }), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    throws400(() => v({ CpuQuota: 10 }), 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    const n = hostFacts().onlineCpus;
    throws400(() => v({ NanoCpus: (n + 1) * 1e9 }), `Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`);
    throws400(() => v({ CpusetCpus: '999' }), /^Requested CPUs are not available - requested 999, available: /);
    throws400(() => v({ CpusetCpus: 'x' }), 'Invalid value x for cpuset cpus: invalid format: x');
    throws400(() => v({ MemoryReservation: 100 }), 'Minimum memory reservation allowed is 6MB');
  });
  test('warnings when the host lacks a controller', () => {
    const r = validateResources({ Memory: 100 << 20 }, { features: { ...ALL_FEATURES, swapLimit: false } });
    assert.equal(r.resources.MemorySwap, -1);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /swap limit/);
  });
  test('oci resources for update', () => {
    assert.deepEqual(toOciResources({ CpuQuota: 20000, CpuPeriod: 100000, PidsLimit: 10, BlkioWeight: 300, OomKillDisable: true }), {
      memory: { disableOOMKiller: true },
      cpu: { quota: 20000, period: 100000 },
      pids: { limit: 10 },
      blockIO: { weight: 300 },
    });
  });
});

describe('parse helpers', () => {
  test('parseMemory', () => {
    assert.equal(parseMemory('512m'), 512 * 1024 * 1024);
    assert.equal(parseMemory('1g'), 1 << 30);
    assert.equal(parseMemory('1GiB'), 1 << 30);
    assert.equal(parseMemory('1.5k'), 1536);
    assert.equal(parseMemory('100'), 100);
    assert.equal(parseMemory('100b'), 100);
    assert.equal(parseMemory('2 M'), 2 << 20);
    assert.equal(parseMemory('1t'), 2 ** 40);
    throws400(() => parseMemory('x'), "invalid size: 'x'");
    throws400(() => parseMemory('-1m'), "invalid size: '-1m'");
    // go-units v0.5's texts (what docker 28 prints for `--memory 1x`)
    throws400(() => parseMemory('1z'), "invalid suffix: 'z'");
    throws400(() => parseMemory('1x'), "invalid suffix: 'x'");
    throws400(() => parseMemory('1mbx'), "invalid suffix: 'mbx'");
    assert.equal(parseMemory('1KB'), 1024);
    throws400(() => parseMemory('1.2.3m'), 'strconv.ParseFloat: parsing "1.2.3": invalid syntax');
  });
  test('parseSignal', () => {
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('TERM'), 15);
    assert.equal(parseSignal('15'), 15);
    assert.equal(parseSignal('kill'), 9);
    assert.equal(parseSignal('sigusr1'), 10);
    assert.equal(parseSignal('RTMIN+3'), 37);
    assert.equal(signalName(9), 'SIGKILL');
    throws400(() => parseSignal('FOO'), 'Invalid signal: FOO');
    throws400(() => parseSignal('0'), 'Invalid signal: 0');
  });
  test('parseUlimit', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
    assert.deepEqual(parseUlimit('nproc=10'), { Name: 'nproc', Soft: 10, Hard: 10 });
    throws400(() => parseUlimit('foo=1'), 'invalid ulimit type: foo');
  });
  test('mergeTmpfsOptions', () => {
    assert.deepEqual(mergeTmpfsOptions(['noexec', 'nosuid', 'size=1m', 'exec', 'size=2m']), ['nosuid', 'exec', 'size=2m']);
  });
  test('parseSecurityOpts', () => {
    assert.deepEqual(parseSecurityOpts([]), { noNewPrivileges: false, seccomp: 'default' });
    assert.equal(parseSecurityOpts(['no-new-privileges']).noNewPrivileges, true);
    assert.equal(parseSecurityOpts(['no-new-privileges=true']).noNewPrivileges, true);
    assert.equal(parseSecurityOpts(['no-new-privileges:true']).noNewPrivileges, true);
    assert.equal(parseSecurityOpts(['no-new-privileges', 'no-new-privileges=false']).noNewPrivileges, false);
    assert.equal(parseSecurityOpts(['seccomp=unconfined']).seccomp, 'unconfined');
    assert.equal(parseSecurityOpts(['seccomp:unconfined']).seccomp, 'unconfined');
    const prof = '{"defaultAction":"SCMP_ACT_ALLOW"}';
    assert.deepEqual(parseSecurityOpts([`seccomp=${prof}`]).seccomp, { profile: prof });
    assert.deepEqual(parseSecurityOpts([`seccomp:${prof}`]).seccomp, { profile: prof });
    const o = parseSecurityOpts(['label=disable', 'apparmor=unconfined', 'label=type:foo']);
    assert.equal(o.labelDisable, true);
    assert.equal(o.apparmor, 'unconfined');
    throws400(() => parseSecurityOpts(['foo=bar']), 'invalid --security-opt 2: "foo=bar"');
    throws400(() => parseSecurityOpts(['bogus']), 'invalid --security-opt 1: "bogus"');
    throws400(() => parseSecurityOpts(['no-new-privileges=maybe']), 'invalid --security-opt 2: "no-new-privileges=maybe"');
  });
});

describe('seccomp in the spec', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-spec-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  test('custom profile JSON and a missing default profile', () => {
    const prof = JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
    const s = buildSpec(base({ seccomp: { profile: prof } }));
    assert.deepEqual(s.linux!.seccomp, { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
    assert.throws(() => buildSpec(base({ seccomp: 'default', seccompProfilePath: path.join(tmp, 'nope.json') })), /fetch-seccomp-profile\.sh/);
  });
});
