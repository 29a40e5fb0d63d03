// Proves the generated config.json is real: runs a busybox rootfs with runc
// (no conmon) and checks, from inside, what the spec promised.
import { test, describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  buildSpec,
  SpecInput,
  serializeSpec,
  cgroupLayout,
  removeCgroup,
  readStats,
  v1Dir,
  unifiedDir,
  Runc,
  DEFAULT_RUNC,
  DEFAULT_SECCOMP_PROFILE_PATH,
} from '../../src/runtime';

const RUNC = DEFAULT_RUNC;
const canRun = process.getuid?.() === 0 && fs.existsSync(RUNC) && fs.existsSync('/bin/busybox') && fs.existsSync(DEFAULT_SECCOMP_PROFILE_PATH);
const skip = canRun ? false : 'needs root, runc, /bin/busybox and the seccomp profile (scripts/fetch-seccomp-profile.sh)';

const tag = randomBytes(4).toString('hex');
const cgParent = `/berth-itest-${tag}`;
let tmp = '';
let rootfs = '';
let stateDir = '';
const ids: string[] = [];
let seq = 0;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCollect(cmd: string, args: string[], timeoutMs = 20_000, detached = false): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // a detached container inherits runc's stdio and would hold our pipes open: give it a file
    const logFile = path.join(tmp, `detached-${seq}.log`);
    const fd = detached ? fs.openSync(logFile, 'w') : -1;
    const c = spawn(cmd, args, { stdio: detached ? ['ignore', fd, fd] : ['ignore', 'pipe', 'pipe'] });
    if (fd >= 0) fs.closeSync(fd);
    let stdout = '';
    let stderr = '';
    c.stdout?.on('data', (b) => (stdout += b));
    c.stderr?.on('data', (b) => (stderr += b));
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(t);
      if (detached) stderr = fs.readFileSync(logFile, 'utf8');
      resolve({ code, stdout, stderr });
    });
  });
}

function input(script: string, over: Partial<SpecInput> = {}, id = ''): SpecInput {
  return {
    process: { args: ['/bin/sh', '-c', script], env: ['HOME=/'], user: { uid: 0, gid: 0 } },
    root: { path: rootfs },
    hostname: 'itest',
    cgroupsPath: `${cgParent}/${id}`,
    network: { kind: 'private' },
    ...over,
  };
}

function writeBundle(spec: ReturnType<typeof buildSpec>, id: string): string {
  const bundle = path.join(tmp, 'bundles', id);
  fs.mkdirSync(bundle, { recursive: true });
  fs.writeFileSync(path.join(bundle, 'config.json'), serializeSpec(spec, 2));
  return bundle;
}

/** Builds the spec and runs it to completion with `runc run`. */
async function run(script: string, over: Partial<SpecInput> = {}, mutate?: (i: SpecInput) => void): Promise<RunResult> {
  const id = `berth-itest-${tag}-${++seq}`;
  ids.push(id);
  const inp = input(script, over, id);
  mutate?.(inp);
  const bundle = writeBundle(buildSpec(inp), id);
  return spawnCollect(RUNC, ['--root', stateDir, 'run', '--bundle', bundle, id]);
}

describe('runtime: specs run under runc', { skip }, () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rt-'));
    rootfs = path.join(tmp, 'rootfs');
    stateDir = path.join(tmp, 'runc');
    for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'data']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
    fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
    // relative links: `busybox --install -s` would point them at the host's /usr/bin/busybox
    const r = spawnSync('/bin/busybox', ['--list']);
    assert.equal(r.status, 0, String(r.stderr));
    for (const applet of String(r.stdout).split('\n').filter(Boolean)) {
      if (applet !== 'busybox') fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    }
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  });

  after(async () => {
    for (const id of ids) spawnSync(RUNC, ['--root', stateDir, 'delete', '--force', id]);
    await removeCgroup(cgParent).catch((e) => console.error('cgroup cleanup:', e));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('default capabilities, seccomp filter, no_new_privs off', async () => {
    const r = await run('grep -E "^(CapEff|CapBnd|Seccomp|NoNewPrivs):" /proc/self/status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CapEff:\s+00000000a80425fb/);
    assert.match(r.stdout, /CapBnd:\s+00000000a80425fb/);
    assert.match(r.stdout, /Seccomp:\s+2/);
    assert.match(r.stdout, /NoNewPrivs:\s+0/);
  });

  test('hostname is set; changing it is refused (EPERM)', async () => {
    const r = await run('hostname; hostname x');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /^itest$/m);
    assert.match(r.stderr, /Operation not permitted/);
  });

  test('mount -t tmpfs is refused', async () => {
    const r = await run('mkdir -p /tmp/m && mount -t tmpfs none /tmp/m');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Operation not permitted|permission denied/i);
  });

  test('masked and read-only /proc paths', async () => {
    // /proc/kcore may not exist at all (kernel without CONFIG_PROC_KCORE): then it must stay unreadable
    const r = await run(
      'cat /proc/kcore 2>/dev/null | wc -c; wc -c < /proc/interrupts; ls /proc/acpi 2>/dev/null | wc -l; ' +
        'echo 1 > /proc/sys/kernel/domainname && echo WROTE',
    );
    const lines = r.stdout.split('\n').map((l) => l.trim());
    assert.equal(lines[0], '0', 'kcore empty or unreadable');
    if (fs.existsSync('/proc/interrupts') && fs.readFileSync('/proc/interrupts').length > 0) assert.equal(lines[1], '0', 'interrupts masked');
    assert.equal(lines[2], '0', 'acpi masked');
    assert.doesNotMatch(r.stdout, /WROTE/);
    assert.match(r.stderr, /Read-only file system/);
  });

  test('default mounts: /dev/shm size, /sys read-only, devpts', async () => {
    const r = await run('grep -E " /dev/shm | /sys | /dev/pts " /proc/mounts; touch /sys/x 2>&1; true');
    assert.match(r.stdout, /shm \/dev\/shm tmpfs [^ ]*size=65536k/);
    assert.match(r.stdout, /sysfs \/sys sysfs ro,/);
    assert.match(r.stdout, /devpts \/dev\/pts devpts/);
    assert.match(r.stdout, /Read-only file system/);
  });

  test('memory limit and swap are visible in the container cgroup', async () => {
    const v2 = cgroupLayout().mode === 'v2';
    const script = v2
      ? 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max'
      : 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes';
    const r = await run(script, { resources: { Memory: 64 * 1024 * 1024 } });
    assert.equal(r.code, 0, r.stderr);
    const [mem, swap] = r.stdout.trim().split('\n');
    assert.equal(mem, String(64 * 1024 * 1024));
    // v1 memsw is memory+swap (2x); v2 swap.max is swap alone
    assert.equal(swap, String(v2 ? 64 * 1024 * 1024 : 128 * 1024 * 1024));
  });

  test('pids limit', async () => {
    const v2 = cgroupLayout().mode === 'v2';
    const r = await run(v2 ? 'cat /sys/fs/cgroup/pids.max' : 'cat /sys/fs/cgroup/pids/pids.max', { resources: { PidsLimit: 42 } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '42');
  });

  test('user 1000:1000 with additional groups, and no capabilities left', async () => {
    const r = await run('id; grep CapEff /proc/self/status', {}, (i) => {
      i.process.user = { uid: 1000, gid: 1000, additionalGids: [1000, 2000] };
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /uid=1000 gid=1000 groups=1000,2000/);
    assert.match(r.stdout, /CapEff:\s+0000000000000000/);
  });

  test('read-only rootfs refuses writes; /dev/shm stays writable', async () => {
    const r = await run('touch /x; echo rc=$?; echo hi > /dev/shm/ok && cat /dev/shm/ok', { root: { path: rootfs, readonly: true } });
    assert.match(r.stderr, /Read-only file system/);
    assert.match(r.stdout, /rc=1/);
    assert.match(r.stdout, /^hi$/m);
  });

  test('privileged: hostname works, all caps, no seccomp, rw /sys', async () => {
    const r = await run('hostname x && hostname; grep -E "^(CapEff|Seccomp):" /proc/self/status; grep " /sys " /proc/mounts', {
      privileged: true,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^x$/m);
    assert.match(r.stdout, /Seccomp:\s+0/);
    const eff = BigInt('0x' + /CapEff:\s+([0-9a-f]+)/.exec(r.stdout)![1]);
    assert.ok(eff & (1n << 21n), 'CAP_SYS_ADMIN');
    assert.match(r.stdout, /sysfs \/sys sysfs rw,/);
  });

  test('no-new-privileges, ulimits and cap-drop', async () => {
    const r = await run('ulimit -n; ulimit -Hn; grep -E "^(NoNewPrivs|CapEff):" /proc/self/status', { capDrop: ['ALL'], capAdd: ['chown'] }, (i) => {
      i.process.noNewPrivileges = true;
      i.process.ulimits = [{ Name: 'nofile', Soft: 100, Hard: 200 }];
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').slice(0, 2), ['100', '200']);
    assert.match(r.stdout, /NoNewPrivs:\s+1/);
    assert.match(r.stdout, /CapEff:\s+0000000000000001/);
  });

  test('--init runs tini as PID 1', { skip: !fs.existsSync('/usr/bin/tini-static') && !fs.existsSync('/usr/bin/tini') }, async () => {
    const r = await run('tr "\\0" " " < /proc/1/cmdline; echo; echo $$', { init: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\/sbin\/docker-init -- \/bin\/sh -c /);
    assert.notEqual(r.stdout.trim().split('\n')[1], '1');
  });

  test('--device, --tmpfs, binds and /etc files', async () => {
    const data = path.join(tmp, 'hostdata');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'f'), 'from-host\n');
    const hosts = path.join(tmp, 'hosts');
    fs.writeFileSync(hosts, '127.0.0.1 localhost itest\n');
    const r = await run('echo x > /dev/mynull && echo dev-ok; grep " /run " /proc/mounts; cat /data/f; touch /data/g 2>&1; cat /etc/hosts', {
      devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rwm' }],
      tmpfs: { '/run': 'size=1m' },
      mounts: [{ source: data, destination: '/data', options: ['rbind', 'ro', 'rprivate'] }],
      etcFiles: { hosts },
    });
    assert.match(r.stdout, /dev-ok/);
    assert.match(r.stdout, /tmpfs \/run tmpfs rw,nosuid,nodev,noexec,[^ ]*size=1024k/);
    assert.match(r.stdout, /from-host/);
    assert.match(r.stdout, /Read-only file system/);
    assert.match(r.stdout, /127\.0\.0\.1 localhost itest/);
    assert.ok(!fs.existsSync(path.join(data, 'g')));
  });

  test('a custom seccomp profile (JSON text, as the docker CLI sends it) is enforced', async () => {
    const profile = JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    });
    const r = await run('mkdir /tmp/nope; echo rc=$?', { seccomp: { profile } });
    assert.match(r.stdout, /rc=1/);
    assert.match(r.stderr, /Operation not permitted/);
    const u = await run('grep Seccomp: /proc/self/status', { seccomp: 'unconfined' });
    assert.match(u.stdout, /Seccomp:\s+0/);
  });

  test('start reads the exec fifo as runc start does; an init that died first is reported dead', async () => {
    const rc = new Runc({ stateDir });
    const created = async (name: string) => {
      const id = `berth-itest-${tag}-${name}`;
      ids.push(id);
      const bundle = writeBundle(buildSpec(input('exec sleep 60', {}, id)), id);
      const r = await spawnCollect(RUNC, ['--root', stateDir, 'create', '--bundle', bundle, id], 20_000, true);
      assert.equal(r.code, 0, r.stderr);
      const st = await rc.state(id);
      assert.equal(st?.status, 'created');
      return { id, pid: st!.pid };
    };
    const ok = await created('fifo');
    await rc.start(ok.id, ok.pid);
    assert.equal((await rc.state(ok.id))?.status, 'running');
    assert.equal(fs.existsSync(path.join(stateDir, ok.id, 'exec.fifo')), false);
    await rc.kill(ok.id, 'SIGKILL');
    // an init killed before its start: the open of the fifo would wait for ever
    const dead = await created('fifo-dead');
    process.kill(dead.pid, 'SIGKILL');
    await assert.rejects(rc.start(dead.id, dead.pid), (e: Error & { status?: number }) => e.status === 409 && /already dead/.test(e.message));
  });

  test('runc wrappers drive a detached container; stats read its cgroup', async () => {
    const id = `berth-itest-${tag}-detached`;
    ids.push(id);
    const cgPath = `${cgParent}/${id}`;
    const bundle = writeBundle(buildSpec(input('exec sleep 60', { resources: { Memory: 32 << 20 } }, id)), id);
    const started = await spawnCollect(RUNC, ['--root', stateDir, 'run', '-d', '--bundle', bundle, id], 20_000, true);
    assert.equal(started.code, 0, started.stderr);
    const rc = new Runc({ stateDir });

    const st = await rc.state(id);
    assert.equal(st?.status, 'running');
    assert.ok(st!.pid > 0);
    assert.equal(await rc.state('no-such-container'), null);
    assert.deepEqual(await rc.ps(id), [st!.pid]);
    assert.ok((await rc.list()).some((c) => c.id === id));

    await rc.update(id, { pids: { limit: 7 } });
    const pidsDir = cgroupLayout().mode === 'v2' ? unifiedDir(cgPath) : v1Dir('pids', cgPath);
    assert.equal(fs.readFileSync(path.join(pidsDir!, 'pids.max'), 'utf8').trim(), '7');

    const stats = readStats(cgPath, { pid: st!.pid });
    assert.equal(stats.pids_stats.current, 1);
    assert.equal(stats.pids_stats.limit, 7);
    assert.equal(stats.memory_stats.limit, 32 << 20);
    assert.deepEqual(stats.networks, {}, 'its own network namespace holds only lo, which is not reported');

    await rc.pause(id);
    assert.equal((await rc.state(id))?.status, 'paused');
    await rc.resume(id);
    assert.equal((await rc.state(id))?.status, 'running');

    await assert.rejects(rc.start(id), (e: Error & { status?: number }) => /runc start/.test(e.message) && e.status !== undefined);
    await rc.kill(id, 'SIGKILL');
    for (let i = 0; i < 100 && (await rc.state(id))?.status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await rc.state(id))?.status, 'stopped');
    await rc.delete(id);
    assert.equal(await rc.state(id), null);
    await rc.delete(id); // idempotent
    await assert.rejects(rc.kill(id, 9), (e: Error & { status?: number }) => e.status === 404);
  });
});
