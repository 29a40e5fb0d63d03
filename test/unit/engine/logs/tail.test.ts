// logs --tail reads a log from its end: the records must be exactly the last N
// of a full parse, partial (P) lines joined, across a rotated file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { logReadOptions, tailRecords, type OpenedFile } from '../../../../src/engine/logs';
import type { Container } from '../../../../src/container';

/** The last n records of files given by path (oldest first; missing ones skipped, `.gz` ones gzip). */
async function tailOf(files: string[], n: number) {
  const opened: OpenedFile[] = [];
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const fd = fs.openSync(f, 'r');
    opened.push({ fd, size: fs.fstatSync(fd).size, gz: f.endsWith('.gz') });
  }
  try {
    return await tailRecords(opened, n);
  } finally {
    for (const o of opened) fs.closeSync(o.fd);
  }
}

function k8sLines(count: number, seed: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    const ts = `2026-11-24T10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(9, '0')}Z`;
    const stream = (i + seed) % 7 === 0 ? 'stderr' : 'stdout';
    if (i % 13 === 5) {
      // a long line conmon split into partial pieces
      out += `${ts} ${stream} P part-a-${i}-${'x'.repeat(3000)}\n${ts} ${stream} P part-b-${i}\n${ts} ${stream} F end-${i}\n`;
    } else out += `${ts} ${stream} F line ${seed}-${i} ${'y'.repeat(i % 200)}\n`;
  }
  return out;
}

describe('logs --tail', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tail-'));
  const log = path.join(dir, 'ctr.log');
  fs.writeFileSync(`${log}.1`, k8sLines(800, 1));
  fs.writeFileSync(log, k8sLines(5000, 2));
  fs.writeFileSync(`${log}.2.gz`, zlib.gzipSync(k8sLines(300, 3)));
  // every record, file by file
  const everything = (async () => [...(await tailOf([`${log}.2.gz`], 1e9)), ...(await tailOf([`${log}.1`], 1e9)), ...(await tailOf([log], 1e9))])();

  it('matches the last N records of a full parse, across files, a gzip one among them', async () => {
    const all = await everything;
    assert.equal(all.length, 6100);
    for (const n of [1, 2, 13, 100, 4999, 5000, 5001, 5800, 5801, 6100, 9000]) {
      const got = await tailOf([`${log}.2.gz`, `${log}.1`, log], n);
      const exp = all.slice(Math.max(0, all.length - n));
      assert.equal(got.length, exp.length, `n=${n}`);
      assert.deepEqual(
        got.map((r) => r.data.toString()),
        exp.map((r) => r.data.toString()),
        `n=${n}`,
      );
      assert.deepEqual(
        got.map((r) => r.stream),
        exp.map((r) => r.stream),
        `n=${n}`,
      );
    }
  });

  it('joins partial lines into one record', async () => {
    const all = await everything;
    const joined = all.filter((r) => r.data.toString().startsWith('part-a-'));
    assert.ok(joined.length > 0);
    for (const r of joined) assert.match(r.data.toString(), /^part-a-\d+-x+part-b-\d+end-\d+\n$/);
  });

  it('handles empty and missing files and n = 0', async () => {
    fs.writeFileSync(path.join(dir, 'empty.log'), '');
    assert.deepEqual(await tailOf([path.join(dir, 'empty.log')], 5), []);
    assert.deepEqual(await tailOf([path.join(dir, 'missing.log')], 5), []);
    assert.deepEqual(await tailOf([log], 0), []);
  });

  it('cleans up', () => fs.rmSync(dir, { recursive: true, force: true }));
});

describe('a logs request', () => {
  const ctr = (type = 'json-file', logPath = '/x/log') => ({ HostConfig: { LogConfig: { Type: type, Config: {} } }, LogPath: logPath }) as unknown as Container;
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('is read into reader options: tail, since and until in nanoseconds', () => {
    const o = logReadOptions(ctr(), { stdout: true, stderr: false, follow: true, tail: '5', since: '10', until: '20.5' });
    assert.deepEqual(o, { follow: true, tail: 5, sinceNs: 10_000_000_000n, untilNs: 20_500_000_000n, stdout: true, stderr: false });
    assert.equal(logReadOptions(ctr(), { stdout: true, stderr: true, follow: false, tail: 'all' }).tail, undefined);
    assert.equal(logReadOptions(ctr(), { stdout: true, stderr: true, follow: false, tail: '-1' }).tail, undefined);
    // dockerd 20.10 (and since) reads a tail that is not a number as "all": `docker logs --tail bogus` prints everything
    assert.equal(logReadOptions(ctr(), { stdout: true, stderr: true, follow: false, tail: 'x' }).tail, undefined);
    assert.equal(logReadOptions(ctr(), { stdout: true, stderr: true, follow: false, tail: '2.5' }).tail, undefined);
  });

  it("is refused with dockerd's messages, in its order", () => {
    assert.equal(
      message(() => logReadOptions(ctr('none', ''), { stdout: false, stderr: false, follow: false, tail: 'x' })),
      'Bad parameters: you must choose at least one stream',
    );
    assert.equal(
      message(() => logReadOptions(ctr('none', ''), { stdout: true, stderr: false, follow: false, tail: 'x' })),
      'configured logging driver does not support reading',
    );
    assert.equal(
      message(() => logReadOptions(ctr(), { stdout: true, stderr: false, follow: false, since: 'yesterday' })),
      'invalid value for since/until',
    );
  });
});
