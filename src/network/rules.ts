// berth's own firewall rules for bridge networks, in the shapes and chains
// netavark 1.4 uses (so Podman and older berth daemons share them cleanly):
// network-level rules (forwarding, isolation, masquerade, host-port chains)
// are installed when a network is created or the daemon starts, and only the
// missing ones (one iptables-save + one iptables-restore per family); a
// container's port forwards are one iptables-restore batch at start and stop.
// netavark itself is run with every network marked internal, so it only makes
// the veth, addresses and aardvark-dns entries, without a firewall pass.
import * as fs from 'node:fs';
import { run } from './exec';
import { chainHash, type NvPortMapping } from './netavark';

export interface NetworkFw {
  /** the name berth gives netavark for this network (its ID) */
  nvName: string;
  bridge: string;
  subnets: string[];
  internal: boolean;
  masquerade: boolean;
}

type Family = 4 | 6;
const fam = (s: string): Family => (s.includes(':') ? 6 : 4);
const SAVE = { 4: 'iptables-save', 6: 'ip6tables-save' } as const;
const RESTORE = { 4: 'iptables-restore', 6: 'ip6tables-restore' } as const;
const MCAST = { 4: '224.0.0.0/4', 6: 'ff00::/8' } as const;
const HOST = { 4: '127.0.0.1/32', 6: '::1/128' } as const;

interface Table {
  chains: string[];
  rules: string[];
}
type Plan = Record<'filter' | 'nat', Table>;

function emptyPlan(): Plan {
  return { filter: { chains: [], rules: [] }, nat: { chains: [], rules: [] } };
}

/** The generic chains every network needs (as iptables-save prints the rules). */
function basePlan(p: Plan): void {
  p.filter.chains.push('NETAVARK_FORWARD', 'NETAVARK_ISOLATION_1', 'NETAVARK_ISOLATION_2');
  p.filter.rules.push('-A FORWARD -j NETAVARK_ISOLATION_1', '-A FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD');
  p.nat.chains.push('NETAVARK-HOSTPORT-DNAT', 'NETAVARK-HOSTPORT-SETMARK', 'NETAVARK-HOSTPORT-MASQ');
  p.nat.rules.push(
    '-A PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT',
    '-A OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT',
    '-A POSTROUTING -j NETAVARK-HOSTPORT-MASQ',
    '-A NETAVARK-HOSTPORT-MASQ -m comment --comment "netavark portfw masq mark" -m mark --mark 0x2000/0x2000 -j MASQUERADE',
    '-A NETAVARK-HOSTPORT-SETMARK -j MARK --set-xmark 0x2000/0x2000',
  );
}

/** One network's rules for one family. */
export function networkPlan(n: NetworkFw, f: Family): Plan {
  const p = emptyPlan();
  const subnets = n.subnets.filter((s) => fam(s) === f);
  if (n.internal || !subnets.length) return p;
  basePlan(p);
  const h = chainHash(n.nvName);
  p.nat.chains.push(`NETAVARK-${h}`, `NETAVARK-DN-${h}`);
  for (const s of subnets) {
    p.filter.rules.push(`-A NETAVARK_FORWARD -d ${s} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A NETAVARK_FORWARD -s ${s} -j ACCEPT`);
    p.nat.rules.push(`-A POSTROUTING -s ${s} -j NETAVARK-${h}`, `-A NETAVARK-${h} -d ${s} -j ACCEPT`);
  }
  if (n.masquerade) p.nat.rules.push(`-A NETAVARK-${h} ! -d ${MCAST[f]} -j MASQUERADE`);
  p.filter.rules.push(`-A NETAVARK_ISOLATION_1 -i ${n.bridge} ! -o ${n.bridge} -j NETAVARK_ISOLATION_2`, `-A NETAVARK_ISOLATION_2 -o ${n.bridge} -j DROP`);
  return p;
}

/** iptables-restore --noflush input adding what `dump` lacks of `plan`; '' when all is there. */
export function missingScript(dump: string, plan: Plan): string {
  const have = { filter: new Set<string>(), nat: new Set<string>() } as Record<string, Set<string>>;
  const chains = { filter: new Set<string>(), nat: new Set<string>() } as Record<string, Set<string>>;
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':')) chains[table]?.add(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) have[table]?.add(line.trim());
  }
  const out: string[] = [];
  for (const t of ['filter', 'nat'] as const) {
    const newChains = [...new Set(plan[t].chains)].filter((c) => !chains[t].has(c));
    const newRules = [...new Set(plan[t].rules)].filter((r) => !have[t].has(r));
    if (!newChains.length && !newRules.length) continue;
    out.push(`*${t}`, ...newChains.map((c) => `:${c} - [0:0]`), ...newRules, 'COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

function merge(a: Plan, b: Plan): Plan {
  for (const t of ['filter', 'nat'] as const) {
    a[t].chains.push(...b[t].chains);
    a[t].rules.push(...b[t].rules);
  }
  return a;
}

function writeSysctl(name: string, value: string): void {
  try {
    fs.writeFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, value);
  } catch {
    /* absent (IPv6 disabled) */
  }
}

/**
 * Forwarding on a bridge of a routed network. netavark turns it off on the
 * bridges of internal networks (all of them, as berth runs it), so it is
 * turned back on after each setup: a /proc write, no process.
 */
export function enableForwarding(bridge: string, v6: boolean): void {
  writeSysctl(`net.ipv4.conf.${bridge}.forwarding`, '1');
  if (v6) writeSysctl(`net.ipv6.conf.${bridge}.forwarding`, '1');
}

/**
 * Makes sure the rules of these networks are in place (network create, daemon
 * start): one save and, when something is missing, one restore per family.
 */
export async function ensureNetworkRules(nets: NetworkFw[]): Promise<void> {
  for (const f of [4, 6] as const) {
    const plan = nets.reduce((p, n) => merge(p, networkPlan(n, f)), emptyPlan());
    if (!plan.filter.rules.length && !plan.nat.rules.length) continue;
    if (f === 4) writeSysctl('net.ipv4.ip_forward', '1');
    else writeSysctl('net.ipv6.conf.all.forwarding', '1');
    for (const n of nets) {
      if (n.internal) continue;
      // the global switch reaches only devices that existed when it flipped
      writeSysctl(`net.ipv${f}.conf.${n.bridge}.forwarding`, '1');
      // 127.0.0.1 published ports are DNATed out through the bridge
      if (f === 4) writeSysctl(`net.ipv4.conf.${n.bridge}.route_localnet`, '1');
    }
    const d = await run(SAVE[f], []);
    if (d.code !== 0) throw new Error(`${SAVE[f]}: ${d.stderr.trim()}`);
    const script = missingScript(d.stdout, plan);
    if (!script) continue;
    const r = await run(RESTORE[f], ['--noflush', '--wait'], script);
    if (r.code !== 0) throw new Error(`${RESTORE[f]}: ${r.stderr.trim()}`);
  }
}

export interface PortTarget {
  nvName: string;
  containerId: string;
  /** the network's subnets (hairpin traffic from them is masqueraded) */
  subnets: string[];
  /** the container's addresses on that network */
  addresses: string[];
}

/** A container's port-forward rules (nat table, per family), in netavark's shapes. */
export function portRules(t: PortTarget, maps: NvPortMapping[], f: Family): string[] {
  const addr = t.addresses.find((a) => fam(a) === f);
  if (!addr) return [];
  const h = chainHash(t.nvName);
  const out: string[] = [];
  const comment = `-m comment --comment "dnat name: ${t.nvName} id: ${t.containerId}"`;
  for (const m of maps) {
    if (m.host_ip && fam(m.host_ip) !== f) continue;
    if (m.protocol !== 'tcp' && m.protocol !== 'udp' && m.protocol !== 'sctp') continue;
    for (let i = 0; i < Math.max(1, m.range); i++) {
      const hp = m.host_port + i;
      const cp = m.container_port + i;
      const proto = `-p ${m.protocol} -m ${m.protocol} --dport ${hp}`;
      const dst = m.host_ip ? `-d ${m.host_ip}/${f === 4 ? 32 : 128} ` : '';
      out.push(`-A NETAVARK-HOSTPORT-DNAT ${proto} ${comment} -j NETAVARK-DN-${h}`);
      for (const s of t.subnets.filter((x) => fam(x) === f)) out.push(`-A NETAVARK-DN-${h} -s ${s} ${dst}${proto} -j NETAVARK-HOSTPORT-SETMARK`);
      out.push(`-A NETAVARK-DN-${h} -s ${HOST[f]} ${dst}${proto} -j NETAVARK-HOSTPORT-SETMARK`);
      out.push(`-A NETAVARK-DN-${h} ${dst}${proto} -j DNAT --to-destination ${f === 6 ? `[${addr}]` : addr}:${cp}`);
    }
  }
  return out;
}

/** Adds (at start) or removes (at stop, after a crash) a container's port forwards: one restore per family. */
export async function applyPortRules(t: PortTarget, maps: NvPortMapping[], add: boolean): Promise<void> {
  for (const f of [4, 6] as const) {
    const rules = portRules(t, maps, f);
    if (!rules.length) continue;
    const lines = add ? rules : rules.map((r) => '-D' + r.slice(2));
    const script = `*nat\n${lines.join('\n')}\nCOMMIT\n`;
    const r = await run(RESTORE[f], ['--noflush', '--wait'], script);
    if (r.code === 0) continue;
    if (add) throw new Error(`${RESTORE[f]}: ${r.stderr.trim()}`);
    // some are already gone: delete the ones still there
    const d = await run(SAVE[f], ['-t', 'nat']);
    const have = new Set(d.stdout.split('\n').map((l) => l.trim()));
    const left = rules.filter((x) => have.has(x)).map((x) => '-D' + x.slice(2));
    if (left.length) await run(RESTORE[f], ['--noflush', '--wait'], `*nat\n${left.join('\n')}\nCOMMIT\n`);
  }
}

/** A host port some DNAT rule on the host already forwards (this or any other daemon's, live or crashed). */
export interface Forwarded {
  proto: string;
  /** '' when the rule matches every local address */
  ip: string;
  lo: number;
  hi: number;
}

/** The DNAT rules of netavark-shaped port forwards in an iptables-save dump of the nat table. */
export function forwardedPorts(dump: string): Forwarded[] {
  const out: Forwarded[] = [];
  for (const line of dump.split('\n')) {
    if (!line.startsWith('-A NETAVARK-DN-') || !line.includes(' -j DNAT ')) continue;
    const proto = / -p (\w+)/.exec(line)?.[1];
    const port = / --dport (\d+)(?::(\d+))?/.exec(line);
    if (!proto || !port) continue;
    const ip = / -d ([^\s/]+)(?:\/\d+)?/.exec(line)?.[1] ?? '';
    out.push({ proto, ip, lo: Number(port[1]), hi: Number(port[2] ?? port[1]) });
  }
  return out;
}

/**
 * Host ports forwarded on this host right now. A daemon that crashed leaves its
 * forwards (its containers may still run) but not its port holders: a port is
 * only free when no rule captures it either. One iptables-save per start that
 * publishes ports.
 */
export async function readForwardedPorts(v6: boolean): Promise<Forwarded[]> {
  const out: Forwarded[] = [];
  for (const f of v6 ? ([4, 6] as const) : ([4] as const)) {
    const d = await run(SAVE[f], ['-t', 'nat']);
    if (d.code === 0) out.push(...forwardedPorts(d.stdout));
  }
  return out;
}
