// The container service: what the API and the CLI ask of containers. Start/stop
// mechanics live in lifecycle.ts, views in query.ts, stdio in attach.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UPDATABLE_RESOURCES, type Container, type HostConfig, type UpdateConfig } from '../../container';
import type { Filters } from '../../filters';
import { dirSize } from '../../util/fsutil';
import { badRequest, conflict, EngineError, notFound, wrapError } from '../../util/errors';
import { randomName, VALID_NAME } from '../../util/ids';
import { log } from '../../util/log';
import { showEach } from '../../util/records';
import type { EngineContext } from '../context';
import type { ImageRecord } from '../../image';
import { LogRotator, logReadOptions, readLogs, type LogRecord, type LogsQuery } from '../logs';
import { attachStream, type AttachStream } from './attach';
import { removeClaimed, removeLink } from './remove';
import { statsSamples, top, type StatsOptions, type StatsSample, type TopResult } from './stats';
import { buildContainer, validateRestartPolicy, type CreateRequest } from './create';
import { Lifecycle } from './lifecycle';
import type { WaitCondition } from './waiters';
import { inspectContainer, listContainers, summarize, type ListOptions } from './query';
import { validateResources } from './spec';
import { ContainerFs } from './fsops';
import { createMounts, releaseMounts } from './mounts';
import { reopenLog, resizeTty } from '../../monitor';
import { cgroupsPathFor, readStats, type CgroupStats } from '../../runtime';
import { crashPoint } from '../../util/fault';
import { PlatformError, detectedHostPlatform, formatPlatform, imagePlatform, parsePlatform, platformScore } from '../../registry';

/** A container's log, checked and ready to read. */
export interface ContainerLogs {
  tty: boolean;
  read(
    onRecord: (r: LogRecord) => void,
    signal: { readonly aborted: boolean; onAbort(cb: () => void): void },
    /** called after each chunk of records: the caller may batch until then */
    flush?: () => Promise<void> | void,
  ): Promise<void>;
}

export class ContainerService {
  readonly lifecycle: Lifecycle;
  readonly rotator = new LogRotator();
  readonly fs: ContainerFs;

  constructor(private readonly ctx: EngineContext) {
    this.lifecycle = new Lifecycle(ctx);
    this.fs = new ContainerFs(ctx, this.lifecycle);
    this.lifecycle.onAutoRemove = (c) => {
      void this.remove(c.ID, { force: true, volumes: true }).catch((e) => log().warn({ err: e, id: c.ID }, 'auto-remove failed'));
    };
    ctx.events.subscribe((e) => {
      if (e.Type !== 'container') return;
      const c = ctx.containers.find(e.Actor.ID);
      if (!c) return;
      if (e.Action === 'start') this.rotator.watch(c, this.lifecycle.paths.bundle(c));
      else if (e.Action === 'die') void this.rotator.settle(c);
    });
  }

  get(ref: string): Container {
    return this.ctx.containers.get(ref);
  }

  /** The container a ref names, if any (no error). */
  find(ref: string): Container | undefined {
    return this.ctx.containers.find(ref);
  }

  all(): Container[] {
    return this.ctx.containers.all();
  }

  /** The container's directory under the data root (the CRI keeps its pod state there, beside the record). */
  dir(id: string): string {
    return this.ctx.containers.dir(id);
  }

  /** Where conmon writes the container's log from its next start (the CRI: the kubelet's path). */
  setLogPath(ref: string, logPath: string): void {
    const c = this.get(ref);
    c.LogPath = logPath;
    this.ctx.containers.save(c);
  }

  /** conmon opens the log path again (the kubelet rotated the file away). */
  reopenLog(ref: string): void {
    reopenLog(this.lifecycle.paths.bundle(this.get(ref)));
  }

  /** One reading of the container's cgroup (CPU, memory, block I/O, pids, its network). */
  cgroupStats(c: Container): CgroupStats {
    return readStats(cgroupsPathFor(c.ID, c.HostConfig.CgroupParent || this.ctx.cfg.cgroupParent), { pid: c.State.Pid });
  }

  create(req: CreateRequest): { Id: string; Warnings: string[] } {
    const imageRef = req.config?.Image;
    if (!req.config || !imageRef) throw badRequest('Config cannot be empty in order to create a container');
    const tagged = this.ctx.images.find(imageRef);
    if (!tagged) throw notFound(`No such image: ${imageRef.includes(':') || imageRef.includes('@') ? imageRef : imageRef + ':latest'}`);
    // a tag kept for a multi-platform build has the requested platform's image beside the host's
    const img = (req.platform && indexVariant(this.ctx.images.indexOf(imageRef), req.platform)) || tagged;
    const platformWarning = checkPlatform(imageRef, img.config, req.platform);
    const c = buildContainer(this.ctx, req, img);
    validateResources(c.HostConfig);
    const { Hostname, MacAddress, ExposedPorts } = req.config;
    const warnings = this.ctx.networks.prepare(c, { Hostname, MacAddress, ExposedPorts: ExposedPorts ?? undefined, NetworkingConfig: req.networkingConfig });
    if (platformWarning) warnings.unshift(platformWarning);
    let name = req.name;
    if (!name) {
      do name = randomName();
      while (this.ctx.containers.hasName(name));
    }
    c.Name = '/' + name.replace(/^\//, '');
    this.ctx.containers.reserveName(c.Name, c.ID);
    try {
      fs.mkdirSync(this.ctx.containers.dir(c.ID), { recursive: true, mode: 0o710 });
      this.lifecycle.rootfs.prepare(c);
      crashPoint('create.filesystem');
      // image volumes and copy-up read the container's filesystem: mounted only when needed
      let mounted = false;
      const rootfs = () => {
        mounted = true;
        return this.lifecycle.rootfs.mount(c);
      };
      try {
        createMounts(this.ctx, c, rootfs);
      } finally {
        if (mounted) this.lifecycle.rootfs.unmount(c);
      }
      this.ctx.containers.add(c);
      crashPoint('create.record');
    } catch (e) {
      releaseMounts(this.ctx, c, true);
      this.ctx.containers.releaseName(c.Name);
      fs.rmSync(this.ctx.containers.dir(c.ID), { recursive: true, force: true });
      throw e;
    }
    this.ctx.events.emit('container', 'create', c.ID, this.lifecycle.attrs(c));
    return { Id: c.ID, Warnings: warnings };
  }

  inspect(ref: string, size: boolean) {
    const c = this.get(ref);
    return inspectContainer(this.ctx, c, size ? this.sizes(c) : undefined);
  }

  list(opts: ListOptions & { size: boolean }) {
    return showEach(
      listContainers(this.ctx, opts),
      'container',
      (c) => c.ID,
      (c) => summarize(c, opts.size ? this.sizes(c) : undefined),
    );
  }

  sizes(c: Container): { rw: number; rootfs: number } {
    const rw = dirSize(path.join(this.lifecycle.paths.rwDir(c), 'upper'));
    const img = this.ctx.images.find(c.Image);
    return { rw, rootfs: rw + (img?.size ?? 0) };
  }

  start(ref: string): Promise<void> {
    return this.lifecycle.start(this.get(ref));
  }

  stop(ref: string, signal: number | undefined, timeout: number | undefined): Promise<void> {
    const c = this.get(ref);
    return this.lifecycle.stop(c, signal ?? stopSignalOf(c), timeout ?? c.Config.StopTimeout ?? 10);
  }

  async restart(ref: string, signal: number | undefined, timeout: number | undefined): Promise<void> {
    const c = this.get(ref);
    if (c.State.Running) {
      try {
        await this.lifecycle.stop(c, signal ?? stopSignalOf(c), timeout ?? c.Config.StopTimeout ?? 10);
      } catch (e) {
        if (!(e instanceof EngineError && e.status === 304)) throw e;
      }
    }
    await this.lifecycle.start(c);
    this.ctx.events.emit('container', 'restart', c.ID, this.lifecycle.attrs(c));
  }

  /** Resizes the container's TTY (a container that is not running is a conflict). */
  resize(ref: string, h: number, w: number): void {
    const c = this.get(ref);
    if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
    resizeTty(this.lifecycle.paths.bundle(c), h, w);
  }

  async top(ref: string, psArgs: string): Promise<TopResult> {
    const c = this.get(ref);
    if (!c.State.Running) throw conflict(`Container ${c.ID} is not running`);
    const res = await top(this.ctx, c, this.lifecycle.paths.runtimeRoot(c), psArgs);
    // as dockerd: a `top` that answered is an event
    this.ctx.events.emit('container', 'top', c.ID, this.lifecycle.attrs(c));
    return res;
  }

  /** Samples as `docker stats` wants them; the container is looked up now, sampling starts on iteration. */
  stats(ref: string, o: StatsOptions, signal: AbortSignal): AsyncGenerator<StatsSample> {
    return statsSamples(this.ctx, this.get(ref), o, signal);
  }

  /** `docker logs`: the request checked now; `read` streams the records (following while the container runs). */
  logs(ref: string, q: LogsQuery): ContainerLogs {
    const c = this.get(ref);
    const opts = logReadOptions(c, q);
    return {
      tty: c.Config.Tty,
      read: (onRecord, signal, flush) => readLogs(c, opts, onRecord, signal, () => !!this.ctx.containers.find(c.ID)?.State.Running, flush),
    };
  }

  /** `docker attach` and `docker start -a`: see attach.ts. */
  attach(ref: string): AttachStream {
    return attachStream(this.ctx, this.lifecycle, this.get(ref));
  }

  kill(ref: string, signal: number): Promise<void> {
    return this.lifecycle.kill(this.get(ref), signal);
  }

  pause(ref: string): Promise<void> {
    return this.lifecycle.pause(this.get(ref));
  }

  unpause(ref: string): Promise<void> {
    return this.lifecycle.unpause(this.get(ref));
  }

  wait(ref: string, condition: WaitCondition): { promise: Promise<number>; cancel: () => void; container: Container } {
    const c = this.get(ref);
    let resolveFn: (n: number) => void = () => {};
    const promise = new Promise<number>((resolve) => {
      resolveFn = resolve;
      this.lifecycle.waiters.wait(c, condition).then(resolve);
    });
    return { promise, container: c, cancel: () => this.lifecycle.waiters.cancel(c, resolveFn) };
  }

  async remove(ref: string, opts: { force: boolean; volumes: boolean; link?: boolean }): Promise<void> {
    if (opts.link) return removeLink(this.ctx, ref);
    const c = this.get(ref);
    await this.lifecycle.locked(c.ID, async () => {
      if (c.State.Status === 'removing') throw conflict(`removal of container ${c.ID} is already in progress`);
      // a container waiting to be restarted counts as running, as in Docker
      if (c.State.Running || c.State.Restarting) {
        if (!opts.force) {
          const what = c.State.Paused ? 'paused' : c.State.Running ? 'running' : 'restarting';
          throw conflict(`cannot remove container "${c.Name}": container is ${what}: stop the container before removing or force remove`);
        }
      }
    });
    this.lifecycle.removalPending.add(c.ID);
    try {
      await removeClaimed(this.ctx, this.lifecycle, this.rotator, c, opts.volumes);
    } finally {
      this.lifecycle.removalPending.delete(c.ID);
    }
  }

  rename(ref: string, newName: string): void {
    const c = this.get(ref);
    const name = newName.replace(/^\//, '');
    if (!name) throw badRequest('Neither old nor new names may be empty');
    if (!VALID_NAME.test(name)) throw badRequest(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if ('/' + name === c.Name) throw badRequest(`Renaming a container with the same name as its current name`);
    try {
      this.ctx.containers.reserveName('/' + name, c.ID);
    } catch (e) {
      throw wrapError(e, 'Error when allocating new name');
    }
    const old = c.Name;
    this.ctx.containers.releaseName(old);
    c.Name = '/' + name;
    this.ctx.containers.save(c);
    this.ctx.events.emit('container', 'rename', c.ID, { ...this.lifecycle.attrs(c), oldName: old });
  }

  async update(ref: string, body: UpdateConfig): Promise<{ Warnings: string[] }> {
    const c = this.get(ref);
    return this.lifecycle.locked(c.ID, async () => {
      const next: HostConfig = { ...c.HostConfig };
      for (const k of UPDATABLE_RESOURCES) if (body[k] !== undefined && body[k] !== null) (next as unknown as Record<string, unknown>)[k] = body[k];
      // the docker CLI always sends a RestartPolicy; an empty name means "unchanged", as in dockerd
      if (body.RestartPolicy && body.RestartPolicy.Name !== '') {
        if (c.HostConfig.AutoRemove && body.RestartPolicy.Name !== 'no')
          throw badRequest('Restart policy cannot be updated because AutoRemove is enabled for the container');
        validateRestartPolicy(body.RestartPolicy, false);
        next.RestartPolicy = { ...body.RestartPolicy };
      }
      if (body.Memory && !body.MemorySwap && c.HostConfig.MemorySwap > 0 && body.Memory > c.HostConfig.MemorySwap)
        throw badRequest('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
      validateResources(next);
      if (c.State.Running) await this.ctx.runc.update(this.lifecycle.paths.runtimeRoot(c), c.ID, resourcesForUpdate(next));
      c.HostConfig = next;
      this.ctx.containers.save(c, true);
      this.ctx.events.emit('container', 'update', c.ID, this.lifecycle.attrs(c));
      return { Warnings: [] };
    });
  }

  async prune(filters: Filters): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    filters.validate(['label', 'label!', 'until']);
    const until = filters.until();
    const deleted: string[] = [];
    let space = 0;
    for (const c of this.ctx.containers.all()) {
      if (c.State.Running || c.State.Status === 'restarting') continue;
      if (until !== undefined && Date.parse(c.Created) > until) continue;
      if (!filters.matchLabels(c.Config.Labels)) continue;
      const size = dirSize(path.join(this.lifecycle.paths.rwDir(c), 'upper'));
      try {
        await this.remove(c.ID, { force: false, volumes: false });
        deleted.push(c.ID);
        space += size;
      } catch {
        /* in use again: skip */
      }
    }
    this.ctx.events.emit('container', 'prune', '', { reclaimed: String(space) });
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  /** Is this image used by a container? For `rmi`. */
  userOf(imageId: string): { id: string; running: boolean } | undefined {
    let stopped: { id: string; running: boolean } | undefined;
    for (const c of this.ctx.containers.all()) {
      if (c.Image !== imageId) continue;
      if (c.State.Running) return { id: c.ID, running: true };
      stopped ??= { id: c.ID, running: false };
    }
    return stopped;
  }
}

function stopSignalOf(c: Container): number {
  const s = c.Config.StopSignal;
  if (!s) return 15;
  return signalNumber(s) ?? 15;
}

import { parseSignal } from '../../runtime';
function signalNumber(s: string): number | undefined {
  try {
    return parseSignal(s);
  } catch {
    return undefined;
  }
}

import { resourcesForUpdate } from './spec';

/** The image of an index (a kept multi-platform build) that serves `platform` best. */
function indexVariant(index: ImageRecord[] | undefined, platform: string): ImageRecord | undefined {
  if (!index) return undefined;
  let want;
  try {
    want = parsePlatform(platform);
  } catch {
    return undefined; // checkPlatform words the error
  }
  let best: ImageRecord | undefined;
  let bestScore = Infinity;
  for (const i of index) {
    const sc = platformScore(want, imagePlatform(i.config));
    if (sc >= 0 && sc < bestScore) [best, bestScore] = [i, sc];
  }
  return best;
}

/**
 * create's platform rules, as dockerd's: a requested platform the local image
 * does not have is "not found" (the CLI then pulls that variant); an image
 * for another platform, none requested, is a warning.
 */
function checkPlatform(ref: string, config: { os?: string; architecture?: string; variant?: string }, requested: string | undefined): string | undefined {
  const have = imagePlatform(config);
  if (requested) {
    let want;
    try {
      want = parsePlatform(requested);
    } catch (e) {
      if (e instanceof PlatformError) throw badRequest(e.message);
      throw e;
    }
    if (platformScore(want, have) < 0)
      throw notFound(
        `image with reference ${ref} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(have)}`,
      );
    return undefined;
  }
  const host = detectedHostPlatform();
  if (platformScore(host, have) >= 0) return undefined;
  return `The requested image's platform (${formatPlatform(have)}) does not match the detected host platform (${formatPlatform(host)}) and no specific platform was requested`;
}
