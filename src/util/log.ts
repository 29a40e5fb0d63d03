import pino from 'pino';

export type Logger = pino.Logger;

let root: Logger = pino({ level: process.env.BERTH_LOG_LEVEL ?? 'info', base: undefined });

export function setupLogger(level: string, dest?: string): Logger {
  root = pino({ level, base: undefined }, dest ? pino.destination({ dest, sync: false, mkdir: true }) : undefined);
  return root;
}

export const log = (): Logger => root;
