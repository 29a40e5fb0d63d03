import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  compileProfile,
  loadProfileFile,
  parseProfile,
  seccompFor,
  SeccompProfile,
  DEFAULT_SECCOMP_PROFILE_PATH,
  DEFAULT_CAPABILITIES,
  nativeArch,
} from '../../../src/runtime';
import { EngineError } from '../../../src/util/errors';

const PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], includes: {}, excludes: {} },
    { names: ['mount', 'umount2'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['both'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'] } },
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
    },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    { names: ['newish'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.10' } },
    { names: ['oldonly'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '4.0' } },
    { name: 'single', action: 'SCMP_ACT_ALLOW' },
  ],
};

const names = (s: ReturnType<typeof compileProfile>) => s!.syscalls!.flatMap((c) => c.names);

describe('compileProfile', () => {
  test('caps-gated rules follow the bounding set', () => {
    const def = compileProfile(PROFILE, { capabilities: DEFAULT_CAPABILITIES, arch: 'amd64', kernel: '6.1.0' })!;
    const n = names(def);
    assert.ok(n.includes('read') && n.includes('write'));
    assert.ok(!n.includes('mount'), 'CAP_SYS_ADMIN rule must be dropped');
    assert.ok(n.includes('clone') && n.includes('clone3'), 'excluded-by-cap rules kept without the cap');
    const clone3 = def.syscalls!.find((c) => c.names.includes('clone3'))!;
    assert.equal(clone3.errnoRet, 38);
    assert.deepEqual(def.syscalls!.find((c) => c.names.includes('clone'))!.args, [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }]);

    const admin = compileProfile(PROFILE, { capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], arch: 'amd64', kernel: '6.1' })!;
    const m = names(admin);
    assert.ok(m.includes('mount') && m.includes('umount2'));
    assert.ok(!m.includes('both'), 'every included cap is required');
    assert.ok(!m.includes('clone3') && !m.includes('clone'), 'rules excluded by CAP_SYS_ADMIN dropped');
    const both = compileProfile(PROFILE, { capabilities: ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'], arch: 'amd64', kernel: '6.1' })!;
    assert.ok(names(both).includes('both'));
  });

  test('arch filtering and archMap', () => {
    const x86 = compileProfile(PROFILE, { capabilities: [], arch: 'amd64', kernel: '6.1' })!;
    assert.deepEqual(x86.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.ok(names(x86).includes('arch_prctl'));
    assert.ok(!names(x86).includes('arm_fadvise64_64'));
    const arm = compileProfile(PROFILE, { capabilities: [], arch: 'arm64', kernel: '6.1' })!;
    assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.ok(!names(arm).includes('arch_prctl'));
    assert.ok(names(arm).includes('arm_fadvise64_64'));
    const s390 = compileProfile(PROFILE, { capabilities: [], arch: 's390x', kernel: '6.1' })!;
    assert.equal(s390.architectures, undefined, 'no archMap entry: libseccomp decides');
    assert.ok(!names(s390).includes('clone'), 'excluded arch');
  });

  test('kernel version conditions, name vs names, defaults', () => {
    const old = compileProfile(PROFILE, { capabilities: [], arch: 'amd64', kernel: '3.10.0-1160.el7' })!;
    assert.ok(!names(old).includes('newish'));
    assert.ok(names(old).includes('oldonly'));
    const cur = compileProfile(PROFILE, { capabilities: [], arch: 'amd64', kernel: '5.10.0' })!;
    assert.ok(names(cur).includes('newish'));
    assert.ok(!names(cur).includes('oldonly'));
    assert.ok(names(cur).includes('single'));
    assert.equal(cur.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(cur.defaultErrnoRet, 1);
    assert.throws(
      () => compileProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }, { capabilities: [] }),
      /use either 'name' or 'names'/,
    );
    assert.throws(() => compileProfile({ ...PROFILE, architectures: ['SCMP_ARCH_X86_64'] }, { capabilities: [] }), /use either 'architectures' or 'archMap'/);
    assert.equal(compileProfile({ defaultAction: '', syscalls: [] }, { capabilities: [] }), null);
  });

  test('parseProfile errors are 400s', () => {
    assert.throws(
      () => parseProfile('{nope'),
      (e: unknown) => e instanceof EngineError && e.status === 400 && /Decoding seccomp profile failed/.test(e.message),
    );
  });
});

describe('Docker default profile', { skip: !fs.existsSync(DEFAULT_SECCOMP_PROFILE_PATH) && 'run scripts/fetch-seccomp-profile.sh' }, () => {
  test('loads, is cached, and compiles for the default caps on this arch', () => {
    const p = loadProfileFile();
    assert.equal(loadProfileFile(), p, 'cached');
    assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
    const s = seccompFor('default', { capabilities: DEFAULT_CAPABILITIES })!;
    const n = names(s);
    assert.ok(n.includes('read') && n.includes('execve'));
    assert.ok(!n.includes('mount'), 'mount needs CAP_SYS_ADMIN');
    assert.ok(n.includes('ptrace'), 'ptrace allowed on kernels >= 4.8');
    assert.ok(!n.includes('reboot'));
    assert.ok(n.includes('chroot'), 'CAP_SYS_CHROOT is a default cap');
    if (nativeArch() === 'amd64') {
      assert.equal(s.architectures![0], 'SCMP_ARCH_X86_64');
      assert.ok(n.includes('arch_prctl'));
    }
    const c3 = s.syscalls!.find((c) => c.names.includes('clone3'))!;
    assert.equal(c3.action, 'SCMP_ACT_ERRNO');
    assert.equal(c3.errnoRet, 38);
    const admin = seccompFor('default', { capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'] })!;
    assert.ok(names(admin).includes('mount'));
    assert.equal(seccompFor('unconfined', { capabilities: [] }), undefined);
    assert.equal(seccompFor('default', { capabilities: [], privileged: true }), undefined);
  });
});
