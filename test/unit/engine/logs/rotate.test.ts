// Log rotation cuts where Docker's json-file driver would: the record after a
// file reaches max-size starts the next file, and only max-file files stay,
// however the records arrived (one conmon write or many, larger than max-size
// or not). A model of Docker's rule run over the whole stream is the oracle.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { mergeStaged } from '../../../../src/engine/logs/rotate';
import { gzipLastTime, logLimits, logStartError, rotatedFiles, type LogLimits } from '../../../../src/engine/logs/files';

/** Docker's rule over the whole stream: the newest maxFile files, oldest first. */
function dockerFiles(records: string[], lim: LogLimits): string[] {
  const files: string[] = [];
  let cur = '';
  let started = false;
  for (const r of records) {
    if (started && Buffer.byteLength(cur) >= lim.maxSize) {
      files.push(cur);
      cur = '';
    }
    cur += r;
    started = true;
  }
  if (started) files.push(cur);
  return files.slice(Math.max(0, files.length - lim.maxFile));
}

function record(i: number, len: number): string {
  const ts = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + i * 1000).toISOString().replace('Z', '000000Z');
  return `${ts} ${i % 5 ? 'stdout' : 'stderr'} F r${i} ${'x'.repeat(len)}\n`;
}

/** A deterministic pseudo-random sequence (the test repeats exactly). */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function onDisk(logPath: string): { names: string[]; contents: string[] } {
  const files = rotatedFiles(logPath).reverse();
  return {
    names: files.map((f) => path.basename(f.path)),
    contents: files.map((f) => (f.gz ? zlib.gunzipSync(fs.readFileSync(f.path)) : fs.readFileSync(f.path)).toString()),
  };
}

describe('log rotation', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rotate-'));

  it('keeps exactly the files Docker would, for any batching and any size', async () => {
    const rand = rng(7);
    let cases = 0;
    for (const maxSize of [1, 60, 200, 1024]) {
      for (const maxFile of [1, 2, 3, 5]) {
        for (const compress of maxFile > 1 ? [false, true] : [false]) {
          const lim = { maxSize, maxFile, compress };
          const logPath = path.join(dir, `c${cases++}-json.log`);
          const records: string[] = [];
          for (let batch = 0; batch < 12; batch++) {
            // one conmon write: from one record to far more than max-size
            let text = '';
            const n = 1 + Math.floor(rand() * (batch % 3 === 0 ? 60 : 4));
            for (let k = 0; k < n; k++) {
              const r = record(records.length, Math.floor(rand() * 80));
              records.push(r);
              text += r;
            }
            fs.writeFileSync(`${logPath}.rot`, text);
            await mergeStaged(logPath, `${logPath}.rot`, lim);
            assert.ok(!fs.existsSync(`${logPath}.rot`));
            const want = dockerFiles(records, lim);
            const got = onDisk(logPath);
            const label = `max-size=${maxSize} max-file=${maxFile} compress=${compress} batch=${batch}`;
            assert.deepEqual(got.contents, want, label);
            // .1 is the file being filled (plain); older ones are gzip with compress
            assert.deepEqual(
              got.names,
              want.map((_, i) => `${path.basename(logPath)}.${want.length - i}${compress && want.length - i > 1 ? '.gz' : ''}`),
              label,
            );
          }
        }
      }
    }
  });

  it("writes Docker's lastTime into the gzip header", async () => {
    const logPath = path.join(dir, 'gz-json.log');
    const records = Array.from({ length: 40 }, (_, i) => record(i, 20));
    fs.writeFileSync(`${logPath}.rot`, records.join(''));
    await mergeStaged(logPath, `${logPath}.rot`, { maxSize: 300, maxFile: 3, compress: true });
    const gz = path.join(dir, 'gz-json.log.2.gz');
    const text = zlib.gunzipSync(fs.readFileSync(gz)).toString();
    const last = text.trimEnd().split('\n').pop()!.split(' ')[0];
    const fd = fs.openSync(gz, 'r');
    try {
      assert.equal(gzipLastTime(fd), last);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('reads the limits as Docker does: json-file only with max-size, local by default', () => {
    assert.equal(logLimits({}), undefined);
    assert.equal(logLimits({ 'max-file': '3' }), undefined);
    assert.deepEqual(logLimits({ 'max-size': '1k' }), { maxSize: 1024, maxFile: 1, compress: false });
    assert.deepEqual(logLimits({ 'max-size': '1.5m', 'max-file': '3', compress: 'true' }), { maxSize: 1572864, maxFile: 3, compress: true });
    assert.deepEqual(logLimits({}, 'local'), { maxSize: 20 * 1024 * 1024, maxFile: 5, compress: true });
    assert.deepEqual(logLimits({ 'max-size': '10k', compress: 'false' }, 'local'), { maxSize: 10240, maxFile: 5, compress: false });
    assert.equal(logStartError({ 'max-size': '1k', 'max-file': '2', compress: 'T' }), undefined);
    assert.match(logStartError({ compress: 'true' }) ?? '', /^compress cannot be true when max-file is less than 2 or max-size is not set$/);
    assert.match(logStartError({ 'max-size': '1k', 'max-file': '2', compress: 'on' }) ?? '', /^strconv.ParseBool: parsing "on": invalid syntax$/);
  });

  it('cleans up', () => fs.rmSync(dir, { recursive: true, force: true }));
});
