// The network service: built-in and user-defined networks, their bridges and
// rules on the host, and (through Endpoints) containers attached to them.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container, ContainerStore } from '../container';
import { badRequest, conflict, forbidden } from '../util/errors';
import { newId } from '../util/ids';
import { log } from '../util/log';
import { Filters } from '../filters';
import { boolOpt, checkCreateRequest, defaultBridgeShape, parseBip, PREDEFINED, subnetsOf, withGateway } from './config';
import { Endpoints } from './endpoints';
import { sweepNetworkRules } from './firewall';
import { ensureNetworkRules, type NetworkFw } from './rules';
import { ensureBridge, linkExists, removeBridge } from './hostnet';
import { Ipam } from './ipam';
import { cidrString, overlaps, parseCidr, type Cidr } from '../common/ipnet';
import { withHostLock } from './lock';
import { DEFAULT_POOLS, pickSubnet, pickUlaSubnet, routedSubnets } from './pool';
import { PortAllocator } from './ports';
import { prepareNetworking, type EndpointRequest, type RawCreate } from './prepare';
import { etcFiles, linkEnv, type EtcFiles } from './view';
import { NetworkStore } from './store';
import type { DaemonDns, NetworkContext, NetworkEvents, NetworkPaths } from './context';
import { BRIDGE_NAME_OPT, MASQ_OPT, MTU_OPT, type NetworkCreateRequest, type NetworkDaemonConfig, type NetworkRecord } from './types';

export class NetworkManager implements NetworkContext {
  readonly store: NetworkStore;
  readonly ipam = new Ipam();
  readonly ports = new PortAllocator();
  readonly endpoints: Endpoints;
  readonly defaultBridge: string;

  constructor(
    readonly cfg: NetworkDaemonConfig,
    readonly paths: NetworkPaths,
    readonly containers: ContainerStore,
    readonly events: NetworkEvents,
    dataRoot: string,
    readonly daemonDns: DaemonDns = { dns: [], search: [], options: [] },
  ) {
    this.store = new NetworkStore(paths.records);
    for (const d of [paths.netns, paths.nvConfig]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    // one default bridge per daemon: a second daemon (tests, a benchmark) must not share it
    this.defaultBridge =
      cfg.bridgeName ||
      (path.resolve(dataRoot) === '/var/lib/berth' ? 'berth0' : `berth-${createHash('sha1').update(path.resolve(dataRoot)).digest('hex').slice(0, 8)}`);
    this.endpoints = new Endpoints(this);
  }

  // ---------- daemon lifecycle ----------

  /** Loads the records, creates the built-in networks, brings every bridge up. */
  async init(): Promise<void> {
    this.store.load();
    for (const [name, driver] of [
      ['host', 'host'],
      ['none', 'null'],
    ] as const) {
      if (!this.store.byName(name)) this.store.save(this.record(name, driver));
    }
    await this.configureDefaultBridge();
    for (const n of this.store.all()) {
      if (n.Driver !== 'bridge' || n.Name === 'bridge') continue;
      try {
        await this.bridgeUp(n);
      } catch (e) {
        log().warn({ err: e, network: n.Name }, 'bringing the network bridge up failed');
      }
    }
    // network-level firewall state: checked here (daemon start, also after a crash), never per container
    await ensureNetworkRules(
      this.store
        .all()
        .filter((n) => n.Driver === 'bridge')
        .map((n) => this.fw(n)),
    );
  }

  /** What the firewall needs to know of a network. */
  private fw(n: NetworkRecord): NetworkFw {
    return {
      nvName: n.Id,
      bridge: this.bridgeOf(n),
      internal: n.Internal,
      masquerade: boolOpt(n.Options, MASQ_OPT, true),
      subnets: n.IPAM.Config.map((c) => c.Subnet).filter((s) => n.EnableIPv6 || !s.includes(':')),
    };
  }

  private record(name: string, driver: NetworkRecord['Driver']): NetworkRecord {
    return {
      Name: name,
      Id: newId(),
      Created: new Date().toISOString(),
      Scope: 'local',
      Driver: driver,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Options: {},
      Labels: {},
    };
  }

  /** Subnets taken on the host (routes) and by our networks; routes through `ownBridge` do not count. */
  private taken(ownBridge?: string, except?: string): Cidr[] {
    const routes = routedSubnets().filter((r) => r.dev !== ownBridge);
    const ours = this.store
      .all()
      .filter((n) => n.Id !== except)
      .flatMap(subnetsOf);
    return [...routes, ...ours];
  }

  private async configureDefaultBridge(): Promise<void> {
    const bip = parseBip(this.cfg);
    let rec = this.store.byName('bridge');
    const running = rec ? this.endpoints.activeOn(rec).length > 0 : false;
    await withHostLock(async () => {
      const old = rec ? parseCidr(rec.IPAM.Config.find((c) => !c.Subnet.includes(':'))?.Subnet ?? '') : undefined;
      let subnet: Cidr;
      let gateway: string;
      if (bip) ({ subnet, gateway } = bip);
      else if (old && (running || !this.taken(this.defaultBridge, rec!.Id).some((t) => overlaps(t, old)))) {
        subnet = old;
        gateway = rec!.IPAM.Config.find((c) => !c.Subnet.includes(':'))!.Gateway!;
      } else {
        const pick = pickSubnet(this.cfg.defaultAddressPools ?? DEFAULT_POOLS, this.taken(this.defaultBridge, rec?.Id));
        if (!pick) throw new Error('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the default bridge');
        subnet = pick;
        gateway = withGateway({ Subnet: cidrString(pick) }).Gateway!;
      }
      let v6: Cidr | undefined;
      if (this.cfg.ipv6) {
        v6 = this.cfg.fixedCidrV6 ? parseCidr(this.cfg.fixedCidrV6) : undefined;
        if (this.cfg.fixedCidrV6 && (!v6 || v6.family !== 6)) throw new Error(`invalid fixed-cidr-v6: ${this.cfg.fixedCidrV6}`);
        if (!v6) {
          const prev = rec?.IPAM.Config.find((c) => c.Subnet.includes(':'));
          v6 = prev ? parseCidr(prev.Subnet) : pickUlaSubnet(this.taken(this.defaultBridge, rec?.Id));
        }
      }
      const shape = defaultBridgeShape(this.cfg, this.defaultBridge, subnet, gateway, v6);
      const changed = !rec || JSON.stringify(rec.IPAM) !== JSON.stringify(shape.IPAM) || rec.berth?.bridge !== this.defaultBridge;
      if (changed && running) {
        log().warn('default bridge settings changed while containers run on it; keeping the old ones until they stop');
        return;
      }
      if (!rec) rec = this.record('bridge', 'bridge');
      if (changed && rec.berth?.bridge && linkExists(rec.berth.bridge)) {
        await sweepNetworkRules({ nvName: rec.Id, bridge: rec.berth.bridge, subnets: subnetsOf(rec).map(cidrString) });
        await removeBridge(rec.berth.bridge);
      }
      Object.assign(rec, shape, { berth: { bridge: this.defaultBridge, autoSubnet: !bip } });
      this.store.save(rec);
      await this.bridgeUp(rec);
    });
  }

  bridgeOf(n: NetworkRecord): string {
    return n.berth?.bridge ?? n.Options[BRIDGE_NAME_OPT] ?? `br-${n.Id.slice(0, 12)}`;
  }

  async bridgeUp(n: NetworkRecord): Promise<void> {
    const gws = n.IPAM.Config.filter((c) => c.Gateway).map((c) => `${c.Gateway}/${parseCidr(c.Subnet)!.bits}`);
    const mtu = n.Options[MTU_OPT] ? Number(n.Options[MTU_OPT]) : undefined;
    await ensureBridge(this.bridgeOf(n), gws, mtu && mtu !== 1500 ? mtu : undefined);
  }

  /** Rules and bridge of a network, gone (network rm, or daemon stop with nothing attached). */
  private async bridgeDown(n: NetworkRecord): Promise<void> {
    await sweepNetworkRules({ nvName: n.Id, bridge: this.bridgeOf(n), subnets: subnetsOf(n).map(cidrString) });
    await removeBridge(this.bridgeOf(n));
  }

  /**
   * After init, before containers are restored: addresses and ports of the
   * containers recorded as running are theirs again; netns left by a crash or
   * by containers that are gone are torn down.
   */
  async restore(): Promise<void> {
    await this.endpoints.restore();
  }

  /** Daemon stop: running containers keep their network (live restore); idle bridges and their rules go. */
  async shutdown(): Promise<void> {
    this.ports.releaseAll();
    for (const n of this.store.all()) {
      if (n.Driver !== 'bridge' || this.endpoints.activeOn(n).length) continue;
      try {
        await this.bridgeDown(n);
      } catch (e) {
        log().warn({ err: e, network: n.Name }, 'removing the network bridge failed');
      }
    }
  }

  // ---------- containers ----------

  /** At create: checks the network mode and endpoints, records them; returns warnings. */
  prepare(c: Container, raw: RawCreate): string[] {
    return prepareNetworking(c, raw, {
      find: (r) => this.store.find(r),
      byName: (n) => this.store.byName(n),
      containerExists: (r) => !!this.containers.find(r),
    });
  }

  attach(c: Container): Promise<void> {
    return this.endpoints.attach(c);
  }

  /** Before the container's process runs: its network is wired (or the start fails). */
  ready(c: Container): Promise<void> {
    return this.endpoints.ready(c);
  }

  detach(c: Container): Promise<void> {
    return this.endpoints.detach(c);
  }

  etcFiles(c: Container): EtcFiles {
    return etcFiles(this, c);
  }

  linkEnv(c: Container): string[] {
    return linkEnv(this, c);
  }

  connect(c: Container, ref: string, req: EndpointRequest | null | undefined): Promise<void> {
    return this.endpoints.connect(c, ref, req);
  }

  disconnect(c: Container, ref: string, force: boolean): Promise<void> {
    return this.endpoints.disconnect(c, ref, force);
  }

  // ---------- the API ----------

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    checkCreateRequest(req);
    if (this.store.byName(req.Name)) throw conflict(`network with name ${req.Name} already exists`);
    const n = this.record(req.Name, 'bridge');
    n.Internal = !!req.Internal;
    n.Attachable = !!req.Attachable;
    n.EnableIPv6 = !!req.EnableIPv6;
    n.Options = { ...(req.Options ?? {}) };
    n.Labels = { ...(req.Labels ?? {}) };
    n.IPAM.Options = req.IPAM?.Options ?? null;
    const bridge = req.Options?.[BRIDGE_NAME_OPT] || `br-${n.Id.slice(0, 12)}`;
    if (this.store.all().some((x) => x.Driver === 'bridge' && this.bridgeOf(x) === bridge))
      throw forbidden(`bridge name ${bridge} is already used by another network`);
    // an interface berth did not make is never taken over (nor deleted with the network later)
    if (linkExists(bridge)) throw forbidden(`bridge name ${bridge} is already used by an interface on the host`);
    const given = (req.IPAM?.Config ?? []).filter((c) => n.EnableIPv6 || !c.Subnet.includes(':'));
    await withHostLock(async () => {
      const ours = this.store.all().flatMap(subnetsOf);
      for (const c of given) {
        const s = parseCidr(c.Subnet)!;
        if (ours.some((o) => overlaps(o, s))) throw forbidden('invalid pool request: Pool overlaps with other one on this address space');
      }
      const configs = given.map(withGateway);
      let auto = false;
      if (!configs.some((c) => !c.Subnet.includes(':'))) {
        const pick = pickSubnet(this.cfg.defaultAddressPools ?? DEFAULT_POOLS, this.taken());
        if (!pick) throw forbidden('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
        configs.unshift(withGateway({ Subnet: cidrString(pick) }));
        auto = true;
      }
      if (n.EnableIPv6 && !configs.some((c) => c.Subnet.includes(':'))) configs.push(withGateway({ Subnet: cidrString(pickUlaSubnet(this.taken())) }));
      n.IPAM.Config = configs.sort((a, b) => Number(a.Subnet.includes(':')) - Number(b.Subnet.includes(':')));
      n.berth = { bridge, autoSubnet: auto };
      await this.bridgeUp(n);
      try {
        await ensureNetworkRules([this.fw(n)]);
      } catch (e) {
        await this.bridgeDown(n).catch(() => {});
        throw e;
      }
      this.store.save(n);
    });
    this.events.emit('network', 'create', n.Id, { name: n.Name, type: n.Driver });
    return { Id: n.Id, Warning: '' };
  }

  get(ref: string): NetworkRecord {
    return this.store.get(ref);
  }

  inspect(ref: string): Record<string, unknown> {
    return this.view(this.get(ref), true);
  }

  /** A record as the API shows it; with `containers`, the running containers' endpoints. */
  view(n: NetworkRecord, containers: boolean): Record<string, unknown> {
    const { berth: _private, ...pub } = n;
    const out: Record<string, unknown> = { ...pub, IPAM: { ...n.IPAM, Config: n.IPAM.Config.map((c) => ({ ...c })) }, Containers: {} };
    if (containers) out.Containers = this.endpoints.containersOn(n);
    return out;
  }

  /** GET /networks as Docker's FilterNetworks: name and id are regexps, driver and scope exact. */
  list(f: Filters = Filters.empty()): Record<string, unknown>[] {
    f.validate(['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
    let dangling: boolean | undefined;
    const dv = f.get('dangling');
    if (dv.length > 1) throw badRequest('got more than one value for filter key "dangling"');
    if (dv.length === 1) {
      if (dv[0] === '1' || dv[0] === 'true') dangling = true;
      else if (dv[0] === '0' || dv[0] === 'false') dangling = false;
      else throw badRequest('invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")');
    }
    for (const t of f.get('type')) if (t !== 'custom' && t !== 'builtin') throw badRequest(`invalid filter: 'type'='${t}'`);
    const types = f.get('type');
    return this.store
      .all()
      .filter((n) => {
        if (!f.exactMatch('driver', n.Driver) || !f.match('name', n.Name) || !f.match('id', n.Id)) return false;
        if (!f.matchKVList('label', n.Labels) || !f.exactMatch('scope', 'local')) return false;
        const builtin = PREDEFINED.has(n.Name);
        if (dangling !== undefined && dangling !== (!builtin && this.endpoints.activeOn(n).length === 0)) return false;
        if (types.length && !types.includes(builtin ? 'builtin' : 'custom')) return false;
        return true;
      })
      .map((n) => this.view(n, false));
  }

  async remove(ref: string): Promise<void> {
    const n = this.get(ref);
    if (PREDEFINED.has(n.Name)) throw forbidden(`${n.Name} is a pre-defined network and cannot be removed`);
    const active = this.endpoints.activeOn(n);
    if (active.length)
      throw forbidden(
        `error while removing network: network ${n.Name} has active endpoints (${active.map((c) => `name:"${c.Name.slice(1)}" id:"${c.ID.slice(0, 12)}"`).join(', ')})`,
      );
    await this.bridgeDown(n);
    this.ipam.forget(n.Id);
    this.store.delete(n);
    this.events.emit('network', 'destroy', n.Id, { name: n.Name, type: n.Driver });
  }

  async prune(filters: Filters): Promise<{ NetworksDeleted: string[] | null }> {
    filters.validate(['label', 'label!', 'until']);
    const until = filters.until();
    const deleted: string[] = [];
    for (const n of this.store.all()) {
      if (PREDEFINED.has(n.Name) || this.endpoints.activeOn(n).length) continue;
      if (until !== undefined && Date.parse(n.Created) > until) continue;
      if (!filters.matchLabels(n.Labels)) continue;
      try {
        await this.remove(n.Id);
        deleted.push(n.Name);
      } catch (e) {
        log().warn({ err: e, network: n.Name }, 'prune: network not removed');
      }
    }
    this.events.emit('network', 'prune', '', { reclaimed: '0' });
    return { NetworksDeleted: deleted.length ? deleted : null };
  }
}
