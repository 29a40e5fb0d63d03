// Networking: bridge networks on netavark + aardvark-dns, IPAM, published
// ports, the container's /etc files. The engine talks to NetworkManager only.
export { NetworkManager, type NetworkPaths, type DaemonDns, type NetworkEvents } from './manager';
export { networkSettingsView, summaryNetworking, type EtcFiles } from './view';
export { validatePortBindings } from './ports';
export type { EndpointRequest, RawCreate } from './prepare';
export { defaultNetworkConfig, type NetworkDaemonConfig, type NetworkCreateRequest, type NetworkRecord, type AddressPool } from './types';
