// The config hash that decides recreation: a digest of everything in a
// service's canonical config that shapes its container. Scale, profiles,
// build and pull settings don't change a running container, so they are left
// out (as Compose leaves them out); the image's ID is compared separately.
import { createHash } from 'node:crypto';
import type { ServiceConfig } from '../model';

const IGNORED = new Set(['scale', 'profiles', 'build', 'pull_policy', 'attach', 'depends_on']);

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

/** A digest of any canonical value (keys sorted at every level). */
export function digest(v: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(v)))
    .digest('hex');
}

export function serviceHash(s: ServiceConfig): string {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (!IGNORED.has(k)) o[k] = v;
  // depends_on conditions don't shape the container; the names do (links, order)
  o.depends_on = Object.keys(s.depends_on).sort();
  return createHash('sha256')
    .update(JSON.stringify(canonical(o)))
    .digest('hex');
}
