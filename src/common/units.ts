// Docker's small parsers: sizes (go-units RAMInBytes), signals (moby
// pkg/signal), ulimit names (go-units ulimit).
import { badRequest } from '../util/errors';

const BINARY: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/**
 * "512m" → 536870912, as go-units' RAMInBytes (v0.5): a decimal number, an
 * optional space, then b or k/m/g/t/p with an optional b or ib, any case
 * ("1GiB", "1gb", "1.5 m"). Its error texts: invalid size: '…' (no digit, or
 * negative), invalid suffix: '…', strconv.ParseFloat's for a bad number.
 */
export function parseMemory(size: string | number): number {
  if (typeof size === 'number') {
    if (!Number.isFinite(size) || size < 0) throw badRequest(`invalid size: '${size}'`);
    return Math.floor(size);
  }
  let sep = -1;
  for (let i = size.length - 1; i >= 0; i--)
    if ('0123456789. '.includes(size[i])) {
      sep = i;
      break;
    }
  if (sep === -1) throw badRequest(`invalid size: '${size}'`);
  const num = size[sep] === ' ' ? size.slice(0, sep) : size.slice(0, sep + 1);
  let sfx = size.slice(sep + 1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) throw badRequest(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  const n = Number(num);
  if (n < 0) throw badRequest(`invalid size: '${size}'`);
  if (!sfx) return Math.floor(n);
  const badSuffix = () => badRequest(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.floor(n);
  }
  const mult = BINARY[sfx[0]];
  if (!mult || (sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw badSuffix();
  return Math.floor(n * mult);
}

/** Linux signal numbers by name without the SIG prefix (x86/arm layout). */
export const SIGNALS: Readonly<Record<string, number>> = (() => {
  const t: Record<string, number> = {
    HUP: 1,
    INT: 2,
    QUIT: 3,
    ILL: 4,
    TRAP: 5,
    ABRT: 6,
    IOT: 6,
    BUS: 7,
    FPE: 8,
    KILL: 9,
    USR1: 10,
    SEGV: 11,
    USR2: 12,
    PIPE: 13,
    ALRM: 14,
    TERM: 15,
    STKFLT: 16,
    CHLD: 17,
    CLD: 17,
    CONT: 18,
    STOP: 19,
    TSTP: 20,
    TTIN: 21,
    TTOU: 22,
    URG: 23,
    XCPU: 24,
    XFSZ: 25,
    VTALRM: 26,
    PROF: 27,
    WINCH: 28,
    IO: 29,
    POLL: 29,
    PWR: 30,
    SYS: 31,
    RTMIN: 34,
    RTMAX: 64,
  };
  for (let i = 1; i <= 15; i++) t[`RTMIN+${i}`] = 34 + i;
  for (let i = 1; i <= 14; i++) t[`RTMAX-${i}`] = 64 - i;
  return t;
})();

/** Preferred name (with SIG) for a number, e.g. 15 → SIGTERM. */
export function signalName(sig: number): string | undefined {
  const skip = new Set(['IOT', 'CLD', 'POLL']);
  for (const [k, v] of Object.entries(SIGNALS)) if (v === sig && !skip.has(k)) return 'SIG' + k;
  return undefined;
}

/** "SIGTERM" | "TERM" | "term" | "15" → 15. Docker's error: Invalid signal: x */
export function parseSignal(raw: string | number): number {
  const s = String(raw).trim();
  if (/^-?\d+$/.test(s)) {
    const n = Number(s);
    if (n <= 0 || n > 64) throw badRequest(`Invalid signal: ${raw}`);
    return n;
  }
  const up = s.toUpperCase();
  const n = SIGNALS[up.startsWith('SIG') ? up.slice(3) : up];
  if (n === undefined) throw badRequest(`Invalid signal: ${raw}`);
  return n;
}

/** Docker ulimit names → OCI rlimit types ("as" is refused, as by Docker). */
export const ULIMIT_TYPES: Readonly<Record<string, string>> = {
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
};

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** CLI form "nofile=1024:2048" or "nofile=1024" → {Name, Soft, Hard} (go-units wording). */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw badRequest(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!(name in ULIMIT_TYPES)) throw badRequest(`invalid ulimit type: ${name}`);
  const parts = val.slice(eq + 1).split(':');
  if (parts.length > 2) throw badRequest(`too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const num = (s: string) => {
    if (!/^-?\d+$/.test(s)) throw badRequest(`invalid ulimit argument: ${val}`);
    return Number(s);
  };
  const soft = num(parts[0]);
  const hard = parts.length === 2 ? num(parts[1]) : soft;
  if (soft > hard) throw badRequest(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}
