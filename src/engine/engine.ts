// The engine: opens the data root, builds the stores and services, restores
// containers after a (re)start. The API and the CRI see it as a `Backend`
// (index.ts); the daemon also starts, reloads and stops it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContainerStore } from '../container';
import { ImageStore } from '../image';
import { Registry } from '../registry';
import type { MonitorConfig } from '../monitor';
import { NetworkManager } from '../network';
import { ContentStore, LayerStore, unmountAllUnder } from '../storage';
import { VolumeStore } from '../volume';
import { log } from '../util/log';
import { spreadSubdirs } from '../sys';
import { enginePaths, type EngineConfig } from './config';
import type { EngineContext } from './context';
import { ContainerService } from './containers/service';
import { execProbeRunner, HealthMonitor } from './containers/health';
import { EventBus } from './events';
import { ExecService } from './exec';
import { ImageService } from './images';
import { restoreMounts } from './containers/mounts';
import { Recovery, runtimeView } from './containers/recover';
import { RuntimeClients } from './containers/runc';
import { VolumeService } from './volumes';
import { NetworkService } from './networks';
import { BuildService } from './builder';
import { SystemService } from './system';
import type { Backend, SystemBackend } from './index';

export class Engine implements Backend {
  private readonly ctx: EngineContext;
  readonly containers: ContainerService;
  readonly exec: ExecService;
  private readonly health: HealthMonitor;
  readonly images: ImageService;
  readonly volumes: VolumeService;
  readonly networks: NetworkService;
  readonly build: BuildService;
  readonly system: SystemBackend;
  readonly events: EventBus;

  constructor(readonly cfg: EngineConfig) {
    const paths = enginePaths(cfg);
    for (const d of [cfg.dataRoot, paths.tmp, paths.bundles, paths.exits, paths.runcRoot, paths.execs]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chmodSync(cfg.dataRoot, 0o711);
    // each child is an independent tree (a layer or a build's root being made)
    spreadSubdirs(paths.tmp);
    // staging leftovers from a crash are garbage by definition (a build's scratch root may still be mounted there)
    unmountAllUnder(paths.tmp);
    for (const n of fs.readdirSync(paths.tmp)) fs.rmSync(`${paths.tmp}/${n}`, { recursive: true, force: true });
    const content = new ContentStore(paths.content, paths.tmp);
    const layers = new LayerStore(paths.layers, paths.tmp);
    const images = new ImageStore(paths.image, content, layers);
    const containers = new ContainerStore(paths.containers);
    const broken = containers.load();
    for (const id of broken) {
      const dir = containers.dir(id);
      // create writes hostconfig.json, then config.json: without the latter the create never finished
      if (fs.existsSync(path.join(dir, 'config.json'))) {
        log().warn({ id }, 'container record unreadable; left in place');
        continue;
      }
      unmountAllUnder(dir);
      fs.rmSync(dir, { recursive: true, force: true });
      log().info({ id }, 'removed a container whose create a crash cut short');
    }
    const monitorConfig = (runtime: string): MonitorConfig => ({
      conmonPath: cfg.conmonPath,
      runtimePath: (cfg.runtimes[runtime] ?? cfg.runtimes[cfg.defaultRuntime]).path,
      runtimeRoot: `${paths.runcRoot}/${cfg.runtimes[runtime] ? runtime : cfg.defaultRuntime}`,
      logLevel: 'error',
    });
    const events = new EventBus();
    // layers a container mounts stay while the container exists, even if its image goes
    images.setLayerUsers(() => containers.all().map((c) => c.ImageTopLayer));
    images.gc();
    const networks = new NetworkManager(
      cfg.network,
      { records: path.join(cfg.dataRoot, 'networks'), netns: path.join(cfg.execRoot, 'netns'), nvConfig: path.join(cfg.execRoot, 'netavark') },
      containers,
      events,
      cfg.dataRoot,
      { dns: cfg.dns, search: cfg.dnsSearch, options: cfg.dnsOptions },
    );
    const volumes = new VolumeStore(paths.volumes, (action, v) => events.emit('volume', action, v.Name, { driver: v.Driver }));
    volumes.load();
    // a runtime's state dir is named after it (monitorConfig): its binary from the runtimes table
    const runc = new RuntimeClients((root) => cfg.runtimes[path.basename(root)]?.path);
    this.ctx = { cfg, paths, content, layers, images, containers, volumes, events, networks, monitorConfig, registry: new Registry(cfg.registry), runc };
    this.containers = new ContainerService(this.ctx);
    this.exec = new ExecService(this.ctx);
    this.health = new HealthMonitor(this.ctx, execProbeRunner(this.exec));
    this.images = new ImageService(this.ctx, this.containers);
    this.volumes = new VolumeService(this.ctx);
    this.networks = new NetworkService(this.ctx, this.containers);
    this.build = new BuildService(this.ctx, this.containers, this.images);
    this.events = events;
    const sys = new SystemService(this.ctx);
    this.system = {
      info: (serverVersion) => sys.info({ serverVersion, counts: sys.counts() }),
      components: () => sys.components(),
      df: () => ({
        ...this.images.df(),
        Containers: this.containers.list({ all: true, size: true }),
        Volumes: this.volumes.diskUsage(),
        BuildCache: this.build.diskUsage(),
      }),
      experimental: () => cfg.experimental,
      runtimes: () => sys.runtimes(),
      cgroupDriver: () => sys.cgroupDriver(),
      filesystems: () => sys.filesystems(),
    };
  }

  /** Reconciles records with reality and applies restart policies. */
  async restore(): Promise<void> {
    const lc = this.containers.lifecycle;
    const rec = new Recovery(this.ctx, lc);
    // runc first: which processes run decides which networks and mounts are kept
    const view = await runtimeView(this.ctx);
    rec.reconcile(view);
    // containers reference their volumes again; running ones still have them mounted
    for (const c of this.ctx.containers.all()) restoreMounts(this.ctx, c);
    this.ctx.volumes.unmountUnused();
    await this.ctx.networks.init();
    for (const c of this.ctx.containers.all()) {
      await rec.cleanLeftovers(c, view).catch((e) => log().warn({ err: e, id: c.ID }, 'cleaning what a crash left failed'));
    }
    await this.ctx.networks.restore();
    lc.watchExits();
    await rec.sweepRuntimeState();
    const toStart: string[] = [];
    const autoRemove: string[] = [];
    for (const c of this.ctx.containers.all()) {
      if (c.State.Status === 'removing') {
        c.State.Status = 'dead';
        c.State.Dead = true;
        this.ctx.containers.save(c);
        continue;
      }
      if (c.State.Restarting) {
        c.State.Restarting = false;
        c.State.Status = 'exited';
      }
      let r: Awaited<ReturnType<Recovery['restore']>> | undefined;
      try {
        r = await rec.restore(c, view);
        if (r === 'running') {
          if (c.State.Running) {
            this.containers.rotator.watch(c, lc.paths.bundle(c));
            this.health.resume(c);
          }
          continue;
        }
      } catch (e) {
        log().warn({ err: e, id: c.ID }, 'restore failed');
      }
      // as dockerd: a --rm container that is not running goes (its record was never made
      // durable); one that exited while the daemon was away is removed by its exit handling
      if (c.HostConfig.AutoRemove && r === 'stopped') {
        autoRemove.push(c.ID);
        continue;
      }
      // rotation due while the daemon was away
      if (!c.State.Running) void this.containers.rotator.settle(c);
      const p = c.HostConfig.RestartPolicy.Name;
      if (!c.State.Running && c.HasBeenStartedBefore && (p === 'always' || (p === 'unless-stopped' && !c.HasBeenManuallyStopped))) toStart.push(c.ID);
    }
    for (const id of autoRemove) {
      await this.containers
        .remove(id, { force: true, volumes: true })
        .catch((e) => log().warn({ err: e, id }, 'removing a --rm container at daemon start failed'));
    }
    for (const id of toStart) {
      const c = this.ctx.containers.find(id);
      if (!c || c.State.Running) continue;
      try {
        await lc.start(c);
      } catch (e) {
        log().warn({ err: e, id }, 'restart on daemon start failed');
      }
    }
  }

  async shutdown(): Promise<void> {
    await this.health.stopAll();
    this.containers.lifecycle.stopWatching();
    this.containers.rotator.stopAll();
    await this.ctx.networks.shutdown().catch((e) => log().warn({ err: e }, 'network shutdown failed'));
  }
}
