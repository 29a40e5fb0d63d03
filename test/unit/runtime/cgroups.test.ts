import { test, describe, after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cgroupLayout,
  parseCgroupLayout,
  cgroupsPathFor,
  allCgroupDirs,
  v1Dir,
  unifiedDir,
  readStats,
  readOomKillCount,
  removeCgroup,
  systemCpuUsage,
  CgroupLayout,
} from '../../../src/runtime';
import { parseBlkioV1, parseIoStatV2, parseNetDev } from '../../../src/runtime/cgroup-stats';

const HYBRID = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const V1_COMBINED = `31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
34 30 0:31 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`;
const V2 = `30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
`;

describe('layout', () => {
  test('parses hybrid, v1 and v2 mount tables', () => {
    const h = parseCgroupLayout(HYBRID);
    assert.equal(h.mode, 'hybrid');
    assert.equal(h.v1.get('cpu')!.mountpoint, '/sys/fs/cgroup/cpu');
    assert.ok(h.v1.has('name=systemd'));
    assert.equal(h.unified!.mountpoint, '/sys/fs/cgroup/unified');
    assert.deepEqual(allCgroupDirs('/berth/x', h).sort(), [
      '/sys/fs/cgroup/cpu/berth/x',
      '/sys/fs/cgroup/cpuacct/berth/x',
      '/sys/fs/cgroup/memory/berth/x',
      '/sys/fs/cgroup/systemd/berth/x',
      '/sys/fs/cgroup/unified/berth/x',
    ]);
    const v1 = parseCgroupLayout(V1_COMBINED);
    assert.equal(v1.mode, 'v1');
    assert.equal(v1Dir('cpuacct', '/berth/x', v1), '/sys/fs/cgroup/cpu,cpuacct/berth/x');
    // nested: the mount's root is /docker/abc
    assert.equal(v1Dir('memory', '/docker/abc/berth/x', v1), '/sys/fs/cgroup/memory/berth/x');
    const v2 = parseCgroupLayout(V2);
    assert.equal(v2.mode, 'v2');
    assert.equal(unifiedDir('/berth/x', v2), '/sys/fs/cgroup/berth/x');
    assert.equal(cgroupsPathFor('abc'), '/berth/abc');
    assert.equal(cgroupsPathFor('abc', 'custom'), '/custom/abc');
  });

  test('this host is detected', () => {
    const l = cgroupLayout();
    assert.ok(['v1', 'v2', 'hybrid'].includes(l.mode));
  });
});

describe('parsers', () => {
  test('blkio v1, io.stat v2, net/dev, /proc/stat', () => {
    assert.deepEqual(parseBlkioV1('8:0 Read 4096\n8:0 Write 0\nTotal 4096\n'), [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 0 },
    ]);
    const io = parseIoStatV2('8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n');
    assert.deepEqual(io.bytes, [
      { major: 8, minor: 0, op: 'read', value: 10 },
      { major: 8, minor: 0, op: 'write', value: 20 },
    ]);
    const net = parseNetDev('Inter-|   Receive\n face |bytes\n    lo: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0\n  eth0: 100 2 0 1 0 0 0 0 300 4 5 6 0 0 0 0\n');
    assert.deepEqual(Object.keys(net), ['eth0']);
    assert.deepEqual(net.eth0, { rx_bytes: 100, rx_packets: 2, rx_errors: 0, rx_dropped: 1, tx_bytes: 300, tx_packets: 4, tx_errors: 5, tx_dropped: 6 });
    assert.equal(systemCpuUsage('cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 1 1 1 1 1 1\n'), 28 * 1e7);
  });
});

describe('readStats on a fake v2 cgroup', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cg2-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  test('maps v2 files to Docker fields', () => {
    const dir = path.join(root, 'berth', 'c1');
    fs.mkdirSync(dir, { recursive: true });
    const w = (f: string, s: string) => fs.writeFileSync(path.join(dir, f), s);
    w('cpu.stat', 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 5\nnr_throttled 2\nthrottled_usec 30\n');
    w('memory.current', '4096\n');
    w('memory.max', 'max\n');
    w('memory.stat', 'anon 100\nfile 200\ninactive_file 50\n');
    w('memory.events', 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    w('pids.current', '3\n');
    w('pids.max', '10\n');
    w('io.stat', '8:0 rbytes=10 wbytes=20 rios=1 wios=2\n');
    const layout: CgroupLayout = { mode: 'v2', v1: new Map(), unified: { mountpoint: root, root: '/' } };
    const s = readStats('/berth/c1', { layout, memTotal: 1 << 30, onlineCpus: 4 });
    assert.deepEqual(s.cpu_stats.cpu_usage, { total_usage: 1_000_000, usage_in_kernelmode: 400_000, usage_in_usermode: 600_000 });
    assert.deepEqual(s.cpu_stats.throttling_data, { periods: 5, throttled_periods: 2, throttled_time: 30_000 });
    assert.equal(s.cpu_stats.online_cpus, 4);
    assert.ok(s.cpu_stats.system_cpu_usage > 0);
    assert.equal(s.memory_stats.usage, 4096);
    assert.equal(s.memory_stats.limit, 1 << 30, 'max → host RAM');
    assert.equal(s.memory_stats.stats!.inactive_file, 50);
    assert.equal(s.memory_stats.failcnt, 1);
    assert.deepEqual(s.pids_stats, { current: 3, limit: 10 });
    assert.equal(s.blkio_stats.io_service_bytes_recursive!.length, 2);
    assert.equal(readOomKillCount('/berth/c1', layout), 1);
  });
});

describe('readStats on a real cgroup of this host', () => {
  const cg = `/berth-unittest-${randomBytes(4).toString('hex')}`;
  let child: ChildProcess | undefined;
  const layout = cgroupLayout();

  const moved = path.join(os.tmpdir(), `berth-cg-moved-${process.pid}`);
  before(async () => {
    // allocates (in a forked child, so charged to the new cgroup) once moved, then spins
    fs.rmSync(moved, { force: true });
    child = spawn('/bin/sh', ['-c', `while [ ! -e ${moved} ]; do sleep 0.01; done; a=$(seq 1 50000); while :; do :; done`], { stdio: 'ignore' });
    const procsFiles: string[] = [];
    if (layout.mode === 'v2') {
      procsFiles.push(path.join(unifiedDir(cg, layout)!, 'cgroup.procs'));
    } else {
      for (const ctrl of ['cpu', 'cpuacct', 'memory', 'pids', 'blkio']) {
        const d = v1Dir(ctrl, cg, layout);
        if (d) procsFiles.push(path.join(d, 'cgroup.procs'));
      }
    }
    for (const f of procsFiles) {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, String(child.pid));
    }
    fs.writeFileSync(moved, '');
    // until the cgroup has counted the child's CPU time and memory, and its `seq` is done
    const deadline = Date.now() + 30000;
    for (;;) {
      const s = readStats(cg, { layout });
      if (s.cpu_stats.cpu_usage.total_usage > 0 && (s.memory_stats.usage ?? 0) > 0 && s.pids_stats.current === 1) break;
      if (Date.now() > deadline) throw new Error('the cgroup never counted the child');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const done = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await done;
    }
    fs.rmSync(moved, { force: true });
    await removeCgroup(cg, layout);
    for (const d of allCgroupDirs(cg, layout)) assert.equal(fs.existsSync(d), false, d);
  });

  test('cpu, memory and pids counters of a busy process', () => {
    const s = readStats(cg, { layout });
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 0, 'cpu usage counted');
    assert.ok(s.cpu_stats.system_cpu_usage > s.cpu_stats.cpu_usage.total_usage);
    assert.ok(s.cpu_stats.online_cpus >= 1);
    assert.ok((s.memory_stats.usage ?? 0) > 0, 'memory usage');
    assert.ok((s.memory_stats.limit ?? 0) <= os.totalmem());
    assert.ok(s.memory_stats.stats && Object.keys(s.memory_stats.stats).length > 5);
    assert.equal(s.pids_stats.current, 1);
    assert.equal(s.pids_stats.limit, undefined, 'pids.max is "max"');
    if (layout.mode !== 'v2') assert.ok(s.cpu_stats.cpu_usage.percpu_usage!.length >= 1);
    assert.ok(Array.isArray(s.blkio_stats.io_service_bytes_recursive));
    assert.equal(readOomKillCount(cg, layout), 0);
  });

  test('stats of a process by pid (own cgroups) include network counters', () => {
    const s = readStats(null, { pid: process.pid, layout });
    assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
    // the host namespace has interfaces besides lo; lo itself is never reported
    const names = Object.keys(s.networks ?? {});
    assert.ok(names.length > 0, 'network counters of the host namespace');
    assert.ok(!names.includes('lo'));
    for (const n of names) assert.ok(Number.isInteger(s.networks![n].rx_bytes) && Number.isInteger(s.networks![n].tx_packets), n);
  });

  test('parses /proc/net/dev: every interface but lo, with its counters', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0',
      '  eth0:    1500      10    1    2    0     0          0         0     3000      20    3    4    0     0       0          0',
    ].join('\n');
    assert.deepEqual(parseNetDev(text), {
      eth0: { rx_bytes: 1500, rx_packets: 10, rx_errors: 1, rx_dropped: 2, tx_bytes: 3000, tx_packets: 20, tx_errors: 3, tx_dropped: 4 },
    });
    assert.deepEqual(parseNetDev(null), {});
  });
});
