// Published ports while other berth daemons on the same host crash (kill -9)
// and restart: a daemon that died leaves its port forwards (its containers keep
// running) but not its port holders, so a port is free only when no forward
// captures it either. Traffic only to 127.0.0.1 and the containers made here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon, processGone, waitFor } from '../helpers/daemon';
import { httpGet } from '../helpers/net';

const okOf = (d: TestDaemon) => (args: string[]) => {
  const r = d.docker(args);
  assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

async function crash(d: TestDaemon): Promise<void> {
  const pid = d.pid!;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => processGone(pid));
}

describe('published ports while other daemons crash and restart', () => {
  const a = new TestDaemon('netca');
  const b = new TestDaemon('netcb');
  const okA = okOf(a);
  const okB = okOf(b);
  before(async () => {
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.importBusybox(), b.importBusybox()]);
  });
  after(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  const answers = async (port: number) => {
    try {
      return (await httpGet(`http://127.0.0.1:${port}/hostname`, 5000)).trim();
    } catch (e) {
      throw new Error(`127.0.0.1:${port}: ${(e as Error).message}`);
    }
  };
  /** A container serving its hostname on a published port, once it answers (httpd up, neighbours learnt). */
  const serve = async (ok: (args: string[]) => string, name: string, publish: string) => {
    const id = ok(['run', '-d', '--name', name, '-p', publish, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']).slice(0, 12);
    const port = Number(ok(['port', name, '80/tcp']).split(':').pop());
    let got = '';
    await waitFor(async () => (got = await answers(port).catch(() => '')) !== '', 30000, 200);
    assert.equal(got, id, `127.0.0.1:${port} answers ${name}`);
    return { id, port };
  };

  it('never hands out a port a crashed daemon still forwards, and every published port answers its own container throughout', async () => {
    const ca = await serve(okA, 'web-a', '127.0.0.1::80');
    await crash(a);
    // live restore: A's container and its forward outlive A
    assert.equal(await answers(ca.port), ca.id);

    // B picks its random port from the same range A did: not A's (its holder is gone, its forward is not)
    const cb = await serve(okB, 'web-b', '127.0.0.1::80');
    assert.notEqual(cb.port, ca.port);
    assert.equal(await answers(ca.port), ca.id);
    // asking for A's port outright is refused, with Docker's wording, leaving nothing behind
    const r = b.docker(['run', '-d', '--name', 'grab', '-p', `127.0.0.1:${ca.port}:80`, 'busybox', 'true']);
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, /failed to bind host port for 127\.0\.0\.1:\d+:[\d.]+:80\/tcp: address already in use/);
    assert.equal(await answers(ca.port), ca.id);

    await a.start();
    assert.equal(await answers(ca.port), ca.id);
    // B crashes and comes back, again and again, while both ports keep answering their own containers
    for (let i = 0; i < 3; i++) {
      await crash(b);
      assert.equal(await answers(ca.port), ca.id);
      assert.equal(await answers(cb.port), cb.id);
      const ca2 = await serve(okA, `web-a${i}`, '127.0.0.1::80');
      assert.ok(ca2.port !== cb.port && ca2.port !== ca.port, `A picked ${ca2.port}`);
      await b.start();
      assert.equal(await answers(cb.port), cb.id);
      okA(['rm', '-f', `web-a${i}`]);
    }
    okB(['rm', '-f', 'web-b', 'grab']);
    okA(['rm', '-f', 'web-a']);
  });
});
