// The Engine API itself: ping headers, versions, Docker-shaped errors, bad bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon';

describe('Engine API', () => {
  const d = new TestDaemon('api');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('answers GET and HEAD /_ping with the version headers', async () => {
    const g = await d.request('GET', '/_ping');
    assert.equal(g.status, 200);
    assert.equal(g.body.toString(), 'OK');
    assert.equal(g.headers['api-version'], '1.41');
    assert.equal(g.headers['ostype'], 'linux');
    const h = await d.request('HEAD', '/v1.41/_ping');
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
  });

  it('refuses API versions it does not speak', async () => {
    const r = await d.request('GET', '/v1.99/version');
    assert.equal(r.status, 400);
    assert.match(r.json().message, /client version 1.99 is too new. Maximum supported API version is 1.41/);
    const o = await d.request('GET', '/v1.12/version');
    assert.equal(o.status, 400);
  });

  it('gives 404 with Docker messages for unknown containers and images', async () => {
    const r = await d.request('GET', '/containers/nope/json');
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), { message: 'No such container: nope' });
    const i = await d.request('GET', '/images/nope/json');
    assert.equal(i.status, 404);
    // dockerd names the reference with its default tag
    assert.deepEqual(i.json(), { message: 'No such image: nope:latest' });
    const c = await d.request('POST', '/containers/create', { Image: 'ghost' });
    assert.equal(c.status, 404);
    assert.equal(c.json().message, 'No such image: ghost:latest');
  });

  it('rejects malformed and oversized bodies with 400 and keeps serving', async () => {
    const bad = await d.request('POST', '/containers/create', '{"Image": "busybox",');
    assert.equal(bad.status, 400);
    assert.match(bad.json().message, /invalid JSON/);
    // valid JSON over the 16 MiB limit is refused for its size; the same body under it is accepted
    const padded = (bytes: number) => JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { pad: 'x'.repeat(bytes) } });
    const huge = await d.request('POST', '/containers/create', padded(17 * 1024 * 1024));
    assert.equal(huge.status, 400);
    assert.match(huge.json().message, /too large/);
    const fits = await d.request('POST', '/containers/create?name=padded', padded(1024 * 1024));
    assert.equal(fits.status, 201, fits.body.toString());
    assert.equal((await d.request('DELETE', '/containers/padded')).status, 204);
    const ok = await d.request('GET', '/_ping');
    assert.equal(ok.status, 200);
  });

  it('validates create parameters', async () => {
    const name = await d.request('POST', '/containers/create?name=bad/name', { Image: 'busybox', Cmd: ['true'] });
    assert.equal(name.status, 400);
    assert.match(name.json().message, /Invalid container name/);
    const pol = await d.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { RestartPolicy: { Name: 'sometimes' } } });
    assert.equal(pol.status, 400);
    const cmd = await d.request('POST', '/containers/create', { Image: 'busybox' });
    assert.equal(cmd.status, 400);
    assert.equal(cmd.json().message, 'No command specified');
    // dockerd parses the signal before it looks the container up (20.10: 400 "Invalid signal: SIGNOPE")
    const sig = await d.request('POST', '/containers/x/kill?signal=SIGNOPE');
    assert.equal(sig.status, 400);
    assert.equal(sig.json().message, 'Invalid signal: SIGNOPE');
    const gone = await d.request('POST', '/containers/x/kill');
    assert.equal(gone.status, 404);
  });

  it('answers 304 to starting a running container and 409 to killing a stopped one', async () => {
    const c = await d.request('POST', '/containers/create?name=st', { Image: 'busybox', Cmd: ['sleep', '100'] });
    assert.equal(c.status, 201);
    assert.equal((await d.request('POST', '/containers/st/start')).status, 204);
    assert.equal((await d.request('POST', '/containers/st/start')).status, 304);
    const k = await d.request('POST', '/containers/st/kill?signal=NOPE');
    assert.equal(k.status, 400);
    assert.equal((await d.request('POST', '/containers/st/stop?t=0')).status, 204);
    assert.equal((await d.request('POST', '/containers/st/stop')).status, 304);
    const k2 = await d.request('POST', '/containers/st/kill');
    assert.equal(k2.status, 409);
    assert.equal((await d.request('DELETE', '/containers/st')).status, 204);
  });

  it('refuses to remove a running container without force', async () => {
    await d.request('POST', '/containers/create?name=busy', { Image: 'busybox', Cmd: ['sleep', '100'] });
    await d.request('POST', '/containers/busy/start');
    const r = await d.request('DELETE', '/containers/busy');
    assert.equal(r.status, 409);
    assert.match(r.json().message, /container is running: stop the container before removing or force remove/);
    assert.equal((await d.request('DELETE', '/containers/busy?force=1')).status, 204);
  });

  it('streams events with filters', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    d.docker(['run', '--rm', '--name', 'ev', 'busybox', 'true']);
    const r = d.docker([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=ev',
      '--format',
      '{{.Action}}',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const actions = r.stdout.trim().split('\n');
    for (const a of ['create', 'attach', 'start', 'die', 'destroy'].filter((x) => x !== 'attach')) assert.ok(actions.includes(a), `${a} in ${actions}`);
  });

  it('shows info and the container counts', () => {
    d.docker(['create', '--name', 'counted', 'busybox', 'true']);
    const r = d.docker(['info', '--format', '{{.Containers}} {{.ContainersStopped}} {{.Driver}} {{.OSType}}']);
    assert.equal(r.status, 0, r.stderr);
    const [n, stopped, driver, os] = r.stdout.trim().split(' ');
    assert.ok(Number(n) >= 1 && Number(stopped) >= 1);
    assert.equal(driver, 'overlay2');
    assert.equal(os, 'linux');
    d.docker(['rm', 'counted']);
  });
});
