// Docker's stream framing and the attach bridge between a client connection
// and a process's stdio: without a TTY each chunk is an 8-byte-headed frame
// (1 stdout, 2 stderr); with one, raw bytes. Stdin goes through the detach-key
// scanner; ctrl-p ctrl-q detaches without reaching the process. The process
// side is an AttachConnection (what monitor/attach.ts gives for conmon's
// socket); the client side is a real unix socket pair.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_DETACH_KEYS, STDERR, STDOUT, bridge, frame, frameHeader, parseDetachKeys, type BridgeOptions } from '../../../src/api/streams';
import type { AttachConnection, StreamName } from '../../../src/monitor';

/** The process side of a session: what it was sent, and a way to speak. */
function processSide() {
  const got: Buffer[] = [];
  let onData: (s: StreamName, d: Buffer) => void = () => {};
  let onClose: () => void = () => {};
  const state = { stdinClosed: false, closed: false };
  const conn: AttachConnection = {
    write: (d) => void got.push(Buffer.from(d)),
    closeStdin: () => void (state.stdinClosed = true),
    close: () => {
      if (state.closed) return;
      state.closed = true;
      onClose();
    },
    onData: (cb) => void (onData = cb),
    onClose: (cb) => void (onClose = cb),
  };
  return { conn, got, state, say: (s: StreamName, d: string) => onData(s, Buffer.from(d)), exit: () => conn.close() };
}

describe('stream framing', () => {
  it('frames carry the stream and a big-endian length', () => {
    assert.deepEqual([...frameHeader(STDERR, 0x01020304)], [2, 0, 0, 0, 1, 2, 3, 4]);
    assert.deepEqual(frame(STDOUT, Buffer.from('hi')), Buffer.from([1, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]));
  });

  it('parses detach keys as Docker does', () => {
    assert.deepEqual(parseDetachKeys(DEFAULT_DETACH_KEYS), [16, 17]);
    assert.deepEqual(parseDetachKeys('ctrl-a,x'), [1, 120]);
    assert.throws(() => parseDetachKeys('ctrl-'), { message: 'Invalid detach keys (ctrl-) provided' });
  });
});

describe('attach bridge', () => {
  let dir: string;
  let server: net.Server;
  let next: ((s: net.Socket) => void) | undefined;
  const open: net.Socket[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bridge-'));
    server = net.createServer({ allowHalfOpen: true }, (s) => next?.(s));
    await new Promise<void>((r) => server.listen(path.join(dir, 's'), r));
  });
  after(() => {
    for (const s of open) s.destroy();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A connected pair: the daemon's end (bridged) and the client's end. */
  async function pair(): Promise<{ daemon: net.Socket; client: net.Socket }> {
    const accepted = new Promise<net.Socket>((r) => (next = r));
    const client = net.connect({ path: path.join(dir, 's'), allowHalfOpen: true });
    const daemon = await accepted;
    open.push(daemon, client);
    return { daemon, client };
  }
  const opts = (o: Partial<BridgeOptions>): BridgeOptions => ({
    tty: false,
    stdin: true,
    stdout: true,
    stderr: true,
    detachKeys: parseDetachKeys(DEFAULT_DETACH_KEYS),
    closeStdinOnEof: true,
    ...o,
  });
  const readAll = (s: net.Socket) =>
    new Promise<Buffer>((r) => {
      const c: Buffer[] = [];
      s.on('data', (d) => c.push(d));
      s.on('end', () => r(Buffer.concat(c)));
    });

  it('frames output without a TTY, drops streams not asked for, and ends when the process does', async () => {
    const { daemon, client } = await pair();
    const p = processSide();
    const whole = readAll(client);
    const done = bridge(p.conn, daemon, opts({ stderr: false }));
    p.say('stdout', 'hello');
    p.say('stderr', 'hidden');
    p.exit();
    assert.equal(await done, 'closed');
    assert.deepEqual(await whole, frame(STDOUT, Buffer.from('hello')));
    client.destroy();
  });

  it('passes raw bytes with a TTY and forwards stdin; EOF on stdin closes the process stdin only without a TTY', async () => {
    const { daemon, client } = await pair();
    const p = processSide();
    const whole = readAll(client);
    const done = bridge(p.conn, daemon, opts({ tty: true }));
    p.say('stdout', 'raw');
    client.write('typed');
    await waitUntil(() => Buffer.concat(p.got).toString() === 'typed');
    p.exit();
    assert.equal(await done, 'closed');
    assert.equal((await whole).toString(), 'raw');
    client.destroy();

    const second = await pair();
    const q = processSide();
    const ended = bridge(q.conn, second.daemon, opts({}));
    second.client.end('last line\n');
    await waitUntil(() => q.state.stdinClosed);
    assert.equal(Buffer.concat(q.got).toString(), 'last line\n');
    assert.equal(q.state.closed, false, 'the session stays up for the output after stdin ends');
    q.exit();
    assert.equal(await ended, 'closed');
    second.client.destroy();
  });

  it('detaches on the detach keys without sending them to the process', async () => {
    const { daemon, client } = await pair();
    const p = processSide();
    let detached = false;
    const clientEnded = new Promise<void>((r) => client.on('end', r).resume());
    void bridge(p.conn, daemon, opts({ onDetach: () => (detached = true) }));
    client.write(Buffer.from([0x61, 16, 17, 0x62]));
    await clientEnded;
    assert.equal(detached, true);
    assert.equal(Buffer.concat(p.got).toString(), 'a');
    assert.equal(p.state.closed, true);
  });

  // A real AttachConnection runs its close callbacks inside close(): the bridge
  // must still say 'detached' (the exec route waits for the exit otherwise).
  it('reports a detach as "detached"', async () => {
    const { daemon, client } = await pair();
    const p = processSide();
    const done = bridge(p.conn, daemon, opts({}));
    client.write(Buffer.from([16, 17]));
    assert.equal(await done, 'detached');
  });
});

async function waitUntil(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
