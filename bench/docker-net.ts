// The default bridge of the bench's dockerd, so bridge and published-port
// figures compare like with like without touching the host's own Docker
// networking: a bridge device of the bench's own name (created here, because
// dockerd only creates a bridge it is asked for by its default name docker0),
// a private /24 picked at random among unrouted 10.x addresses (the bridge's
// own address: dockerd takes its subnet from it), and
// dockerd's iptables rules. dockerd leaves its chains and rules behind when it
// stops, so the rules are snapshotted before it starts; afterwards every rule
// that is new and belongs to this bridge (its name, its subnet, a jump to a
// DOCKER chain that did not exist before) is deleted, and the DOCKER chains
// that did not exist before are removed. Host sysctls dockerd may flip
// (bridge-nf-call-iptables) are put back. --ip-forward=false: the host's
// ip_forward and FORWARD policy stay as they are (nothing here routes).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { addrString, cidrString, contains, overlaps, parseAddr, parseCidr, type Cidr } from '../src/common/ipnet';
import { routedSubnets } from '../src/network/pool';
import { listProcs } from './procs';

const SYSCTLS = ['/proc/sys/net/bridge/bridge-nf-call-iptables', '/proc/sys/net/bridge/bridge-nf-call-ip6tables'];

function sh(cmd: string, args: string[], input?: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: (r.stdout ?? '') + (r.status === 0 ? '' : (r.stderr ?? String(r.error ?? ''))) };
}

function linkExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/** A random 10.a.b.0/24 that no route on the host overlaps. */
function pickSubnet(): Cidr {
  const routes = routedSubnets();
  for (let i = 0; i < 200; i++) {
    const a = 100 + Math.floor(Math.random() * 150);
    const b = Math.floor(Math.random() * 256);
    const c = parseCidr(`10.${a}.${b}.0/24`)!;
    if (!routes.some((r) => overlaps(r, c))) return c;
  }
  throw new Error('no unrouted 10.x subnet found for the bench bridge');
}

interface Rule {
  table: string;
  chain: string;
  spec: string;
}

function parseSave(dump: string): { chains: Map<string, Set<string>>; rules: Rule[] } {
  const chains = new Map<string, Set<string>>();
  const rules: Rule[] = [];
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      if (!chains.has(table)) chains.set(table, new Set());
    } else if (line.startsWith(':')) chains.get(table)?.add(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      rules.push({ table, chain: rest.slice(0, sp), spec: rest.slice(sp + 1) });
    }
  }
  return { chains, rules };
}

const key = (r: Rule) => `${r.table}\0${r.chain}\0${r.spec}`;

export interface SweepPlan {
  /** iptables-restore --noflush input; '' when there is nothing to remove */
  script: string;
  /** the rules it deletes, as `-t table -A chain spec` */
  rules: string[];
  /** the chains it removes, as `table/chain` */
  chains: string[];
}

/**
 * What to remove after the bench's dockerd stopped, from iptables-save dumps
 * taken before it started and now. Only rules that are new since `before` are
 * candidates; of those, the ones naming `bridge` (-i/-o), an address in
 * `subnet` (-s/-d), or jumping to a DOCKER chain that did not exist before.
 * Those DOCKER chains themselves go too unless `keepNewChains` (another dockerd
 * that manages iptables is running and may use them).
 */
export function sweepPlan(beforeDump: string, nowDump: string, o: { bridge: string; subnet: Cidr; keepNewChains?: boolean }): SweepPlan {
  const before = parseSave(beforeDump);
  const now = parseSave(nowDump);
  const seen = new Set(before.rules.map(key));
  const removable = new Set<string>();
  if (!o.keepNewChains) {
    for (const [table, chains] of now.chains)
      for (const c of chains) if (c.startsWith('DOCKER') && !before.chains.get(table)?.has(c)) removable.add(`${table}/${c}`);
  }
  const ours = (r: Rule) => {
    const words = r.spec.split(/\s+/);
    const args = (flag: string) => words.flatMap((w, i) => (w === flag && i + 1 < words.length ? [words[i + 1]] : []));
    if (args('-j').some((j) => removable.has(`${r.table}/${j}`))) return true;
    if ([...args('-i'), ...args('-o')].includes(o.bridge)) return true;
    return [...args('-s'), ...args('-d')].some((a) => {
      const c = parseCidr(a.includes('/') ? a : `${a}/32`);
      return !!c && c.family === 4 && c.bits >= 8 && overlaps(c, o.subnet);
    });
  };
  const script: string[] = [];
  const rules: string[] = [];
  for (const table of now.chains.keys()) {
    const lines: string[] = [];
    for (const r of now.rules) {
      if (r.table !== table || seen.has(key(r)) || removable.has(`${table}/${r.chain}`) || !ours(r)) continue;
      lines.push(`-D ${r.chain} ${r.spec}`);
      rules.push(`-t ${table} -A ${r.chain} ${r.spec}`);
    }
    const chains = [...removable].filter((c) => c.startsWith(table + '/')).map((c) => c.slice(table.length + 1));
    // rules inside a removed chain go with -F; then the chain itself
    if (lines.length || chains.length) script.push(`*${table}`, ...lines, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return { script: script.length ? script.join('\n') + '\n' : '', rules, chains: [...removable] };
}

export class DockerBridge {
  readonly name = `bbd-${randomBytes(3).toString('hex')}`;
  readonly subnet: Cidr = pickSubnet();
  private created = false;
  private before?: string;
  private sysctls = new Map<string, string>();

  /** "10.a.b.0/24" and the gateway address on the bridge, "10.a.b.1/24" */
  get cidr(): string {
    return cidrString(this.subnet);
  }

  get bip(): string {
    return `${addrString(4, this.subnet.addr + 1n)}/${this.subnet.bits}`;
  }

  /** Creates the bridge device and snapshots iptables and sysctls; throws when the host cannot do it. */
  setup(): void {
    const save = sh('iptables-save', []);
    if (!save.ok) throw new Error(`iptables-save failed: ${save.out.trim()}`);
    this.before = save.out;
    for (const f of SYSCTLS) {
      try {
        this.sysctls.set(f, fs.readFileSync(f, 'utf8').trim());
      } catch {
        /* br_netfilter not loaded: nothing to restore */
      }
    }
    const r = sh('ip', ['link', 'add', 'name', this.name, 'type', 'bridge']);
    if (!r.ok) throw new Error(`ip link add ${this.name} type bridge: ${r.out.trim()}`);
    this.created = true;
    // dockerd refuses -b with --bip: it takes the subnet from the bridge's own address
    const a = sh('ip', ['addr', 'add', this.bip, 'dev', this.name]);
    if (!a.ok) throw new Error(`ip addr add ${this.bip} dev ${this.name}: ${a.out.trim()}`);
    const u = sh('ip', ['link', 'set', this.name, 'up']);
    if (!u.ok) throw new Error(`ip link set ${this.name} up: ${u.out.trim()}`);
  }

  dockerdArgs(): string[] {
    return ['--bridge', this.name, '--iptables=true', '--ip-forward=false', '--ip-masq=true'];
  }

  /** What of ours is still on the host (for the leftover check). */
  leftovers(): string[] {
    const out: string[] = [];
    if (linkExists(this.name)) out.push(`interface ${this.name}`);
    for (const p of listProcs()) {
      const i = p.cmdline.indexOf('-container-ip');
      const ip = i >= 0 ? parseAddr(p.cmdline[i + 1] ?? '') : undefined;
      if (p.comm === 'docker-proxy' && ip && contains(this.subnet, ip)) out.push(`docker-proxy pid ${p.pid}`);
    }
    if (!this.before) return out;
    const plan = this.plan();
    out.push(...plan.rules.map((r) => `iptables ${r}`), ...plan.chains.map((c) => `iptables chain ${c}`));
    return out;
  }

  private plan(): SweepPlan {
    // another dockerd that manages iptables shares the DOCKER chains: leave them to it
    const foreign = listProcs().some((p) => p.comm === 'dockerd' && !p.cmdline.includes('--iptables=false') && !p.cmdline.includes(this.name));
    return sweepPlan(this.before!, sh('iptables-save', []).out, { bridge: this.name, subnet: this.subnet, keepNewChains: foreign });
  }

  /** After dockerd stopped: deletes our rules and chains, the bridge, and puts sysctls back. Returns what it removed. */
  teardown(): string[] {
    const done: string[] = [];
    if (this.before) {
      const plan = this.plan();
      if (plan.script) {
        const r = sh('iptables-restore', ['--noflush', '--wait'], plan.script);
        done.push(r.ok ? `${plan.rules.length} iptables rule(s), ${plan.chains.length} chain(s)` : `iptables-restore failed: ${r.out.trim()}`);
      }
    }
    if (this.created && linkExists(this.name)) {
      sh('ip', ['link', 'delete', this.name]);
      done.push(`interface ${this.name}`);
    }
    for (const [f, v] of this.sysctls) {
      try {
        if (fs.readFileSync(f, 'utf8').trim() !== v) {
          fs.writeFileSync(f, v);
          done.push(`${f} back to ${v}`);
        }
      } catch {
        /* gone */
      }
    }
    return done;
  }
}
