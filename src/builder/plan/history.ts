// What Docker's classic builder records for each step: the `created_by` text
// of the history entry (`/bin/sh -c #(nop)  ENV A=b`, `|1 A=v /bin/sh -c cmd`)
// and the container config the step is probed/committed with, whose canonical
// JSON is the step's cache key.
import type { HealthConfig, ImageRunConfig } from '../../image/types';
import { formatGoDuration } from '../../util/time';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function shellOf(config: ImageRunConfig): string[] {
  return config.Shell && config.Shell.length ? [...config.Shell] : [...DEFAULT_SHELL];
}

/** Cmd of a metadata step's container: [shell…, "#(nop) ", comment] (two spaces once joined). */
export function nopCmd(config: ImageRunConfig, comment: string): string[] {
  return [...shellOf(config), '#(nop) ', comment];
}

/** Cmd of WORKDIR/COPY/ADD: [shell…, "#(nop) " + comment] (one space). */
export function nopCmdString(config: ImageRunConfig, comment: string): string[] {
  return [...shellOf(config), '#(nop) ' + comment];
}

/** fmt %+v of a *HealthConfig. */
export function healthcheckComment(h: HealthConfig): string {
  const d = (ns: number | undefined) => formatGoDuration(ns ?? 0);
  return `&{Test:[${(h.Test ?? []).join(' ')}] Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} StartPeriod:${d(h.StartPeriod)} StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) o[k] = sortKeys(x);
    }
    return o;
  }
  return v;
}

/** JSON with object keys sorted: equal configs give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

export function cloneConfig(c: ImageRunConfig | null | undefined): ImageRunConfig {
  return c ? (JSON.parse(JSON.stringify(c)) as ImageRunConfig) : {};
}
