// Programs started without a fork of the caller (src/sys/spawn.ts): what a
// caller of child_process relies on holds here too: output, input, exit codes
// and signals, spawn errors, fds handed over, cwd, default signal dispositions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { pipe, runNoFork, spawnNoFork } from '../../../src/sys/spawn';

describe('sys/spawn', () => {
  test('collects stdout and stderr, feeds stdin and reports the exit code', async () => {
    const r = await runNoFork('sh', ['-c', 'echo out; echo err >&2; cat; exit 3'], { input: 'in-data\n' });
    assert.deepEqual(r, { stdout: 'out\nin-data\n', stderr: 'err\n', code: 3, signal: null });
    const ok = await runNoFork('true', []);
    assert.equal(ok.code, 0);
  });

  test('reports the signal that ended the child', async () => {
    const r = await runNoFork('sh', ['-c', 'kill -TERM $$']);
    assert.equal(r.code, null);
    assert.equal(r.signal, 'SIGTERM');
  });

  test('kills a child that outlives its timeout', async () => {
    const r = await runNoFork('sleep', ['30'], { timeoutMs: 100 });
    assert.equal(r.signal, 'SIGKILL');
  });

  test('throws a Node-style error for a program that cannot start', () => {
    assert.throws(
      () => spawnNoFork('/nonexistent/prog', [], { env: {} }),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
    // the control: the same call on a program that exists starts it
    const c = spawnNoFork('/bin/true', [], { env: {} });
    assert.ok(c.pid > 0);
    return c.exited.then((e) => assert.equal(e.code, 0));
  });

  test('hands over fds, runs in cwd and gives only what was asked', async () => {
    const [rd, wr] = pipe();
    const sock = new net.Socket({ fd: rd, readable: true, writable: false });
    let got = '';
    sock.on('data', (d) => (got += d));
    const ended = new Promise((r) => sock.on('end', r));
    const dir = fs.realpathSync(os.tmpdir());
    // fd 3 is ours to use; fd 4 was not given: writing to it fails
    const c = spawnNoFork('sh', ['-c', 'pwd >&3; echo x >&4 2>/dev/null || echo no-fd4 >&3'], { env: { PATH: process.env.PATH }, cwd: dir, fds: { 3: wr } });
    fs.closeSync(wr);
    await ended;
    assert.deepEqual(await c.exited, { code: 0, signal: null });
    assert.equal(got, `${dir}\nno-fd4\n`);
  });

  test('the child starts with no signal ignored or blocked (Node ignores SIGPIPE)', async () => {
    const r = await runNoFork('sh', ['-c', 'grep -E "^Sig(Ign|Blk)" /proc/self/status']);
    assert.equal(r.stdout, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });
});
