// Talking to conmon without conmon: its attach socket is a SOCK_SEQPACKET
// socket whose packets start with a stream byte (2 stdout, 3 stderr) and take
// raw stdin the other way; its ctl fifo takes "1 h w" (resize) and "2 0 0"
// (reopen the log). A SEQPACKET server here speaks conmon's side, so the
// client's framing, packet limits, long socket paths and fd hygiene are
// checked against a real socket.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SeqpacketServer, type SeqpacketSocket } from 'node-unix-socket';
import { connectAttach, reopenLog, resizeTty, type StreamName } from '../../../src/monitor';

const openFds = () => fs.readdirSync('/proc/self/fd').length;

async function waitUntil(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** conmon's side of the attach socket: records packets and connections. */
function conmonSide(socketPath: string) {
  const server = new SeqpacketServer();
  const peers: SeqpacketSocket[] = [];
  const packets: Buffer[] = [];
  const ended: boolean[] = [];
  server.on('connection', (s: SeqpacketSocket) => {
    const i = peers.push(s) - 1;
    ended[i] = false;
    s.on('data', (b: Buffer) => packets.push(Buffer.from(b)));
    s.on('end', () => (ended[i] = true));
    s.on('error', () => {});
  });
  server.listen(socketPath);
  const close = () => {
    for (const p of peers) p.destroy();
    server.close();
  };
  return { server, peers, packets, ended, close };
}

describe('conmon attach socket', () => {
  let dir: string;

  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-attach-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('splits output by the stream byte and sends stdin in packets of at most 32 KiB', async () => {
    const sockPath = path.join(dir, 'attach');
    const c = conmonSide(sockPath);
    try {
      const conn = await connectAttach(sockPath);
      const got: Array<[StreamName, string]> = [];
      conn.onData((s, d) => got.push([s, d.toString()]));
      await waitUntil(() => c.peers.length === 1, 'the connection');
      c.peers[0].write(Buffer.concat([Buffer.from([2]), Buffer.from('to stdout')]));
      c.peers[0].write(Buffer.concat([Buffer.from([3]), Buffer.from('to stderr')]));
      await waitUntil(() => got.length === 2, 'two packets');
      assert.deepEqual(got, [
        ['stdout', 'to stdout'],
        ['stderr', 'to stderr'],
      ]);

      const input = Buffer.alloc(70_000, 0x61);
      conn.write(input);
      await waitUntil(() => c.packets.reduce((n, p) => n + p.length, 0) === input.length, 'all stdin bytes');
      assert.deepEqual(
        c.packets.map((p) => p.length),
        [32768, 32768, 70_000 - 65536],
      );

      // half-close: conmon sees the end of stdin, output still flows
      conn.closeStdin();
      await waitUntil(() => c.ended[0], 'the end of stdin');
      c.peers[0].write(Buffer.concat([Buffer.from([2]), Buffer.from('after eof')]));
      await waitUntil(() => got.length === 3, 'output after stdin ended');
      let closed = 0;
      conn.onClose(() => closed++);
      conn.close();
      conn.close();
      assert.equal(closed, 1);
    } finally {
      c.close();
    }
  });

  it('the session ends when conmon ends it, and nothing leaks', async () => {
    const sockPath = path.join(dir, 'attach2');
    const c = conmonSide(sockPath);
    try {
      const before = openFds();
      const conn = await connectAttach(sockPath);
      let closed = false;
      conn.onClose(() => (closed = true));
      await waitUntil(() => c.peers.length === 1, 'the connection');
      c.peers[0].end();
      await waitUntil(() => closed, 'the close callback');
      c.peers[0].destroy();
      await waitUntil(() => openFds() <= before, 'the socket fd to be released');
    } finally {
      c.close();
    }
  });

  it('reaches a socket whose path is longer than a sockaddr holds, through /proc/self/fd', async () => {
    const deep = path.join(dir, 'x'.repeat(60), 'y'.repeat(60));
    fs.mkdirSync(deep, { recursive: true });
    const sockPath = path.join(deep, 'attach');
    assert.ok(Buffer.byteLength(sockPath) > 108);
    // bind from inside the directory: the server has the same limit
    const prev = process.cwd();
    process.chdir(deep);
    let c: ReturnType<typeof conmonSide>;
    try {
      c = conmonSide('attach');
    } finally {
      process.chdir(prev);
    }
    try {
      const before = openFds();
      const conn = await connectAttach(sockPath);
      await waitUntil(() => c.peers.length === 1, 'the connection');
      conn.close();
      c.peers[0].destroy();
      await waitUntil(() => openFds() <= before, 'the directory fd and the socket to be released');
    } finally {
      c.close();
    }
  });

  it('fails to connect when nothing listens', async () => {
    await assert.rejects(connectAttach(path.join(dir, 'nobody')));
  });
});

describe('conmon ctl fifo', () => {
  it('writes resize and reopen-log commands; without a reader or a fifo it is a no-op', async () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctl-'));
    try {
      resizeTty(bundle, 24, 80); // no ctl: conmon is gone, nothing to do
      execFileSync('mkfifo', [path.join(bundle, 'ctl')]);
      resizeTty(bundle, 24, 80); // a fifo nobody reads (ENXIO on a non-blocking open)
      // a reader, as conmon holds the fifo open
      const rfd = fs.openSync(path.join(bundle, 'ctl'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        resizeTty(bundle, 40, 120);
        reopenLog(bundle);
        const buf = Buffer.alloc(64);
        const n = fs.readSync(rfd, buf);
        assert.equal(buf.subarray(0, n).toString(), '1 40 120\n2 0 0\n');
      } finally {
        fs.closeSync(rfd);
      }
    } finally {
      fs.rmSync(bundle, { recursive: true, force: true });
    }
  });
});
