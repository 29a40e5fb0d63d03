// One container log record as conmon writes it (k8s-file: "<time> <stream> <P|F> <text>"),
// and the parser that turns file bytes into records, joining partial (P) pieces.

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
  /** milliseconds since the epoch */
  get ms(): number {
    return (this.utc ??= toUtc(this.ts)).ms;
  }
  /** nanoseconds since the epoch (since/until compare at Docker's precision) */
  get ns(): bigint {
    return timeNs(this.ts);
  }
}

/** Nanoseconds since the epoch of an RFC3339 time with up to 9 fraction digits; -1 when it is not one. */
export function timeNs(ts: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return -1n;
  const s = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(s)) return -1n;
  return BigInt(s) * 1000000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

export function toUtc(ts: string): { time: string; ms: number } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return { time: ts, ms: Date.parse(ts) };
  const frac = m[2] ?? '';
  if (m[3] === 'Z' || m[3] === '+00:00') return { time: `${m[1]}${frac}Z`, ms: Date.parse(`${m[1]}${frac.slice(0, 4)}Z`) };
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return { time: `${new Date(ms).toISOString().slice(0, 19)}${frac}Z`, ms: ms + Number(`0${frac.slice(0, 4) || '.0'}`) * 1000 };
}

/** Splits k8s-file text into records, joining partial (P) pieces into one record. */
export class RecordParser {
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
export function parseAll(data: Buffer): LogRecord[] {
  const recs: LogRecord[] = [];
  const p = new RecordParser();
  p.push(data, (r) => recs.push(r));
  p.flushPartial((r) => recs.push(r));
  return recs;
}
