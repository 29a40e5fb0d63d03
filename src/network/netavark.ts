// netavark 1.4 (Podman's network tool) as berth drives it: one `setup` per
// container start for all its bridge networks, one `teardown` with the same
// input at stop. It creates the veth pairs, addresses, routes, iptables rules
// (port forwarding included) and feeds aardvark-dns; IPAM stays ours.
import { createHash } from 'node:crypto';
import { run } from './exec';

export interface NvSubnet {
  subnet: string;
  gateway?: string;
  lease_range?: { start_ip?: string; end_ip?: string };
}

export interface NvNetwork {
  name: string;
  id: string;
  driver: 'bridge';
  network_interface: string;
  subnets: NvSubnet[];
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  options?: Record<string, string>;
  network_dns_servers?: string[];
}

export interface NvPerNetwork {
  static_ips: string[];
  aliases: string[];
  interface_name: string;
  static_mac?: string;
}

export interface NvPortMapping {
  host_ip: string;
  container_port: number;
  host_port: number;
  range: number;
  protocol: string;
}

/** netavark's input; berth keys networks by network ID so rule and chain names never collide with another daemon's. */
export interface NvOptions {
  container_id: string;
  container_name: string;
  networks: Record<string, NvPerNetwork>;
  network_info: Record<string, NvNetwork>;
  port_mappings?: NvPortMapping[];
  dns_servers?: string[];
}

export interface NvInterface {
  mac_address: string;
  subnets?: Array<{ gateway?: string; ipnet: string }>;
}

export type NvStatus = Record<string, { dns_search_domains?: string[]; dns_server_ips?: string[]; interfaces?: Record<string, NvInterface> }>;

export interface NetavarkPaths {
  netavark: string;
  aardvark: string;
  /** netavark's --config dir; aardvark-dns keeps its per-network files under it */
  configDir: string;
}

/** netavark's chain-name hash of a network name (first 13 hex of SHA-512, upper case). */
export function chainHash(networkName: string): string {
  return createHash('sha512').update(networkName).digest('hex').toUpperCase().slice(0, 13);
}

function args(p: NetavarkPaths, cmd: 'setup' | 'teardown', netns: string): string[] {
  return ['--config', p.configDir, '--rootless', 'false', '--aardvark-binary', p.aardvark, cmd, netns];
}

function failure(cmd: string, stdout: string, stderr: string): Error {
  let msg = '';
  try {
    msg = JSON.parse(stdout).error ?? '';
  } catch {
    /* not JSON */
  }
  if (!msg)
    msg =
      stderr
        .split('\n')
        .filter((l) => l && !l.includes('syslog'))
        .join('; ') || 'unknown error';
  return new Error(`netavark ${cmd}: ${msg}`);
}

export async function setup(p: NetavarkPaths, netns: string, opts: NvOptions): Promise<NvStatus> {
  const r = await run(p.netavark, args(p, 'setup', netns), JSON.stringify(opts), { RUST_LOG: 'netavark=error' });
  if (r.code !== 0) throw failure('setup', r.stdout, r.stderr);
  return JSON.parse(r.stdout) as NvStatus;
}

export async function teardown(p: NetavarkPaths, netns: string, opts: NvOptions): Promise<void> {
  const r = await run(p.netavark, args(p, 'teardown', netns), JSON.stringify(opts), { RUST_LOG: 'netavark=error' });
  if (r.code !== 0) throw failure('teardown', r.stdout, r.stderr);
}
