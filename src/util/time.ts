/** RFC3339 with nanoseconds, UTC, as Go's time.RFC3339Nano prints it (trailing zeros trimmed). */
export function rfc3339Nano(ms: number, extraNs = 0): string {
  const d = new Date(ms);
  const base = d.toISOString().slice(0, 19);
  const ns = (Math.round(ms % 1000) * 1e6 + extraNs) % 1e9;
  if (ns === 0) return `${base}Z`;
  return `${base}.${String(ns).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** A precise wall clock in nanoseconds (bigint), for event and log timestamps. */
const originNs = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
export const nowNs = (): bigint => originNs + process.hrtime.bigint();

export function nsToRfc3339(ns: bigint): string {
  const ms = Number(ns / 1000000n);
  const d = new Date(ms);
  const frac = String(ns % 1000000000n)
    .padStart(9, '0')
    .replace(/0+$/, '');
  return `${d.toISOString().slice(0, 19)}${frac ? '.' + frac : ''}Z`;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** go-units HumanDuration, which `docker ps` shows in STATUS. */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** Parses Docker's since/until values: unix seconds (with fraction), RFC3339, or a Go duration ago. */
export function parseTimeArg(v: string, nowMs = Date.now()): number | undefined {
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(parseFloat(v) * 1000);
  const dur = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(v);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    return nowMs - parseFloat(dur[1]) * mult[dur[2]];
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? NaN : t;
}

/**
 * parseTimeArg in nanoseconds, as Docker compares log times: "1733461193.123456789"
 * and RFC3339Nano keep every digit (milliseconds would drop records at the edge).
 */
export function parseTimeArgNs(v: string, nowMs = Date.now()): bigint | undefined {
  const unix = /^(\d+)(?:\.(\d{1,9})\d*)?$/.exec(v);
  if (unix) return BigInt(unix[1]) * 1000000000n + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const rfc = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9})\d*)?(Z|[+-]\d\d:\d\d)$/.exec(v);
  if (rfc) {
    const s = Date.parse(`${rfc[1]}${rfc[3]}`);
    if (!Number.isNaN(s)) return BigInt(s) * 1000000n + BigInt((rfc[2] ?? '').padEnd(9, '0'));
  }
  const ms = parseTimeArg(v, nowMs);
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  return BigInt(Math.round(ms * 1e6));
}

const GO_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Parses a Go duration string ("1m30s", "500ms", "1.5h", "0") into nanoseconds; undefined if invalid. */
export function parseGoDuration(s: string): number | undefined {
  let t = s.trim();
  if (t === '') return undefined;
  let sign = 1;
  if (t[0] === '-' || t[0] === '+') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  if (t === '0') return 0;
  if (t === '') return undefined;
  const re = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return undefined;
    total += parseFloat(m[1]) * GO_UNITS[m[2]];
    pos = re.lastIndex;
  }
  return sign * Math.round(total);
}

/** Formats nanoseconds as Go's time.Duration.String() does: "1s", "500ms", "1m30s", "1h0m0s", "1.5µs". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  const frac = (v: number, digits: number): string => {
    // v in units of 10^-digits; print the integer part and trimmed fraction
    const p = 10 ** digits;
    const whole = Math.floor(v / p);
    const rest = v % p;
    if (rest === 0) return String(whole);
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  let out: string;
  if (u < 1e9) {
    if (u < 1e3) out = `${u}ns`;
    else if (u < 1e6) out = `${frac(u, 3)}µs`;
    else out = `${frac(u, 6)}ms`;
  } else {
    const secNs = u % 60e9;
    u = Math.floor(u / 60e9); // whole minutes
    out = `${frac(secNs, 9)}s`;
    if (u > 0) {
      out = `${u % 60}m${out}`;
      const h = Math.floor(u / 60);
      if (h > 0) out = `${h}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's time.RFC3339 (seconds) in the local time zone: "2024-05-01T12:00:00Z" or "…+02:00". */
export function rfc3339Local(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const local = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return off === 0 ? `${local}Z` : `${local}${off > 0 ? '+' : '-'}${p(off / 60)}:${p(off % 60)}`;
}
