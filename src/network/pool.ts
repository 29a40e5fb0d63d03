// Subnets for networks created without one: the first block of the address
// pools that overlaps nothing routed on the host (a real Docker's bridges,
// other berth daemons, the LAN) and no other network of ours.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { lastOf, networkOf, overlaps, parseCidr, type Cidr } from '../common/ipnet';
import type { AddressPool } from './types';

/** Docker's local-scope defaults. */
export const DEFAULT_POOLS: AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

function hexLe32(h: string): bigint {
  // /proc/net/route prints addresses as little-endian hex words
  const n = BigInt('0x' + h);
  return ((n & 0xffn) << 24n) | ((n & 0xff00n) << 8n) | ((n >> 8n) & 0xff00n) | ((n >> 24n) & 0xffn);
}

function popcount(n: bigint): number {
  let c = 0;
  for (; n; n >>= 1n) c += Number(n & 1n);
  return c;
}

export interface Route extends Cidr {
  dev: string;
}

/** Every non-default route of the host's main table, both families. */
export function routedSubnets(): Route[] {
  const out: Route[] = [];
  try {
    for (const line of fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      const bits = popcount(hexLe32(f[7]));
      if (bits === 0) continue;
      out.push({ family: 4, addr: hexLe32(f[1]), bits, dev: f[0] });
    }
  } catch {
    /* no IPv4 */
  }
  try {
    for (const line of fs.readFileSync('/proc/net/ipv6_route', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const bits = parseInt(f[1], 16);
      if (bits === 0 || f[9] === 'lo') continue;
      out.push({ family: 6, addr: BigInt('0x' + f[0]), bits, dev: f[9] });
    }
  } catch {
    /* no IPv6 */
  }
  return out;
}

/** The first free block of the pools, or undefined when all are taken. */
export function pickSubnet(pools: AddressPool[], taken: Cidr[]): Cidr | undefined {
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    if (!base || pool.size < base.bits) continue;
    const step = 1n << BigInt((base.family === 4 ? 32 : 128) - pool.size);
    const end = lastOf(base);
    for (let a = networkOf(base); a <= end; a += step) {
      const c: Cidr = { family: base.family, addr: a, bits: pool.size };
      if (!taken.some((t) => overlaps(t, c))) return c;
    }
  }
  return undefined;
}

/** A random unique-local /64 (fd + 40-bit global ID + subnet 0), as Docker picks for --ipv6 without a subnet. */
export function pickUlaSubnet(taken: Cidr[]): Cidr {
  for (;;) {
    const id = BigInt('0x' + randomBytes(5).toString('hex'));
    const c: Cidr = { family: 6, addr: ((0xfdn << 40n) | id) << 80n, bits: 64 };
    if (!taken.some((t) => overlaps(t, c))) return c;
  }
}
