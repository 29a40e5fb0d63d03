// GET /containers/{id}/attach/ws with a real websocket client (the `ws`
// package): stdin in, stdout and stderr out raw (no multiplexing headers), in
// binary frames from API 1.28 and text frames before; logs of an exited
// container; Docker's answers to a missing container, Origin or upgrade.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TestDaemon, waitFor, type RunResult } from '../helpers/daemon';

function ok(r: RunResult): string {
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

interface Frame {
  data: Buffer;
  binary: boolean;
}

/** Opens the websocket; resolves once open, collecting every frame. */
function open(d: TestDaemon, path: string, headers: Record<string, string> = { Origin: 'http://127.0.0.1' }) {
  const ws = new WebSocket(`ws+unix://${d.socket}:${path}`, { headers });
  const frames: Frame[] = [];
  ws.on('message', (data: Buffer, binary: boolean) => frames.push({ data: Buffer.from(data), binary }));
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  const text = () => Buffer.concat(frames.map((f) => f.data)).toString();
  return { ws, frames, opened, closed, text };
}

const until = (cond: () => boolean, what: string, ms = 10000) => waitFor(cond, ms, 20, what);

describe('attach over a websocket', () => {
  const d = new TestDaemon('ws');
  before(async () => {
    await d.start();
    await d.importBusybox();
  });
  after(() => d.stop());

  it('stdin goes in, stdout and stderr come out raw in binary frames', async () => {
    const id = ok(d.docker(['run', '-d', '-i', 'busybox', 'sh', '-c', 'while read l; do echo "out:$l"; echo "err:$l" >&2; done'])).trim();
    const c = open(d, `/v1.41/containers/${id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1`);
    await c.opened;
    c.ws.send('hello\n');
    await until(() => c.text().includes('out:hello\n') && c.text().includes('err:hello\n'), 'echo');
    // raw: no 8-byte stream headers anywhere
    assert.equal(c.text().replace('out:hello\n', '').replace('err:hello\n', ''), '');
    assert.ok(c.frames.every((f) => f.binary));
    c.ws.close();
    await c.closed;
    // the container keeps running after the client goes
    assert.equal(ok(d.docker(['inspect', '-f', '{{.State.Running}}', id])).trim(), 'true');
    ok(d.docker(['rm', '-f', id]));
  });

  it('before API 1.28 the frames are text', async () => {
    const id = ok(d.docker(['run', '-d', '-i', 'busybox', 'cat'])).trim();
    const c = open(d, `/v1.27/containers/${id}/attach/ws?stream=1`);
    await c.opened;
    c.ws.send('abc\n');
    await until(() => c.text() === 'abc\n', 'echo');
    assert.ok(c.frames.every((f) => !f.binary));
    c.ws.close();
    await c.closed;
    ok(d.docker(['rm', '-f', id]));
  });

  it('logs=1 replays what an exited container wrote, then closes', async () => {
    const id = ok(d.docker(['run', '-d', 'busybox', 'sh', '-c', 'echo one; echo two >&2'])).trim();
    ok(d.docker(['wait', id]));
    const c = open(d, `/containers/${id}/attach/ws?logs=1&stream=0`);
    await c.opened;
    await c.closed;
    assert.deepEqual(c.text().split('\n').filter(Boolean).sort(), ['one', 'two']);
    ok(d.docker(['rm', id]));
  });

  it('answers 404 for a missing container, 403 without Origin, 400 without an upgrade', async () => {
    const missing = open(d, '/containers/nosuch/attach/ws?stream=1');
    await assert.rejects(missing.opened, { status: 404 });
    const id = ok(d.docker(['create', 'busybox', 'true'])).trim();
    const noOrigin = open(d, `/containers/${id}/attach/ws?stream=1`, {});
    await assert.rejects(noOrigin.opened, { status: 403 });
    const plain = await d.request('GET', `/containers/${id}/attach/ws`);
    assert.equal(plain.status, 400);
    // positive control: the same container with an Origin upgrades
    const good = open(d, `/containers/${id}/attach/ws?logs=1`);
    await good.opened;
    await good.closed;
    ok(d.docker(['rm', id]));
  });
});
