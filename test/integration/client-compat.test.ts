// What the real clients' own test suites (dockerode, docker-py, testcontainers)
// rely on beyond the docker CLI: each case is a difference those suites found,
// checked through the API with Docker 20.10's status codes and wording.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon';

describe('client compatibility', () => {
  const d = new TestDaemon('compat');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('answers Swarm routes as an engine outside a swarm (503, Docker wording)', async () => {
    const leave = await d.request('POST', '/v1.41/swarm/leave?force=1');
    assert.equal(leave.status, 503);
    assert.deepEqual(leave.json(), { message: 'This node is not part of a swarm' });
    for (const [m, p] of [['GET', '/swarm'], ['GET', '/nodes'], ['GET', '/services'], ['POST', '/services/create'], ['GET', '/tasks'], ['GET', '/secrets'], ['GET', '/configs/x'], ['GET', '/swarm/unlockkey']]) {
      const r = await d.request(m, `/v1.41${p}`);
      assert.equal(r.status, 503, `${m} ${p}`);
      assert.match(r.json().message, /^This node is not a swarm manager\. Use "docker swarm init" or "docker swarm join"/);
    }
    const cli = d.docker(['swarm', 'leave', '--force']);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /Error response from daemon: This node is not part of a swarm/);
    // positive control: a non-swarm route on the same daemon still answers
    assert.equal((await d.request('GET', '/v1.41/info')).status, 200);
  });
});
