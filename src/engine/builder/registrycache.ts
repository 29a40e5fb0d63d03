// The build cache in a registry (--cache-to / --cache-from type=registry):
// the steps of a build as cache records (parent image ID, step cache key ->
// the step's image config, byte for byte) plus the layers the steps added,
// pushed as one OCI image manifest whose config is berth's cache document.
// Importing a record rebuilds the step's image with the exact config bytes,
// so it gets the same image ID as where it was built, and the next step's
// record (keyed by that ID) matches too. See docs/architecture.md.
import { normaliseTagged } from '../../image';
import type { ImageConfig, ImageRecord } from '../../image';
import {
  MT,
  RegistryError,
  buildManifest,
  formatPlatform,
  hostPlatform,
  layerCompression,
  selectManifest,
  sha256,
  type AnyManifest,
  type AuthConfig,
  type Descriptor,
  type Endpoint,
  type Platform,
  type Repository,
} from '../../registry';
import { chainIdOf, ingestLayer, type StagedLayer } from '../../storage';
import { badRequest } from '../../util/errors';
import type { EngineContext } from '../context';
import type { Emit } from '../images';
import { Pusher, ociType } from '../images/push';

/** The media type of berth's cache document (the manifest's config). */
export const CACHE_CONFIG_TYPE = 'application/vnd.berth.buildcache.config.v1+json';
const MAX_DOC = 32 << 20;

/** The image config field an inline cache (--cache-to type=inline) travels in. */
export const INLINE_CACHE_KEY = 'berth.buildcache.v1';

export interface CacheSpec {
  /** registry: a cache manifest at ref; inline: the records in the result's image config. */
  type: 'registry' | 'inline';
  ref: string;
  /** min: the steps of the target's image; max: every step of every stage built. */
  mode: 'min' | 'max';
  /** ignore-error=true: a failed export is a warning. */
  ignoreError: boolean;
}

/**
 * One --cache-from / --cache-to value in buildx's CSV grammar. A --cache-from
 * value without `=` is the classic builder's image name (undefined here); a
 * --cache-to value without `=` is a registry ref, as buildx reads it.
 */
export function parseCacheSpec(raw: string, dir: 'from' | 'to'): CacheSpec | undefined {
  if (!raw.includes('=')) {
    if (dir === 'from') return undefined;
    return { type: 'registry', ref: raw, mode: 'min', ignoreError: false };
  }
  const kv = new Map<string, string>();
  for (const field of raw.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) throw badRequest(`invalid value ${JSON.stringify(field)} in cache ${dir === 'to' ? 'export' : 'import'} "${raw}": expected key=value`);
    kv.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1));
  }
  const type = kv.get('type') ?? 'registry';
  if (type === 'inline' && dir === 'to') {
    // as BuildKit's: the result's own steps, read back with --cache-from type=registry,ref=<the image>
    const mode = kv.get('mode') ?? 'min';
    if (mode !== 'min') throw badRequest(`invalid cache mode ${JSON.stringify(mode)} for type=inline: an inline cache holds the result's own steps (mode=min)`);
    return { type: 'inline', ref: '', mode: 'min', ignoreError: false };
  }
  if (type !== 'registry')
    throw badRequest(
      `cache ${dir === 'to' ? 'exporter' : 'importer'} type ${JSON.stringify(type)} is not supported by berth: use type=registry${dir === 'to' ? ' or type=inline' : ''}`,
    );
  const ref = kv.get('ref') ?? '';
  if (!ref) throw badRequest(`cache ${dir === 'to' ? 'export' : 'import'} "${raw}": ref is required`);
  try {
    normaliseTagged(ref);
  } catch {
    throw badRequest(`invalid reference format: ${ref}`);
  }
  const mode = kv.get('mode') ?? 'min';
  if (mode !== 'min' && mode !== 'max') throw badRequest(`invalid cache mode ${JSON.stringify(mode)}: use min or max`);
  for (const k of kv.keys())
    if (!['type', 'ref', 'mode', 'ignore-error', 'image-manifest', 'oci-mediatypes', 'compression', 'compression-level', 'force-compression'].includes(k))
      throw badRequest(`unknown cache ${dir === 'to' ? 'export' : 'import'} option ${JSON.stringify(k)} in "${raw}"`);
  return { type: 'registry', ref, mode, ignoreError: kv.get('ignore-error') === 'true' };
}

/**
 * The docker CLI splits --cache-from at commas (a string slice): a value's
 * `key=value` fields come as entries of their own after its `type=`. Image
 * names have no `=`, so such runs are joined back.
 */
export function joinCacheFields(list: string[]): string[] {
  const out: string[] = [];
  for (const v of list) {
    const prev = out.length ? out[out.length - 1] : undefined;
    if (prev?.startsWith('type=') && /^[a-z-]+=/.test(v) && !v.startsWith('type=')) out[out.length - 1] = prev + ',' + v;
    else out.push(v);
  }
  return out;
}

/** One step of a build as the cache keeps it. */
export interface StepRecord {
  /** Parent image ID ('' on FROM scratch). */
  parent: string;
  key: string;
  image: string;
}

/** berth's cache document (the manifest's config blob). */
interface CacheDocument {
  version: 1;
  records: Array<StepRecord & { config: string; createdBy: string }>;
  /** The manifest's layers, by the diff ID each one unpacks to. */
  layers: Array<{ digest: string; diffID: string }>;
}

async function repository(
  ctx: EngineContext,
  ref: string,
  creds: AuthConfig | undefined,
  push: boolean,
): Promise<{ repo: Repository; ep: Endpoint; tag: string }> {
  const { ref: r } = normaliseTagged(ref);
  const eps = await ctx.registry.endpoints(r.domain, !push);
  const ep = eps[eps.length - 1];
  return { repo: ctx.registry.repository(ep, r.path, creds, push), ep, tag: r.digest ?? r.tag ?? 'latest' };
}

/**
 * The result image with its steps' records in its config (`berth.buildcache.v1`):
 * a new image on top of it whose layers are the result's, so the records'
 * layers travel with it when it is pushed.
 */
export function withInlineCache(ctx: EngineContext, img: ImageRecord, steps: StepRecord[]): ImageRecord {
  const { records } = cacheRecords(ctx, steps);
  const cfg = JSON.parse(ctx.content.read(img.id).toString('utf8')) as Record<string, unknown>;
  cfg[INLINE_CACHE_KEY] = { version: 1, records };
  return ctx.images.add(Buffer.from(JSON.stringify(cfg)), img.id);
}

/** The records of steps whose images are still there, each with its config, and the layers they added. */
function cacheRecords(ctx: EngineContext, steps: StepRecord[]): { records: CacheDocument['records']; diffIds: string[]; chains: string[] } {
  const seen = new Set<string>();
  const records: CacheDocument['records'] = [];
  const diffIds: string[] = [];
  const chains: string[] = [];
  for (const s of steps) {
    const k = s.parent + '\n' + s.key;
    const img = ctx.images.find(s.image);
    if (seen.has(k) || !img) continue;
    seen.add(k);
    const parent = s.parent ? ctx.images.find(s.parent) : undefined;
    if (s.parent && !parent) continue;
    records.push({ ...s, config: ctx.content.read(img.id).toString('utf8'), createdBy: img.config.history?.at(-1)?.created_by ?? '' });
    const all = img.config.rootfs.diff_ids;
    for (const d of all.slice(parent?.config.rootfs.diff_ids.length ?? 0)) if (!diffIds.includes(d)) diffIds.push(d);
    for (let c = img.topLayer; c; c = ctx.layers.get(c)?.parent ?? null) chains.push(c);
  }
  return { records, diffIds, chains };
}

/**
 * Pushes the records (their images' configs and added layers) to spec.ref.
 * Answers a summary line. Records whose image is gone are left out.
 */
export async function exportCache(
  ctx: EngineContext,
  spec: CacheSpec,
  steps: StepRecord[],
  creds: AuthConfig | undefined,
  emit: Emit,
  signal: AbortSignal,
): Promise<string> {
  const { records, diffIds, chains } = cacheRecords(ctx, steps);
  const unpin = ctx.layers.pin(chains);
  try {
    const { repo, ep, tag } = await repository(ctx, spec.ref, creds, true);
    const pushed = await new Pusher(ctx).pushLayers(repo, ep, diffIds, { creds, signal }, emit);
    const doc: CacheDocument = { version: 1, records, layers: pushed.map((d, i) => ({ digest: d.digest, diffID: diffIds[i] })) };
    const cfg = Buffer.from(JSON.stringify(doc));
    const cfgDigest = sha256(cfg);
    await repo.putSmallBlob(cfgDigest, cfg);
    const manifest = buildManifest(
      { mediaType: CACHE_CONFIG_TYPE, digest: cfgDigest, size: cfg.length },
      pushed.map((d) => ({ ...d, mediaType: ociType(d.mediaType) })),
      true,
    );
    const digest = await repo.putManifest(tag, MT.ociManifest, manifest);
    return `exported cache to ${spec.ref}: ${records.length} steps, ${pushed.length} layers, manifest ${digest}`;
  } finally {
    unpin();
  }
}

/** A cache imported from a registry: records looked up by (parent, key), materialised on a hit. */
export class RegistryCache {
  private constructor(
    private readonly ctx: EngineContext,
    private readonly repo: Repository,
    private readonly source: string,
    private readonly records: Map<string, CacheDocument['records'][number]>,
    private readonly blobs: Map<string, Descriptor>,
  ) {}

  get size(): number {
    return this.records.size;
  }

  /**
   * Reads the cache manifest at spec.ref; a missing one is `undefined` (nothing to import yet, as
   * BuildKit takes it). An image pushed for several platforms gives the records of each platform
   * this build targets (the host's when it names none).
   */
  static async load(ctx: EngineContext, spec: CacheSpec, creds: AuthConfig | undefined, platforms: Platform[] = []): Promise<RegistryCache | undefined> {
    const { repo, ep, tag } = await repository(ctx, spec.ref, creds, false);
    let m: Awaited<ReturnType<Repository['manifest']>>;
    try {
      m = await repo.manifest(tag, spec.ref);
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404) return undefined;
      throw e;
    }
    const records = new Map<string, CacheDocument['records'][number]>();
    const blobs = new Map<string, Descriptor>();
    const doc = m.doc;
    if (doc.kind === 'index') {
      const wanted = platforms.length ? platforms : [hostPlatform()];
      const seen = new Set<string>();
      for (const p of wanted) {
        const d = selectManifest(doc.index.manifests, p);
        if (!d) throw badRequest(`${spec.ref} has no image for ${formatPlatform(p)}`);
        if (seen.has(d.digest)) continue;
        seen.add(d.digest);
        const one = (await repo.manifest(d.digest, `${spec.ref}@${d.digest}`)).doc;
        await readCacheManifest(repo, spec.ref, one, records, blobs);
      }
    } else await readCacheManifest(repo, spec.ref, doc, records, blobs);
    return new RegistryCache(ctx, repo, `${ep.name}/${repo.path}`, records, blobs);
  }

  /**
   * The image this cache holds for (parent, key), made local: its added
   * layers downloaded and unpacked, its config stored as it was. Undefined
   * when the cache has no such step or it does not fit the local parent.
   */
  async materialise(parent: ImageRecord | null, key: string, signal: AbortSignal): Promise<{ image: ImageRecord; createdBy: string } | undefined> {
    const r = this.records.get((parent?.id ?? '') + '\n' + key);
    if (!r) return undefined;
    const bytes = Buffer.from(r.config, 'utf8');
    if (sha256(bytes) !== r.image) return undefined;
    const have = this.ctx.images.find(r.image);
    if (have) return { image: this.ctx.images.add(bytes, parent?.id), createdBy: r.createdBy };
    const cfg = JSON.parse(r.config) as ImageConfig;
    const diffs = cfg.rootfs?.diff_ids ?? [];
    const base = parent?.config.rootfs.diff_ids ?? [];
    if (base.some((d, i) => diffs[i] !== d)) return undefined;
    const unpin = this.ctx.layers.pin(parent?.topLayer ? [parent.topLayer] : []);
    try {
      let top = parent?.topLayer ?? null;
      for (const d of diffs.slice(base.length)) {
        const chain = chainIdOf(top, d);
        if (!this.ctx.layers.has(chain)) {
          const desc = this.blobs.get(d);
          if (!desc) return undefined;
          await this.fetchLayer(top, desc, d, signal);
        }
        top = chain;
      }
      return { image: this.ctx.images.add(bytes, parent?.id), createdBy: r.createdBy };
    } finally {
      unpin();
    }
  }

  private async fetchLayer(parent: string | null, d: Descriptor, diffId: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason ?? new Error('build cancelled');
    const { body } = await this.repo.openBlob(d.digest);
    const cancel = () => body.destroy(new Error('build cancelled'));
    signal.addEventListener('abort', cancel);
    let staged: StagedLayer | undefined;
    try {
      const res = await ingestLayer(this.ctx.content, this.ctx.layers, body, {
        compression: layerCompression(d.mediaType)!,
        expectedDigest: d.digest,
        expectedSize: d.size,
        expectedDiffId: diffId,
        keepSource: true,
        unpack: { strict: true },
      });
      staged = res.staged;
      this.ctx.layers.commitStaged(parent, staged, [{ digest: d.digest, mediaType: d.mediaType, size: d.size, sources: [this.source] }]);
      staged = undefined;
    } finally {
      signal.removeEventListener('abort', cancel);
      if (staged) this.ctx.layers.discard(staged);
    }
  }
}

/** One cache manifest (berth's or an image with inline records): its records and layer blobs added to the maps. */
async function readCacheManifest(
  repo: Repository,
  ref: string,
  doc: AnyManifest,
  records: Map<string, CacheDocument['records'][number]>,
  blobs: Map<string, Descriptor>,
): Promise<void> {
  if (doc.kind !== 'manifest') throw badRequest(`${ref} is not a berth build cache`);
  const manifest = doc.manifest;
  const cd = manifest.config;
  const inline = cd.mediaType !== CACHE_CONFIG_TYPE;
  if (cd.size > MAX_DOC) throw badRequest(`cache document of ${ref} is too large (${cd.size} bytes)`);
  const bytes = await repo.readBlob(cd.digest, MAX_DOC);
  if (!bytes) throw badRequest(`cache document of ${ref} is larger than its descriptor says`);
  if (sha256(bytes) !== cd.digest) throw badRequest(`cache document of ${ref} does not match its digest ${cd.digest}`);
  let cache: CacheDocument;
  if (inline) {
    // an image built with --cache-to type=inline: the records in its config, the layers its own
    const cfg = JSON.parse(bytes.toString('utf8')) as { rootfs?: { diff_ids?: string[] } } & Record<string, { records?: CacheDocument['records'] }>;
    const recs = cfg[INLINE_CACHE_KEY]?.records;
    if (!Array.isArray(recs)) throw badRequest(`${ref} holds no build cache (neither a berth cache manifest nor an image built with --cache-to type=inline)`);
    const ids = cfg.rootfs?.diff_ids ?? [];
    cache = {
      version: 1,
      records: recs,
      layers: manifest.layers.map((l, i) => ({ digest: l.digest, diffID: ids[i] })).filter((l) => typeof l.diffID === 'string'),
    };
  } else cache = JSON.parse(bytes.toString('utf8')) as CacheDocument;
  if (cache?.version !== 1 || !Array.isArray(cache.records) || !Array.isArray(cache.layers)) throw badRequest(`cache document of ${ref}: unknown version`);
  const byDigest = new Map(manifest.layers.map((l) => [l.digest, l]));
  for (const l of cache.layers) {
    const d = byDigest.get(l.digest);
    if (d && layerCompression(d.mediaType)) blobs.set(l.diffID, d);
  }
  for (const r of cache.records) if (typeof r?.config === 'string' && typeof r.key === 'string') records.set(r.parent + '\n' + r.key, r);
}
