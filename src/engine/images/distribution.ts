// GET /distribution/{name}/json: what a registry holds for a reference,
// without pulling it — the manifest's descriptor and the platforms it serves,
// in Docker's DistributionInspect shape (Compose asks before pulling).
import { parseReference } from '../../image';
import { sha256, type AuthConfig, type Platform } from '../../registry';
import { EngineError } from '../../util/errors';
import type { EngineContext } from '../context';
import { asEngineError } from './pull';

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: Platform[] | null;
}

const MAX_CONFIG = 8 << 20;

/** Go's v1.Platform field order: architecture, os, os.version, os.features, variant. */
function platformOf(p: Partial<Platform> & Record<string, unknown>): Platform {
  const out: Record<string, unknown> = { architecture: p.architecture ?? '', os: p.os ?? '' };
  if (p['os.version']) out['os.version'] = p['os.version'];
  if (Array.isArray(p['os.features']) && p['os.features'].length) out['os.features'] = p['os.features'];
  if (p.variant) out.variant = p.variant;
  return out as unknown as Platform;
}

export async function distributionInspect(ctx: EngineContext, name: string, creds?: AuthConfig): Promise<DistributionInspect> {
  if (/^(sha256:)?[a-f0-9]{64}$/.test(name)) throw new EngineError(500, 'no manifest found for full image ID');
  const ref = parseReference(name);
  if (!ref.tag && !ref.digest) ref.tag = 'latest';
  const familiar = ref.digest ? `${ref.repo}@${ref.digest}` : `${ref.repo}:${ref.tag}`;
  const eps = await ctx.registry.endpoints(ref.domain, true);
  let lastErr: unknown;
  for (const ep of eps) {
    try {
      const repo = ctx.registry.repository(ep, ref.path, ep.mirror ? undefined : creds);
      const m = await repo.manifest(ref.digest ?? ref.tag!, familiar);
      let platforms: Platform[] | null = null;
      if (m.doc.kind === 'index') {
        platforms = m.doc.index.manifests.map((d) => platformOf((d.platform ?? {}) as Platform & Record<string, unknown>));
      } else {
        const cfg = m.doc.manifest.config;
        if (cfg.size > MAX_CONFIG) throw new EngineError(500, `image config ${cfg.digest} is too large (${cfg.size} bytes)`);
        // a body past the cap (the descriptor lied about its size) gives no platform, as a mismatch does
        const bytes = await repo.readBlob(cfg.digest, MAX_CONFIG);
        if (bytes && sha256(bytes) === cfg.digest) {
          try {
            const p = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
            // as Docker: a config that names neither os nor architecture gives no platform
            if (p.os || p.architecture) platforms = [platformOf(p as Partial<Platform> & Record<string, unknown>)];
          } catch {
            /* not JSON: no platform, as Docker */
          }
        }
      }
      return { Descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, Platforms: platforms };
    } catch (e) {
      if (e instanceof EngineError && e.status === 400) throw e;
      lastErr = e;
      if (!ep.mirror) break;
    }
  }
  throw asEngineError(lastErr);
}
