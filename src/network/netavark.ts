// netavark 1.4 (Podman's network tool) as berth drives it: one `setup` per
// container start for all its bridge networks, one `teardown` with the same
// input at stop. It creates the veth pairs, addresses, routes, iptables rules
// (port forwarding included) and feeds aardvark-dns; IPAM stays ours.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  const r = await whileDnsStarts(p, () => run(p.netavark, args(p, 'setup', netns), JSON.stringify(opts), { RUST_LOG: 'netavark=error' }));
  if (r.code !== 0) throw failure('setup', r.stdout, r.stderr);
  return JSON.parse(r.stdout) as NvStatus;
}

/** Setups waiting for one that may start aardvark-dns, by netavark config dir. */
const dnsStarts = new Map<string, Promise<void>>();

/**
 * netavark starts aardvark-dns when none runs for its config dir, and
 * netavark 1.4 takes no lock for it: two setups at once (compose starting
 * services on two networks) each started one. The second is in no pid file,
 * so no teardown ever stops it, and it keeps port 53 on gateway addresses
 * after their networks are gone, where a later network's DNS then fails to
 * bind. While no aardvark-dns runs, setups go one at a time; once one runs
 * (its pid file names a live process) they run freely again.
 */
async function whileDnsStarts<T>(p: NetavarkPaths, fn: () => Promise<T>): Promise<T> {
  if (!dnsStarts.has(p.configDir) && aardvarkRunning(p)) return fn();
  const prev = dnsStarts.get(p.configDir) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chain = prev.then(() => mine);
  dnsStarts.set(p.configDir, chain);
  await prev;
  try {
    return await fn();
  } finally {
    release();
    if (dnsStarts.get(p.configDir) === chain) dnsStarts.delete(p.configDir);
  }
}

function aardvarkRunning(p: NetavarkPaths): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(p.configDir, 'aardvark-dns', 'aardvark.pid'), 'utf8').trim());
    if (!(pid > 0)) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function teardown(p: NetavarkPaths, netns: string, opts: NvOptions): Promise<void> {
  const r = await run(p.netavark, args(p, 'teardown', netns), JSON.stringify(opts), { RUST_LOG: 'netavark=error' });
  if (r.code !== 0) throw failure('teardown', r.stdout, r.stderr);
}
