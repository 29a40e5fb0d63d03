// Container logs as conmon writes them (k8s-file: "<time> <stream> <P|F> <text>"),
// read back for `docker logs` with tail/since/until/follow, and rotated by berth
// when the log driver has max-size/max-file (conmon itself only truncates).
import * as fs from 'node:fs';
import type { Container } from '../container';
import { reopenLog } from '../monitor';

/**
 * One log entry. Its time is parsed only when asked for (since/until, --timestamps):
 * plain `logs` of 100 MB would otherwise spend most of its CPU on dates.
 */
export class LogRecord {
  private utc?: { time: string; ms: number };
  constructor(
    readonly stream: 'stdout' | 'stderr',
    private readonly ts: string,
    readonly data: Buffer,
  ) {}
  /** RFC3339Nano in UTC */
  get time(): string {
    return (this.utc ??= toUtc(this.ts)).time;
  }
  /** milliseconds since the epoch (for since/until) */
  get ms(): number {
    return (this.utc ??= toUtc(this.ts)).ms;
  }
}

export interface LogReadOptions {
  follow: boolean;
  tail?: number;
  sinceMs?: number;
  untilMs?: number;
  stdout: boolean;
  stderr: boolean;
}

/** Rotated files oldest first, then the live file. */
export function logFiles(logPath: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; fs.existsSync(`${logPath}.${i}`); i++) rotated.push(`${logPath}.${i}`);
  return [...rotated.reverse(), logPath];
}

function toUtc(ts: string): { time: string; ms: number } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return { time: ts, ms: Date.parse(ts) };
  const frac = m[2] ?? '';
  if (m[3] === 'Z' || m[3] === '+00:00') return { time: `${m[1]}${frac}Z`, ms: Date.parse(`${m[1]}${frac.slice(0, 4)}Z`) };
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return { time: `${new Date(ms).toISOString().slice(0, 19)}${frac}Z`, ms: ms + Number(`0${frac.slice(0, 4) || '.0'}`) * 1000 };
}

/** Splits k8s-file text into records, joining partial (P) pieces into one record. */
class RecordParser {
  private rest = Buffer.alloc(0);
  private partial: { stream: 'stdout' | 'stderr'; parts: Buffer[]; ts: string } | null = null;

  /** `chunk` must not be reused by the caller: full records are views into it. */
  push(chunk: Buffer, out: (r: LogRecord) => void): void {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      this.line(buf, start, nl, out);
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
  }

  /** One line: buf[start, nl), the newline at nl. */
  private line(buf: Buffer, start: number, nl: number, out: (r: LogRecord) => void): void {
    const s1 = buf.indexOf(32, start);
    if (s1 < 0 || s1 >= nl) return;
    const s2 = buf.indexOf(32, s1 + 1);
    if (s2 < 0 || s2 >= nl) return;
    let s3 = buf.indexOf(32, s2 + 1);
    if (s3 >= nl) s3 = -1;
    const ts = buf.toString('latin1', start, s1);
    const stream = s2 - s1 === 7 && buf[s1 + 4] === 0x65 /* stdErr */ ? 'stderr' : 'stdout';
    const partial = buf[s2 + 1] === 0x50; // 'P'
    const textStart = s3 < 0 ? nl : s3 + 1;
    if (partial) {
      const text = Buffer.from(buf.subarray(textStart, nl));
      if (this.partial && this.partial.stream === stream) this.partial.parts.push(text);
      else {
        this.flushPartial(out);
        this.partial = { stream, parts: [text], ts };
      }
      return;
    }
    if (this.partial && this.partial.stream === stream) {
      const data = Buffer.concat([...this.partial.parts, buf.subarray(textStart, nl), NL]);
      out(new LogRecord(stream, this.partial.ts, data));
      this.partial = null;
      return;
    }
    this.flushPartial(out);
    // the text and its newline are already contiguous in the chunk: no copy
    out(new LogRecord(stream, ts, buf.subarray(textStart, nl + 1)));
  }

  flushPartial(out: (r: LogRecord) => void): void {
    if (!this.partial) return;
    out(new LogRecord(this.partial.stream, this.partial.ts, Buffer.concat(this.partial.parts)));
    this.partial = null;
  }
}
const NL = Buffer.from('\n');

/** Parses a whole buffer into records. */
function parseAll(data: Buffer): LogRecord[] {
  const recs: LogRecord[] = [];
  const p = new RecordParser();
  p.push(data, (r) => recs.push(r));
  p.flushPartial((r) => recs.push(r));
  return recs;
}

const TAIL_BLOCK = 64 * 1024;

/**
 * The last `want` records of one file, read backwards in blocks: only as much
 * of a 100 MB log as the tail needs. The first line of a window may continue a
 * record that began before it, so a window counts only when it holds one
 * record more than asked for (or reaches the file's start).
 */
function tailOfFile(file: string, want: number): LogRecord[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    let pos = fs.fstatSync(fd).size;
    let buf = Buffer.alloc(0);
    let lines = 0;
    while (pos > 0) {
      const len = Math.min(TAIL_BLOCK, pos);
      pos -= len;
      const block = Buffer.allocUnsafe(len);
      fs.readSync(fd, block, 0, len, pos);
      for (const b of block) if (b === 10) lines++;
      buf = Buffer.concat([block, buf]);
      if (pos > 0 && lines <= want + 1) continue;
      // drop the (possibly cut) first line unless the window starts the file
      const start = pos === 0 ? 0 : buf.indexOf(10) + 1;
      const recs = parseAll(buf.subarray(start));
      if (pos === 0 || recs.length > want) return recs.slice(Math.max(0, recs.length - want));
    }
    return [];
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `n` records of a set of files (oldest first), newest file first. */
export function tailRecords(files: string[], n: number): LogRecord[] {
  const out: LogRecord[] = [];
  if (n === 0) return out;
  for (let fi = files.length - 1; fi >= 0 && out.length < n; fi--) out.unshift(...tailOfFile(files[fi], n - out.length));
  return out;
}

export interface LogFollower {
  stop(): void;
}

/**
 * Streams a container's log records to `emit`. Resolves when everything asked
 * for was sent: at EOF, or with `follow`, once `stopped()` says the container
 * is no longer running and the file is drained.
 */
export async function readLogs(
  c: Container,
  opts: LogReadOptions,
  emit: (r: LogRecord) => boolean | void,
  signal: { aborted: boolean; onAbort(cb: () => void): void },
  isRunning: () => boolean,
  /** called after each chunk of records: the caller may batch emits until then */
  flush: () => Promise<void> | void = () => {},
): Promise<void> {
  const want = (r: LogRecord) =>
    ((r.stream === 'stdout' && opts.stdout) || (r.stream === 'stderr' && opts.stderr)) &&
    (opts.sinceMs === undefined || r.ms >= opts.sinceMs) &&
    (opts.untilMs === undefined || r.ms < opts.untilMs);
  const files = logFiles(c.LogPath);
  const live = c.LogPath;
  let liveOffset = 0;
  const parser = new RecordParser();
  const out = (r: LogRecord) => {
    if (want(r)) emit(r);
  };
  if (opts.tail !== undefined && opts.tail >= 0) {
    for (const r of tailRecords(files, opts.tail)) out(r);
    try {
      liveOffset = fs.statSync(live).size;
    } catch {
      liveOffset = 0;
    }
  } else {
    for (const f of files.slice(0, -1)) await streamFile(f, 0, out, signal, parser, flush);
    liveOffset = await streamFile(live, 0, out, signal, parser, flush);
  }
  const done = async () => {
    // a last line without its newline is still a record
    parser.flushPartial(out);
    await flush();
  };
  if (!opts.follow || signal.aborted) return done();
  if (opts.untilMs !== undefined && opts.untilMs <= Date.now()) return done();
  await followFile(live, liveOffset, out, signal, isRunning, parser, flush);
  await done();
}

async function streamFile(
  file: string,
  offset: number,
  out: (r: LogRecord) => void,
  signal: { aborted: boolean },
  parser: RecordParser,
  flush: () => Promise<void> | void,
): Promise<number> {
  let pos = offset;
  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(file, 'r');
  } catch {
    return 0;
  }
  try {
    for (;;) {
      if (signal.aborted) break;
      // a fresh buffer per read: records are views into it until the caller copies them
      const buf = Buffer.allocUnsafe(256 * 1024);
      const { bytesRead } = await fd.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      parser.push(buf.subarray(0, bytesRead), out);
      await flush();
    }
  } finally {
    await fd.close();
  }
  return pos;
}

async function followFile(
  file: string,
  offset: number,
  out: (r: LogRecord) => void,
  signal: { aborted: boolean; onAbort(cb: () => void): void },
  isRunning: () => boolean,
  parser: RecordParser,
  flush: () => Promise<void> | void,
): Promise<void> {
  let pos = offset;
  let ino = inode(file);
  await new Promise<void>((resolve) => {
    let busy = false;
    let again = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(timer);
      watcher?.close();
      resolve();
    };
    const pump = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      do {
        again = false;
        const cur = inode(file);
        if (cur !== ino) {
          // rotated: drain the old file through its new name, then start over
          pos = await streamFile(`${file}.1`, pos, out, signal, parser, flush);
          ino = cur;
          pos = 0;
        }
        pos = await streamFile(file, pos, out, signal, parser, flush);
      } while (again && !signal.aborted);
      busy = false;
      if (signal.aborted) finish();
      else if (!isRunning()) {
        pos = await streamFile(file, pos, out, signal, parser, flush);
        finish();
      }
    };
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(file, () => void pump());
    } catch {
      watcher = undefined;
    }
    const timer = setInterval(() => void pump(), 250);
    signal.onAbort(finish);
    void pump();
  });
}

function inode(f: string): number {
  try {
    return fs.statSync(f).ino;
  } catch {
    return -1;
  }
}

// ---------- rotation ----------

export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(v.trim());
  if (!m) return NaN;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.floor(parseFloat(m[1]) * mult[m[2].toLowerCase()]);
}

/** Rotates a running container's log when it passes max-size, keeping max-file files. */
export class LogRotator {
  private readonly watchers = new Map<string, { w: fs.FSWatcher; t: NodeJS.Timeout }>();

  watch(c: Container, bundle: string): void {
    this.unwatch(c.ID);
    const maxSize = parseSize(c.HostConfig.LogConfig.Config['max-size'] ?? '');
    if (!c.LogPath || !Number.isFinite(maxSize) || maxSize <= 0) return;
    const maxFile = Math.max(1, Number(c.HostConfig.LogConfig.Config['max-file'] ?? '1'));
    let last = 0;
    const check = () => {
      const now = Date.now();
      if (now - last < 50) return;
      last = now;
      let size: number;
      try {
        size = fs.statSync(c.LogPath).size;
      } catch {
        return;
      }
      if (size < maxSize) return;
      rotate(c.LogPath, maxFile);
      reopenLog(bundle);
      if (maxFile <= 1) setTimeout(() => fs.rmSync(`${c.LogPath}.1`, { force: true }), 100).unref();
    };
    let w: fs.FSWatcher;
    try {
      w = fs.watch(c.LogPath, check);
    } catch {
      return;
    }
    const t = setInterval(check, 1000);
    t.unref();
    this.watchers.set(c.ID, { w, t });
  }

  unwatch(id: string): void {
    const x = this.watchers.get(id);
    if (!x) return;
    x.w.close();
    clearInterval(x.t);
    this.watchers.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.watchers.keys()]) this.unwatch(id);
  }
}

function rotate(logPath: string, maxFile: number): void {
  fs.rmSync(`${logPath}.${Math.max(1, maxFile - 1)}`, { force: true });
  for (let i = maxFile - 2; i >= 1; i--) if (fs.existsSync(`${logPath}.${i}`)) fs.renameSync(`${logPath}.${i}`, `${logPath}.${i + 1}`);
  fs.renameSync(logPath, `${logPath}.1`);
  // conmon recreates the file when it reopens; if the container exits first it never
  // will, and readers must still find a (now empty) live file
  fs.closeSync(fs.openSync(logPath, 'a', 0o600));
}
