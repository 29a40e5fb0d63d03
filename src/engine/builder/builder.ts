// One build: the planned stages in order, each step resolved by the
// frontend (src/builder) and executed here: metadata steps commit a config,
// RUN runs a container, WORKDIR and COPY/ADD change a scratch rootfs. Every
// step first asks the cache (parent image ID + the step's cache key); a hit
// reuses the image the step made before and touches nothing on disk.
import {
  DiskFS, StageState, checksumSources, formatPlatform, resolveSources, unusedBuildArgsWarning,
  type BuildPlan, type ContextIndex, type CopyStep, type Platform, type ResolvedStep, type RunStep, type StagePlan, type WorkdirStep,
} from '../../builder';
import { canonicalJson } from '../../builder/plan/history';
import { ensureDir } from '../../builder/context/copy';
import type { ImageRecord } from '../../image';
import { imagePlatform, platformScore, type AuthConfig } from '../../registry';
import { EngineError, badRequest } from '../../util/errors';
import { DockerfileError, errorAt } from '../../builder/dockerfile/errors';
import type { EngineContext } from '../context';
import type { ImageService } from '../images';
import { parseReference } from '../../image';
import type { BuildCacheStore } from './cache';
import { commitStep, stageDiff, type StagedDiff, type StepCommit } from './commit';
import { CopyStepRunner } from './copy';
import { short, StepError, type BuildOutput } from './output';
import { ScratchRootfs } from './rootfs';
import { StepMounts, type CacheMountStore } from './mounts';
import type { RunSettings, StepRunner } from './run';
import type { RegistryCache, StepRecord } from './registrycache';

export interface BuildSettings extends RunSettings {
  noCache: boolean;
  pull: boolean;
  /** Remove each step container once its step is committed (--rm). */
  rm: boolean;
  /** Remove the container of a failed step too (--force-rm). */
  forceRm: boolean;
  cacheFrom: string[];
  /** --secret values by ID (RUN --mount=type=secret). */
  secrets: ReadonlyMap<string, Buffer>;
  /** --ssh agent sockets by ID (RUN --mount=type=ssh). */
  ssh: ReadonlyMap<string, string>;
  /** Caches imported from registries (--cache-from type=registry), asked after the local cache. */
  cacheImports?: RegistryCache[];
  /** Credentials for pulls, by registry (X-Registry-Config). */
  creds(ref: string): AuthConfig | undefined;
}

export interface BuildDeps {
  ctx: EngineContext;
  images: ImageService;
  runner: StepRunner;
  cache: BuildCacheStore;
  cacheMounts: CacheMountStore;
}

type Current = ImageRecord | null;

export class Build {
  private readonly results = new Map<number, Current>();
  /** Step containers being removed in the background; awaited before the build answers. */
  private readonly removals: Promise<void>[] = [];
  /** (parent, key) -> image, from the --cache-from images' parent chains. */
  private cacheFrom?: { byKey: Map<string, string>; ids: Set<string> };
  private stepNo = 0;
  /** Every step's (parent, key) -> image, built or cached, for --cache-to. */
  readonly steps: StepRecord[] = [];

  constructor(
    private readonly d: BuildDeps,
    private readonly plan: BuildPlan,
    private readonly context: ContextIndex,
    private readonly s: BuildSettings,
    private readonly out: BuildOutput,
    private readonly signal: AbortSignal,
  ) {}

  /** Builds the target; resolves with its image. Step containers are gone (or kept per --rm) when it settles. */
  async run(): Promise<ImageRecord> {
    try {
      for (const a of this.plan.metaArgs) this.stepLine(a.text);
      for (const stage of this.plan.stages) this.results.set(stage.index, await this.stage(stage));
      const img = this.results.get(this.plan.target.index);
      if (!img) throw badRequest('No image was generated. Is your Dockerfile empty?');
      const warn = unusedBuildArgsWarning(this.plan);
      if (warn) this.out.text(warn);
      return img;
    } finally {
      await Promise.all(this.removals);
    }
  }

  private stepLine(text: string): void {
    this.out.step(++this.stepNo, this.plan.totalSteps, text);
  }

  private checkAbort(): void {
    if (this.signal.aborted) throw this.signal.reason ?? new Error('build cancelled');
  }

  private platformOf(stage: StagePlan): Platform {
    return stage.platform ?? this.plan.targetPlatform;
  }

  /** A base image (or COPY --from image): the local one, else (or with --pull) pulled. */
  private async image(ref: string, platform: Platform | undefined): Promise<ImageRecord> {
    if (!this.s.pull) {
      const img = this.d.ctx.images.find(ref);
      // a local image of another platform than the one asked for is pulled again, as create does
      if (img && (!platform || platformScore(platform, imagePlatform(img.config)) >= 0)) return img;
    }
    return this.d.images.pull(parseReference(ref), { platform: platform ? formatPlatform(platform) : undefined, creds: this.s.creds(ref), signal: this.signal }, () => (m) => this.out.progress(m));
  }

  private async stage(stage: StagePlan): Promise<Current> {
    this.checkAbort();
    this.stepLine(stage.from.text);
    let cur: Current = null;
    const explicitPlatform = stage.platform ?? (this.plan.targetPlatform !== this.plan.buildPlatform ? this.plan.targetPlatform : undefined);
    // an earlier stage that made no image (a bare FROM scratch) is scratch again
    if (stage.base.kind === 'stage') cur = this.results.get(stage.base.stage) ?? null;
    else if (stage.base.kind === 'image') cur = await this.image(stage.baseName, explicitPlatform);
    this.out.line(cur ? ` ---> ${short(cur.id)}` : ' ---> ');
    const st = new StageState(this.plan, stage);
    const triggers = st.begin({ config: cur?.config.config });
    if (triggers.length) this.out.line(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}`);
    for (const t of triggers) cur = await this.step(st.resolve(t), cur, stage);
    for (const c of stage.commands) {
      this.checkAbort();
      this.stepLine(c.text);
      cur = await this.step(st.resolve(c), cur, stage);
    }
    return cur;
  }

  // ---- cache ----

  private async lookup(parent: Current, key: string): Promise<ImageRecord | undefined> {
    if (this.s.noCache) return undefined;
    const images = this.d.ctx.images;
    const pid = parent?.id ?? '';
    let id = this.d.cache.get(pid, key, (i) => !!images.find(i));
    if (this.s.cacheFrom.length) {
      // as Docker: with --cache-from, only the named images and their ancestors may serve
      // as cache, local build results included (none at all when no name resolves)
      const from = this.cacheFromIndex();
      if (id && !from.ids.has(id)) id = undefined;
      id ??= from.byKey.get(pid + '\n' + key);
    }
    let img = id ? images.find(id) : undefined;
    for (const c of img ? [] : (this.s.cacheImports ?? [])) {
      const hit = await c.materialise(parent, key, this.signal);
      if (!hit) continue;
      img = hit.image;
      this.d.cache.put(pid, key, img.id, hit.createdBy);
      break;
    }
    if (img) {
      this.steps.push({ parent: pid, key, image: img.id });
      this.out.line(' ---> Using cache');
      this.out.line(` ---> ${short(img.id)}`);
    }
    return img;
  }

  /** Images named by --cache-from and their ancestors, by (parent, container config). */
  private cacheFromIndex(): { byKey: Map<string, string>; ids: Set<string> } {
    if (this.cacheFrom) return this.cacheFrom;
    const byKey = new Map<string, string>();
    const ids = new Set<string>();
    for (const ref of this.s.cacheFrom) {
      for (let img = this.d.ctx.images.find(ref); img; img = img.parent ? this.d.ctx.images.find(img.parent) : undefined) {
        ids.add(img.id);
        if (img.config.container_config) byKey.set((img.parent ?? '') + '\n' + canonicalJson(img.config.container_config), img.id);
      }
    }
    return (this.cacheFrom = { byKey, ids });
  }

  private commit(parent: Current, stage: StagePlan, step: ResolvedStep, h: { createdBy: string; containerConfig: object; cacheKey: string }, diff: StagedDiff | undefined, container?: string): ImageRecord {
    const c: StepCommit = {
      config: step.config,
      containerConfig: h.containerConfig,
      createdBy: h.createdBy,
      author: step.author,
      container,
      platform: this.platformOf(stage),
    };
    const img = commitStep(this.d.ctx, parent, c, diff);
    this.d.cache.put(parent?.id ?? '', h.cacheKey, img.id, h.createdBy);
    this.steps.push({ parent: parent?.id ?? '', key: h.cacheKey, image: img.id });
    return img;
  }

  // ---- steps ----

  private async step(step: ResolvedStep, cur: Current, stage: StagePlan): Promise<ImageRecord> {
    switch (step.kind) {
      case 'meta':
        return (await this.lookup(cur, step.cacheKey)) ?? this.done(this.commit(cur, stage, step, step, undefined));
      case 'workdir':
        return (await this.lookup(cur, step.cacheKey)) ?? this.workdir(step, cur, stage);
      case 'run': {
        let key: string;
        try {
          key = await this.runKey(step, stage);
        } catch (e) {
          if (e instanceof EngineError && !(e instanceof DockerfileError)) throw errorAt(step.instruction.loc, e.message);
          throw e;
        }
        return (await this.lookup(cur, key)) ?? this.runStep(step, cur, stage, key);
      }
      case 'copy':
        return this.copy(step, cur, stage);
    }
  }

  private async workdir(step: WorkdirStep, cur: Current, stage: StagePlan): Promise<ImageRecord> {
    const r = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, cur?.topLayer ?? null);
    try {
      ensureDir(r.merged, step.path, { uid: 0, gid: 0 });
      r.unmount();
      const diff = await stageDiff(this.d.ctx, r.upper, { adopt: true });
      return this.done(this.commit(cur, stage, step, step, diff));
    } finally {
      r.release();
    }
  }

  /**
   * A RUN's cache key: the step's own (command, config, mount specs) and, as
   * BuildKit keys them, what its bind mounts show: the checksum of the context
   * files, or the ID of the stage's / image's result. Never a cache mount's or
   * a secret's contents.
   */
  private async runKey(step: RunStep, stage: StagePlan): Promise<string> {
    const parts: string[] = [];
    for (const m of step.mounts) {
      if (m.type !== 'bind') continue;
      if (m.from) {
        const img = m.from.kind === 'stage' ? this.results.get(m.from.stage) : await this.image(m.from.ref, this.platformOf(stage));
        parts.push(`bind ${m.target} from ${img?.id ?? 'scratch'}`);
      } else {
        const infos = resolveSources(this.context, [m.source || '.'], { cmd: 'COPY', context: true, destIsDir: true, otherSources: 0 });
        parts.push(`bind ${m.target} ${await checksumSources(infos)}`);
      }
    }
    return parts.length ? step.cacheKey + '\n' + parts.join('\n') : step.cacheKey;
  }

  private async runStep(step: RunStep, cur: Current, stage: StagePlan, cacheKey: string): Promise<ImageRecord> {
    if (!cur || !cur.topLayer) {
      // nothing can be executed in an empty root filesystem
      throw new StepError(`failed to create task for container: OCI runtime create failed: runc create failed: unable to start container process: exec: "${step.args[0]}": stat ${step.args[0]}: no such file or directory: unknown`, 127);
    }
    if (step.insecure && !this.s.allow?.includes('security.insecure'))
      throw errorAt(step.instruction.loc, 'security.insecure is not allowed: the build must be given --allow security.insecure');
    let mounts: StepMounts | undefined;
    let r: Awaited<ReturnType<StepRunner['run']>>;
    try {
      if (step.mounts.length) {
        mounts = new StepMounts({
          ctx: this.d.ctx, cacheMounts: this.d.cacheMounts, secrets: this.s.secrets, ssh: this.s.ssh, context: this.context,
          resolveFrom: async (src) => (src.kind === 'stage' ? this.results.get(src.stage) ?? null : this.image(src.ref, this.platformOf(stage))),
        });
        try {
          await mounts.prepare(step);
        } catch (e) {
          // as BuildKit: the mount's failure names the Dockerfile line
          if (e instanceof EngineError) throw errorAt(step.instruction.loc, e.message);
          throw e;
        }
      }
      // a container given a secret as an environment variable has it in its record: never kept (--rm=false)
      // a container removed after its step gives its upper dir to the layer (no copy)
      const removed = this.s.rm || this.s.forceRm || !!mounts?.hasSecretEnv;
      r = await this.d.runner.run(cur, step, this.s, this.out, this.signal, this.s.forceRm || !!mounts?.hasSecretEnv, mounts, removed);
    } finally {
      mounts?.release();
    }
    const rm = this.s.rm || this.s.forceRm || !!mounts?.hasSecretEnv;
    let img: ImageRecord;
    try {
      img = this.commit(cur, stage, step, { ...step, cacheKey }, r.diff, r.container);
    } catch (e) {
      if (r.diff) this.d.ctx.layers.discard(r.diff.staged);
      if (rm) await this.d.runner.remove(r.container);
      throw e;
    }
    if (rm) {
      this.out.line(`Removing intermediate container ${short(r.container)}`);
      this.removals.push(this.d.runner.remove(r.container));
    }
    return this.done(img);
  }

  private async copy(step: CopyStep, cur: Current, stage: StagePlan): Promise<ImageRecord> {
    const runner = new CopyStepRunner(this.d.ctx, cur);
    let from: ScratchRootfs | undefined;
    try {
      const src = step.copy.from;
      let tree: DiskFS | ContextIndex = this.context;
      if (src) {
        const img = src.kind === 'stage' ? this.results.get(src.stage) : await this.image(src.ref, this.platformOf(stage));
        from = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, img?.topLayer ?? null);
        tree = new DiskFS(from.merged);
      }
      const p = await runner.prepare(step, tree, this.signal);
      const h = step.history(p.sum);
      const hit = await this.lookup(cur, h.cacheKey);
      if (hit) return hit;
      const diff = await runner.apply(step, p);
      return this.done(this.commit(cur, stage, step, h, diff));
    } finally {
      runner.release();
      from?.release();
    }
  }

  /** ` ---> <id>` for a step just committed (a cache hit printed its own lines). */
  private done(img: ImageRecord): ImageRecord {
    this.out.line(` ---> ${short(img.id)}`);
    return img;
  }
}
