// Reading the Engine API's streams on the client: the 8-byte multiplexed
// framing (split anywhere by the transport) and JSON lines (events, stats,
// progress).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { demux, jsonLines } from '../../../src/client/streams';

const frame = (t: number, s: string) => {
  const b = Buffer.from(s);
  const h = Buffer.alloc(8);
  h[0] = t;
  h.writeUInt32BE(b.length, 4);
  return Buffer.concat([h, b]);
};

describe('client streams', () => {
  it('demultiplexes frames split anywhere, including bytes read with the headers', async () => {
    const wire = Buffer.concat([frame(1, 'out1 '), frame(2, 'err'), frame(1, 'out2')]);
    const src = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const done = demux(
      src,
      (d) => out.push(d),
      (d) => err.push(d),
      wire.subarray(0, 5),
    );
    for (let i = 5; i < wire.length; i += 3) src.write(wire.subarray(i, i + 3));
    src.end();
    await done;
    assert.equal(Buffer.concat(out).toString(), 'out1 out2');
    assert.equal(Buffer.concat(err).toString(), 'err');
  });

  it('a systemerr frame is the error', async () => {
    const src = new PassThrough();
    const done = demux(
      src,
      () => {},
      () => {},
    );
    src.end(Buffer.concat([frame(1, 'partial'), frame(3, 'exec failed: no such file')]));
    await assert.rejects(done, { message: 'exec failed: no such file' });
  });

  it('reads JSON lines split across chunks, skipping blank lines; the last may lack its newline', async () => {
    const src = new PassThrough();
    const got: unknown[] = [];
    const done = jsonLines(src, (o) => got.push(o));
    src.write('{"status":"Pulling"}\n{"sta');
    src.write('tus":"Done"}\n\n{"id":1}');
    src.end();
    await done;
    assert.deepEqual(got, [{ status: 'Pulling' }, { status: 'Done' }, { id: 1 }]);
  });
});
