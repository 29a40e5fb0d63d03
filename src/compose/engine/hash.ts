// The config hashes Compose labels services, networks and volumes with,
// computed as Compose computes them: SHA-256 of Go's compact JSON of the
// canonical config (`config --format json`'s) — a service without build,
// pull_policy, scale, depends_on, profiles and deploy.replicas (they do not
// change a running container; the image's ID is compared apart), a volume
// with its driver defaulted to local and without external and labels, a
// network as it is. The same hashes as the real Compose's mean a project
// brought up by one is not recreated by the other.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical';
import type { Project, ServiceConfig } from '../model';

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

/** A digest of any value, keys sorted at every level (what is hashed apart from Compose's own hashes). */
export function digest(v: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(v)))
    .digest('hex');
}

const IGNORED = ['build', 'pull_policy', 'scale', 'depends_on', 'profiles'];

/** Go's json.Marshal escapes these in strings; JSON.stringify does not. */
const goEscape = (json: string) => json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

type Json = Record<string, unknown>;
const byProject = new WeakMap<Project, Json>();

/** The project's canonical JSON, made once per loaded project. */
function canonicalOf(p: Project): Json {
  let j = byProject.get(p);
  if (!j) byProject.set(p, (j = canonicalJson(p)));
  return j;
}

const sha256 = (o: unknown) =>
  createHash('sha256')
    .update(goEscape(JSON.stringify(o)))
    .digest('hex');
const section = (p: Project, kind: 'services' | 'networks' | 'volumes', key: string): Json | undefined =>
  (canonicalOf(p)[kind] as Json | undefined)?.[key] as Json | undefined;

/** The hash of service `s` of `p`. */
export function serviceHash(p: Project, s: ServiceConfig): string {
  const svc = section(p, 'services', s.name);
  if (!svc) throw new Error(`internal: no canonical config for service ${s.name}`);
  const o = { ...svc };
  for (const k of IGNORED) delete o[k];
  if (o.deploy && typeof o.deploy === 'object') {
    const { replicas: _replicas, ...deploy } = o.deploy as Json;
    o.deploy = deploy;
  }
  return sha256(o);
}

/** The hash of top-level network `key` (a network no service uses is hashed from its config as given). */
export function networkHash(p: Project, key: string): string {
  const n = section(p, 'networks', key);
  return n ? sha256(n) : digest(p.networks[key]);
}

/** The hash of top-level volume `key`. */
export function volumeHash(p: Project, key: string): string {
  const v = section(p, 'volumes', key);
  if (!v) return digest(p.volumes[key]);
  const o: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'external' || k === 'labels') continue;
    o[k] = x;
    // the driver defaults to local, in its struct place after the name
    if (k === 'name' && v.driver === undefined) o.driver = 'local';
  }
  return sha256(o);
}
