// The build service behind POST /build, `builder prune` and the build-cache
// part of `system df`. A build reads the context (indexed in memory, hashed
// as it streams in), the Dockerfile, plans it, and only then starts the
// output: until that point every error is a plain HTTP error.
import type { Readable } from 'node:stream';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dirSize } from '../../util/fsutil';
import type { HostConfig } from '../../container';
import { normaliseTagged, parseReference, type ImageRecord } from '../../image';
import { formatPlatform, hostPlatform, imagePlatform, platformScore, registryKey, type AuthConfig, type Platform } from '../../registry';
import { Filters } from '../../filters';
import { badRequest } from '../../util/errors';
import { parseGoDuration } from '../../util/time';
import type { EngineContext } from '../context';
import type { ContainerService } from '../containers/service';
import type { Emit, ImageService } from '../images';
import { BuildCacheStore, type CacheEntry } from './cache';
import { BuildOutput, StepError, short } from './output';
import type { StepRunner } from './run';
import { crashPoint } from '../../util/fault';
import type { CacheMountStore } from './mounts';
import type { ContextIndex, NamedContext, SourceFS } from '../../builder';
import { secretRoot } from './secretdir';
import type { CacheSpec, RegistryCache, StepRecord } from './registrycache';

// The frontend and the executor load on the first build: an idle daemon does not carry them.
type Frontend = typeof import('../../builder');
type Executor = typeof import('./builder');

export interface BuildRequest {
  /** -t, as given (validated before anything else). */
  tags: string[];
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  platform?: string;
  noCache: boolean;
  pull: boolean;
  rm: boolean;
  forceRm: boolean;
  quiet: boolean;
  /** '' / 'default' is the default bridge, as Docker's builder uses it. */
  networkMode: string;
  /** Images (the classic builder's cache sources) and `type=registry,ref=...` cache imports. */
  cacheFrom: string[];
  /** --cache-to `type=registry,ref=...,mode=min|max` (berth's `cacheto` query parameter). */
  cacheTo?: string[];
  /** Limits for the RUN containers: Memory, MemorySwap, CpuShares, CpusetCpus, CpusetMems, CpuPeriod, CpuQuota, ShmSize, ExtraHosts, Ulimits. */
  hostConfig: Partial<HostConfig>;
  /** X-Registry-Config: credentials by registry. */
  registryAuth: Record<string, AuthConfig>;
  /** Build secrets by ID (X-Build-Secrets), for RUN --mount=type=secret. */
  secrets?: Record<string, Buffer>;
  /** --push (berth's `push` query parameter): push the tags once built; several platforms as an index. */
  push?: boolean;
  /** --allow entitlements (berth's `allow` query parameter, comma-separated): security.insecure. */
  allow?: string[];
  /** Agent sockets by ID (X-Build-Ssh), for RUN --mount=type=ssh; paths on the daemon's host. */
  ssh?: Record<string, string>;
  /**
   * --build-context (berth's `buildcontexts` query parameter): name ->
   * `docker-image://<ref>`, or `context:<dir>`, a directory of the context
   * tar the CLI put the named directory in (taken out of the context).
   */
  buildContexts?: Record<string, string>;
}

/** One entry of `system df`'s BuildCache. */
export interface BuildCacheRecord {
  ID: string;
  Parent: string;
  Parents: string[];
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string | null;
  UsageCount: number;
}

export class BuildService {
  readonly cache: BuildCacheStore;
  private cacheMountStore?: CacheMountStore;
  private runner?: StepRunner;

  constructor(
    private readonly ctx: EngineContext,
    private readonly containers: ContainerService,
    private readonly images: ImageService,
  ) {
    this.cache = new BuildCacheStore(path.join(ctx.cfg.dataRoot, 'builder', 'cache'));
    // secrets of a step cut by a crash (the mounts module itself loads on the first build)
    fs.rmSync(secretRoot(ctx.cfg.dataRoot), { recursive: true, force: true });
  }

  /**
   * Runs a build. `start` is called once the Dockerfile is planned (errors
   * before it are HTTP errors); errors after it belong in the stream. The
   * body is the context tar (plain or compressed).
   */
  async build(req: BuildRequest, body: Readable, start: () => Emit, signal: AbortSignal): Promise<ImageRecord> {
    const tags = req.tags.map((t) => {
      const r = parseReference(t);
      if (r.digest) throw badRequest(`invalid reference format: ${t}`);
      return normaliseTagged(t).key;
    });
    const fe = require('../../builder') as Frontend;
    const { Build } = require('./builder') as Executor;
    if (!this.runner) {
      const { StepRunner } = require('./run') as typeof import('./run');
      this.runner = new StepRunner(this.ctx, this.containers);
    }
    const rc = require('./registrycache') as typeof import('./registrycache');
    const cacheFrom: string[] = [];
    const cacheImports: CacheSpec[] = [];
    for (const c of rc.joinCacheFields(req.cacheFrom)) {
      const spec = rc.parseCacheSpec(c, 'from');
      if (spec) cacheImports.push(spec);
      else cacheFrom.push(c);
    }
    const cacheExports = (req.cacheTo ?? []).map((c) => rc.parseCacheSpec(c, 'to')!);
    if (req.push && !tags.length) throw badRequest('--push needs a tag (-t name:tag) to push to');
    const context = await fe.indexContext(body, { spoolDir: this.ctx.paths.tmp });
    let out: BuildOutput | undefined;
    try {
      const df = fe.readContextDockerfile(context, req.dockerfile || 'Dockerfile');
      fe.dropIgnoredBuildFiles(context, df.name);
      const { contexts, namedTrees } = namedContexts(context, req.buildContexts ?? {});
      // several platforms (--platform a,b): one build each, all planned before the output starts
      const platforms = req.platform
        ? req.platform
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)
        : [];
      const plans = (platforms.length ? platforms : [undefined]).map((platform) =>
        fe.planDockerfile(df.text, { buildArgs: req.buildArgs, target: req.target, platform, labels: req.labels, contexts }, df.name),
      );
      out = new BuildOutput(start(), req.quiet);
      const creds = (ref: string) => credsFor(req.registryAuth, ref);
      const secrets = new Map(Object.entries(req.secrets ?? {}));
      const ssh = new Map(Object.entries(req.ssh ?? {}));
      const imports = await this.importCaches(
        cacheImports,
        creds,
        out,
        plans.map((p) => p.targetPlatform),
      );
      const results: ImageRecord[] = [];
      const steps: StepRecord[] = [];
      for (const plan of plans) {
        if (plans.length > 1) out.line(`Building for ${fe.formatPlatform(plan.targetPlatform)}`);
        for (const w of plan.warnings) out.line(`[WARNING]: ${w}`);
        const b = new Build(
          { ctx: this.ctx, images: this.images, runner: this.runner, cache: this.cache, cacheMounts: this.cacheMounts },
          plan,
          context,
          { ...req, cacheFrom, creds, secrets, ssh, namedTrees, cacheImports: imports },
          out,
          signal,
        );
        results.push(await b.run());
        steps.push(...b.steps);
      }
      for (const spec of cacheExports) if (spec.type === 'registry') await this.exportCache(spec, results, steps, creds, out, signal);
      // --cache-to type=inline: each result carries its own steps in its config
      if (cacheExports.some((c) => c.type === 'inline')) {
        for (let i = 0; i < results.length; i++) {
          const chain = ancestors(this.ctx, [results[i]]);
          results[i] = rc.withInlineCache(
            this.ctx,
            results[i],
            steps.filter((st) => chain.has(st.image)),
          );
          out.line(`inline cache: ${short(results[i].id)}`);
        }
      }
      crashPoint('build.image');
      // a tag names the host's variant (else the first) and stands for the index of them all (a push sends it)
      const host = hostPlatform();
      const img = results.find((r) => platformScore(host, imagePlatform(r.config)) >= 0) ?? results[0];
      if (results.length > 1)
        for (const r of results)
          out.line(`${formatPlatform(imagePlatform(r.config))}: ${r.id}${r === img && tags.length ? ` (tagged ${tags.join(', ')})` : ''}`);
      for (const t of tags) {
        this.images.tag(img.id, t);
        if (results.length > 1)
          this.ctx.images.setIndex(
            t,
            results.map((r) => r.id),
          );
      }
      if (req.push) await this.pushResults(tags, results, creds, out, signal);
      out.done(img.id, tags);
      return img;
    } catch (e) {
      out?.flush();
      throw e;
    } finally {
      context.close();
    }
  }

  /** An image's filesystem as a tar (`berth build --output type=local|tar`). */
  exportFilesystem(ref: string, send: (stream: Readable) => Promise<void>): Promise<void> {
    const { exportImageFilesystem } = require('./export') as typeof import('./export');
    return exportImageFilesystem(this.ctx, ref, send);
  }

  /** Reads each --cache-from registry cache; one that cannot be read is a warning, as BuildKit takes it. */
  private async importCaches(
    specs: CacheSpec[],
    creds: (ref: string) => AuthConfig | undefined,
    out: BuildOutput,
    platforms: Platform[],
  ): Promise<RegistryCache[]> {
    const { RegistryCache } = require('./registrycache') as typeof import('./registrycache');
    const got: RegistryCache[] = [];
    for (const spec of specs) {
      out.line(`importing cache manifest from ${spec.ref}`);
      try {
        const c = await RegistryCache.load(this.ctx, spec, creds(spec.ref), platforms);
        if (c) got.push(c);
        else out.line(`[WARNING]: no cache manifest at ${spec.ref}`);
      } catch (e) {
        out.line(`[WARNING]: failed to import cache from ${spec.ref}: ${(e as Error).message}`);
      }
    }
    return got;
  }

  /** --cache-to: mode=min keeps the steps of the result's image, mode=max every step of the build. */
  private async exportCache(
    spec: CacheSpec,
    results: ImageRecord[],
    steps: StepRecord[],
    creds: (ref: string) => AuthConfig | undefined,
    out: BuildOutput,
    signal: AbortSignal,
  ): Promise<void> {
    const { exportCache } = require('./registrycache') as typeof import('./registrycache');
    let keep = steps;
    if (spec.mode === 'min') {
      const chain = ancestors(this.ctx, results);
      keep = steps.filter((s) => chain.has(s.image));
    }
    out.line(`exporting cache to ${spec.ref} (mode=${spec.mode})`);
    try {
      out.line(await exportCache(this.ctx, spec, keep, creds(spec.ref), (m) => out.progress(m), signal));
    } catch (e) {
      if (!spec.ignoreError) throw e;
      out.line(`[WARNING]: failed to export cache to ${spec.ref}: ${(e as Error).message}`);
    }
  }

  /** --push: each tag to its registry; several platforms go as an index of their images. */
  private async pushResults(
    tags: string[],
    results: ImageRecord[],
    creds: (ref: string) => AuthConfig | undefined,
    out: BuildOutput,
    signal: AbortSignal,
  ): Promise<void> {
    for (const t of tags) {
      const i = t.lastIndexOf(':');
      const name = t.slice(0, i);
      const tag = t.slice(i + 1);
      const emit = (m: Parameters<Emit>[0]) => out.progress(m);
      if (results.length === 1) await this.images.push(name, tag, { creds: creds(t), signal }, () => emit);
      else {
        const r = await this.images.pushIndex(name, tag, results, { creds: creds(t), signal }, emit);
        out.line(`pushed index ${name}:${tag}@${r.digest} (${results.length} platforms)`);
      }
    }
  }

  /** RUN --mount=type=cache directories, under <data-root>/builder/mounts. */
  private get cacheMounts(): CacheMountStore {
    if (!this.cacheMountStore) {
      const { CacheMountStore } = require('./mounts') as typeof import('./mounts');
      this.cacheMountStore = new CacheMountStore(path.join(this.ctx.cfg.dataRoot, 'builder', 'mounts'));
    }
    return this.cacheMountStore;
  }

  /** The build cache as `system df` lists it. */
  diskUsage(): BuildCacheRecord[] {
    const images = this.ctx.images;
    const used = new Set(this.ctx.containers.all().map((c) => c.Image));
    const shared = this.sharedImages();
    const mounts: BuildCacheRecord[] = this.cacheMounts.all().map((m) => ({
      ID: path.basename(m.dir).slice(0, 25),
      Parent: '',
      Parents: [],
      Type: 'exec.cachemount',
      Description: `cached mount ${m.id}`,
      InUse: m.inUse,
      Shared: false,
      Size: dirSize(path.join(m.dir, 'data')),
      CreatedAt: m.created,
      LastUsedAt: m.lastUsed ?? null,
      UsageCount: 0,
    }));
    return mounts.concat(
      this.cache.all().flatMap((e) => {
        const img = images.find(e.image);
        if (!img) return [];
        return [
          {
            ID: e.id.slice(0, 25),
            Parent: e.parent,
            Parents: e.parent ? [e.parent] : [],
            Type: 'regular',
            Description: e.description,
            InUse: used.has(img.id),
            Shared: shared.has(img.id),
            Size: this.stepSize(img, e),
            CreatedAt: e.created,
            LastUsedAt: e.lastUsed ?? null,
            UsageCount: e.usage ?? 0,
          },
        ];
      }),
    );
  }

  /** Bytes of the layer a cached step added (0 for a metadata step). */
  private stepSize(img: ImageRecord, e: CacheEntry): number {
    const parent = e.parent ? this.ctx.images.find(e.parent) : undefined;
    if (!img.topLayer || img.topLayer === (parent?.topLayer ?? null)) return 0;
    return this.ctx.layers.get(img.topLayer)?.size ?? 0;
  }

  /** Images that tagged images or containers build on (their cache is shared with a result someone keeps). */
  private sharedImages(): Set<string> {
    const out = new Set<string>();
    const roots = [...this.ctx.images.allTags().map(([, id]) => id), ...this.ctx.containers.all().map((c) => c.Image)];
    for (const r of roots)
      for (let img = this.ctx.images.find(r); img && !out.has(img.id); img = img.parent ? this.ctx.images.find(img.parent) : undefined) out.add(img.id);
    return out;
  }

  /**
   * `builder prune`: drops cache entries (all of them with `all`, else those
   * no tagged image or container builds on), then the images only the cache
   * kept: untagged, unused, without children, leaves first.
   */
  prune(opts: { all: boolean; filters?: Filters }): { CachesDeleted: string[]; SpaceReclaimed: number } {
    const filters = opts.filters ?? Filters.empty();
    const until = pruneUntil(filters);
    // `type=regular` / `type=exec.cachemount` (BuildKit's record types) pick what goes
    const types = filters.get('type');
    const pruneType = (t: string) => types.length === 0 || types.includes(t);
    const shared = this.sharedImages();
    const deleted: string[] = [];
    const dropped = new Set<string>();
    for (const e of this.cache.all()) {
      if (!pruneType('regular')) break;
      if (!opts.all && shared.has(e.image)) continue;
      if (until !== undefined && Date.parse(e.created) >= until) continue;
      this.cache.delete(e.id);
      deleted.push(e.id.slice(0, 25));
      dropped.add(e.image);
    }
    let space = 0;
    // cache mounts belong to no image: every one no step is using goes (as BuildKit's exec.cachemount records)
    if (pruneType('exec.cachemount')) {
      for (const m of this.cacheMounts.all()) {
        if (until !== undefined && Date.parse(m.created) >= until) continue;
        const freed = this.cacheMounts.remove(m);
        if (freed < 0) continue;
        space += freed;
        deleted.push(path.basename(m.dir).slice(0, 25));
      }
    }
    const images = this.ctx.images;
    const inUse = new Set(this.ctx.containers.all().map((c) => c.Image));
    const cached = new Set(this.cache.all().map((e) => e.image));
    for (let changed = true; changed; ) {
      changed = false;
      for (const id of dropped) {
        const img = images.find(id);
        if (!img || cached.has(id) || inUse.has(id) || images.tagsOf(id).length || images.inIndex(id) || images.children(id).length) continue;
        const r = images.delete(id);
        space += r.freed;
        for (const x of r.results) if (x.Deleted) this.ctx.events.emit('image', 'delete', x.Deleted, { name: x.Deleted });
        dropped.delete(id);
        changed = true;
      }
    }
    return { CachesDeleted: deleted, SpaceReclaimed: space };
  }
}

/** The named contexts of a build: images by reference, directories taken out of the context tar. */
function namedContexts(context: ContextIndex, spec: Record<string, string>): { contexts: Record<string, NamedContext>; namedTrees: Map<string, SourceFS> } {
  const contexts: Record<string, NamedContext> = {};
  const namedTrees = new Map<string, SourceFS>();
  const tops = new Set<string>();
  for (const [name, v] of Object.entries(spec)) {
    if (!name || name.includes('=')) throw badRequest(`invalid build context name ${JSON.stringify(name)}`);
    if (v.startsWith('docker-image://')) {
      const ref = v.slice('docker-image://'.length);
      try {
        parseReference(ref);
      } catch {
        throw badRequest(`invalid build context ${name}: invalid reference format: ${ref}`);
      }
      contexts[name] = { kind: 'image', ref };
    } else if (v.startsWith('context:')) {
      const dir = v.slice('context:'.length).replace(/^\/+|\/+$/g, '');
      namedTrees.set(name, context.detach(dir));
      contexts[name] = { kind: 'local' };
      tops.add(dir.split('/')[0]);
    } else throw badRequest(`invalid build context ${name}: unsupported source ${JSON.stringify(v)}: berth takes docker-image://<ref> and directories`);
  }
  // the directory the CLI put them in goes too, so COPY . never sees it
  for (const t of tops) if (t.startsWith('.berth-contexts.')) context.remove(t);
  return { contexts, namedTrees };
}

/** The images and their parents, by ID. */
function ancestors(ctx: EngineContext, images: ImageRecord[]): Set<string> {
  const out = new Set<string>();
  for (const img of images) for (let i: ImageRecord | undefined = img; i && !out.has(i.id); i = i.parent ? ctx.images.find(i.parent) : undefined) out.add(i.id);
  return out;
}

function credsFor(auth: Record<string, AuthConfig>, ref: string): AuthConfig | undefined {
  let domain = 'docker.io';
  try {
    domain = parseReference(ref).domain;
  } catch {
    return undefined;
  }
  const want = registryKey(domain === 'docker.io' ? undefined : domain);
  for (const [k, v] of Object.entries(auth)) if (registryKey(k) === want) return v;
  return undefined;
}

export { StepError };

/**
 * The build-cache prune filters as Docker's builder takes them: `until` (or
 * the older `unused-for`) is a Go duration; the cache record keys are accepted;
 * `label`/`label!` are accepted and, as in Docker, match nothing yet.
 */
function pruneUntil(f: Filters, now = Date.now()): number | undefined {
  f.validate(['until', 'unused-for', 'label', 'label!', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private']);
  const until = f.get('until');
  const unused = f.get('unused-for');
  if (until.length && unused.length) throw badRequest('conflicting filters: "until" and "unused-for"');
  const key = unused.length ? 'unused-for' : 'until';
  const vals = [...until, ...unused];
  if (vals.length > 1) throw badRequest('filters expect only one value');
  if (!vals.length) return undefined;
  const d = parseGoDuration(vals[0]);
  if (d === undefined) throw badRequest(`"${key}" filter expects a duration (e.g., '24h'): time: invalid duration ${JSON.stringify(vals[0])}`);
  return now - d / 1e6;
}
