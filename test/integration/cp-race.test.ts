// docker cp against a hostile running container (the CVE-2018-15664 class): a
// process in the container swaps a directory for a symlink to a host path in a
// loop while archives are written into it or read out of it. Nothing may land
// on the host, no host file may be replaced, no host file may be read.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { TestDaemon, waitFor } from '../helpers/daemon';
import { tarBuf, type TarEntry } from '../helpers/tar';

const ENTRIES = 300;
/** A request that must settle: a hung copy fails the test instead of the runner's timeout. */
function within<T>(p: Promise<T>, ms = 60000): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}
const ROUNDS = 25;

describe('cp against a container racing symlink swaps', () => {
  const d = new TestDaemon('cprace');
  // host side: an empty canary dir, a victim file, a secret the container must never read
  const host = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-race-'));
  const canary = path.join(host, 'canary');
  const victimDir = path.join(host, 'victim');
  const victim = path.join(victimDir, 'passwd');
  const secretDir = path.join(host, 'secret');
  const SECRET = `host-secret-${process.pid}-${Date.now()}`;
  let victimIno = 0;
  // container-relative names that reach the host paths once /w/d is a symlink to /
  const rel = (p: string) => p.slice(1);

  before(async () => {
    fs.mkdirSync(canary);
    fs.mkdirSync(victimDir);
    fs.writeFileSync(victim, 'host content\n');
    victimIno = fs.statSync(victim).ino;
    fs.mkdirSync(secretDir);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(secretDir, `secret-${i}`), SECRET + '\n');
    await d.start();
    await d.importBusybox();
  });
  after(async () => {
    await d.stop();
    fs.rmSync(host, { recursive: true, force: true });
  });

  function hostUntouched(): void {
    assert.deepEqual(fs.readdirSync(canary), [], 'nothing landed in the host canary directory');
    assert.deepEqual(fs.readdirSync(victimDir), ['passwd']);
    const st = fs.statSync(victim);
    assert.equal(st.ino, victimIno, 'the host file was not replaced');
    assert.equal(fs.readFileSync(victim, 'utf8'), 'host content\n');
  }

  async function archive(): Promise<Buffer> {
    const entries: TarEntry[] = [];
    for (let i = 0; i < ENTRIES; i++) entries.push({ name: `d/${rel(canary)}/f${i}`, body: `payload ${i}\n`, mode: 0o644 });
    entries.push({ name: `d/${rel(victim)}`, body: 'overwritten\n', mode: 0o644 });
    return tarBuf(entries);
  }

  // a refusal may come (and the connection close) before the whole body is sent:
  // that is an answer too (status 0), as long as nothing lands outside the root
  const put = (ctr: string, body: Buffer) =>
    within(d.request('PUT', `/containers/${ctr}/archive?path=/w`, body, { 'Content-Type': 'application/x-tar', 'Content-Length': String(body.length) })).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE' || e.code === 'ECONNRESET') return { status: 0, body: Buffer.from(e.code), headers: {}, json: () => undefined };
        throw e;
      },
    );

  it('lands a PUT archive inside a quiet container (control)', async () => {
    assert.equal(d.docker(['run', '-d', '--name', 'quiet', 'busybox', 'sh', '-c', 'mkdir -p /w/d && exec sleep 300']).status, 0);
    await waitFor(() => d.docker(['exec', 'quiet', 'test', '-d', '/w/d']).status === 0);
    const r = await put('quiet', await archive());
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(d.docker(['exec', 'quiet', 'cat', `/w/d${canary}/f7`]).stdout, 'payload 7\n');
    assert.equal(d.docker(['exec', 'quiet', 'cat', `/w/d${victim}`]).stdout, 'overwritten\n');
    hostUntouched();
    d.docker(['rm', '-f', 'quiet']);
  });

  it('never writes to the host while the container swaps the target for a symlink to /', async () => {
    // the swapper: /w/d flips between a directory and a symlink to / as fast as it can
    const loop = 'mkdir -p /w; touch /w/ready; while :; do rm -rf /w/d; mkdir -p /w/d; rm -rf /w/d; ln -s / /w/d; done';
    assert.equal(d.docker(['run', '-d', '--name', 'swap', 'busybox', 'sh', '-c', loop]).status, 0);
    await waitFor(() => d.docker(['exec', 'swap', 'test', '-e', '/w/ready']).status === 0);
    const body = await archive();
    for (let i = 0; i < ROUNDS; i++) {
      const r = await put('swap', body);
      assert.ok(r.status === 0 || r.status === 200 || r.status === 400 || r.status === 404 || r.status === 500, `round ${i}: ${r.status} ${r.body}`);
      hostUntouched();
    }
    // the daemon still answers and the container is still running
    assert.equal(d.docker(['inspect', '-f', '{{.State.Running}}', 'swap']).stdout.trim(), 'true');
    d.docker(['rm', '-f', 'swap']);
  });

  it('never reads host files while the container swaps a directory for a symlink to a host directory', async () => {
    // /r/d is a directory of many files, flipped to a symlink to the host's secret dir
    const loop =
      `mkdir -p /r/real; for i in $(seq 1 300); do echo in-container > /r/real/file-$i; done; touch /r/ready; ` +
      `while :; do mv /r/real /r/d; mv /r/d /r/real; ln -s ${secretDir} /r/d; rm -f /r/d; done`;
    assert.equal(d.docker(['run', '-d', '--name', 'rswap', 'busybox', 'sh', '-c', loop]).status, 0);
    await waitFor(() => d.docker(['exec', 'rswap', 'test', '-e', '/r/ready']).status === 0);
    let sawContents = 0;
    for (let i = 0; i < ROUNDS; i++) {
      // a read cut short by the race (the stream fails mid-way) is an acceptable outcome
      const r = await within(d.request('GET', '/containers/rswap/archive?path=/r')).catch((e: Error) => {
        if (/no answer/.test(e.message)) throw e;
        return null;
      });
      if (r?.status === 200) {
        assert.ok(!r.body.includes(SECRET), `round ${i}: GET archive carried a host file`);
        assert.ok(!r.body.includes('secret-1'), `round ${i}: GET archive listed a host directory`);
        if (r.body.includes('in-container')) sawContents++;
      }
      if (i % 5 === 0) {
        const e = await within(d.request('GET', '/containers/rswap/export')).catch((e: Error) => {
          if (/no answer/.test(e.message)) throw e;
          return null;
        });
        assert.ok(!e?.body.includes(SECRET), `round ${i}: export carried a host file`);
        assert.ok(!e?.body.includes('secret-1'), `round ${i}: export listed a host directory`);
      }
    }
    // control: the container's own files did come out
    assert.ok(sawContents > 0, 'the archive carried the container files at least once');
    // commit reads the upper dir of the running container: same rule
    for (let i = 0; i < 3; i++) {
      const c = d.docker(['commit', 'rswap', `rswap:${i}`]);
      assert.equal(c.status, 0, c.stderr);
      const saved = spawnSync('docker', ['-H', d.host, 'save', `rswap:${i}`], { maxBuffer: 1 << 30 });
      assert.equal(saved.status, 0);
      assert.ok(!saved.stdout.includes(SECRET), 'commit carried a host file');
    }
    d.docker(['rm', '-f', 'rswap']);
  });
});
