// Create-time networking of a container: the network mode and endpoints it
// asks for, checked with Docker's rules and messages, recorded in
// NetworkSettings.Networks (addresses come only at start).
import type { Container, ContainerNetworkState, EndpointSettings } from '../container';
import { badRequest, notFound } from '../util/errors';
import { contains, parseAddr, parseCidr } from '../common/ipnet';
import type { NetworkRecord } from './types';

export const ERR = {
  containerNetLinks: "conflicting options: container type network can't be used with links. This would result in undefined behavior",
  shared: 'container sharing network namespace with another container or host cannot be connected to any other network',
  connectHost: 'cannot connect container to host network - container must be created in host network mode',
  disconnectHost: 'cannot disconnect container from host network - container was created in host network mode',
  noNetwork: 'container cannot be connected to multiple networks with one of the networks in private (none) mode',
  dns: 'conflicting options: dns and the network mode',
  hostname: 'conflicting options: hostname and the network mode',
  hostLinks: "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
  mac: 'conflicting options: mac-address and the network mode',
  hosts: 'conflicting options: custom host-to-IP mapping and the network mode',
  publish: 'conflicting options: port publishing and the container type network mode',
  expose: 'conflicting options: port exposing and the container type network mode',
  ipOnDefault: 'user specified IP address is supported on user defined networks only',
  ipNoSubnet: 'user specified IP address is supported only when connecting to networks with user configured subnets',
  aliasOnDefault: 'network-scoped alias is supported only for containers in user defined networks',
};

export interface EndpointRequest {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
}

/** What the create request itself said (before image defaults were merged in). */
export interface RawCreate {
  Hostname?: string;
  MacAddress?: string;
  ExposedPorts?: Record<string, object>;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointRequest | null> | null } | null;
}

export interface NetworkLookup {
  find(ref: string): NetworkRecord | undefined;
  byName(name: string): NetworkRecord | undefined;
  containerExists(ref: string): boolean;
}

export function emptyEndpoint(networkId = ''): EndpointSettings {
  return { IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, NetworkID: networkId, ...emptyRuntime() };
}

/** An endpoint's fields that exist only while the container runs (netavark's answer). */
export function emptyRuntime(): Pick<
  EndpointSettings,
  'EndpointID' | 'Gateway' | 'IPAddress' | 'IPPrefixLen' | 'IPv6Gateway' | 'GlobalIPv6Address' | 'GlobalIPv6PrefixLen' | 'DNSNames'
> {
  return { EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null };
}

export function emptyState(): ContainerNetworkState {
  return { Networks: {}, Ports: {}, SandboxID: '', SandboxKey: '' };
}

const MAC_RE = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

/** Checks one endpoint request against its network and turns it into the recorded settings. */
export function endpointFor(n: NetworkRecord | undefined, req: EndpointRequest | null | undefined): EndpointSettings {
  const ep = emptyEndpoint(n?.Id ?? '');
  const r = req ?? {};
  const isDefault = n?.Name === 'bridge';
  const ipam = r.IPAMConfig;
  if (ipam && (ipam.IPv4Address || ipam.IPv6Address)) {
    const errs: string[] = [];
    const v4 = ipam.IPv4Address ? parseAddr(ipam.IPv4Address) : undefined;
    const v6 = ipam.IPv6Address ? parseAddr(ipam.IPv6Address) : undefined;
    if (ipam.IPv4Address && (!v4 || v4.family !== 4 || v4.n === 0n)) errs.push(`invalid IPv4 address: ${ipam.IPv4Address}`);
    if (ipam.IPv6Address && (!v6 || v6.family !== 6 || v6.n === 0n)) errs.push(`invalid IPv6 address: ${ipam.IPv6Address}`);
    if (errs.length) throw badRequest(errs.join('\n'));
    if (isDefault || (n && n.Driver !== 'bridge')) throw badRequest(ERR.ipOnDefault);
    const statics = (n?.IPAM.Config ?? []).filter((c) => !(n?.berth?.autoSubnet && !c.Subnet.includes(':')));
    for (const a of n ? [v4, v6] : []) {
      if (!a) continue;
      const mine = statics.map((c) => parseCidr(c.Subnet)!).filter((s) => s.family === a.family);
      if (!mine.length) throw badRequest(ERR.ipNoSubnet);
      if (!mine.some((s) => contains(s, a)))
        throw badRequest(`no configured subnet or ip-range contain the IP address ${a.family === 4 ? ipam.IPv4Address : ipam.IPv6Address}`);
    }
    ep.IPAMConfig = { ...(ipam.IPv4Address ? { IPv4Address: ipam.IPv4Address } : {}), ...(ipam.IPv6Address ? { IPv6Address: ipam.IPv6Address } : {}) };
  } else if (ipam && ipam.LinkLocalIPs?.length) {
    ep.IPAMConfig = { LinkLocalIPs: ipam.LinkLocalIPs };
  }
  if (r.Aliases?.length) {
    if (isDefault || (n && n.Driver !== 'bridge')) throw badRequest(ERR.aliasOnDefault);
    ep.Aliases = [...r.Aliases];
  }
  if (r.Links?.length) ep.Links = [...r.Links];
  if (r.MacAddress) {
    if (!MAC_RE.test(r.MacAddress)) throw badRequest(`invalid MAC address ${r.MacAddress}`);
    ep.MacAddress = r.MacAddress.toLowerCase().replace(/-/g, ':');
  }
  if (r.DriverOpts && Object.keys(r.DriverOpts).length) ep.DriverOpts = { ...r.DriverOpts };
  return ep;
}

/** Fills c.NetworkSettings from the request; returns Docker's warnings. */
export function prepareNetworking(c: Container, raw: RawCreate, nets: NetworkLookup): string[] {
  const hc = c.HostConfig;
  const mode = hc.NetworkMode || 'default';
  const eps = { ...(raw.NetworkingConfig?.EndpointsConfig ?? {}) };
  const st = emptyState();
  const warnings: string[] = [];
  const published = Object.values(hc.PortBindings ?? {}).some((l) => l && l.length) || hc.PublishAllPorts;
  if (raw.MacAddress && !MAC_RE.test(raw.MacAddress)) throw badRequest(`invalid MAC address: ${raw.MacAddress}`);

  if (mode.startsWith('container:')) {
    const peer = mode.slice('container:'.length);
    if (!peer) throw badRequest('--network: invalid container format container:<name|id>');
    if (raw.Hostname) throw badRequest(ERR.hostname);
    if (hc.Links?.length) throw badRequest(ERR.containerNetLinks);
    if (hc.Dns?.length) throw badRequest(ERR.dns);
    if (hc.ExtraHosts?.length) throw badRequest(ERR.hosts);
    if (raw.MacAddress) throw badRequest(ERR.mac);
    if (published) throw badRequest(ERR.publish);
    if (raw.ExposedPorts && Object.keys(raw.ExposedPorts).length) throw badRequest(ERR.expose);
    if (!nets.containerExists(peer)) throw notFound(`No such container: ${peer}`);
    c.NetworkSettings = st;
    return warnings;
  }
  if (mode === 'host' || mode === 'none') {
    if (hc.Links?.length) throw badRequest(mode === 'host' ? ERR.hostLinks : ERR.containerNetLinks);
    if (mode === 'host' && raw.MacAddress) throw badRequest(ERR.mac);
    if (mode === 'host' && published) warnings.push('Published ports are discarded when using host network mode');
    for (const k of Object.keys(eps)) if (k !== mode && k !== 'default') throw badRequest(mode === 'host' ? ERR.shared : ERR.noNetwork);
    const n = nets.byName(mode)!;
    st.Networks[mode] = endpointFor(n, eps[mode]);
    c.NetworkSettings = st;
    return warnings;
  }

  // a network that does not exist yet is Docker's start-time error, not a create-time one
  const primaryRef = mode === 'default' ? 'bridge' : mode;
  const primary = nets.find(primaryRef);
  if (primary && (primary.Driver === 'host' || primary.Driver === 'null')) {
    // NetworkMode given as the ID of a built-in network
    hc.NetworkMode = primary.Name;
    return prepareNetworking(c, raw, nets);
  }
  const primaryKey = Object.keys(eps).find((k) => k === primaryRef || k === mode || (primary && (k === primary.Name || k === primary.Id)));
  const order: Array<{ key: string; name: string; n?: NetworkRecord; req: EndpointRequest | null | undefined }> = [
    { key: primaryKey ?? mode, name: primary?.Name ?? primaryRef, n: primary, req: primaryKey ? eps[primaryKey] : undefined },
  ];
  for (const [k, v] of Object.entries(eps)) {
    if (k === primaryKey) continue;
    const n = nets.find(k === 'default' ? 'bridge' : k);
    if (n && (n.Driver === 'host' || n.Driver === 'null')) throw badRequest(n.Driver === 'host' ? ERR.connectHost : ERR.noNetwork);
    const name = n?.Name ?? k;
    if (order.some((o) => o.name === name)) continue;
    order.push({ key: k, name, n, req: v });
  }
  for (const o of order) {
    try {
      st.Networks[o.name] = endpointFor(o.n, o.req);
    } catch (e) {
      throw badRequest(`invalid config for network ${o.key}: ${(e as Error).message}`);
    }
  }
  const first = st.Networks[order[0].name];
  if (raw.MacAddress && !first.MacAddress) first.MacAddress = raw.MacAddress.toLowerCase();
  for (const l of hc.Links ?? []) {
    const name = l.split(':')[0].replace(/^\//, '');
    if (!nets.containerExists(name)) throw notFound(`could not get container for ${name}: No such container: ${name}`);
  }
  c.NetworkSettings = st;
  return warnings;
}
