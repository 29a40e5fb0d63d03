// Network records in the Engine API's shape (inspect is a projection), plus the
// daemon settings that shape the default bridge.

export interface IpamConfig {
  Subnet: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export type Driver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: Driver;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** berth's own: host bridge device; subnets picked from the pool (re-picked if taken while we were away) */
  berth?: { bridge: string; autoSubnet: boolean };
}

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv6?: boolean | null;
  IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: IpamConfig[] | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  CheckDuplicate?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  Scope?: string;
}

export interface AddressPool {
  base: string;
  size: number;
}

/** Daemon flags/daemon.json keys for networking, with dockerd's names. */
export interface NetworkDaemonConfig {
  /** --bip: the default bridge's gateway address and subnet, "172.26.0.1/16" */
  bip?: string;
  /** --fixed-cidr: where the default bridge hands out addresses */
  fixedCidr?: string;
  /** --fixed-cidr-v6 (with --ipv6) */
  fixedCidrV6?: string;
  /** --ipv6 for the default bridge */
  ipv6: boolean;
  /** --default-address-pool base=…,size=… */
  defaultAddressPools?: AddressPool[];
  /** --icc=false: containers on the default bridge cannot talk to each other */
  icc: boolean;
  /** --ip-masq=false: no source NAT for traffic leaving the default bridge */
  ipMasq: boolean;
  /** --mtu for the default bridge */
  mtu?: number;
  /** --host-gateway-ip: what "host-gateway" means in --add-host */
  hostGatewayIp?: string;
  /** name of the default bridge device; derived from the data root when unset */
  bridgeName?: string;
  netavarkPath: string;
  aardvarkPath: string;
}

export function defaultNetworkConfig(partial: Partial<NetworkDaemonConfig> = {}): NetworkDaemonConfig {
  const out: NetworkDaemonConfig = {
    ipv6: false,
    icc: true,
    ipMasq: true,
    netavarkPath: '/usr/lib/podman/netavark',
    aardvarkPath: '/usr/lib/podman/aardvark-dns',
  };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

export const BRIDGE_NAME_OPT = 'com.docker.network.bridge.name';
export const ICC_OPT = 'com.docker.network.bridge.enable_icc';
export const MASQ_OPT = 'com.docker.network.bridge.enable_ip_masquerade';
export const MTU_OPT = 'com.docker.network.driver.mtu';
export const HOST_BINDING_OPT = 'com.docker.network.bridge.host_binding_ipv4';
export const DEFAULT_BRIDGE_OPT = 'com.docker.network.bridge.default_bridge';
