// The files of one container's log. conmon appends to the live file
// (<id>-json.log); berth moves its records into numbered rotated files beside it,
// `.1` the newest, as Docker's json-file driver names them. With compress=true
// every rotated file but `.1` (the one still being filled) is gzip, its header's
// extra field holding {"lastTime": ...} of its last record as Docker writes it,
// so `logs --since` can skip it unread.
import * as fs from 'node:fs';

export interface LogLimits {
  /** max-size in bytes: a file is full once it holds this much */
  maxSize: number;
  /** max-file: how many files (the one being filled included) are kept */
  maxFile: number;
  compress: boolean;
}

export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(v.trim());
  if (!m) return NaN;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.floor(parseFloat(m[1]) * mult[m[2].toLowerCase()]);
}

/** Go's strconv.ParseBool, which Docker uses for `compress`. */
export function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/**
 * The rotation a log config asks for; undefined when the log only grows (json-file
 * without max-size). Docker's `local` driver rotates by default: 20m, 5 files, compressed.
 */
export function logLimits(cfg: Record<string, string>, driver = 'json-file'): LogLimits | undefined {
  const local = driver === 'local';
  const maxSize = parseSize(cfg['max-size'] ?? (local ? '20m' : ''));
  if (!Number.isFinite(maxSize) || maxSize <= 0) return undefined;
  const maxFile = Math.max(1, Math.floor(Number(cfg['max-file'] ?? (local ? '5' : '1'))) || 1);
  return { maxSize, maxFile, compress: maxFile > 1 && parseBool(cfg.compress ?? (local ? 'true' : '')) === true };
}

/** What json-file refuses when it starts logging (Docker checks it at start, not create). */
export function logStartError(cfg: Record<string, string>): string | undefined {
  const c = cfg.compress;
  if (c === undefined) return undefined;
  const on = parseBool(c);
  if (on === undefined) return `strconv.ParseBool: parsing ${JSON.stringify(c)}: invalid syntax`;
  const lim = logLimits(cfg);
  if (on && (!lim || lim.maxFile < 2)) return 'compress cannot be true when max-file is less than 2 or max-size is not set';
  return undefined;
}

export interface RotatedFile {
  /** 1 = newest */
  index: number;
  path: string;
  gz: boolean;
}

export const rotatedName = (logPath: string, index: number, gz: boolean): string => `${logPath}.${index}${gz ? '.gz' : ''}`;

/** The rotated files, newest first. */
export function rotatedFiles(logPath: string): RotatedFile[] {
  const out: RotatedFile[] = [];
  for (let i = 1; ; i++) {
    if (fs.existsSync(rotatedName(logPath, i, false))) out.push({ index: i, path: rotatedName(logPath, i, false), gz: false });
    else if (fs.existsSync(rotatedName(logPath, i, true))) out.push({ index: i, path: rotatedName(logPath, i, true), gz: true });
    else return out;
  }
}

/** A former live file whose records are being moved into the rotated files. */
export const stagedName = (logPath: string): string => `${logPath}.rot`;

export function inode(file: string): number {
  try {
    return fs.statSync(file).ino;
  } catch {
    return -1;
  }
}

/**
 * Serialises, per log, the rotation steps and the opening of a reader's set of
 * files: a reader never sees a half-done rotation, and a rotation never runs
 * beside another of the same log.
 */
class LogLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const p = prev.then(() => fn());
    const tail = p.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return p;
  }

  /** Resolves once everything queued for this log so far is done. */
  idle(key: string): Promise<void> {
    return this.run(key, () => undefined);
  }
}
export const logLocks = new LogLocks();

// ---------- gzip with Docker's header ----------

/** A gzip header whose extra field is {"lastTime": ...}. */
export function gzipHeader(lastTime: string | undefined): Buffer {
  const extra = Buffer.from(JSON.stringify(lastTime ? { lastTime } : {}));
  const head = Buffer.alloc(12);
  head[0] = 0x1f;
  head[1] = 0x8b;
  head[2] = 8; // deflate
  head[3] = 4; // FEXTRA
  head[9] = 3; // unix
  head.writeUInt16LE(extra.length, 10);
  return Buffer.concat([head, extra]);
}

/** The gzip trailer: CRC-32 and length (mod 2^32) of the uncompressed bytes. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(length % 2 ** 32, 4);
  return t;
}

/** The lastTime (RFC3339Nano) a rotated gzip file's header holds; undefined when it has none. */
export function gzipLastTime(fd: number): string | undefined {
  const head = Buffer.alloc(12);
  if (fs.readSync(fd, head, 0, 12, 0) < 12 || head[0] !== 0x1f || head[1] !== 0x8b || !(head[3] & 4)) return undefined;
  const extra = Buffer.alloc(head.readUInt16LE(10));
  fs.readSync(fd, extra, 0, extra.length, 12);
  try {
    const t = JSON.parse(extra.toString('utf8')).lastTime;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

// ---------- a reader's view ----------

export interface OpenedFile {
  fd: number;
  /** bytes that belong to this view (a rotated `.1` may be appended to later) */
  size: number;
  gz: boolean;
}

export interface LogView {
  /** oldest first */
  rotated: OpenedFile[];
  /** the live file, read to its end as conmon appends; null before the first start */
  live: (OpenedFile & { ino: number }) | null;
  close(): void;
}

/**
 * Opens every file of a log at one consistent moment (no rotation step runs
 * meanwhile). Renames and removals afterwards do not disturb the open files.
 */
export function openLogView(logPath: string): Promise<LogView> {
  return logLocks.run(logPath, () => {
    const fds: number[] = [];
    const open = (p: string, gz: boolean): (OpenedFile & { ino: number }) | null => {
      let fd: number;
      try {
        fd = fs.openSync(p, 'r');
      } catch {
        return null;
      }
      fds.push(fd);
      const st = fs.fstatSync(fd);
      return { fd, size: st.size, gz, ino: st.ino };
    };
    const rotated: OpenedFile[] = [];
    for (const r of rotatedFiles(logPath).reverse()) {
      const f = open(r.path, r.gz);
      if (f) rotated.push(f);
    }
    const live = open(logPath, false);
    // left by a daemon that stopped mid-rotation: older than the live file, unless it is the live file
    const staged = open(stagedName(logPath), false);
    if (staged && staged.ino !== live?.ino) rotated.push(staged);
    return {
      rotated,
      live,
      close: () => {
        for (const fd of fds.splice(0)) fs.closeSync(fd);
      },
    };
  });
}
