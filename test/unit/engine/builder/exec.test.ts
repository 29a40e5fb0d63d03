// Pieces of the build executor and `berth build` that need no daemon: the
// build cache store (persisted entries, stale ones dropped) and the live
// terminal view of a build's output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BuildCacheStore } from '../../../../src/engine/builder/cache';
import { TtyRenderer, plainRenderer } from '../../../../src/cli/build-progress';

describe('build cache store', () => {
  it('keeps entries across instances (a daemon restart), forgets entries whose image is gone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-'));
    try {
      const a = new BuildCacheStore(dir);
      a.put('sha256:p', '{"Cmd":["x"]}', 'sha256:img1', '/bin/sh -c x');
      a.put('', '{"Cmd":["y"]}', 'sha256:img2', 'COPY');
      const b = new BuildCacheStore(dir);
      assert.equal(
        b.get('sha256:p', '{"Cmd":["x"]}', () => true),
        'sha256:img1',
      );
      assert.equal(
        b.get('sha256:p', '{"Cmd":["other"]}', () => true),
        undefined,
      );
      assert.equal(
        b.get('sha256:other', '{"Cmd":["x"]}', () => true),
        undefined,
      );
      assert.equal(b.all().find((e) => e.image === 'sha256:img1')?.usage, 1);
      assert.equal(
        b.get('', '{"Cmd":["y"]}', () => false),
        undefined,
        'the image was removed',
      );
      assert.equal(new BuildCacheStore(dir).all().length, 1, 'the stale entry is gone from disk too');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Applies the cursor movements of the live view to a list of screen lines. */
function screen(out: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  const re = /\x1b\[(\d+)F|\x1b\[J|\n|[^\x1b\n]+/g;
  for (let m = re.exec(out); m; m = re.exec(out)) {
    if (m[1]) row = Math.max(0, row - Number(m[1]));
    else if (m[0] === '\x1b[J') (lines.length = row + 1), (lines[row] = '');
    else if (m[0] === '\n') {
      row++;
      if (lines.length <= row) lines.push('');
    } else lines[row] += m[0];
  }
  return lines.filter((l, i) => l !== '' || i < lines.length - 1).map((l) => l.trimEnd());
}

const stream = (s: string) => ({ stream: s });

describe('berth build: terminal view', () => {
  it('one line per finished step (CACHED or timed), the running step with its output, the failure kept whole', async () => {
    let out = '';
    const r = new TtyRenderer(
      (s) => (out += s),
      () => 80,
    );
    for (const m of [
      'Step 1/3 : FROM busybox',
      '\n',
      ' ---> 0123456789ab\n',
      'Step 2/3 : ENV A=b',
      '\n',
      ' ---> Using cache\n',
      ' ---> 123456789abc\n',
      'Step 3/3 : RUN make',
      '\n',
      ' ---> Running in abcdefabcdef\n',
      'compiling\n',
      '\x1b[91moops\n\x1b[0m',
    ])
      r.message(stream(m));
    // messages close together wait for the clock's repaint of the live region
    for (const deadline = Date.now() + 5000; !screen(out).includes('   │ oops'); ) {
      assert.ok(Date.now() < deadline, `the live region never showed the last output: ${JSON.stringify(screen(out))}`);
      await new Promise((res) => setTimeout(res, 10));
    }
    const live = screen(out);
    assert.match(live[0], /^=> \[1\/3\] FROM busybox +\d+\.\ds$/);
    assert.equal(live[1], '=> CACHED [2/3] ENV A=b');
    assert.match(live[2], /^=> \[3\/3\] RUN make +\d+\.\ds$/);
    assert.deepEqual(live.slice(3, 5), ['   │ compiling', '   │ oops']);
    assert.match(live[5], /^\[\+\] Building \d+\.\ds \(2\/3\)$/);
    r.end("The command '/bin/sh -c make' returned a non-zero code: 2");
    const end = screen(out);
    assert.deepEqual(end.slice(2, 5), ['=> ERROR [3/3] RUN make', '   │ compiling', '   │ oops']);
    assert.match(end[5], /^\[\+\] Building \d+\.\ds \(2\/3\) FAILED$/);
  });

  it('a successful build ends with the image and its names', () => {
    let out = '';
    const r = new TtyRenderer(
      (s) => (out += s),
      () => 80,
    );
    for (const m of ['Step 1/1 : FROM busybox', '\n', ' ---> 0123456789ab\n', 'Successfully built 0123456789ab\n', 'Successfully tagged x:latest\n'])
      r.message(stream(m));
    r.end();
    const end = screen(out);
    assert.deepEqual(end.slice(1, 3), ['=> writing image 0123456789ab', '=> naming to x:latest']);
    assert.match(end[3], /FINISHED$/);
  });

  it('plain output is the stream as docker prints it', () => {
    let out = '';
    const r = plainRenderer((s) => (out += s));
    for (const m of ['Step 1/1 : FROM busybox', '\n', ' ---> 0123456789ab\n']) r.message(stream(m));
    r.message({ status: 'Pulling fs layer', id: 'abc', progressDetail: {} });
    assert.equal(out, 'Step 1/1 : FROM busybox\n ---> 0123456789ab\nabc: Pulling fs layer\n');
  });
});
