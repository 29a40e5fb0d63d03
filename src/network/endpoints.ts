// Containers on networks at run time: at start a network namespace, addresses
// from IPAM, held host ports and one netavark setup for every bridge network;
// at stop the same input torn down. The input used is kept beside the netns
// file, so after a crash the next daemon start can undo exactly what was done.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container, EndpointSettings } from '../container';
import { EngineError, badRequest, forbidden, notFound } from '../util/errors';
import { readJsonSync, writeJsonAtomicSync } from '../util/fsutil';
import { newId } from '../util/ids';
import { log } from '../util/log';
import { boolOpt } from './config';
import { embeddedDnsTarget } from './dns';
import { addDefaultRoutes, createNetns, isolatePorts, removeNetns, type DefaultRoute } from './hostnet';
import type { Lease } from './ipam';
import type { NetworkContext } from './context';
import { parseLinks } from './links';
import * as nv from './netavark';
import { emptyEndpoint, emptyRuntime, emptyState, endpointFor, ERR, type EndpointRequest } from './prepare';
import { portMap, portRequests, toNetavark, type Published } from './ports';
import { applyPortRules, enableForwarding, readForwardedPorts, type PortTarget } from './rules';
import { ICC_OPT, MTU_OPT, type NetworkRecord } from './types';
import { crashPoint } from '../util/fault';

interface Joined {
  name: string;
  ep: EndpointSettings;
  n: NetworkRecord;
}

const isBridgeMode = (mode: string) => mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');

export class Endpoints {
  constructor(private readonly m: NetworkContext) {}

  private get nvPaths(): nv.NetavarkPaths {
    return { netavark: this.m.cfg.netavarkPath, aardvark: this.m.cfg.aardvarkPath, configDir: this.m.paths.nvConfig };
  }

  netnsFile(id: string): string {
    return path.join(this.m.paths.netns, id);
  }

  private stateFile(id: string): string {
    return path.join(this.m.paths.netns, `${id}.json`);
  }

  state(c: Container) {
    if (!c.NetworkSettings) {
      // a record from before networking existed: what its mode implies
      c.NetworkSettings = emptyState();
      const mode = c.HostConfig.NetworkMode || 'default';
      if (!mode.startsWith('container:')) {
        const n = this.m.store.find(mode === 'default' ? 'bridge' : mode);
        if (n) c.NetworkSettings.Networks[n.Name] = emptyEndpoint(n.Id);
      }
    }
    return c.NetworkSettings;
  }

  // ---------- views ----------

  /** Running containers with an endpoint on the network. */
  activeOn(n: NetworkRecord): Container[] {
    return this.m.containers
      .all()
      .filter((c) => c.State.Running && Object.values(c.NetworkSettings?.Networks ?? {}).some((e) => e.NetworkID === n.Id && e.EndpointID));
  }

  containersOn(n: NetworkRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.activeOn(n)) {
      const e = Object.values(c.NetworkSettings!.Networks).find((x) => x.NetworkID === n.Id)!;
      out[c.ID] = {
        Name: c.Name.slice(1),
        EndpointID: e.EndpointID,
        MacAddress: e.MacAddress,
        IPv4Address: e.IPAddress ? `${e.IPAddress}/${e.IPPrefixLen}` : '',
        IPv6Address: e.GlobalIPv6Address ? `${e.GlobalIPv6Address}/${e.GlobalIPv6PrefixLen}` : '',
      };
    }
    return out;
  }

  // ---------- start / stop ----------

  private joined(c: Container): Joined[] {
    const out: Joined[] = [];
    for (const [name, ep] of Object.entries(this.state(c).Networks)) {
      const n = (ep.NetworkID && this.m.store.find(ep.NetworkID)) || this.m.store.find(name);
      if (!n || (n.Name !== name && n.Id !== name)) throw notFound(`network ${name} not found`);
      ep.NetworkID = n.Id;
      out.push({ name, ep, n });
    }
    return out;
  }

  private nvNetwork(n: NetworkRecord, index: number): nv.NvNetwork {
    const options: Record<string, string> = { isolate: 'true', metric: String(100 + index) };
    if (n.Options[MTU_OPT] && n.Options[MTU_OPT] !== '1500') options.mtu = n.Options[MTU_OPT];
    return {
      name: n.Id,
      id: n.Id,
      driver: 'bridge',
      network_interface: this.m.bridgeOf(n),
      // netavark pairs static_ips with subnets by position: IPv4 first, as the leases are
      subnets: [...n.IPAM.Config]
        .sort((a, b) => Number(a.Subnet.includes(':')) - Number(b.Subnet.includes(':')))
        .map((s) => ({ subnet: s.Subnet, ...(s.Gateway ? { gateway: s.Gateway } : {}) })),
      // internal for netavark: it then skips its per-container firewall pass (two dozen
      // iptables runs); berth keeps network rules in place itself (rules.ts)
      ipv6_enabled: n.EnableIPv6,
      internal: true,
      dns_enabled: n.Name !== 'bridge',
      options,
    };
  }

  private perNetwork(c: Container, j: Joined, leases: Lease[], iface: string): nv.NvPerNetwork {
    const aliases = j.n.Name === 'bridge' ? [] : [...(j.ep.Aliases ?? []), c.ID.slice(0, 12), ...this.linkAliases(c, j.n.Id)];
    return { static_ips: leases.map((l) => l.address), aliases, interface_name: iface, ...(j.ep.MacAddress ? { static_mac: j.ep.MacAddress } : {}) };
  }

  private dnsServers(c: Container): string[] | undefined {
    const d = c.HostConfig.Dns?.length ? c.HostConfig.Dns : this.m.daemonDns.dns;
    return d.length ? d : undefined;
  }

  /**
   * Links on a user network (EndpointConfig.Links "target:alias") name `c` for the
   * containers that declare them: `c` answers to those aliases in the network's DNS.
   * (Docker scopes the alias to the linking container; aardvark serves it network-wide.)
   */
  private linkAliases(c: Container, networkId: string): string[] {
    const out: string[] = [];
    for (const x of this.m.containers.all()) {
      if (x.ID === c.ID) continue;
      for (const ep of Object.values(x.NetworkSettings?.Networks ?? {})) {
        if (ep.NetworkID !== networkId) continue;
        for (const l of parseLinks(ep.Links)) if (l.name === c.Name.slice(1) || (l.name.length >= 12 && c.ID.startsWith(l.name))) out.push(l.alias);
      }
    }
    return out;
  }

  /** Legacy links of the default bridge: each target must be running there. */
  private checkLinks(c: Container): void {
    for (const l of parseLinks(c.HostConfig.Links)) {
      const t = this.m.containers.find(l.name);
      if (!t) throw notFound(`could not get container for ${l.name}`);
      if (!t.State.Running) throw badRequest(`Cannot link to a non running container: ${t.Name} AS ${c.Name}/${l.alias}`);
      if (!t.NetworkSettings?.Networks.bridge) throw badRequest(`Cannot link to ${t.Name}, as it does not belong to the default network`);
    }
  }

  /** netavark setups still running, by container: start awaits them just before the process runs */
  private readonly pending = new Map<string, Promise<void>>();

  /**
   * Networking for a container about to start: addresses, host ports and the
   * namespace now, the netavark setup in the background (it overlaps the
   * runtime's create; ready() waits for it). Throws with nothing left behind.
   */
  async attach(c: Container): Promise<void> {
    const st = this.state(c);
    const mode = c.HostConfig.NetworkMode || 'default';
    st.Ports = {};
    st.SandboxKey = '';
    if (!isBridgeMode(mode)) {
      if (mode.startsWith('container:')) return;
      const ep = (st.Networks[mode] ??= emptyEndpoint(this.m.store.byName(mode)!.Id));
      ep.NetworkID = this.m.store.byName(mode)!.Id;
      ep.EndpointID = newId();
      st.SandboxID = newId();
      this.event('connect', c, ep.NetworkID);
      return;
    }
    const leases = new Map<string, Lease[]>();
    const file = this.netnsFile(c.ID);
    let nsMade = false;
    try {
      const joined = this.joined(c);
      if (joined.some((j) => j.n.Name === 'bridge')) this.checkLinks(c);
      const epIds = new Map(joined.map((j) => [j.n.Id, newId()]));
      for (const j of joined) {
        const l: Lease[] = [];
        leases.set(j.n.Id, l);
        const v4 = this.m.ipam.allocate(j.n, 4, j.ep.IPAMConfig?.IPv4Address);
        if (v4) l.push(v4);
        if (j.n.EnableIPv6) {
          const v6 = this.m.ipam.allocate(j.n, 6, j.ep.IPAMConfig?.IPv6Address);
          if (v6) l.push(v6);
        }
      }
      const v6 = [...leases.values()].some((l) => l.some((x) => x.family === 6));
      const first = joined[0];
      const describe = (p: Published) => `${p.hostIp}:${p.hostPort}:${leases.get(first?.n.Id ?? '')?.[0]?.address ?? ''}:${p.ctrPort}/${p.proto}`;
      let pubs: Published[] = [];
      try {
        const reqs = first ? portRequests(c.Config, c.HostConfig) : [];
        pubs = reqs.length ? await this.m.ports.reserve(c.ID, reqs, v6, describe, await readForwardedPorts(v6)) : [];
      } catch (e) {
        throw new EngineError(
          500,
          `driver failed programming external connectivity on endpoint ${c.Name.slice(1)} (${epIds.get(first.n.Id)}): ${(e as Error).message}`,
        );
      }
      joined.forEach((j) => this.fill(j, leases.get(j.n.Id)!, epIds.get(j.n.Id)!, c));
      await createNetns(file, embeddedDnsTarget(this.m, c));
      nsMade = true;
      if (joined.length) {
        const opts: nv.NvOptions = { container_id: c.ID, container_name: c.Name.slice(1), networks: {}, network_info: {} };
        joined.forEach((j, i) => {
          opts.networks[j.n.Id] = this.perNetwork(c, j, leases.get(j.n.Id)!, `eth${i}`);
          opts.network_info[j.n.Id] = this.nvNetwork(j.n, i);
        });
        const pm = toNetavark(pubs);
        if (pm.length) opts.port_mappings = pm;
        const dns = this.dnsServers(c);
        if (dns) opts.dns_servers = dns;
        const job = this.setup(file, opts).then((status) => {
          crashPoint('start.network');
          for (const j of joined) this.fillMac(j, status, opts);
        });
        job.catch(() => {});
        this.pending.set(c.ID, job);
      }
      st.Ports = portMap(c.Config, pubs);
      st.SandboxKey = file;
      st.SandboxID = newId();
      for (const j of joined) this.event('connect', c, j.n.Id);
    } catch (e) {
      for (const [netId, ls] of leases) for (const l of ls) this.m.ipam.release(netId, l.address);
      for (const ep of Object.values(st.Networks)) clearRuntime(ep);
      this.m.ports.release(c.ID);
      if (nsMade) removeNetns(file);
      fs.rmSync(this.stateFile(c.ID), { force: true });
      throw setupError(e);
    }
  }

  /** Waits for the background netavark setup; if it failed, undoes attach and throws Docker's error. */
  async ready(c: Container): Promise<void> {
    const job = this.pending.get(c.ID);
    if (!job) return;
    this.pending.delete(c.ID);
    try {
      await job;
    } catch (e) {
      await this.detach(c);
      throw setupError(e);
    }
  }

  /** One netavark setup, recorded first so a crash at any point can be undone; undone here if it fails. */
  private async setup(file: string, opts: nv.NvOptions, merged?: nv.NvOptions): Promise<nv.NvStatus> {
    const id = opts.container_id;
    writeJsonAtomicSync(this.stateFile(id), merged ? mergeOpts(merged, opts) : opts);
    let status: nv.NvStatus;
    try {
      status = await nv.setup(this.nvPaths, file, opts);
    } catch (e) {
      await nv.teardown(this.nvPaths, file, opts).catch(() => {});
      if (merged) writeJsonAtomicSync(this.stateFile(id), merged);
      throw e;
    }
    try {
      await this.wire(file, opts);
    } catch (e) {
      await this.unwire(opts);
      await nv.teardown(this.nvPaths, file, opts).catch(() => {});
      if (merged) writeJsonAtomicSync(this.stateFile(id), merged);
      throw e;
    }
    return status;
  }

  /** What netavark (told every network is internal) leaves to berth: default routes, --icc=false, port forwards. */
  private async wire(file: string, opts: nv.NvOptions): Promise<void> {
    const routes: DefaultRoute[] = [];
    for (const [netId, info] of Object.entries(opts.network_info)) {
      const n = this.m.store.find(netId);
      if (!n || n.Internal) continue;
      const iface = opts.networks[netId].interface_name;
      const metric = Number(info.options?.metric ?? 100);
      for (const s of info.subnets)
        if (s.gateway && opts.networks[netId].static_ips.some((a) => a.includes(':') === s.gateway!.includes(':')))
          routes.push({ gateway: s.gateway, iface, metric });
      enableForwarding(this.m.bridgeOf(n), n.EnableIPv6);
      if (!boolOpt(n.Options, ICC_OPT, true)) isolatePorts(this.m.bridgeOf(n));
    }
    await addDefaultRoutes(file, routes);
    const t = this.portTarget(opts);
    if (t && opts.port_mappings?.length) await applyPortRules(t, opts.port_mappings, true);
  }

  /** The port forwards of a setup, removed (stop, failed start, crash leftovers). */
  private async unwire(opts: nv.NvOptions): Promise<void> {
    const t = this.portTarget(opts);
    if (t && opts.port_mappings?.length)
      await applyPortRules(t, opts.port_mappings, false).catch((e) => log().warn({ err: e, id: opts.container_id }, 'removing port forwards failed'));
  }

  /** Published ports lead to the container's address on its first network (unless internal). */
  private portTarget(opts: nv.NvOptions): PortTarget | undefined {
    const first = Object.entries(opts.networks).find(([, p]) => p.interface_name === 'eth0') ?? Object.entries(opts.networks)[0];
    if (!first) return undefined;
    const n = this.m.store.find(first[0]);
    if (!n || n.Internal) return undefined;
    return {
      nvName: first[0],
      containerId: opts.container_id,
      subnets: opts.network_info[first[0]].subnets.map((s) => s.subnet),
      addresses: first[1].static_ips,
    };
  }

  /** Addresses are known before netavark runs: IPAM is ours. */
  private fill(j: Joined, leases: Lease[], epId: string, c: Container): void {
    const v4 = leases.find((l) => l.family === 4);
    const v6 = leases.find((l) => l.family === 6);
    Object.assign(j.ep, {
      NetworkID: j.n.Id,
      EndpointID: epId,
      IPAddress: v4?.address ?? '',
      IPPrefixLen: v4?.prefixLen ?? 0,
      Gateway: j.n.Internal ? '' : (v4?.gateway ?? ''),
      GlobalIPv6Address: v6?.address ?? '',
      GlobalIPv6PrefixLen: v6?.prefixLen ?? 0,
      IPv6Gateway: j.n.Internal ? '' : (v6?.gateway ?? ''),
      DNSNames: j.n.Name === 'bridge' ? null : [c.Name.slice(1), ...(j.ep.Aliases ?? []), c.ID.slice(0, 12)],
    });
  }

  /** The MAC address comes from netavark (random unless one was asked for). */
  private fillMac(j: Joined, status: nv.NvStatus, opts: nv.NvOptions): void {
    const iface = opts.networks[j.n.Id].interface_name;
    const mac = status[j.n.Id]?.interfaces?.[iface]?.mac_address;
    if (mac) j.ep.MacAddress = mac;
  }

  /** Undoes attach: teardown with the recorded input, netns gone, addresses and ports released. */
  async detach(c: Container): Promise<void> {
    const job = this.pending.get(c.ID);
    if (job) {
      this.pending.delete(c.ID);
      await job.catch(() => {});
    }
    const file = this.netnsFile(c.ID);
    const opts = readState(this.stateFile(c.ID));
    if (opts) await this.unwire(opts);
    if (opts && needsTeardown(opts) && fs.existsSync(file)) {
      try {
        await nv.teardown(this.nvPaths, file, opts);
      } catch (e) {
        log().warn({ err: e, id: c.ID }, 'network teardown failed');
      }
    }
    removeNetns(file);
    fs.rmSync(this.stateFile(c.ID), { force: true });
    this.m.ports.release(c.ID);
    const st = c.NetworkSettings;
    if (!st) return;
    for (const ep of Object.values(st.Networks)) {
      if (ep.EndpointID) this.event('disconnect', c, ep.NetworkID);
      if (ep.IPAddress) this.m.ipam.release(ep.NetworkID, ep.IPAddress);
      if (ep.GlobalIPv6Address) this.m.ipam.release(ep.NetworkID, ep.GlobalIPv6Address);
      clearRuntime(ep);
    }
    st.Ports = {};
    st.SandboxKey = '';
    st.SandboxID = '';
  }

  // ---------- connect / disconnect ----------

  async connect(c: Container, ref: string, req: EndpointRequest | null | undefined): Promise<void> {
    const n = this.m.get(ref);
    const mode = c.HostConfig.NetworkMode || 'default';
    if (n.Driver === 'host' && mode !== 'host') throw badRequest(ERR.connectHost);
    if (mode === 'host' || mode.startsWith('container:')) throw badRequest(ERR.shared);
    if (mode === 'none' || n.Driver === 'null') throw badRequest(ERR.noNetwork);
    const st = this.state(c);
    if (st.Networks[n.Name]) throw forbidden(`endpoint with name ${c.Name.slice(1)} already exists in network ${n.Name}`);
    const ep = endpointFor(n, req);
    if (c.State.Running && st.SandboxKey) {
      const opts = readState(this.stateFile(c.ID)) ?? { container_id: c.ID, container_name: c.Name.slice(1), networks: {}, network_info: {} };
      const used = new Set(Object.values(opts.networks).map((p) => p.interface_name));
      let i = 0;
      while (used.has(`eth${i}`)) i++;
      const j: Joined = { name: n.Name, ep, n };
      const leases: Lease[] = [];
      try {
        const v4 = this.m.ipam.allocate(n, 4, ep.IPAMConfig?.IPv4Address);
        if (v4) leases.push(v4);
        if (n.EnableIPv6) {
          const v6 = this.m.ipam.allocate(n, 6, ep.IPAMConfig?.IPv6Address);
          if (v6) leases.push(v6);
        }
        const one: nv.NvOptions = {
          container_id: c.ID,
          container_name: c.Name.slice(1),
          networks: { [n.Id]: this.perNetwork(c, j, leases, `eth${i}`) },
          network_info: { [n.Id]: this.nvNetwork(n, i) },
        };
        // port forwards stay on the first network
        if (opts.dns_servers) one.dns_servers = opts.dns_servers;
        const status = await this.setup(st.SandboxKey, one, opts);
        this.fill(j, leases, newId(), c);
        this.fillMac(j, status, one);
      } catch (e) {
        for (const l of leases) this.m.ipam.release(n.Id, l.address);
        throw e;
      }
    }
    st.Networks[n.Name] = ep;
    if (ep.EndpointID) this.event('connect', c, n.Id);
  }

  /** Docker's network events: a container joins or leaves a network when it starts, stops, connects, disconnects. */
  private event(action: 'connect' | 'disconnect', c: Container, netId: string): void {
    const n = this.m.store.find(netId);
    if (n) this.m.events.emit('network', action, n.Id, { container: c.ID, name: n.Name, type: n.Driver });
  }

  async disconnect(c: Container, ref: string, force: boolean): Promise<void> {
    const st = this.state(c);
    const n = this.m.store.find(ref);
    if (!n) {
      if (force && st.Networks[ref]) {
        delete st.Networks[ref];
        return;
      }
      throw notFound(`network ${ref} not found`);
    }
    const mode = c.HostConfig.NetworkMode || 'default';
    if (n.Driver === 'host' && mode === 'host') throw badRequest(ERR.disconnectHost);
    const ep = st.Networks[n.Name];
    if (!ep) throw badRequest(`container ${c.ID} is not connected to network ${n.Name}`);
    if (c.State.Running && ep.EndpointID && isBridgeMode(mode)) {
      const opts = readState(this.stateFile(c.ID));
      if (opts?.network_info[n.Id]) {
        const one: nv.NvOptions = {
          container_id: c.ID,
          container_name: opts.container_name,
          networks: { [n.Id]: opts.networks[n.Id] },
          network_info: { [n.Id]: opts.network_info[n.Id] },
          ...(opts.port_mappings ? { port_mappings: opts.port_mappings } : {}),
          ...(opts.dns_servers ? { dns_servers: opts.dns_servers } : {}),
        };
        try {
          await nv.teardown(this.nvPaths, st.SandboxKey, one);
        } catch (e) {
          if (!force) throw e;
          log().warn({ err: e, id: c.ID }, 'network teardown failed');
        }
        delete opts.networks[n.Id];
        delete opts.network_info[n.Id];
        writeJsonAtomicSync(this.stateFile(c.ID), opts);
      }
      if (ep.IPAddress) this.m.ipam.release(n.Id, ep.IPAddress);
      if (ep.GlobalIPv6Address) this.m.ipam.release(n.Id, ep.GlobalIPv6Address);
    }
    if (ep.EndpointID) this.event('disconnect', c, n.Id);
    delete st.Networks[n.Name];
  }

  // ---------- daemon restart ----------

  /**
   * Addresses and ports of containers recorded as running are claimed again;
   * netns and netavark state of anything else (a crash mid-start, a container
   * removed while we were down) are torn down.
   */
  async restore(): Promise<void> {
    const running = new Set<string>();
    for (const c of this.m.containers.all()) {
      if (!c.State.Running || !c.NetworkSettings) continue;
      running.add(c.ID);
      for (const ep of Object.values(c.NetworkSettings.Networks)) {
        if (ep.IPAddress) this.m.ipam.claim(ep.NetworkID, ep.IPAddress);
        if (ep.GlobalIPv6Address) this.m.ipam.claim(ep.NetworkID, ep.GlobalIPv6Address);
      }
      const pubs: Published[] = [];
      for (const [k, list] of Object.entries(c.NetworkSettings.Ports ?? {})) {
        const [port, proto] = k.split('/');
        for (const b of list ?? []) pubs.push({ proto, ctrPort: Number(port), hostIp: b.HostIp, hostPort: Number(b.HostPort) });
      }
      await this.m.ports.rehold(c.ID, pubs);
    }
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.m.paths.netns);
    } catch {
      return;
    }
    for (const id of new Set(names.map((f) => f.replace(/\.json$/, '')))) {
      if (!/^[a-f0-9]{64}$/.test(id) || running.has(id)) continue;
      const file = this.netnsFile(id);
      const opts = readState(this.stateFile(id));
      if (opts) await this.unwire(opts);
      if (opts && fs.existsSync(file))
        await nv.teardown(this.nvPaths, file, opts).catch((e) => log().warn({ err: e, id }, 'teardown of a leftover netns failed'));
      removeNetns(file);
      fs.rmSync(this.stateFile(id), { force: true });
      log().info({ id }, 'removed network leftovers of a container that is not running');
    }
  }
}

function setupError(e: unknown): EngineError {
  const msg = (e as Error).message;
  if (msg.startsWith('failed to set up container networking')) return e as EngineError;
  return new EngineError(e instanceof EngineError ? e.status : 500, `failed to set up container networking: ${msg}`);
}

/**
 * Whether netavark must undo a setup. Without DNS entries (the default bridge)
 * nothing of it outlives the namespace: its veth goes when the netns does.
 * Setups from before berth kept the rules itself (internal false) need it too.
 */
function needsTeardown(opts: nv.NvOptions): boolean {
  return Object.values(opts.network_info).some((n) => n.dns_enabled || !n.internal);
}

function readState(file: string): nv.NvOptions | undefined {
  try {
    return readJsonSync<nv.NvOptions>(file);
  } catch {
    return undefined;
  }
}

function mergeOpts(a: nv.NvOptions, b: nv.NvOptions): nv.NvOptions {
  return { ...a, networks: { ...a.networks, ...b.networks }, network_info: { ...a.network_info, ...b.network_info } };
}

function clearRuntime(ep: EndpointSettings): void {
  Object.assign(ep, emptyRuntime());
}
