// Security defaults and resource limits, checked from inside real containers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { TestDaemon } from '../helpers/daemon';

describe('security defaults and resources', () => {
  const d = new TestDaemon('sec');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  const run = (...args: string[]) => d.docker(['run', '--rm', ...args]);

  it("gives Docker's 14 default capabilities", () => {
    const r = run('busybox', 'sh', '-c', 'grep CapEff /proc/self/status');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /CapEff:\s+00000000a80425fb/);
  });

  it('applies the seccomp filter and masks /proc paths', () => {
    const r = run('busybox', 'sh', '-c', 'grep Seccomp: /proc/self/status; wc -c < /proc/interrupts');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Seccomp:\s+2/);
    assert.match(r.stdout.split('\n')[1], /^\s*0$/);
  });

  it('refuses hostname changes and mounts by default, allows them with --privileged', () => {
    assert.notEqual(run('busybox', 'hostname', 'x').status, 0);
    assert.notEqual(run('busybox', 'mount', '-t', 'tmpfs', 'none', '/tmp').status, 0);
    const p = run('--privileged', 'busybox', 'sh', '-c', 'hostname x && hostname && mount -t tmpfs none /tmp && echo mounted');
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, 'x\nmounted\n');
  });

  it('honours --cap-drop and --cap-add', () => {
    // the positive control: root may chown by default
    const allowed = run('busybox', 'chown', '1000', '/tmp');
    assert.equal(allowed.status, 0, allowed.stderr);
    const drop = run('--cap-drop', 'CHOWN', 'busybox', 'chown', '1000', '/tmp');
    assert.notEqual(drop.status, 0);
    assert.match(drop.stderr, /Operation not permitted/);
    const add = run('--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status');
    assert.match(add.stdout, /CapEff:\s+00000000a82425fb/);
  });

  it('runs as the requested user with the image groups', () => {
    const r = run('--user', 'berth', 'busybox', 'id');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /uid=1000\(berth\) gid=1000\(berth\) groups=.*50\(staff\)/);
    const n = run('--user', '4242:4243', 'busybox', 'id', '-u');
    assert.equal(n.stdout.trim(), '4242');
    const bad = run('--user', 'nobodyknows', 'busybox', 'true');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unable to find user nobodyknows/);
  });

  it('makes the rootfs read-only with --read-only and sets no-new-privileges', () => {
    const r = run('--read-only', 'busybox', 'touch', '/x');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Read-only file system/);
    const n = run('--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status');
    assert.match(n.stdout, /NoNewPrivs:\s+1/);
  });

  it('puts memory and pids limits in the container cgroup', () => {
    const r = run(
      '-m',
      '64m',
      '--pids-limit',
      '50',
      'busybox',
      'sh',
      '-c',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['67108864', '50']);
  });

  it('puts block-IO device limits (--device-read-bps, --device-write-iops) in the container cgroup', (t) => {
    const dev = ['/dev/vda', '/dev/sda', '/dev/nvme0n1', '/dev/xvda'].find((p) => fs.existsSync(p) && fs.statSync(p).isBlockDevice());
    if (!dev) return t.skip('no block device to limit');
    const rdev = fs.statSync(dev).rdev;
    const majmin = `${Math.floor(rdev / 256) & 0xfff}:${(rdev & 0xff) | ((rdev >> 12) & 0xfff00)}`;
    const r = run(
      '--device-read-bps',
      `${dev}:1mb`,
      '--device-write-iops',
      `${dev}:100`,
      'busybox',
      'sh',
      '-c',
      'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device 2>/dev/null || cat /sys/fs/cgroup/io.max',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.trim();
    if (out.includes('rbps=')) assert.match(out, new RegExp(`^${majmin} rbps=1048576 wbps=max riops=max wiops=100$`, 'm'));
    else assert.deepEqual(out.split('\n'), [`${majmin} 1048576`, `${majmin} 100`]);
  });

  it('fails the start of a container asking for GPUs, as dockerd without a device driver does', () => {
    const r = run('--gpus', 'all', 'busybox', 'true');
    assert.equal(r.status, 125);
    assert.match(r.stderr, /could not select device driver "" with capabilities: \[\[gpu\]\]/);
  });

  it('updates limits of a running container', () => {
    d.docker(['run', '-d', '--name', 'upd', '-m', '64m', 'busybox', 'sleep', '100']);
    const u = d.docker(['update', '-m', '96m', '--memory-swap', '200m', 'upd']);
    assert.equal(u.status, 0, u.stderr);
    const r = d.docker(['exec', 'upd', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
    assert.equal(r.stdout.trim(), String(96 * 1024 * 1024));
    assert.equal(d.docker(['inspect', '-f', '{{.HostConfig.Memory}}', 'upd']).stdout.trim(), String(96 * 1024 * 1024));
    d.docker(['rm', '-f', 'upd']);
  });

  it('reports OOMKilled', () => {
    const r = d.docker(['run', '--name', 'oom', '-m', '8m', '--memory-swap', '8m', 'busybox', 'sh', '-c', 'x=a; while true; do x=$x$x; done']);
    assert.equal(r.status, 137);
    assert.equal(d.docker(['inspect', '-f', '{{.State.OOMKilled}}', 'oom']).stdout.trim(), 'true');
    d.docker(['rm', 'oom']);
  });

  it('rejects bad resource values with Docker messages', () => {
    const m = run('-m', '1m', 'busybox', 'true');
    assert.equal(m.status, 125);
    assert.match(m.stderr, /Minimum memory limit allowed is 6MB/);
    const u = run('--ulimit', 'nofile=999999999:999999999', 'busybox', 'true');
    assert.equal(u.status, 125);
    assert.match(u.stderr, /hard limit/);
  });

  it('runs tini as PID 1 with --init and mounts --tmpfs', () => {
    const r = run('--init', 'busybox', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\/sbin\/docker-init -- sh/);
    const t = run('--tmpfs', '/scratch:size=1m', 'busybox', 'sh', '-c', 'grep " /scratch " /proc/mounts');
    assert.match(t.stdout, /tmpfs \/scratch tmpfs .*size=1024k/);
  });

  it('has /.dockerenv and the container hostname', () => {
    const r = run('-h', 'boat', 'busybox', 'sh', '-c', 'test -f /.dockerenv && hostname && cat /etc/hostname');
    assert.equal(r.stdout, 'boat\nboat\n');
  });
});
