// network create, connect, disconnect, inspect, ls, prune, rm — as the docker CLI
// does them, including its client-side pairing of --subnet/--gateway/--ip-range.
import { errorText, forEachName, type CliContext, type Command } from '../command';
import { inspectTemplate, renderRows } from '../format';
import { filterFlag, filterQuery, formatFlag } from '../opts/filter';
import { goIndentJson } from './inspect';
import { goTimeString } from './ps';
import { parseAddr, parseCidr, contains, overlaps, type Cidr } from '../../common/ipnet';

const kv = (what: string) => (v: string) => {
  if (!v.includes('=')) throw new Error(`invalid argument "${v}" for "--${what}" flag: bad format for ${what} (expected key=value)`);
  return v;
};

function toMap(list: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const e of list) {
    const i = e.indexOf('=');
    m[i < 0 ? e : e.slice(0, i)] = i < 0 ? '' : e.slice(i + 1);
  }
  return m;
}

const csv = (xs: string[]) =>
  xs
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);

/** Pairs every gateway, range and aux address with the subnet that holds it, as docker's client does. */
export function ipamConfigs(subnets: string[], ranges: string[], gateways: string[], aux: Record<string, string>) {
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const parse = (s: string): Cidr => {
    const c = parseCidr(s);
    if (!c) throw new Error(`invalid subnet: invalid CIDR address: ${s}`);
    return c;
  };
  const cfgs = new Map<string, { Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses: Record<string, string> }>();
  for (const s of subnets) {
    const c = parse(s);
    for (const k of cfgs.keys()) if (overlaps(parse(k), c)) throw new Error('multiple overlapping subnet configuration is not supported');
    cfgs.set(s, { Subnet: s, AuxiliaryAddresses: {} });
  }
  const holder = (what: string, v: string) => {
    const a = v.includes('/') ? parseCidr(v) : parseAddr(v);
    if (!a) throw new Error(`invalid ${what}: ${v}`);
    const addr = 'bits' in a ? { family: a.family, n: a.addr } : a;
    return subnets.filter((s) => contains(parse(s), addr));
  };
  for (const r of ranges) {
    const hits = holder('ip-range', r);
    if (!hits.length) throw new Error(`no matching subnet for range ${r}`);
    for (const s of hits) {
      const c = cfgs.get(s)!;
      if (c.IPRange) throw new Error(`cannot configure multiple ranges (${r}, ${c.IPRange}) on the same subnet (${s})`);
      c.IPRange = r;
    }
  }
  for (const g of gateways) {
    const hits = holder('gateway', g);
    if (!hits.length) throw new Error(`no matching subnet for gateway ${g}`);
    for (const s of hits) {
      const c = cfgs.get(s)!;
      if (c.Gateway) throw new Error(`cannot configure multiple gateways (${g}, ${c.Gateway}) for the same subnet (${s})`);
      c.Gateway = g;
    }
  }
  for (const [k, a] of Object.entries(aux)) {
    const hits = holder('aux-address', a);
    if (!hits.length) throw new Error(`no matching subnet for aux-address ${a}`);
    for (const s of hits) cfgs.get(s)!.AuxiliaryAddresses[k] = a;
  }
  return [...cfgs.values()].map(({ AuxiliaryAddresses, ...c }) => (Object.keys(AuxiliaryAddresses).length ? { ...c, AuxiliaryAddresses } : c));
}

export const networkCreateCommand: Command = {
  name: 'create',
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'attachable', kind: 'bool', help: 'Enable manual container attachment' },
    { long: 'aux-address', kind: 'list', help: 'Auxiliary IPv4 or IPv6 addresses used by Network driver', valueName: 'map', parse: kv('aux-address') },
    { long: 'config-from', kind: 'string', help: 'The network from which to copy the configuration' },
    { long: 'config-only', kind: 'bool', help: 'Create a configuration only network' },
    { long: 'driver', short: 'd', kind: 'string', help: 'Driver to manage the Network', def: 'bridge' },
    { long: 'gateway', kind: 'list', help: 'IPv4 or IPv6 Gateway for the master subnet', valueName: 'strings' },
    { long: 'ingress', kind: 'bool', help: 'Create swarm routing-mesh network' },
    { long: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
    { long: 'ip-range', kind: 'list', help: 'Allocate container ip from a sub-range', valueName: 'strings' },
    { long: 'ipam-driver', kind: 'string', help: 'IP Address Management Driver', def: 'default' },
    { long: 'ipam-opt', kind: 'list', help: 'Set IPAM driver specific options', valueName: 'map', parse: kv('ipam-opt') },
    { long: 'ipv6', kind: 'bool', help: 'Enable or disable IPv6 address assignment' },
    { long: 'label', kind: 'list', help: 'Set metadata on a network' },
    { long: 'opt', short: 'o', kind: 'list', help: 'Set driver specific options', valueName: 'map', parse: kv('opt') },
    { long: 'scope', kind: 'string', help: "Control the network's scope" },
    { long: 'subnet', kind: 'list', help: 'Subnet in CIDR format that represents a network segment', valueName: 'strings' },
  ],
  async run(ctx, f, args) {
    const config = ipamConfigs(csv(f.list('subnet')), csv(f.list('ip-range')), csv(f.list('gateway')), toMap(f.list('aux-address')));
    const api = await ctx.api();
    const body: Record<string, unknown> = {
      Name: args[0],
      CheckDuplicate: true,
      Driver: f.str('driver') || 'bridge',
      Options: toMap(f.list('opt')),
      IPAM: { Driver: f.str('ipam-driver') || 'default', Config: config, Options: toMap(f.list('ipam-opt')) },
      Internal: f.bool('internal'),
      Attachable: f.bool('attachable'),
      Ingress: f.bool('ingress'),
      Scope: f.str('scope'),
      ConfigOnly: f.bool('config-only'),
      ConfigFrom: f.str('config-from') ? { Network: f.str('config-from') } : undefined,
      Labels: toMap(f.list('label')),
    };
    if (f.isSet('ipv6')) body.EnableIPv6 = f.bool('ipv6');
    const r = await api.post<{ Id: string }>('/networks/create', undefined, body);
    ctx.out(r.Id + '\n');
  },
};

export const networkConnectCommand: Command = {
  name: 'connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { long: 'alias', kind: 'list', help: 'Add network-scoped alias for the container', valueName: 'strings' },
    { long: 'driver-opt', kind: 'list', help: 'driver options for the network', valueName: 'strings' },
    { long: 'ip', kind: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
    { long: 'ip6', kind: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
    { long: 'link', kind: 'list', help: 'Add link to another container' },
    { long: 'link-local-ip', kind: 'list', help: 'Add a link-local address for the container', valueName: 'strings' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    const ep: Record<string, unknown> = {};
    const aliases = csv(f.list('alias'));
    if (aliases.length) ep.Aliases = aliases;
    if (f.list('link').length) ep.Links = f.list('link');
    if (f.str('ip') || f.str('ip6') || f.list('link-local-ip').length)
      ep.IPAMConfig = {
        IPv4Address: f.str('ip') || undefined,
        IPv6Address: f.str('ip6') || undefined,
        LinkLocalIPs: f.list('link-local-ip').length ? csv(f.list('link-local-ip')) : undefined,
      };
    if (f.list('driver-opt').length) ep.DriverOpts = toMap(csv(f.list('driver-opt')));
    await api.post(`/networks/${encodeURIComponent(args[0])}/connect`, undefined, { Container: args[1], EndpointConfig: ep });
  },
};

export const networkDisconnectCommand: Command = {
  name: 'disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  minArgs: 2,
  maxArgs: 2,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  async run(ctx, f, args) {
    const api = await ctx.api();
    await api.post(`/networks/${encodeURIComponent(args[0])}/disconnect`, undefined, { Container: args[1], Force: f.bool('force') });
  },
};

export async function inspectNetworks(ctx: CliContext, names: string[], format: string): Promise<number> {
  const api = await ctx.api();
  const found: unknown[] = [];
  let failed = 0;
  for (const n of names) {
    try {
      found.push(await api.get(`/networks/${encodeURIComponent(n)}`));
    } catch (e) {
      failed = 1;
      ctx.err(errorText(e) + '\n');
    }
  }
  if (format) {
    const r = inspectTemplate(
      format,
      found.map((raw) => ({ kind: 'network' as const, raw })),
    );
    ctx.out(r.out);
    for (const e of r.errors) ctx.err(e + '\n');
    if (r.errors.length) failed = 1;
  } else ctx.out(goIndentJson(found) + '\n');
  return failed;
}

export const networkInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  minArgs: 1,
  flags: [formatFlag(true), { long: 'verbose', short: 'v', kind: 'bool', help: 'Verbose output for diagnostics' }],
  run: (ctx, f, args) => inspectNetworks(ctx, args, f.str('format')),
};

interface NetworkSummary {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Created: string;
  EnableIPv6: boolean;
  EnableIPv4?: boolean;
  Internal: boolean;
  Labels: Record<string, string> | null;
}

export class NetworkRow {
  constructor(
    private readonly n: NetworkSummary,
    private readonly trunc: boolean,
  ) {}
  get ID(): string {
    return this.trunc ? this.n.Id.slice(0, 12) : this.n.Id;
  }
  get Name(): string {
    return this.n.Name;
  }
  get Driver(): string {
    return this.n.Driver;
  }
  get Scope(): string {
    return this.n.Scope;
  }
  get IPv4(): string {
    return String(this.n.EnableIPv4 ?? true);
  }
  get IPv6(): string {
    return String(this.n.EnableIPv6);
  }
  get Internal(): string {
    return String(this.n.Internal);
  }
  get Labels(): string {
    return Object.entries(this.n.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  Label(name: string): string {
    return this.n.Labels?.[name] ?? '';
  }
  get CreatedAt(): string {
    return goTimeString(Date.parse(this.n.Created));
  }
}

const networkHeaders = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv4: 'IPV4',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

export const networkLsCommand: Command = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  summary: 'List networks',
  maxArgs: 0,
  flags: [
    filterFlag('Provide filter values (e.g. "driver=bridge")'),
    formatFlag(),
    { long: 'no-trunc', kind: 'bool', help: 'Do not truncate the output' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display network IDs' },
  ],
  async run(ctx, f) {
    const api = await ctx.api();
    const list = await api.get<NetworkSummary[]>('/networks', { filters: filterQuery(f.list('filter')) });
    list.sort((a, b) => a.Name.localeCompare(b.Name, undefined, { numeric: true }));
    const rows = list.map((n) => new NetworkRow(n, !f.bool('no-trunc')));
    if (f.bool('quiet')) {
      ctx.out(rows.map((r) => r.ID + '\n').join(''));
      return;
    }
    ctx.out(renderRows(f.str('format') || undefined, rows, { defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', headers: networkHeaders }));
  },
};

export const networkRmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Do not error if the network does not exist' }],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      try {
        await api.json('DELETE', `/networks/${encodeURIComponent(n)}`);
      } catch (e) {
        if (f.bool('force') && (e as { status?: number }).status === 404) return;
        throw e;
      }
      ctx.out(n + '\n');
    });
  },
};
