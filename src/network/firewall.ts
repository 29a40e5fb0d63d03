// The iptables rules netavark leaves for a network once the keeper keeps its
// bridge alive: removed here when the network goes (rm, prune, daemon stop
// with no container on it). Everything is found by names only this network
// has: its chain hash, its bridge, its subnets. One save + one restore per family.
import { run } from './exec';
import { chainHash } from './netavark';

export interface NetworkRules {
  /** the name berth gives netavark for this network (its ID) */
  nvName: string;
  bridge: string;
  subnets: string[];
}

function ours(chain: string, rule: string, r: NetworkRules, chains: Set<string>): boolean {
  if (chains.has(chain)) return true;
  const words = rule.split(/\s+/);
  const arg = (flag: string) => {
    const out: string[] = [];
    for (let i = 0; i < words.length - 1; i++) if (words[i] === flag) out.push(words[i + 1]);
    return out;
  };
  if (arg('-j').some((j) => chains.has(j))) return true;
  if (arg('-i').includes(r.bridge) || arg('-o').includes(r.bridge)) return true;
  if (chain.startsWith('NETAVARK') && (arg('-s').some((s) => r.subnets.includes(s)) || arg('-d').some((s) => r.subnets.includes(s)))) return true;
  return false;
}

/** iptables-restore input that deletes this network's rules and chains from a save dump. */
export function sweepScript(dump: string, r: NetworkRules): string {
  const h = chainHash(r.nvName);
  const chains = new Set([`NETAVARK-${h}`, `NETAVARK-DN-${h}`]);
  const out: string[] = [];
  let table = '';
  let body: string[] = [];
  let present: string[] = [];
  const flush = () => {
    if (table && (body.length || present.length)) out.push(`*${table}`, ...body, ...present.map((c) => `-F ${c}`), ...present.map((c) => `-X ${c}`), 'COMMIT');
    body = [];
    present = [];
  };
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) {
      flush();
      table = line.slice(1).trim();
    } else if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0];
      if (chains.has(name)) present.push(name);
    } else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      const chain = rest.slice(0, sp);
      // rules inside our own chains go with -F; the rest one by one
      if (chains.has(chain)) continue;
      if (ours(chain, rest.slice(sp + 1), r, chains)) body.push(`-D ${rest}`);
    } else if (line.startsWith('COMMIT')) {
      flush();
      table = '';
    }
  }
  flush();
  return out.length ? out.join('\n') + '\n' : '';
}

export async function sweepNetworkRules(r: NetworkRules): Promise<void> {
  const families: Array<['iptables-save' | 'ip6tables-save', 'iptables-restore' | 'ip6tables-restore', string[]]> = [
    ['iptables-save', 'iptables-restore', r.subnets.filter((s) => !s.includes(':'))],
    ['ip6tables-save', 'ip6tables-restore', r.subnets.filter((s) => s.includes(':'))],
  ];
  for (const [save, restore, subnets] of families) {
    // netavark writes ip6tables rules only for a network's IPv6 subnets: none, no dump to read (~20 ms)
    if (save === 'ip6tables-save' && !subnets.length) continue;
    const d = await run(save, []);
    if (d.code !== 0) continue;
    const script = sweepScript(d.stdout, { ...r, subnets });
    if (script) await run(restore, ['--noflush', '--wait'], script);
  }
}
