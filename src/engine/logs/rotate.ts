// Log rotation for max-size/max-file/compress, with Docker's json-file semantics:
// a file is full once it holds max-size bytes, the next record starts a new one,
// and only the newest max-file files are kept (rotated ones gzip with compress).
//
// conmon writes the live file and can only truncate it, so berth rotates after
// the fact, from berthd (no process per container): when the live file holds
// enough to fill the file being filled, berth swaps it out (a hard link keeps
// the old file, conmon's "reopen" makes a new live file and closes the old one),
// then cuts the old file's records into files exactly where Docker would have
// cut them, whatever size conmon's writes came in. With berthd away the live
// file only grows, up to conmon's own limit (a safety net set at start).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Container } from '../../container';
import { reopenLog } from '../../monitor';
import { log } from '../../util/log';
import { gzipHeader, gzipTrailer, inode, logLimits, logLocks, rotatedFiles, rotatedName, stagedName, type LogLimits } from './files';
import { toUtc } from './records';
import { alive } from '../../util/proctree';

/** What the rotation needs of the process writing the live file. */
interface LiveWriter {
  /** asks conmon for a new live file */
  reopen(): void;
  /** conmon may still write the live file */
  writing(): boolean;
  /** the daemon is stopping: leave the rest to the next start */
  stopped(): boolean;
}

const SETTLED: LiveWriter = { reopen: () => {}, writing: () => false, stopped: () => false };

/**
 * conmon's own limit on the live file (it truncates past it): far above what
 * berth lets the live file reach, it only bounds the disk while berthd is away.
 */
export function liveSizeCap(lc: { Type: string; Config: Record<string, string> }): number | undefined {
  const lim = logLimits(lc.Config, lc.Type);
  return lim && Math.max(2 * lim.maxSize * lim.maxFile, 16 * 1024 * 1024);
}

function size(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

/** Bytes the live file may hold before a rotation is due. */
function room(logPath: string, lim: LogLimits): number {
  const newest = rotatedFiles(logPath)[0];
  if (!newest) return lim.maxSize; // the live file is the first file
  if (newest.gz) return 0;
  return Math.max(0, lim.maxSize - size(newest.path));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One rotation step of a log, if due; run under the log's lock. First any
 * staged file a stopped daemon left, then the live file once it holds enough.
 */
async function rotateIfDue(logPath: string, lim: LogLimits, writer: LiveWriter): Promise<void> {
  const staged = stagedName(logPath);
  if (fs.existsSync(staged)) {
    if (inode(staged) === inode(logPath)) {
      if (!(await switchLive(logPath, staged, writer))) return;
    }
    await mergeStaged(logPath, staged, lim);
  }
  const s = size(logPath);
  if (s <= 0 || s < room(logPath, lim)) return;
  fs.linkSync(logPath, staged);
  if (!(await switchLive(logPath, staged, writer))) return;
  await mergeStaged(logPath, staged, lim);
}

/**
 * Points the live name at a new, empty file while `staged` keeps the old one.
 * conmon does it when asked (it closes the old file first, so once the name
 * moves nothing more is written to `staged`); with no conmon writing, berth
 * does it. False when the daemon stops first, or conmon does not answer in
 * time (readers wait meanwhile): the link stays and the next check goes on.
 */
async function switchLive(logPath: string, staged: string, writer: LiveWriter): Promise<boolean> {
  const old = inode(staged);
  if (writer.writing()) writer.reopen();
  const deadline = Date.now() + 2000;
  for (let delay = 1; ; delay = Math.min(2 * delay, 50)) {
    if (inode(logPath) !== old) return true;
    if (!writer.writing()) {
      const tmp = `${logPath}.new`;
      fs.closeSync(fs.openSync(tmp, 'w', 0o600));
      fs.renameSync(tmp, logPath);
      return true;
    }
    if (writer.stopped() || Date.now() > deadline) return false;
    await sleep(delay);
  }
}

/**
 * Moves the records of `staged` (a former live file) into the rotated files,
 * cutting where Docker would: the record after a file reaches max-size starts
 * the next file. Then only the newest max-file files are kept.
 */
export async function mergeStaged(logPath: string, staged: string, lim: LogLimits): Promise<void> {
  const fd = fs.openSync(staged, 'r');
  try {
    const total = fs.fstatSync(fd).size;
    const existing = rotatedFiles(logPath); // newest first
    const open = existing[0] && !existing[0].gz ? existing[0] : undefined;
    // where the new files start; only the last maxFile can survive
    const starts: number[] = [];
    let count = 0;
    let filling = open ? size(open.path) : Infinity;
    let fillEnd = 0; // bytes that complete the file being filled
    let inOpen = !!open && filling < lim.maxSize;
    if (!inOpen) filling = Infinity;
    const block = Buffer.allocUnsafe(1 << 20);
    let lineStart = 0;
    const line = (end: number) => {
      if (filling >= lim.maxSize) {
        inOpen = false;
        starts.push(lineStart);
        if (starts.length > 2 * lim.maxFile + 64) starts.splice(0, starts.length - lim.maxFile);
        count++;
        filling = 0;
      }
      filling += end - lineStart;
      if (inOpen) fillEnd = end;
      lineStart = end;
    };
    for (let pos = 0; pos < total; ) {
      const n = fs.readSync(fd, block, 0, Math.min(block.length, total - pos), pos);
      if (n <= 0) break;
      for (let i = block.indexOf(10); i >= 0 && i < n; i = block.indexOf(10, i + 1)) line(pos + i + 1);
      pos += n;
    }
    if (lineStart < total) line(total); // conmon ends every write with a newline; be safe anyway

    const keepStarts = starts.slice(Math.max(0, starts.length - Math.min(count, lim.maxFile)));
    // the file being filled gets its share, unless it is about to be dropped
    if (open && fillEnd > 0 && 1 + count <= lim.maxFile) {
      const out = fs.openSync(open.path, 'a');
      try {
        await copyRange(fd, 0, fillEnd, out, false);
      } finally {
        fs.closeSync(out);
      }
    }
    // older files move up by the number of new ones; what passes max-file goes
    if (count > 0) {
      for (const f of [...existing].reverse()) {
        const to = f.index + count;
        if (to > lim.maxFile) fs.rmSync(f.path, { force: true });
        else if (!f.gz && lim.compress) {
          const src = fs.openSync(f.path, 'r');
          try {
            await writeRotated(logPath, to, src, 0, fs.fstatSync(src).size, true);
          } finally {
            fs.closeSync(src);
          }
          fs.rmSync(f.path, { force: true });
        } else fs.renameSync(f.path, rotatedName(logPath, to, f.gz));
      }
    }
    for (let i = 0; i < keepStarts.length; i++) {
      const index = keepStarts.length - i; // the last one is the newest: .1
      const end = i + 1 < keepStarts.length ? keepStarts[i + 1] : total;
      await writeRotated(logPath, index, fd, keepStarts[i], end, lim.compress && index > 1);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(staged, { force: true });
}

/** Writes bytes [from, to) of `src` as one rotated file, atomically (temp name, then rename). */
async function writeRotated(logPath: string, index: number, src: number, from: number, to: number, gz: boolean): Promise<void> {
  const dest = rotatedName(logPath, index, gz);
  const tmp = `${dest}.tmp`;
  const out = fs.openSync(tmp, 'w', 0o600);
  try {
    await copyRange(src, from, to, out, gz);
  } finally {
    fs.closeSync(out);
  }
  fs.renameSync(tmp, dest);
  // a plain and a gzip file of one index: the older form goes
  fs.rmSync(rotatedName(logPath, index, !gz), { force: true });
}

const COPY_BLOCK = 1 << 20;

/** Copies bytes [from, to) of one file to the end of another, as gzip (Docker's header) if asked. */
async function copyRange(src: number, from: number, to: number, out: number, gz: boolean): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_BLOCK, Math.max(1, to - from)));
  const read = (pos: number): Buffer => buf.subarray(0, fs.readSync(src, buf, 0, Math.min(buf.length, to - pos), pos));
  if (!gz) {
    for (let pos = from; pos < to; ) {
      const b = read(pos);
      if (b.length === 0) break;
      fs.writeSync(out, b);
      pos += b.length;
    }
    return;
  }
  fs.writeSync(out, gzipHeader(lastTime(src, from, to)));
  const deflate = zlib.createDeflateRaw();
  deflate.on('data', (c: Buffer) => fs.writeSync(out, c));
  const ended = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = 0;
  let length = 0;
  for (let pos = from; pos < to; ) {
    const b = read(pos);
    if (b.length === 0) break;
    crc = zlib.crc32(b, crc);
    length += b.length;
    pos += b.length;
    // the deflater holds on to what it is given: a copy, as the block is reused
    if (!deflate.write(Buffer.from(b))) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await ended;
  fs.writeSync(out, gzipTrailer(crc, length));
}

/** RFC3339Nano UTC time of the last record in bytes [from, to) of a k8s-file log. */
function lastTime(fd: number, from: number, to: number): string | undefined {
  const len = Math.min(to - from, 64 * 1024);
  const data = Buffer.allocUnsafe(len);
  const n = fs.readSync(fd, data, 0, len, to - len);
  const end = n && data[n - 1] === 10 ? n - 1 : n;
  const start = data.lastIndexOf(10, end - 1) + 1;
  const sp = data.indexOf(32, start);
  return sp > start && sp < end ? toUtc(data.toString('latin1', start, sp)).time : undefined;
}

interface Watched {
  c: Container;
  lim: LogLimits;
  bundle: string;
  monitorPid: number;
  exited: boolean;
  closed: boolean;
  busy: boolean;
  again: boolean;
  debounce?: NodeJS.Timeout;
  watcher?: fs.FSWatcher;
  timer: NodeJS.Timeout;
}

/** Rotates the logs of running containers that have max-size, and settles the rest after they exit. */
export class LogRotator {
  private readonly watched = new Map<string, Watched>();

  /** After a start (or a daemon restart that found the container running). */
  watch(c: Container, bundle: string): void {
    this.unwatch(c.ID);
    const lim = logLimits(c.HostConfig.LogConfig.Config, c.HostConfig.LogConfig.Type);
    if (!c.LogPath || !lim) return;
    const w: Watched = {
      c,
      lim,
      bundle,
      monitorPid: c.MonitorPid,
      exited: false,
      closed: false,
      busy: false,
      again: false,
      timer: setInterval(() => this.check(w), 1000),
    };
    w.timer.unref();
    const base = path.basename(c.LogPath);
    try {
      // the directory: the live file is replaced at each rotation
      w.watcher = fs.watch(path.dirname(c.LogPath), (_ev, name) => {
        if (name === base) this.schedule(w);
      });
    } catch {
      /* the interval still checks */
    }
    this.watched.set(c.ID, w);
    this.schedule(w);
  }

  /** The container exited: conmon wrote its last record; rotate what is due. */
  settle(c: Container): Promise<void> {
    const w = this.watched.get(c.ID);
    if (w) {
      w.exited = true; // a rotation in flight stops waiting for conmon
      this.unwatch(c.ID);
    }
    const lim = c.LogPath ? logLimits(c.HostConfig.LogConfig.Config, c.HostConfig.LogConfig.Type) : undefined;
    if (!lim) return Promise.resolve();
    // queued now, so a reader or a start that comes after waits for it
    return logLocks.run(c.LogPath, () => rotateIfDue(c.LogPath, lim, SETTLED)).catch((e) => log().warn({ err: e, id: c.ID }, 'log rotation failed'));
  }

  unwatch(id: string): void {
    const w = this.watched.get(id);
    if (!w) return;
    w.closed = true;
    w.watcher?.close();
    clearInterval(w.timer);
    clearTimeout(w.debounce);
    this.watched.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.watched.keys()]) this.unwatch(id);
  }

  /** Writes come in bursts: one check for a burst. */
  private schedule(w: Watched): void {
    if (w.debounce || w.closed) return;
    w.debounce = setTimeout(() => {
      w.debounce = undefined;
      this.check(w);
    }, 10);
  }

  private check(w: Watched): void {
    if (w.closed) return;
    if (w.busy) {
      w.again = true;
      return;
    }
    w.busy = true;
    const writer: LiveWriter = {
      reopen: () => reopenLog(w.bundle),
      writing: () => !w.exited && alive(w.monitorPid),
      stopped: () => w.closed && !w.exited,
    };
    void (async () => {
      try {
        do {
          w.again = false;
          await logLocks.run(w.c.LogPath, () => rotateIfDue(w.c.LogPath, w.lim, writer));
        } while (w.again && !w.closed);
      } catch (e) {
        log().warn({ err: e, id: w.c.ID }, 'log rotation failed');
      } finally {
        w.busy = false;
      }
    })();
  }
}
