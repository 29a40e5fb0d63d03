// berthd's log: one JSON object per line on stderr ({"level","time","msg",…}),
// the shape pino writes. Our own because pino cost berthd ~8 MiB of idle RSS
// for a daemon that logs a few lines an hour; errors are serialised with stack.

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type Level = keyof typeof LEVELS;

type LogFn = (objOrMsg: object | string, msg?: string) => void;

export interface Logger {
  level: Level;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  flush(): void;
}

function serialise(v: unknown): unknown {
  if (v instanceof Error) {
    const e = v as NodeJS.ErrnoException;
    return { type: e.name, message: e.message, stack: e.stack, ...(e.code ? { code: e.code } : {}) };
  }
  return v;
}

function line(level: number, objOrMsg: object | string, msg?: string): string {
  const rec: Record<string, unknown> = { level, time: Date.now() };
  if (typeof objOrMsg === 'string') rec.msg = objOrMsg;
  else {
    for (const [k, v] of Object.entries(objOrMsg)) rec[k] = serialise(v);
    if (msg !== undefined) rec.msg = msg;
  }
  try {
    return JSON.stringify(rec) + '\n';
  } catch {
    return JSON.stringify({ level, time: rec.time, msg: String(msg ?? objOrMsg) }) + '\n';
  }
}

function make(level: string, write: (s: string) => void): Logger {
  const min = LEVELS[(level in LEVELS ? level : 'info') as Level];
  const at = (n: number): LogFn => (n < min ? () => {} : (o, m) => write(line(n, o, m)));
  return {
    level: (level in LEVELS ? level : 'info') as Level,
    trace: at(LEVELS.trace),
    debug: at(LEVELS.debug),
    info: at(LEVELS.info),
    warn: at(LEVELS.warn),
    error: at(LEVELS.error),
    fatal: at(LEVELS.fatal),
    flush: () => {},
  };
}

const toStderr = (s: string) => void process.stderr.write(s);

let root: Logger = make(process.env.BERTH_LOG_LEVEL ?? 'info', toStderr);

export function setupLogger(level: string): Logger {
  root = make(level, toStderr);
  return root;
}

export const log = (): Logger => root;
