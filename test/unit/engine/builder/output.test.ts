// The build log of parallel stages: each stage's lines in Dockerfile order,
// the earliest unfinished stage live, later ones held until it ends; q=1
// holds everything but the image ID.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BuildOutput, HELD_LIMIT, OrderedLogs } from '../../../../src/engine/builder/output';
import type { JsonMessage } from '../../../../src/engine/images';

function sink(quiet = false) {
  const got: JsonMessage[] = [];
  const out = new BuildOutput((m) => got.push(m), quiet);
  const text = () => got.map((m) => m.stream ?? '').join('');
  return { got, out, text };
}

describe('OrderedLogs', () => {
  it('streams the head stage live and holds the others until it ends', () => {
    const s = sink();
    const logs = new OrderedLogs(s.out, [0, 2, 3]);
    const a = logs.log(0);
    const b = logs.log(2);
    const c = logs.log(3);
    a.line('a1');
    b.line('b1');
    c.line('c1');
    assert.equal(s.text(), 'a1\n', 'only the first stage is shown while it runs');
    c.line('c2');
    logs.end(3); // the last stage finishes first: still held
    assert.equal(s.text(), 'a1\n');
    a.line('a2');
    logs.end(0); // b's held lines follow, then b is live
    assert.equal(s.text(), 'a1\na2\nb1\n');
    b.line('b2');
    assert.equal(s.text(), 'a1\na2\nb1\nb2\n');
    logs.end(2); // c already ended: its lines follow at once
    assert.equal(s.text(), 'a1\na2\nb1\nb2\nc1\nc2\n');
  });

  it('on failure everything held is let out, in order', () => {
    const s = sink();
    const logs = new OrderedLogs(s.out, [0, 1]);
    logs.log(0).line('slow');
    logs.log(1).line('broken output');
    logs.flushAll();
    assert.equal(s.text(), 'slow\nbroken output\n');
  });

  it('quiet: held back until the end, pull progress dropped', () => {
    const s = sink(true);
    const logs = new OrderedLogs(s.out, [0]);
    logs.log(0).line('step');
    logs.log(0).progress({ status: 'Pulling', id: 'x' });
    logs.end(0);
    assert.deepEqual(s.got, []);
    s.out.flush();
    assert.deepEqual(s.got, [{ stream: 'step\n' }]);
  });

  it('a waiting stage keeps at most HELD_LIMIT bytes of output, then says how much it clipped', () => {
    const s = sink();
    const logs = new OrderedLogs(s.out, [0, 1]);
    const big = 'x'.repeat(1 << 20);
    for (let i = 0; i < 6; i++) logs.log(1).text(big);
    logs.log(1).step(3, 3, 'RUN more');
    logs.end(0);
    const t = s.text();
    assert.equal(t.length < HELD_LIMIT + 1000, true);
    assert.ok(t.includes('Step 3/3 : RUN more\n'), 'step lines are never clipped');
    assert.ok(t.includes(`[output clipped: ${2 << 20} more bytes written while an earlier stage ran]`), 'the clipped count is told');
  });
});
