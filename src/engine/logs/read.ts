// `docker logs`: a container's records from its rotated files (oldest first,
// gzip ones decompressed as they stream) then its live file, with tail,
// since/until, and follow across rotations.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Container } from '../../container';
import { gzipLastTime, inode, openLogView, type OpenedFile } from './files';
import { LogRecord, parseAll, RecordParser, timeNs } from './records';

export interface LogReadOptions {
  follow: boolean;
  tail?: number;
  /** nanoseconds since the epoch */
  sinceNs?: bigint;
  untilNs?: bigint;
  stdout: boolean;
  stderr: boolean;
}

type Out = (r: LogRecord) => void;
type Flush = () => Promise<void> | void;
interface Signal {
  aborted: boolean;
  onAbort(cb: () => void): void;
}

const readFd = promisify(fs.read);
const CHUNK = 256 * 1024;

/** Streams bytes [pos, end) of a file (end undefined: to its current end); returns the new position. */
async function streamFd(
  fd: number,
  pos: number,
  end: number | undefined,
  parser: RecordParser,
  out: Out,
  signal: { aborted: boolean },
  flush: Flush,
): Promise<number> {
  for (;;) {
    if (signal.aborted) break;
    const len = end === undefined ? CHUNK : Math.min(CHUNK, end - pos);
    if (len <= 0) break;
    // a fresh buffer per read: records are views into it until the caller copies them
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await readFd(fd, buf, 0, len, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    parser.push(buf.subarray(0, bytesRead), out);
    await flush();
  }
  return pos;
}

/** A gzip rotated file, decompressed as it streams. */
async function streamGz(f: OpenedFile, parser: RecordParser, out: Out, signal: { aborted: boolean }, flush: Flush): Promise<void> {
  const gunzip = zlib.createGunzip();
  const feed = (async () => {
    for (let pos = 0; pos < f.size && !gunzip.destroyed; ) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, f.size - pos));
      const { bytesRead } = await readFd(f.fd, buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      if (!gunzip.write(buf.subarray(0, bytesRead))) await new Promise((r) => (gunzip.once('drain', r), gunzip.once('close', r)));
    }
    gunzip.end();
  })();
  try {
    for await (const chunk of gunzip) {
      parser.push(chunk as Buffer, out);
      await flush();
      if (signal.aborted) break;
    }
  } finally {
    gunzip.destroy();
    await feed;
  }
}

const TAIL_BLOCK = 64 * 1024;

/**
 * The last `want` records of a plain file, read backwards in blocks: only as
 * much of a 100 MB log as the tail needs. The first line of a window may
 * continue a record that began before it, so a window counts only when it
 * holds one record more than asked for (or reaches the file's start).
 */
function tailOfPlain(f: OpenedFile, want: number): LogRecord[] {
  let pos = f.size;
  let buf = Buffer.alloc(0);
  let lines = 0;
  while (pos > 0) {
    const len = Math.min(TAIL_BLOCK, pos);
    pos -= len;
    const block = Buffer.allocUnsafe(len);
    fs.readSync(f.fd, block, 0, len, pos);
    for (const b of block) if (b === 10) lines++;
    buf = Buffer.concat([block, buf]);
    if (pos > 0 && lines <= want + 1) continue;
    // drop the (possibly cut) first line unless the window starts the file
    const start = pos === 0 ? 0 : buf.indexOf(10) + 1;
    const recs = parseAll(buf.subarray(start));
    if (pos === 0 || recs.length > want) return recs.slice(Math.max(0, recs.length - want));
  }
  return [];
}

/** The last `want` records of a gzip file: decompressed front to back, keeping only the last ones. */
async function tailOfGz(f: OpenedFile, want: number): Promise<LogRecord[]> {
  let recs: LogRecord[] = [];
  const parser = new RecordParser();
  const keep = (r: LogRecord) => {
    recs.push(r);
    if (recs.length > 2 * want + 1024) recs = recs.slice(recs.length - want);
  };
  await streamGz(f, parser, keep, { aborted: false }, () => {});
  parser.flushPartial(keep);
  return recs.slice(Math.max(0, recs.length - want));
}

/** The last `n` records of a set of files (oldest first), read newest file first. */
export async function tailRecords(files: OpenedFile[], n: number): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let fi = files.length - 1; fi >= 0 && out.length < n; fi--) {
    const f = files[fi];
    out.unshift(...(f.gz ? await tailOfGz(f, n - out.length) : tailOfPlain(f, n - out.length)));
  }
  return out;
}

/** A gzip file whose header says its last record is older than `ns`. */
function endsBefore(f: OpenedFile, ns: bigint): boolean {
  const last = timeNs(gzipLastTime(f.fd) ?? '');
  return last >= 0n && last < ns;
}

/**
 * Streams a container's log records to `emit`. Resolves when everything asked
 * for was sent: at EOF, or with `follow`, once `isRunning()` says the container
 * is no longer running and the file is drained.
 */
export async function readLogs(
  c: Container,
  opts: LogReadOptions,
  emit: (r: LogRecord) => boolean | void,
  signal: Signal,
  isRunning: () => boolean,
  /** called after each chunk of records: the caller may batch emits until then */
  flush: Flush = () => {},
): Promise<void> {
  const want = (r: LogRecord) =>
    ((r.stream === 'stdout' && opts.stdout) || (r.stream === 'stderr' && opts.stderr)) &&
    (opts.sinceNs === undefined || r.ns >= opts.sinceNs) &&
    (opts.untilNs === undefined || r.ns < opts.untilNs);
  const out = (r: LogRecord) => {
    if (want(r)) emit(r);
  };
  const view = await openLogView(c.LogPath);
  try {
    // as Docker: a compressed file whose last record is older than --since is not opened
    const rotated = view.rotated.filter((f) => !(f.gz && opts.sinceNs !== undefined && endsBefore(f, opts.sinceNs)));
    const parser = new RecordParser();
    let livePos = 0;
    if (opts.tail !== undefined && opts.tail >= 0) {
      for (const r of await tailRecords(view.live ? [...rotated, view.live] : rotated, opts.tail)) out(r);
      livePos = view.live?.size ?? 0;
    } else {
      for (const f of rotated) {
        if (f.gz) await streamGz(f, parser, out, signal, flush);
        else await streamFd(f.fd, 0, f.size, parser, out, signal, flush);
      }
      if (view.live) livePos = await streamFd(view.live.fd, 0, undefined, parser, out, signal, flush);
    }
    const following = opts.follow && !signal.aborted && (opts.untilNs === undefined || opts.untilNs > BigInt(Date.now()) * 1000000n);
    if (following) await follow(c.LogPath, view.live, livePos, parser, out, signal, isRunning, flush);
    // a last line without its newline is still a record
    parser.flushPartial(out);
    await flush();
  } finally {
    view.close();
  }
}

/**
 * Follows the live file from `pos`. A rotation points the live name at a new
 * file only once the old one gets no more writes (conmon closes it first), so
 * the old one is read to its end before moving on.
 */
async function follow(
  logPath: string,
  start: { fd: number; ino: number } | null,
  pos: number,
  parser: RecordParser,
  out: Out,
  signal: Signal,
  isRunning: () => boolean,
  flush: Flush,
): Promise<void> {
  let fd = start?.fd ?? -1;
  let ino = start?.ino ?? -1;
  let own = false; // the first file belongs to the caller's view
  const release = () => {
    if (own && fd >= 0) fs.closeSync(fd);
    own = false;
  };
  const catchUp = async () => {
    for (;;) {
      if (fd >= 0) pos = await streamFd(fd, pos, undefined, parser, out, signal, flush);
      if (signal.aborted) return;
      const cur = inode(logPath);
      if (cur === ino || cur === -1) return;
      // rotated: what the old file still holds, then the new one from its start
      if (fd >= 0) pos = await streamFd(fd, pos, undefined, parser, out, signal, flush);
      release();
      try {
        fd = fs.openSync(logPath, 'r');
      } catch {
        fd = ino = -1;
        return;
      }
      own = true;
      ino = fs.fstatSync(fd).ino;
      pos = 0;
    }
  };
  try {
    await new Promise<void>((resolve) => {
      let busy = false;
      let again = false;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(timer);
        watcher?.close();
        if (!busy) resolve(); // else when the read in flight ends: its file stays open until then
      };
      const pump = async () => {
        if (done) return;
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            await catchUp();
          } while (again && !signal.aborted);
          if (signal.aborted) finish();
          else if (!isRunning()) {
            await catchUp();
            finish();
          }
        } catch {
          finish(); // the file went away under us (container removed)
        } finally {
          busy = false;
          if (done) resolve();
        }
      };
      // the directory, not the file: a rotation replaces the file
      const base = path.basename(logPath);
      let watcher: fs.FSWatcher | undefined;
      try {
        watcher = fs.watch(path.dirname(logPath), (_ev, name) => {
          if (name === base) void pump();
        });
      } catch {
        watcher = undefined;
      }
      const timer = setInterval(() => void pump(), 250);
      signal.onAbort(finish);
      void pump();
    });
  } finally {
    release();
  }
}
