// What containers show of their networking (inspect NetworkSettings, ps Ports)
// and what goes into their /etc files and link environment.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container, EndpointSettings } from '../container';
import { parseLinks } from './links';
import { embeddedDnsTarget } from './dns';
import { hostsContent, resolvContent } from './etcfiles';
import type { NetworkContext } from './context';
import { emptyEndpoint } from './prepare';
import { summaryPorts } from './ports';
import { byteOrder } from '../util/compare';

function endpointView(c: Container, name: string, ep: EndpointSettings): EndpointSettings {
  const user = name !== 'bridge' && name !== 'host' && name !== 'none';
  // API < 1.45 lists the short ID among the aliases of user-defined networks, from the
  // first start on (Docker adds it when it connects the endpoint, not at create)
  const started = !!c.State.StartedAt && !c.State.StartedAt.startsWith('0001-');
  const aliases = user && started ? [...(ep.Aliases ?? []), c.ID.slice(0, 12)] : ep.Aliases;
  return { ...ep, Aliases: aliases && aliases.length ? aliases : null, DNSNames: c.State.Running ? ep.DNSNames : null };
}

/** inspect's NetworkSettings. The top-level fields mirror the default bridge's endpoint, as Docker's do. */
export function networkSettingsView(c: Container) {
  const st = c.NetworkSettings;
  const networks: Record<string, EndpointSettings> = {};
  if (st) for (const [k, ep] of Object.entries(st.Networks)) networks[k] = endpointView(c, k, ep);
  else {
    const m = c.HostConfig.NetworkMode;
    if (!m.startsWith('container:')) networks[m === 'default' ? 'bridge' : m] = emptyEndpoint();
  }
  const b = networks.bridge ?? emptyEndpoint();
  return {
    Bridge: '',
    SandboxID: st?.SandboxID ?? '',
    SandboxKey: st?.SandboxKey ?? '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: c.State.Running ? (st?.Ports ?? {}) : {},
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: b.EndpointID,
    Gateway: b.Gateway,
    GlobalIPv6Address: b.GlobalIPv6Address,
    GlobalIPv6PrefixLen: b.GlobalIPv6PrefixLen,
    IPAddress: b.IPAddress,
    IPPrefixLen: b.IPPrefixLen,
    IPv6Gateway: b.IPv6Gateway,
    MacAddress: b.MacAddress,
    Networks: networks,
  };
}

export function summaryNetworking(c: Container) {
  return {
    Ports: c.State.Running ? summaryPorts(c.NetworkSettings?.Ports, c.Config) : [],
    Networks: networkSettingsView(c).Networks,
  };
}

export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolv: string;
}

/** Contents of /etc/hostname, /etc/hosts and /etc/resolv.conf for a container about to start. */
export function etcFiles(m: NetworkContext, c: Container): EtcFiles {
  const hc = c.HostConfig;
  const mode = hc.NetworkMode || 'default';
  const dns = {
    dns: hc.Dns?.length ? hc.Dns : m.daemonDns.dns,
    search: hc.DnsSearch?.length ? hc.DnsSearch : m.daemonDns.search,
    options: hc.DnsOptions?.length ? hc.DnsOptions : m.daemonDns.options,
  };
  if (mode.startsWith('container:')) {
    const peer = m.containers.find(mode.slice('container:'.length));
    if (peer) {
      const dir = m.containers.dir(peer.ID);
      const read = (f: string) => {
        try {
          return fs.readFileSync(path.join(dir, f), 'utf8');
        } catch {
          return '';
        }
      };
      return { hostname: read('hostname'), hosts: read('hosts'), resolv: read('resolv.conf') };
    }
  }
  const extraHosts = (hc.ExtraHosts ?? []).map((h) => {
    const i = h.indexOf(':');
    return h.slice(i + 1) === 'host-gateway' ? `${h.slice(0, i)}:${hostGateway(m)}` : h;
  });
  if (mode === 'host') {
    const hostname = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
    return {
      hostname: hostname + '\n',
      hosts: hostsContent({ hostFile: true, hostname, domainname: '', extraHosts, addresses: [], links: [] }),
      resolv: resolvContent({ host: true, embedded: false, ...dns }),
    };
  }
  const st = c.NetworkSettings;
  const eps = Object.entries(st?.Networks ?? {});
  const addresses = eps.flatMap(([, e]) => [e.IPAddress, e.GlobalIPv6Address]).filter(Boolean);
  return {
    hostname: c.Config.Hostname + '\n',
    hosts: hostsContent({ hostname: c.Config.Hostname, domainname: c.Config.Domainname, extraHosts, addresses, links: linkHosts(m, c) }),
    resolv: resolvContent({ host: false, embedded: !!embeddedDnsTarget(m, c), ...dns }),
  };
}

function hostGateway(m: NetworkContext): string {
  if (m.cfg.hostGatewayIp) return m.cfg.hostGatewayIp;
  const b = m.store.byName('bridge');
  return b?.IPAM.Config.find((x) => !x.Subnet.includes(':'))?.Gateway ?? '';
}

/** /etc/hosts lines for links: legacy ones on the default bridge, endpoint links on user networks. */
function linkHosts(m: NetworkContext, c: Container): Array<{ ip: string; names: string }> {
  const out: Array<{ ip: string; names: string }> = [];
  const st = c.NetworkSettings;
  if (!st) return out;
  const add = (netName: string, links: Array<{ name: string; alias: string }>) => {
    for (const l of links) {
      const t = m.containers.find(l.name);
      const ep = t?.NetworkSettings?.Networks[netName];
      if (!t || !ep?.IPAddress) continue;
      const tn = t.Name.slice(1);
      const names = [l.alias, t.Config.Hostname, ...(l.alias !== tn ? [tn] : [])].join(' ');
      out.push({ ip: ep.IPAddress, names });
    }
  };
  if (st.Networks.bridge) add('bridge', parseLinks(c.HostConfig.Links));
  for (const [name, ep] of Object.entries(st.Networks)) if (name !== 'bridge' && ep.Links?.length) add(name, parseLinks(ep.Links));
  return out;
}

/** The legacy link variables (DB_PORT_5432_TCP_ADDR=…) for links on the default bridge. */
export function linkEnv(m: NetworkContext, c: Container): string[] {
  const env: string[] = [];
  if (!c.NetworkSettings?.Networks.bridge) return env;
  for (const l of parseLinks(c.HostConfig.Links)) {
    const t = m.containers.find(l.name);
    const ip = t?.NetworkSettings?.Networks.bridge?.IPAddress;
    if (!t || !ip) continue;
    const A = l.alias.toUpperCase().replace(/-/g, '_');
    const ports = Object.keys(t.Config.ExposedPorts ?? {})
      .map((k) => {
        const [p, proto = 'tcp'] = k.split('/');
        return { port: Number(p), proto };
      })
      .sort((a, b) => (a.proto === b.proto ? a.port - b.port : a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : byteOrder(a.proto, b.proto)));
    if (ports.length) env.push(`${A}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const pre = `${A}_PORT_${p.port}_${p.proto.toUpperCase()}`;
      env.push(`${pre}=${p.proto}://${ip}:${p.port}`, `${pre}_ADDR=${ip}`, `${pre}_PORT=${p.port}`, `${pre}_PROTO=${p.proto}`);
    }
    env.push(`${A}_NAME=${c.Name}/${l.alias}`);
    for (const e of t.Config.Env ?? []) {
      const i = e.indexOf('=');
      if (i < 0) continue;
      const k = e.slice(0, i);
      if (k === 'HOME' || k === 'PATH') continue;
      env.push(`${A}_ENV_${k}=${e.slice(i + 1)}`);
    }
  }
  return env;
}
