// IPv4/IPv6 addresses and CIDR blocks as bigints: parsing, formatting (RFC 5952
// for v6), containment and overlap. Everything IPAM and validation needs.

export type Family = 4 | 6;

export interface Addr {
  family: Family;
  n: bigint;
}

export interface Cidr {
  family: Family;
  /** the address as written (host bits may be set) */
  addr: bigint;
  bits: number;
}

const width = (f: Family) => (f === 4 ? 32 : 128);

function parseV4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255 || (m[i].length > 1 && m[i][0] === '0')) return undefined;
    n = (n << 8n) | BigInt(o);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return undefined;
  let str = s;
  let tail: bigint[] = [];
  const lc = str.lastIndexOf(':');
  if (str.slice(lc + 1).includes('.')) {
    // an embedded IPv4 tail (::ffff:1.2.3.4)
    const v4 = parseV4(str.slice(lc + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    str = str.slice(0, lc + 1);
    if (!str.endsWith('::')) str = str.slice(0, -1);
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt('0x' + g));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array<bigint>(8 - total).fill(0n), ...rest, ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseAddr(s: string): Addr | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { family: 4, n: v4 };
  const v6 = parseV6(s);
  if (v6 !== undefined) return { family: 6, n: v6 };
  return undefined;
}

export function formatAddr(a: Addr): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.n >> s) & 0xffn)).join('.');
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((a.n >> BigInt(i * 16)) & 0xffffn));
  // the longest run of two or more zero groups becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function parseCidr(s: string): Cidr | undefined {
  const i = s.indexOf('/');
  if (i < 0) return undefined;
  const a = parseAddr(s.slice(0, i));
  const bitsStr = s.slice(i + 1);
  if (!a || !/^\d{1,3}$/.test(bitsStr)) return undefined;
  const bits = Number(bitsStr);
  if (bits > width(a.family)) return undefined;
  return { family: a.family, addr: a.n, bits };
}

export function mask(c: { family: Family; bits: number }): bigint {
  const w = BigInt(width(c.family));
  return ((1n << w) - 1n) ^ ((1n << (w - BigInt(c.bits))) - 1n);
}

/** The first address of the block. */
export function networkOf(c: Cidr): bigint {
  return c.addr & mask(c);
}

/** The last address of the block (broadcast for v4). */
export function lastOf(c: Cidr): bigint {
  return networkOf(c) | (((1n << BigInt(width(c.family))) - 1n) ^ mask(c));
}

export function masked(c: Cidr): Cidr {
  return { family: c.family, addr: networkOf(c), bits: c.bits };
}

export function isMasked(c: Cidr): boolean {
  return c.addr === networkOf(c);
}

export function cidrString(c: Cidr): string {
  return `${formatAddr({ family: c.family, n: c.addr })}/${c.bits}`;
}

export function contains(c: Cidr, a: Addr): boolean {
  return c.family === a.family && (a.n & mask(c)) === networkOf(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return networkOf(a) <= lastOf(b) && networkOf(b) <= lastOf(a);
}

export function size(c: Cidr): bigint {
  return 1n << BigInt(width(c.family) - c.bits);
}

export function addrString(family: Family, n: bigint): string {
  return formatAddr({ family, n });
}

/** Canonical text of an address ("0:0::1" → "::1"), or undefined if it is not one. */
export function canonicalAddr(s: string): string | undefined {
  const a = parseAddr(s);
  return a ? formatAddr(a) : undefined;
}
