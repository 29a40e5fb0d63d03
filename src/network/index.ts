// Networking: bridge networks on netavark + aardvark-dns, IPAM, published
// ports, the container's /etc files. The engine talks to NetworkManager only.
export { NetworkManager } from './manager';
export type { NetworkPaths, DaemonDns, NetworkEvents } from './context';
export { networkSettingsView, summaryNetworking, type EtcFiles } from './view';
export { validatePortBindings } from './ports';
export type { EndpointRequest, RawCreate } from './prepare';
export { defaultNetworkConfig, type NetworkDaemonConfig, type NetworkCreateRequest, type NetworkRecord, type AddressPool } from './types';
