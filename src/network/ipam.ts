// Address management for bridge networks (netavark does none): which addresses
// of a network are taken, the lowest free one in its range, requested ones.
// Held in memory only; rebuilt from container records when the daemon starts.
import { forbidden, EngineError } from '../util/errors';
import { addrString, contains, lastOf, networkOf, parseAddr, parseCidr, type Cidr, type Family } from '../common/ipnet';
import type { IpamConfig, NetworkRecord } from './types';

export interface Lease {
  address: string;
  prefixLen: number;
  gateway: string;
  family: Family;
}

interface Pool {
  subnet: Cidr;
  range: Cidr;
  gateway?: bigint;
  reserved: Set<bigint>;
}

function poolsOf(n: NetworkRecord): Pool[] {
  return n.IPAM.Config.map((cfg: IpamConfig) => {
    const subnet = parseCidr(cfg.Subnet)!;
    const range = cfg.IPRange ? parseCidr(cfg.IPRange)! : subnet;
    const gw = cfg.Gateway ? parseAddr(cfg.Gateway)?.n : undefined;
    const reserved = new Set<bigint>([networkOf(subnet)]);
    if (subnet.family === 4) reserved.add(lastOf(subnet));
    if (gw !== undefined) reserved.add(gw);
    for (const a of Object.values(cfg.AuxiliaryAddresses ?? {})) {
      const p = parseAddr(a);
      if (p) reserved.add(p.n);
    }
    return { subnet, range, gateway: gw, reserved };
  });
}

export class Ipam {
  /** network ID → taken addresses (as numbers, both families) */
  private readonly taken = new Map<string, Set<string>>();

  private set(netId: string): Set<string> {
    let s = this.taken.get(netId);
    if (!s) this.taken.set(netId, (s = new Set()));
    return s;
  }

  /** Records an address a running container already has (daemon restart). */
  claim(netId: string, address: string): void {
    const a = parseAddr(address);
    if (a) this.set(netId).add(`${a.family}:${a.n}`);
  }

  isTaken(netId: string, address: string): boolean {
    const a = parseAddr(address);
    return !!a && this.set(netId).has(`${a.family}:${a.n}`);
  }

  release(netId: string, address: string): void {
    const a = parseAddr(address);
    if (a) this.taken.get(netId)?.delete(`${a.family}:${a.n}`);
  }

  forget(netId: string): void {
    this.taken.delete(netId);
  }

  inUse(netId: string): number {
    return this.taken.get(netId)?.size ?? 0;
  }

  /**
   * An address of the given family on the network: the requested one (which
   * must be in a subnet and free) or the lowest free one in the range.
   */
  allocate(n: NetworkRecord, family: Family, requested?: string): Lease | undefined {
    const pools = poolsOf(n).filter((p) => p.subnet.family === family);
    if (!pools.length) return undefined;
    const taken = this.set(n.Id);
    const lease = (p: Pool, v: bigint): Lease => {
      taken.add(`${family}:${v}`);
      return { address: addrString(family, v), prefixLen: p.subnet.bits, gateway: p.gateway !== undefined ? addrString(family, p.gateway) : '', family };
    };
    if (requested) {
      const a = parseAddr(requested)!;
      const p = pools.find((x) => contains(x.subnet, a));
      if (!p) throw new EngineError(400, `no configured subnet or ip-range contain the IP address ${requested}`);
      if (taken.has(`${family}:${a.n}`) || p.reserved.has(a.n)) throw forbidden('Address already in use');
      return lease(p, a.n);
    }
    for (const p of pools) {
      const end = lastOf(p.range);
      for (let v = networkOf(p.range); v <= end; v++) {
        if (p.reserved.has(v) || taken.has(`${family}:${v}`)) continue;
        return lease(p, v);
      }
    }
    throw new EngineError(503, `no available IPv${family} addresses on this network's address pools: ${n.Name} (${n.Id})`);
  }
}
