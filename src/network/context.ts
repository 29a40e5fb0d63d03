// What the parts of networking share (settings, paths, stores, allocators). The
// manager is one; endpoints, DNS and the views take this, so none imports the manager.
import type { ContainerStore } from '../container';
import type { Ipam } from './ipam';
import type { PortAllocator } from './ports';
import type { NetworkStore } from './store';
import type { NetworkDaemonConfig, NetworkRecord } from './types';

export interface NetworkEvents {
  emit(type: string, action: string, id: string, attributes?: Record<string, string>): unknown;
}

export interface DaemonDns {
  dns: string[];
  search: string[];
  options: string[];
}

export interface NetworkPaths {
  /** data root: network records */
  records: string;
  /** exec root: container netns files and the netavark input used for each */
  netns: string;
  /** exec root: netavark --config (aardvark-dns state) */
  nvConfig: string;
}

export interface NetworkContext {
  readonly cfg: NetworkDaemonConfig;
  readonly paths: NetworkPaths;
  readonly containers: ContainerStore;
  readonly events: NetworkEvents;
  readonly daemonDns: DaemonDns;
  readonly store: NetworkStore;
  readonly ipam: Ipam;
  readonly ports: PortAllocator;
  /** the Linux bridge a network's containers join */
  bridgeOf(n: NetworkRecord): string;
  /** a network by name, ID or unique ID prefix (Docker's not-found error otherwise) */
  get(ref: string): NetworkRecord;
}
