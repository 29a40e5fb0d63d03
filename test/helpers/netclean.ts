// What a test daemon put on the host's network (bridges, keepers, iptables
// rules, aardvark-dns), found from its own records: listed for assertions and
// removed after the daemon stopped, so a failed test leaves nothing behind.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sweepNetworkRules } from '../../src/network/firewall';
import { keeperName, removeBridge, removeNetns } from '../../src/network/hostnet';
import { chainHash } from '../../src/network/netavark';

export interface Footprint {
  bridges: string[];
  subnets: string[];
  chains: string[];
  netIds: string[];
  execRoot: string;
}

interface Rec {
  Id: string;
  Name: string;
  Driver: string;
  IPAM: { Config: Array<{ Subnet: string }> };
  berth?: { bridge: string };
  Options: Record<string, string>;
}

export function footprint(dataRoot: string, execRoot: string): Footprint {
  const fp: Footprint = { bridges: [], subnets: [], chains: [], netIds: [], execRoot };
  const dir = path.join(dataRoot, 'networks');
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
  } catch {
    return fp;
  }
  for (const f of files) {
    let r: Rec;
    try {
      r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch {
      continue;
    }
    if (r.Driver !== 'bridge') continue;
    const br = r.berth?.bridge ?? r.Options['com.docker.network.bridge.name'] ?? `br-${r.Id.slice(0, 12)}`;
    fp.bridges.push(br);
    fp.subnets.push(...r.IPAM.Config.map((c) => c.Subnet));
    fp.chains.push(`NETAVARK-${chainHash(r.Id)}`, `NETAVARK-DN-${chainHash(r.Id)}`);
    fp.netIds.push(r.Id);
  }
  return fp;
}

/** aardvark-dns processes serving this exec root's netavark config (zombies excluded). */
export function aardvarkPids(execRoot: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd[0].endsWith('aardvark-dns') && cmd.some((a) => a.startsWith(path.join(execRoot, 'netavark')))) {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        if (!/\) Z /.test(stat)) out.push(Number(p));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Everything of this footprint still on the host, described. */
export function leftovers(fp: Footprint): string[] {
  const found: string[] = [];
  const links = fs.readdirSync('/sys/class/net');
  for (const b of fp.bridges) {
    if (links.includes(b)) found.push(`interface ${b}`);
    if (links.includes(keeperName(b))) found.push(`interface ${keeperName(b)}`);
  }
  for (const [save] of [['iptables-save'], ['ip6tables-save']]) {
    const dump = spawnSync(save, [], { encoding: 'utf8' }).stdout ?? '';
    for (const line of dump.split('\n')) {
      const hit =
        fp.chains.find((c) => line.includes(c)) ??
        fp.bridges.find((b) => line.includes(` ${b} `) || line.endsWith(` ${b}`)) ??
        fp.subnets.find((s) => line.includes(` ${s} `)) ??
        fp.netIds.find((id) => line.includes(id));
      if (hit) found.push(`${save}: ${line}`);
    }
  }
  for (const p of aardvarkPids(fp.execRoot)) found.push(`aardvark-dns pid ${p}`);
  const nsDir = path.join(fp.execRoot, 'netns');
  try {
    for (const f of fs.readdirSync(nsDir)) found.push(`netns file ${f}`);
  } catch {
    /* gone */
  }
  return found;
}

/** Removes whatever is left (after the daemon stopped). */
export async function cleanupNetworks(fp: Footprint): Promise<void> {
  const nsDir = path.join(fp.execRoot, 'netns');
  try {
    for (const f of fs.readdirSync(nsDir)) if (!f.endsWith('.json')) removeNetns(path.join(nsDir, f));
  } catch {
    /* none */
  }
  for (const p of aardvarkPids(fp.execRoot)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < fp.bridges.length; i++) {
    await sweepNetworkRules({ nvName: fp.netIds[i], bridge: fp.bridges[i], subnets: fp.subnets.filter(() => true) });
    await removeBridge(fp.bridges[i]);
  }
}
