// One build: the planned stages in order, each step resolved by the
// frontend (src/builder) and executed here: metadata steps commit a config,
// RUN runs a container, WORKDIR and COPY/ADD change a scratch rootfs. Every
// step first asks the cache (parent image ID + the step's cache key); a hit
// reuses the image the step made before and touches nothing on disk.
import * as os from 'node:os';
import {
  DiskFS,
  StageState,
  checksumSources,
  formatPlatform,
  resolveSources,
  unusedBuildArgsWarning,
  type BuildPlan,
  type ContextIndex,
  type CopySource,
  type CopyStep,
  type SourceFS,
  type Platform,
  type ResolvedStep,
  type RunStep,
  type StagePlan,
  type WorkdirStep,
} from '../../builder';
import { canonicalJson } from '../../builder/plan/history';
import { applyCopy, ensureDir } from '../../builder/context/copy';
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
import { OrderedLogs, short, StepError, type BuildOutput, type StepLog } from './output';
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
  /** --build-context directories by name (taken out of the context tar). */
  namedTrees: ReadonlyMap<string, SourceFS>;
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

/** One stage being built: where its lines go and its next `Step n/m` number. */
interface StageRun {
  log: StepLog;
  stepNo: number;
}

/** A counting semaphore: at most `n` stages build at once. */
class Slots {
  private readonly waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export class Build {
  private readonly results = new Map<number, Current>();
  /** Step containers being removed in the background; awaited before the build answers. */
  private readonly removals: Promise<void>[] = [];
  /** (parent, key) -> image, from the --cache-from images' parent chains. */
  private cacheFrom?: { byKey: Map<string, string>; ids: Set<string> };
  /** Pulls in flight, by reference and platform: parallel stages on one base pull it once. */
  private readonly pulls = new Map<string, Promise<ImageRecord>>();
  /** Each stage's build, by index (a stage waits for those it needs). */
  private readonly building = new Map<number, Promise<Current>>();
  /** Images made of --build-context directories (FROM / from= a named context), by name. */
  private readonly contextImages = new Map<string, Promise<ImageRecord>>();
  /** Aborted by the caller, or when a stage fails (the other stages stop). */
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;
  /** Every step's (parent, key) -> image, built or cached, for --cache-to. */
  readonly steps: StepRecord[] = [];

  constructor(
    private readonly d: BuildDeps,
    private readonly plan: BuildPlan,
    private readonly context: ContextIndex,
    private readonly s: BuildSettings,
    private readonly out: BuildOutput,
    signal: AbortSignal,
  ) {
    this.signal = this.abort.signal;
    if (signal.aborted) this.abort.abort(signal.reason);
    else signal.addEventListener('abort', () => this.abort.abort(signal.reason), { once: true });
  }

  /**
   * Builds the target; resolves with its image. Stages start once the stages
   * they need are built, as many at a time as the machine has cores; the
   * first failure stops the others. Step containers are gone (or kept per
   * --rm) when it settles.
   */
  async run(): Promise<ImageRecord> {
    let n = 0;
    for (const a of this.plan.metaArgs) this.out.step(++n, this.plan.totalSteps, a.text);
    const logs = new OrderedLogs(
      this.out,
      this.plan.stages.map((s) => s.index),
    );
    const slots = new Slots(Math.max(1, os.availableParallelism()));
    const built = this.building;
    let failure: { e: unknown } | undefined;
    for (const stage of this.plan.stages) {
      const sr: StageRun = { log: logs.log(stage.index), stepNo: n };
      n += 1 + stage.commands.length;
      const deps = stage.deps.map((d) => built.get(d)!);
      built.set(
        stage.index,
        (async () => {
          await Promise.all(deps);
          const release = await slots.take();
          try {
            const img = await this.stage(stage, sr);
            this.results.set(stage.index, img);
            return img;
          } catch (e) {
            if (!failure) {
              failure = { e };
              this.abort.abort(e);
            }
            throw e;
          } finally {
            release();
            logs.end(stage.index);
          }
        })(),
      );
    }
    try {
      await Promise.allSettled(built.values());
      if (failure) {
        logs.flushAll();
        throw failure.e;
      }
      const img = this.results.get(this.plan.target.index);
      if (!img) throw badRequest('No image was generated. Is your Dockerfile empty?');
      const warn = unusedBuildArgsWarning(this.plan);
      if (warn) this.out.text(warn);
      return img;
    } finally {
      await Promise.all(this.removals);
    }
  }

  private stepLine(sr: StageRun, text: string): void {
    sr.log.step(++sr.stepNo, this.plan.totalSteps, text);
  }

  private checkAbort(): void {
    if (this.signal.aborted) throw this.signal.reason ?? new Error('build cancelled');
  }

  private platformOf(stage: StagePlan): Platform {
    return stage.platform ?? this.plan.targetPlatform;
  }

  /** A base image (or COPY --from image): the local one, else (or with --pull) pulled. */
  private async image(ref: string, platform: Platform | undefined, log: StepLog): Promise<ImageRecord> {
    if (!this.s.pull) {
      const img = this.d.ctx.images.find(ref);
      // a local image of another platform than the one asked for is pulled again, as create does
      if (img && (!platform || platformScore(platform, imagePlatform(img.config)) >= 0)) return img;
    }
    const p = platform ? formatPlatform(platform) : undefined;
    const key = `${ref}\n${p ?? ''}`;
    let pull = this.pulls.get(key);
    if (!pull) {
      pull = this.d.images.pull(parseReference(ref), { platform: p, creds: this.s.creds(ref), signal: this.signal }, () => (m) => log.progress(m));
      this.pulls.set(key, pull);
    }
    return pull;
  }

  private async stage(stage: StagePlan, sr: StageRun): Promise<Current> {
    this.checkAbort();
    const log = sr.log;
    this.stepLine(sr, stage.from.text);
    let cur: Current = null;
    const explicitPlatform = stage.platform ?? (this.plan.targetPlatform !== this.plan.buildPlatform ? this.plan.targetPlatform : undefined);
    // an earlier stage that made no image (a bare FROM scratch) is scratch again
    if (stage.base.kind === 'stage') cur = this.results.get(stage.base.stage) ?? null;
    else if (stage.base.kind === 'image') cur = await this.image(stage.base.ref, explicitPlatform, log);
    else if (stage.base.kind === 'context') cur = await this.contextImage(stage.base.name, stage, log);
    log.line(cur ? ` ---> ${short(cur.id)}` : ' ---> ');
    const st = new StageState(this.plan, stage);
    const triggers = st.begin({ config: cur?.config.config });
    if (triggers.length) log.line(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}`);
    for (const t of triggers) cur = await this.step(st.resolve(t), cur, stage, log);
    for (const c of stage.commands) {
      this.checkAbort();
      this.stepLine(sr, c.text);
      cur = await this.step(st.resolve(c), cur, stage, log);
    }
    return cur;
  }

  /** The image a `from=` names: a stage's result, an image (pulled when missing), a named context's. */
  private async fromImage(src: CopySource, stage: StagePlan, log: StepLog): Promise<Current | undefined> {
    // a from= the planner could not see (a variable only the stage defines) may name a stage still building
    if (src.kind === 'stage') return this.results.has(src.stage) ? this.results.get(src.stage) : await this.building.get(src.stage);
    if (src.kind === 'image') return this.image(src.ref, this.platformOf(stage), log);
    return this.contextImage(src.name, stage, log);
  }

  private namedTree(name: string): SourceFS {
    const t = this.s.namedTrees.get(name);
    if (!t) throw badRequest(`build context ${JSON.stringify(name)} was not sent with the build`);
    return t;
  }

  /**
   * `FROM <name>` of a directory given with --build-context: an image whose
   * only layer is the directory's files (owners as sent), cached by their
   * checksum like a COPY.
   */
  private async contextImage(name: string, stage: StagePlan, log: StepLog): Promise<ImageRecord> {
    let made = this.contextImages.get(name);
    if (!made) {
      made = (async () => {
        const tree = this.namedTree(name);
        const infos = resolveSources(tree, ['.'], { cmd: 'COPY', context: false, destIsDir: true });
        const sum = await checksumSources(infos, { preserveOwnership: true });
        const createdBy = `/bin/sh -c #(nop) FROM context ${JSON.stringify(name)} ${sum}`;
        const cached = await this.lookup(null, createdBy, log);
        if (cached) return cached;
        const r = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, null);
        try {
          await applyCopy(r.merged, { dest: '/', destIsDir: true }, infos, [], { preserveOwnership: true });
          r.unmount();
          const diff = await stageDiff(this.d.ctx, r.upper);
          const img = commitStep(this.d.ctx, null, { config: {}, containerConfig: {}, createdBy, platform: this.platformOf(stage) }, diff);
          this.d.cache.put('', createdBy, img.id, createdBy);
          return img;
        } finally {
          r.release();
        }
      })();
      this.contextImages.set(name, made);
    }
    return made;
  }

  // ---- cache ----

  private async lookup(parent: Current, key: string, log: StepLog): Promise<ImageRecord | undefined> {
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
      log.line(' ---> Using cache');
      log.line(` ---> ${short(img.id)}`);
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

  private commit(
    parent: Current,
    stage: StagePlan,
    step: ResolvedStep,
    h: { createdBy: string; containerConfig: object; cacheKey: string },
    diff: StagedDiff | undefined,
    container?: string,
  ): ImageRecord {
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

  private async step(step: ResolvedStep, cur: Current, stage: StagePlan, log: StepLog): Promise<ImageRecord> {
    switch (step.kind) {
      case 'meta':
        return (await this.lookup(cur, step.cacheKey, log)) ?? this.done(log, this.commit(cur, stage, step, step, undefined));
      case 'workdir':
        return (await this.lookup(cur, step.cacheKey, log)) ?? this.workdir(step, cur, stage, log);
      case 'run': {
        // before the cache: a step made with the entitlement once is not served to a build without it
        if (step.insecure && !this.s.allow?.includes('security.insecure'))
          throw errorAt(step.instruction.loc, 'security.insecure is not allowed: the build must be given --allow security.insecure');
        let key: string;
        try {
          key = await this.runKey(step, stage, log);
        } catch (e) {
          if (e instanceof EngineError && !(e instanceof DockerfileError)) throw errorAt(step.instruction.loc, e.message);
          throw e;
        }
        return (await this.lookup(cur, key, log)) ?? this.runStep(step, cur, stage, key, log);
      }
      case 'copy':
        return this.copy(step, cur, stage, log);
    }
  }

  private async workdir(step: WorkdirStep, cur: Current, stage: StagePlan, log: StepLog): Promise<ImageRecord> {
    const r = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, cur?.topLayer ?? null);
    try {
      ensureDir(r.merged, step.path, { uid: 0, gid: 0 });
      r.unmount();
      const diff = await stageDiff(this.d.ctx, r.upper, { adopt: true });
      return this.done(log, this.commit(cur, stage, step, step, diff));
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
  private async runKey(step: RunStep, stage: StagePlan, log: StepLog): Promise<string> {
    const parts: string[] = [];
    for (const m of step.mounts) {
      if (m.type !== 'bind') continue;
      if (m.from) {
        const img = await this.fromImage(m.from, stage, log);
        parts.push(`bind ${m.target} from ${img?.id ?? 'scratch'}`);
      } else {
        const infos = resolveSources(this.context, [m.source || '.'], { cmd: 'COPY', context: true, destIsDir: true, otherSources: 0 });
        parts.push(`bind ${m.target} ${await checksumSources(infos)}`);
      }
    }
    return parts.length ? step.cacheKey + '\n' + parts.join('\n') : step.cacheKey;
  }

  private async runStep(step: RunStep, cur: Current, stage: StagePlan, cacheKey: string, log: StepLog): Promise<ImageRecord> {
    if (!cur || !cur.topLayer) {
      // nothing can be executed in an empty root filesystem
      throw new StepError(
        `failed to create task for container: OCI runtime create failed: runc create failed: unable to start container process: exec: "${step.args[0]}": stat ${step.args[0]}: no such file or directory: unknown`,
        127,
      );
    }
    let mounts: StepMounts | undefined;
    let r: Awaited<ReturnType<StepRunner['run']>>;
    try {
      if (step.mounts.length) {
        mounts = new StepMounts({
          ctx: this.d.ctx,
          cacheMounts: this.d.cacheMounts,
          secrets: this.s.secrets,
          ssh: this.s.ssh,
          context: this.context,
          resolveFrom: async (src) => (await this.fromImage(src, stage, log)) ?? null,
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
      r = await this.d.runner.run(cur, step, this.s, log, this.signal, this.s.forceRm || !!mounts?.hasSecretEnv, mounts, removed);
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
      log.line(`Removing intermediate container ${short(r.container)}`);
      this.removals.push(this.d.runner.remove(r.container));
    }
    return this.done(log, img);
  }

  private async copy(step: CopyStep, cur: Current, stage: StagePlan, log: StepLog): Promise<ImageRecord> {
    const runner = new CopyStepRunner(this.d.ctx, cur);
    let from: ScratchRootfs | undefined;
    try {
      const src = step.copy.from;
      let tree: SourceFS = this.context;
      if (src?.kind === 'context') tree = this.namedTree(src.name);
      else if (src) {
        const img = await this.fromImage(src, stage, log);
        from = new ScratchRootfs(this.d.ctx.layers, this.d.ctx.paths.tmp, img?.topLayer ?? null);
        tree = new DiskFS(from.merged);
      }
      // git over ssh authenticates with the agent forwarded as --ssh default, as BuildKit
      const p = await runner.prepare(step, tree, this.signal, this.s.ssh.get('default'));
      const h = step.history(p.sum);
      const hit = await this.lookup(cur, h.cacheKey, log);
      if (hit) return hit;
      // --link: the layer does not depend on the image below, so one made on another base serves (BuildKit's rebase)
      const linkKey = `link\n${h.createdBy}`;
      const linked = step.copy.link ? await this.linkedLayer(linkKey, log) : undefined;
      const diff = linked ?? (await runner.apply(step, p));
      const img = this.commit(cur, stage, step, h, diff);
      if (step.copy.link && diff) this.d.cache.put('', linkKey, img.id, h.createdBy);
      return this.done(log, img);
    } finally {
      runner.release();
      from?.release();
    }
  }

  /** The layer an earlier COPY --link with the same sources made (on whatever base), staged again for this one. */
  private async linkedLayer(key: string, log: StepLog): Promise<StagedDiff | undefined> {
    if (this.s.noCache) return undefined;
    const images = this.d.ctx.images;
    const id = this.d.cache.get('', key, (i) => !!images.find(i)?.topLayer);
    const prev = id ? images.find(id) : undefined;
    if (!prev?.topLayer) return undefined;
    const unpin = this.d.ctx.layers.pin([prev.topLayer]);
    try {
      // a linked layer was made on an empty root: its diff directory holds no whiteouts, it is the layer
      const diff = await stageDiff(this.d.ctx, this.d.ctx.layers.diffDir(prev.topLayer));
      if (diff) log.line(` ---> Using the --link layer of ${short(prev.id)}`);
      return diff;
    } finally {
      unpin();
    }
  }

  /** ` ---> <id>` for a step just committed (a cache hit printed its own lines). */
  private done(log: StepLog, img: ImageRecord): ImageRecord {
    log.line(` ---> ${short(img.id)}`);
    return img;
  }
}
