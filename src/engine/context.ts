// What every engine service shares: settings, paths, stores and the event bus.
import type { ContainerStore } from '../container';
import type { ImageStore } from '../image';
import type { MonitorConfig } from '../monitor';
import type { NetworkManager } from '../network';
import type { Registry } from '../registry';
import type { ContentStore, LayerStore } from '../storage';
import type { VolumeStore } from '../volume';
import type { EngineConfig, EnginePaths } from './config';
import type { EventBus } from './events';
import type { RuntimeClients } from './containers/runc';

export interface EngineContext {
  cfg: EngineConfig;
  paths: EnginePaths;
  content: ContentStore;
  layers: LayerStore;
  images: ImageStore;
  containers: ContainerStore;
  volumes: VolumeStore;
  events: EventBus;
  networks: NetworkManager;
  registry: Registry;
  /** runc, per runtime state dir */
  runc: RuntimeClients;
  monitorConfig(runtime: string): MonitorConfig;
}
