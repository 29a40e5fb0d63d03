// SPDY/3.1 framing and header compression as the Kubernetes clients (Go's
// spdystream) send and expect them; the session over a real loopback socket.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../../src/cri/spdy-dictionary';
import {
  decodeFrames,
  encodeFrame,
  FLAG_FIN,
  HeaderDecoder,
  HeaderEncoder,
  parseHeaderBlock,
  SpdySession,
  withHeaders,
  type Frame,
  type SpdyStream,
} from '../../../src/cri/spdy';
import { negotiate } from '../../../src/cri/spdy-upgrade';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

describe('SPDY/3 header compression', () => {
  it('uses the spec dictionary: 1423 bytes, adler32 0xe3c6a7c2, named in the zlib header', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('enq=0.'));
    assert.equal(adler32(SPDY3_DICTIONARY), 0xe3c6a7c2);
    const out = new HeaderEncoder().encode({ streamtype: ['error'] });
    // FDICT set, then the dictionary's id: what a SPDY peer checks before inflating
    assert.ok(out[1] & 0x20);
    assert.equal(out.readUInt32BE(2), 0xe3c6a7c2);
  });

  it('decodes blocks an independent zlib compressed as one stream with the dictionary, as Go does', async () => {
    const raw = (t: string) => Buffer.concat([u32(2), str('streamtype'), str(t), str('port'), str('8080\x00')]);
    // one deflate context, a sync flush after each block: the shape Go's spdystream writes
    const z = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
    const blocks: Buffer[] = [];
    for (const t of ['error', 'stdout', 'stdout']) {
      const out: Buffer[] = [];
      const onData = (d: Buffer) => out.push(d);
      z.on('data', onData);
      z.write(raw(t));
      await new Promise<void>((r) => z.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
      z.off('data', onData);
      blocks.push(Buffer.concat(out));
    }
    z.close();
    const dec = new HeaderDecoder();
    // asked for at once, answered in order
    const got = await Promise.all(blocks.map((b) => dec.decode(b)));
    assert.deepEqual(got, [
      { streamtype: ['error'], port: ['8080', ''] },
      { streamtype: ['stdout'], port: ['8080', ''] },
      { streamtype: ['stdout'], port: ['8080', ''] },
    ]);
    // the third block leans on the second's bytes: alone, it is not readable
    assert.ok(blocks[2].length < blocks[1].length);
    await assert.rejects(new HeaderDecoder().decode(blocks[2]));
    dec.close();
  });

  it('keeps one compression context per direction across header blocks', async () => {
    const enc = new HeaderEncoder();
    const dec = new HeaderDecoder();
    const h = { streamtype: ['data'], port: ['80'], requestid: ['0'] };
    const first = enc.encode(h);
    const second = enc.encode(h);
    // any zlib reader with the dictionary reads both as one stream, as a Go peer does
    const both = zlib.inflateSync(Buffer.concat([first, second]), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.deepEqual(parseHeaderBlock(both.subarray(0, both.length / 2)), h);
    // the second block continues the first's stream: shorter, and meaningless alone
    assert.ok(second.length < first.length, `${second.length} < ${first.length}`);
    assert.deepEqual(await dec.decode(first), h);
    assert.deepEqual(await dec.decode(second), h);
    await assert.rejects(new HeaderDecoder().decode(second));
    // positive control for the line above: a fresh decoder reads a first block
    assert.deepEqual(await new HeaderDecoder().decode(new HeaderEncoder().encode(h)), h);
  });

  it('lowercases names and splits NUL-joined values', () => {
    assert.deepEqual(parseHeaderBlock(Buffer.concat([u32(1), str('StreamType'), str('a\0b')])), { streamtype: ['a', 'b'] });
    assert.throws(() => parseHeaderBlock(Buffer.concat([u32(2), str('a'), str('b')])), /truncated/);
  });
});

describe('SPDY/3 frames', () => {
  const roundTrip = async (f: Frame): Promise<Frame> => {
    const { frames, rest } = decodeFrames(encodeFrame(f, new HeaderEncoder()));
    assert.equal(rest.length, 0);
    assert.equal(frames.length, 1);
    return withHeaders(frames[0], new HeaderDecoder());
  };

  it('encodes and decodes every frame type the protocols use', async () => {
    const frames: Frame[] = [
      { type: 'data', streamId: 7, flags: FLAG_FIN, data: Buffer.from('hello') },
      { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ['error'] } },
      { type: 'syn_reply', streamId: 1, flags: 0, headers: {} },
      { type: 'rst_stream', streamId: 3, status: 5 },
      { type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 65536 }] },
      { type: 'ping', id: 1 },
      { type: 'goaway', lastStreamId: 9, status: 0 },
      { type: 'headers', streamId: 5, flags: FLAG_FIN, headers: { a: ['b'] } },
      { type: 'window_update', streamId: 1, delta: 4096 },
    ];
    for (const f of frames) assert.deepEqual(await roundTrip(f), f);
  });

  it('lays out the wire bytes as SPDY/3 specifies', () => {
    const enc = new HeaderEncoder();
    // control: bit, version 3, type; flags; 24-bit length
    assert.deepEqual([...encodeFrame({ type: 'ping', id: 1 }, enc)], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
    assert.deepEqual([...encodeFrame({ type: 'rst_stream', streamId: 3, status: 5 }, enc)], [0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 5]);
    // data: stream id; flags; length
    assert.deepEqual([...encodeFrame({ type: 'data', streamId: 5, flags: FLAG_FIN, data: Buffer.from('x') }, enc)], [0, 0, 0, 5, 1, 0, 0, 1, 0x78]);
  });

  it('leaves a partial frame for the next read and refuses another version', () => {
    const enc = new HeaderEncoder();
    const wire = Buffer.concat([
      encodeFrame({ type: 'ping', id: 3 }, enc),
      encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('abc') }, enc),
    ]);
    const a = decodeFrames(wire.subarray(0, 15));
    assert.deepEqual(a.frames, [{ type: 'ping', id: 3 }]);
    const b = decodeFrames(Buffer.concat([a.rest, wire.subarray(15)]));
    assert.deepEqual(b.frames, [{ type: 'data', streamId: 1, flags: 0, data: Buffer.from('abc') }]);
    const v2 = Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
    assert.throws(() => decodeFrames(v2), /version 2/);
  });
});

describe('SPDY session (server side) over a loopback socket', () => {
  it('replies to streams, carries data both ways, echoes pings, half-closes, resets, goes away', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const got: SpdyStream[] = [];
    const serverSide = new Promise<SpdySession>((resolve) => srv.once('connection', (sock) => resolve(new SpdySession(sock, Buffer.alloc(0)))));
    const client = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
    const enc = new HeaderEncoder();
    const dec = new HeaderDecoder();
    const seen: Frame[] = [];
    let buf = Buffer.alloc(0);
    let order: Promise<unknown> = Promise.resolve();
    client.on('data', (d: Buffer) => {
      const r = decodeFrames(Buffer.concat([buf, d]));
      buf = Buffer.from(r.rest);
      for (const f of r.frames) order = order.then(async () => seen.push(await withHeaders(f, dec)));
    });
    const until = async (what: string, cond: () => boolean) => {
      const end = Date.now() + 5000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(seen.map((f) => f.type))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      const session = await serverSide;
      const input: string[] = [];
      let ended = false;
      let resetSeen = false;
      session.onStream((s) => {
        got.push(s);
        s.onData((d) => input.push(d.toString()));
        s.onEnd(() => {
          if (s.header('streamtype') === 'stdin') ended = true;
          if (s.reset) resetSeen = true;
        });
      });
      client.write(encodeFrame({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ['stdin'] } }, enc));
      client.write(encodeFrame({ type: 'syn_stream', streamId: 3, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ['stdout'] } }, enc));
      await until('two replies', () => seen.filter((f) => f.type === 'syn_reply').length === 2);
      assert.deepEqual(
        got.map((s) => s.header('streamType')),
        ['stdin', 'stdout'],
      );
      client.write(encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('typed') }, enc));
      client.write(encodeFrame({ type: 'ping', id: 5 }, enc));
      client.write(encodeFrame({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) }, enc));
      await until('the echo and the FIN', () => ended && seen.some((f) => f.type === 'ping'));
      assert.deepEqual(input, ['typed']);
      assert.deepEqual(
        seen.find((f) => f.type === 'ping'),
        { type: 'ping', id: 5 },
      );
      // data to an unknown stream is refused with RST_STREAM INVALID_STREAM
      client.write(encodeFrame({ type: 'data', streamId: 11, flags: 0, data: Buffer.from('?') }, enc));
      await until('the refusal', () => seen.some((f) => f.type === 'rst_stream' && f.streamId === 11));
      assert.equal((seen.find((f) => f.type === 'rst_stream') as { status: number }).status, 2);
      got[1].write(Buffer.from('out'));
      got[1].end();
      await until('the output and its FIN', () => seen.some((f) => f.type === 'data' && f.streamId === 3 && f.flags & FLAG_FIN));
      assert.equal(
        Buffer.concat(seen.filter((f): f is Extract<Frame, { type: 'data' }> => f.type === 'data' && f.streamId === 3).map((f) => f.data)).toString(),
        'out',
      );
      client.write(encodeFrame({ type: 'syn_stream', streamId: 5, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ['data'] } }, enc));
      await until('the third stream', () => got.length === 3);
      client.write(encodeFrame({ type: 'rst_stream', streamId: 5, status: 5 }, enc));
      await until('the reset', () => resetSeen);
      session.close();
      await until('goaway', () => seen.some((f) => f.type === 'goaway'));
    } finally {
      client.destroy();
      srv.close();
      dec.close();
    }
  });

  it("negotiates the client's first offer the server speaks", () => {
    assert.equal(negotiate(['v5.channel.k8s.io', 'v4.channel.k8s.io'], ['v4.channel.k8s.io', 'v5.channel.k8s.io']), 'v5.channel.k8s.io');
    assert.equal(negotiate(['v9.channel.k8s.io', 'v4.channel.k8s.io'], ['v4.channel.k8s.io']), 'v4.channel.k8s.io');
    assert.equal(negotiate(['v9.channel.k8s.io'], ['v4.channel.k8s.io']), undefined);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
function str(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([u32(b.length), b]);
}
