// Published ports: what a container asks for (-p, -P), host ports chosen and
// held, and the shapes inspect/ps show. Like Docker, berth binds each host port
// for as long as the container runs, so a port taken by any other program (or
// another daemon) is refused at start; traffic itself never reaches that socket:
// netavark's DNAT rules send it to the container first.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { ContainerConfig, HostConfig, PortMap } from '../container';
import { badRequest, internal } from '../util/errors';
import { canonicalAddr } from '../common/ipnet';
import type { NvPortMapping } from './netavark';
import type { Forwarded } from './rules';
import { byteOrder } from '../util/compare';

export interface PortRequest {
  proto: string;
  ctrPort: number;
  /** '' for every address of the family chosen at reservation */
  hostIp: string;
  /** 0 and 0: any free port */
  lo: number;
  hi: number;
}

export interface Published {
  proto: string;
  ctrPort: number;
  hostIp: string;
  hostPort: number;
}

const PORT_RE = /^(\d+)(?:-(\d+))?$/;

function splitProto(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? [key, 'tcp'] : [key.slice(0, i), key.slice(i + 1).toLowerCase() || 'tcp'];
}

function portRange(s: string): [number, number] | undefined {
  if (s === '') return [0, 0];
  const m = PORT_RE.exec(s);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535 || hi < lo) return undefined;
  return [lo, hi];
}

/** Docker's create-time check of PortBindings. */
export function validatePortBindings(pb: HostConfig['PortBindings'] | null | undefined): void {
  for (const [key, list] of Object.entries(pb ?? {})) {
    const [port, proto] = splitProto(key);
    if (!portRange(port) || port === '' || !['tcp', 'udp', 'sctp'].includes(proto)) throw badRequest(`invalid port specification: "${port}"`);
    for (const b of list ?? []) {
      const [hp] = splitProto(b.HostPort ?? '');
      if (!portRange(hp)) throw badRequest(`invalid port specification: "${b.HostPort}"`);
      if (b.HostIp && !canonicalAddr(b.HostIp)) throw badRequest(`invalid IP address: ${b.HostIp}`);
    }
  }
}

/** The bindings a container asks for: PortBindings, plus a random port for every other exposed port with -P. */
export function portRequests(cfg: ContainerConfig, hc: HostConfig): PortRequest[] {
  const bindings: HostConfig['PortBindings'] = { ...(hc.PortBindings ?? {}) };
  if (hc.PublishAllPorts) for (const k of Object.keys(cfg.ExposedPorts ?? {})) if (!bindings[k]?.length) bindings[k] = [{ HostIp: '', HostPort: '' }];
  const out: PortRequest[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const [port, proto] = splitProto(key);
    const [clo, chi] = portRange(port) ?? [0, 0];
    for (const b of list ?? []) {
      const [hlo, hhi] = portRange(splitProto(b.HostPort ?? '')[0]) ?? [0, 0];
      const ip = b.HostIp ? (canonicalAddr(b.HostIp) ?? b.HostIp) : '';
      for (let p = clo; p <= chi; p++) {
        // a host range against a container range maps one to one; against one port it is a pool
        const lo = chi > clo && hlo ? hlo + (p - clo) : hlo;
        const hi = chi > clo && hlo ? lo : hhi;
        out.push({ proto, ctrPort: p, hostIp: ip === '0.0.0.0' ? '' : ip, lo, hi });
      }
    }
  }
  return out;
}

interface Holder {
  owner: string;
  proto: string;
  ip: string;
  port: number;
  close: () => void;
}

function ephemeralRange(): [number, number] {
  try {
    const [a, b] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a > 0 && b >= a) return [a, b];
  } catch {
    /* default below */
  }
  return [32768, 60999];
}

function bindHolder(proto: string, ip: string, port: number): Promise<() => void> {
  const v6 = ip.includes(':');
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
      s.once('error', reject);
      s.bind({ address: ip, port, exclusive: true }, () => {
        s.removeListener('error', reject);
        s.on('error', () => {});
        s.unref();
        resolve(() => s.close());
      });
      return;
    }
    if (proto !== 'tcp') return resolve(() => {});
    const srv = net.createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen({ host: ip, port, exclusive: true, ipv6Only: v6, backlog: 1 }, () => {
      srv.removeListener('error', reject);
      srv.on('error', () => {});
      srv.unref();
      resolve(() => srv.close());
    });
  });
}

const wildcard = (ip: string) => ip === '0.0.0.0' || ip === '::';
const family = (ip: string) => (ip.includes(':') ? 6 : 4);

export class PortAllocator {
  private readonly held: Holder[] = [];
  private cursor = 0;

  private clash(proto: string, ip: string, port: number): Holder | undefined {
    return this.held.find((h) => h.proto === proto && h.port === port && family(h.ip) === family(ip) && (h.ip === ip || wildcard(h.ip) || wildcard(ip)));
  }

  /**
   * Chooses and binds host ports for a container. `v6` adds the IPv6 wildcard for
   * bindings without an address. All or nothing: on error nothing stays held.
   */
  async reserve(owner: string, reqs: PortRequest[], v6: boolean, describe: (p: Published) => string, forwarded: Forwarded[] = []): Promise<Published[]> {
    const done: Published[] = [];
    try {
      for (const r of reqs) {
        const ips = r.hostIp ? [r.hostIp] : v6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
        const port = await this.pick(owner, r, ips, describe, forwarded);
        for (const ip of ips) done.push({ proto: r.proto, ctrPort: r.ctrPort, hostIp: ip, hostPort: port });
      }
    } catch (e) {
      this.release(owner);
      throw e;
    }
    return done;
  }

  private async pick(owner: string, r: PortRequest, ips: string[], describe: (p: Published) => string, forwarded: Forwarded[]): Promise<number> {
    const fixed = r.lo !== 0 && r.lo === r.hi;
    let candidates: number[];
    if (r.lo !== 0) {
      candidates = [];
      for (let p = r.lo; p <= r.hi; p++) candidates.push(p);
    } else {
      const [a, b] = ephemeralRange();
      const n = b - a + 1;
      candidates = [];
      for (let i = 0; i < n; i++) candidates.push(a + ((this.cursor + i) % n));
    }
    let lastErr: Error | undefined;
    for (const port of candidates) {
      const clash = ips.map((ip) => this.clash(r.proto, ip, port)).find(Boolean);
      if (clash) {
        lastErr = new Error(`Bind for ${ips[0]}:${port} failed: port is already allocated`);
        continue;
      }
      if (forwarded.some((f) => f.proto === r.proto && port >= f.lo && port <= f.hi && ips.some((ip) => !f.ip || wildcard(ip) || f.ip === ip))) {
        // a forward left by a daemon that is gone (or another engine) would capture this port's traffic
        lastErr = new Error(
          `failed to bind host port for ${describe({ proto: r.proto, ctrPort: r.ctrPort, hostIp: ips[0], hostPort: port })}: address already in use`,
        );
        if (fixed) break;
        continue;
      }
      const closers: Array<() => void> = [];
      try {
        for (const ip of ips) closers.push(await bindHolder(r.proto, ip, port));
      } catch (e) {
        for (const c of closers) c();
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : (e as Error).message;
        lastErr = new Error(`failed to bind host port for ${describe({ proto: r.proto, ctrPort: r.ctrPort, hostIp: ips[0], hostPort: port })}: ${why}`);
        if (fixed || code === 'EADDRNOTAVAIL') break;
        continue;
      }
      ips.forEach((ip, i) => this.held.push({ owner, proto: r.proto, ip, port, close: closers[i] }));
      if (r.lo === 0) this.cursor = port - ephemeralRange()[0] + 1;
      return port;
    }
    throw lastErr ?? internal('no free host port');
  }

  /** Re-holds the ports of a container that kept running while the daemon was away. */
  async rehold(owner: string, pubs: Published[]): Promise<void> {
    for (const p of pubs) {
      if (this.clash(p.proto, p.hostIp, p.hostPort)) continue;
      try {
        const close = await bindHolder(p.proto, p.hostIp, p.hostPort);
        this.held.push({ owner, proto: p.proto, ip: p.hostIp, port: p.hostPort, close });
      } catch {
        // someone took it while we were away; the DNAT rule still wins for its traffic
        this.held.push({ owner, proto: p.proto, ip: p.hostIp, port: p.hostPort, close: () => {} });
      }
    }
  }

  release(owner: string): void {
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (this.held[i].owner !== owner) continue;
      this.held[i].close();
      this.held.splice(i, 1);
    }
  }

  releaseAll(): void {
    for (const h of this.held) h.close();
    this.held.length = 0;
  }
}

/** netavark's mappings, consecutive ports folded into ranges. */
export function toNetavark(pubs: Published[]): NvPortMapping[] {
  const out: NvPortMapping[] = [];
  // one mapping per (ip family wildcard → ''), the same host port on 0.0.0.0 and :: is one rule set
  const seen = new Set<string>();
  const list = pubs
    .map((p) => ({ ...p, hostIp: wildcard(p.hostIp) ? '' : p.hostIp }))
    .filter((p) => {
      const k = `${p.proto}|${p.hostIp}|${p.hostPort}|${p.ctrPort}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => byteOrder(a.proto + a.hostIp, b.proto + b.hostIp) || a.hostPort - b.hostPort);
  for (const p of list) {
    const last = out[out.length - 1];
    if (
      last &&
      last.protocol === p.proto &&
      last.host_ip === p.hostIp &&
      last.host_port + last.range === p.hostPort &&
      last.container_port + last.range === p.ctrPort
    ) {
      last.range++;
      continue;
    }
    out.push({ host_ip: p.hostIp, container_port: p.ctrPort, host_port: p.hostPort, range: 1, protocol: p.proto });
  }
  return out;
}

/** NetworkSettings.Ports: published ports with their bindings, exposed ones with null. */
export function portMap(cfg: ContainerConfig, pubs: Published[]): PortMap {
  const m: PortMap = {};
  for (const k of Object.keys(cfg.ExposedPorts ?? {})) m[k.includes('/') ? k : `${k}/tcp`] = null;
  for (const p of pubs) (m[`${p.ctrPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  return m;
}

/** The `Ports` of a container summary (ps). */
export function summaryPorts(ports: PortMap | undefined, cfg: ContainerConfig): Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> {
  const out: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> = [];
  const src: PortMap = ports && Object.keys(ports).length ? ports : Object.fromEntries(Object.keys(cfg.ExposedPorts ?? {}).map((k) => [k, null]));
  for (const [k, list] of Object.entries(src)) {
    const [port, proto] = splitProto(k);
    if (!list || !list.length) out.push({ PrivatePort: Number(port), Type: proto });
    else for (const b of list) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}
