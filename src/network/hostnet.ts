// The host side of bridge networks and the containers' network namespaces.
//
// A bridge exists while its network does (as Docker's br-<id> do), so its
// subnet shows as routed to every other daemon picking one. netavark deletes a
// bridge when its last veth leaves, so each bridge keeps a carrier-less tap
// device as a port ("keeper"): netavark then leaves bridge and per-network
// rules in place and a container stop costs one quick teardown.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { MNT_DETACH, umount2 } from '../sys';
import { embeddedDnsRules, NETNS_INIT, NETNS_INIT_WITH_DNS } from './dns';
import { run, runOk } from './exec';

export function keeperName(bridge: string): string {
  return `bk-${createHash('sha1').update(bridge).digest('hex').slice(0, 12)}`;
}

export function linkExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

function isBridge(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}/bridge`);
}

/** Creates (or completes) a bridge with its gateway addresses ("172.18.0.1/16") and keeper, up. */
export async function ensureBridge(name: string, gateways: string[], mtu?: number): Promise<void> {
  if (linkExists(name) && !isBridge(name)) throw new Error(`bridge interface ${name} already exists but is not a bridge`);
  const k = keeperName(name);
  const lines: string[] = [];
  if (!linkExists(name)) lines.push(`link add name ${name}${mtu ? ` mtu ${mtu}` : ''} type bridge`);
  for (const g of gateways) lines.push(`addr replace ${g} dev ${name}${g.includes(':') ? ' nodad' : ''}`);
  if (!linkExists(k)) lines.push(`tuntap add dev ${k} mode tap`);
  lines.push(`link set ${k} master ${name}`, `link set ${k} up`, `link set ${name} up`);
  await runOk('ip', ['-batch', '-'], lines.join('\n') + '\n');
  if (gateways.some((g) => g.includes(':'))) {
    // a router for its containers, not a host taking advertisements
    try {
      fs.writeFileSync(`/proc/sys/net/ipv6/conf/${name}/accept_ra`, '0');
    } catch {
      /* IPv6 disabled on the host */
    }
  }
}

export async function removeBridge(name: string): Promise<void> {
  const lines: string[] = [];
  if (linkExists(keeperName(name))) lines.push(`link del ${keeperName(name)}`);
  if (linkExists(name) && isBridge(name)) lines.push(`link del ${name}`);
  if (lines.length) await run('ip', ['-force', '-batch', '-'], lines.join('\n') + '\n');
}

/** Bridge ports of containers can reach the host but not each other (--icc=false). */
export function isolatePorts(bridge: string): void {
  const k = keeperName(bridge);
  let ports: string[] = [];
  try {
    ports = fs.readdirSync(`/sys/class/net/${bridge}/brif`);
  } catch {
    return;
  }
  for (const p of ports) {
    if (p === k) continue;
    try {
      fs.writeFileSync(`/sys/class/net/${bridge}/brif/${p}/isolated`, '1');
    } catch {
      /* the port left meanwhile */
    }
  }
}

/**
 * A network namespace kept alive by a bind mount on `file`; with
 * `dnsTarget`, 127.0.0.11 inside it leads to the DNS server there.
 */
export async function createNetns(file: string, dnsTarget?: string): Promise<void> {
  fs.writeFileSync(file, '', { mode: 0o600 });
  const r = dnsTarget
    ? await run('unshare', [`--net=${file}`, 'sh', '-c', NETNS_INIT_WITH_DNS], embeddedDnsRules(dnsTarget))
    : await run('unshare', [`--net=${file}`, 'sh', '-c', NETNS_INIT]);
  if (r.code !== 0) {
    removeNetns(file);
    throw new Error(`creating network namespace: ${r.stderr.trim()}`);
  }
}

export function removeNetns(file: string): void {
  try {
    umount2(file, MNT_DETACH);
  } catch {
    /* not mounted */
  }
  fs.rmSync(file, { force: true });
}

export function isNetnsMounted(file: string): boolean {
  try {
    return fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === file);
  } catch {
    return false;
  }
}

export interface DefaultRoute {
  gateway: string;
  iface: string;
  metric: number;
}

/** Default routes inside a container's netns once netavark made its interfaces: one `ip -batch`. */
export async function addDefaultRoutes(file: string, routes: DefaultRoute[]): Promise<void> {
  if (!routes.length) return;
  const lines = ['link set lo up', ...routes.map((r) => `route replace default via ${r.gateway} dev ${r.iface} metric ${r.metric}`)];
  await runOk('nsenter', [`--net=${file}`, 'ip', '-batch', '-'], lines.join('\n') + '\n');
}
