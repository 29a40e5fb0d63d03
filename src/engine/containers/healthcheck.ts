// A container's HEALTHCHECK as configuration and state: Docker's create-time
// checks, the container's over the image's, the probe's argv, and how a probe
// result folds into State.Health (Docker's rules: see health.ts, which runs them).
import type { Container, HealthLogEntry } from '../../container';
import type { HealthConfig } from '../../image';
import { badRequest } from '../../util/errors';

export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
export const DEFAULT_START_PERIOD_NS = 0;
export const DEFAULT_RETRIES = 3;
export const MAX_OUTPUT_BYTES = 4096;
export const MAX_LOG_ENTRIES = 5;
const MIN_DURATION_NS = 1e6;

/** Docker's create-time checks on the request's own Healthcheck (400s). */
export function validateHealthcheck(h: HealthConfig | null | undefined): void {
  if (!h) return;
  const tooShort = (v: number | undefined) => v !== undefined && v !== null && v !== 0 && v < MIN_DURATION_NS;
  if (tooShort(h.Interval)) throw badRequest('Interval in Healthcheck cannot be less than 1ms');
  if (tooShort(h.Timeout)) throw badRequest('Timeout in Healthcheck cannot be less than 1ms');
  if ((h.Retries ?? 0) < 0) throw badRequest('Retries in Healthcheck cannot be negative');
  if (tooShort(h.StartPeriod)) throw badRequest('StartPeriod in Healthcheck cannot be less than 1ms');
  if (tooShort(h.StartInterval)) throw badRequest('StartInterval in Healthcheck cannot be less than 1ms');
}

/** The container's Healthcheck over the image's: empty Test and zero values take the image's. */
export function mergeHealthcheck(own: HealthConfig | null | undefined, image: HealthConfig | null | undefined): HealthConfig | undefined {
  if (!own) return image ? { ...image } : undefined;
  const out: HealthConfig = { ...own };
  if (!image) return out;
  if (!out.Test || out.Test.length === 0) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    if (!out[k] && image[k]) out[k] = image[k];
  }
  return out;
}

/** The probe's argv, or undefined when the container has no probe (none, NONE, unknown type). */
export function probeCommand(c: Pick<Container, 'Config'>): string[] | undefined {
  const test = c.Config.Healthcheck?.Test;
  if (!test || test.length === 0) return undefined;
  switch (test[0]) {
    case 'CMD':
      return test.length > 1 ? test.slice(1) : undefined;
    case 'CMD-SHELL': {
      if (test.length < 2) return undefined;
      const shell = c.Config.Shell && c.Config.Shell.length ? c.Config.Shell : ['/bin/sh', '-c'];
      return [...shell, ...test.slice(1)];
    }
    default:
      return undefined;
  }
}

export const hasProbe = (c: Pick<Container, 'Config'>): boolean => probeCommand(c) !== undefined;

interface Effective {
  intervalNs: number;
  timeoutNs: number;
  startPeriodNs: number;
  startIntervalNs: number;
  retries: number;
}

export function effective(h: HealthConfig | undefined): Effective {
  return {
    intervalNs: h?.Interval || DEFAULT_INTERVAL_NS,
    timeoutNs: h?.Timeout || DEFAULT_TIMEOUT_NS,
    startPeriodNs: h?.StartPeriod || DEFAULT_START_PERIOD_NS,
    startIntervalNs: h?.StartInterval || 0,
    retries: h?.Retries && h.Retries > 0 ? h.Retries : DEFAULT_RETRIES,
  };
}

/** At container start: `starting`, streak reset, log kept (Docker's initHealthMonitor). */
export function initHealthState(c: Container): void {
  if (!hasProbe(c)) return;
  c.State.Health = { Status: 'starting', FailingStreak: 0, Log: c.State.Health?.Log ?? [] };
}

/**
 * Folds one probe result into State.Health (Docker's handleProbeResult).
 * Returns the status before and after.
 */
export function applyProbeResult(c: Container, entry: HealthLogEntry, probeStartMs: number): { before: string; after: string } {
  const h = (c.State.Health ??= { Status: 'starting', FailingStreak: 0, Log: [] });
  const before = h.Status;
  const eff = effective(c.Config.Healthcheck);
  h.Log = [...h.Log, entry].slice(-MAX_LOG_ENTRIES);
  if (entry.ExitCode === 0) {
    h.FailingStreak = 0;
    h.Status = 'healthy';
  } else {
    let counts = true;
    if (h.Status === 'starting') {
      const sinceStartNs = (probeStartMs - Date.parse(c.State.StartedAt)) * 1e6;
      if (sinceStartNs < eff.startPeriodNs) counts = false;
    }
    if (counts) {
      h.FailingStreak++;
      if (h.FailingStreak >= eff.retries) h.Status = 'unhealthy';
    }
  }
  return { before, after: h.Status };
}
