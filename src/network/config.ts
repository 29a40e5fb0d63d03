// Building and checking network records: Docker's validation of create
// requests, and the default bridge as the daemon flags describe it.
import { badRequest, forbidden, notFound } from '../util/errors';
import { cidrString, contains, isMasked, masked, networkOf, overlaps, parseAddr, parseCidr, addrString, type Cidr } from '../common/ipnet';
import {
  BRIDGE_NAME_OPT,
  DEFAULT_BRIDGE_OPT,
  HOST_BINDING_OPT,
  ICC_OPT,
  MASQ_OPT,
  MTU_OPT,
  type IpamConfig,
  type NetworkCreateRequest,
  type NetworkDaemonConfig,
  type NetworkRecord,
} from './types';

export const PREDEFINED = new Set(['bridge', 'host', 'none', 'default']);

function famName(c: Cidr): string {
  return c.family === 4 ? 'IPv4' : 'IPv6';
}

function checkAddress(what: string, a: string | undefined, subnet: Cidr): string | undefined {
  if (!a) return undefined;
  const p = parseAddr(a);
  if (!p) return `${what}: invalid address`;
  if (p.family !== subnet.family) return `${what}: parent subnet is an ${famName(subnet)} block`;
  if (!contains(subnet, p)) return `${what}: parent subnet ${cidrString(subnet)} doesn't contain this address`;
  return undefined;
}

/** Docker's ValidateIPAM: every problem, joined the way dockerd joins them. */
export function validateIpam(configs: IpamConfig[], enableIPv6: boolean): void {
  const errs: string[] = [];
  for (const cfg of configs) {
    const subnet = parseCidr(cfg.Subnet ?? '');
    if (!subnet) {
      errs.push(`invalid subnet ${cfg.Subnet}: invalid CIDR block notation`);
      continue;
    }
    if (!enableIPv6 && subnet.family === 6) continue;
    if (!isMasked(subnet)) errs.push(`invalid subnet ${cfg.Subnet}: it should be ${cidrString(masked(subnet))}`);
    if (cfg.IPRange) {
      const r = parseCidr(cfg.IPRange);
      if (!r) errs.push(`invalid ip-range ${cfg.IPRange}: invalid CIDR block notation`);
      else if (r.family !== subnet.family) errs.push(`invalid ip-range ${cfg.IPRange}: parent subnet is an ${famName(subnet)} block`);
      else {
        if (r.bits < subnet.bits) errs.push(`invalid ip-range ${cfg.IPRange}: CIDR block is bigger than its parent subnet ${cfg.Subnet}`);
        if (!isMasked(r)) errs.push(`invalid ip-range ${cfg.IPRange}: it should be ${cidrString(masked(r))}`);
        if (!overlaps(subnet, r)) errs.push(`invalid ip-range ${cfg.IPRange}: parent subnet ${cfg.Subnet} doesn't contain ip-range`);
      }
    }
    const g = checkAddress(`invalid gateway ${cfg.Gateway}`, cfg.Gateway, subnet);
    if (g) errs.push(g);
    for (const [k, v] of Object.entries(cfg.AuxiliaryAddresses ?? {})) {
      const e = checkAddress(`invalid auxiliary address ${k}`, v, subnet);
      if (e) errs.push(e);
    }
  }
  if (errs.length === 1) throw badRequest(`invalid network config:\n${errs[0]}`);
  if (errs.length) throw badRequest(`invalid network config:\n* ${errs.join('\n* ')}`);
}

/** Fills the gateway (first address) of a config that has none. */
export function withGateway(cfg: IpamConfig): IpamConfig {
  if (cfg.AuxiliaryAddresses && !Object.keys(cfg.AuxiliaryAddresses).length) {
    const { AuxiliaryAddresses: _a, ...rest } = cfg;
    cfg = rest;
  }
  if (cfg.Gateway) return cfg;
  const s = parseCidr(cfg.Subnet)!;
  return { ...cfg, Gateway: addrString(s.family, networkOf(s) + 1n) };
}

export function subnetsOf(n: NetworkRecord): Cidr[] {
  return n.IPAM.Config.map((c) => parseCidr(c.Subnet)).filter((c): c is Cidr => !!c);
}

export function boolOpt(opts: Record<string, string>, key: string, def: boolean): boolean {
  const v = opts[key];
  if (v === undefined || v === '') return def;
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw badRequest(`failed to parse ${key} option: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** The checks of `network create` that need no other record. */
export function checkCreateRequest(req: NetworkCreateRequest): { driver: string } {
  if (!req.Name) throw badRequest('network name cannot be empty');
  if (PREDEFINED.has(req.Name)) throw forbidden(`${req.Name} is a pre-defined network and cannot be created`);
  const driver = req.Driver || 'bridge';
  if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  const ipamDriver = req.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default') throw notFound(`plugin "${ipamDriver}" not found`);
  if (req.ConfigOnly || req.ConfigFrom?.Network) throw badRequest('config-only networks are not supported by berth');
  if (req.Ingress) throw forbidden('ingress networks need swarm mode, which berth does not have');
  const configs = req.IPAM?.Config ?? [];
  const v6 = !!req.EnableIPv6;
  validateIpam(configs, v6);
  const fams = configs.map((c) => parseCidr(c.Subnet)!.family).filter((f) => f === 4 || v6);
  if (fams.filter((f) => f === 4).length > 1 || fams.filter((f) => f === 6).length > 1)
    throw badRequest('bridge networks support one IPv4 subnet and one IPv6 subnet');
  const name = req.Options?.[BRIDGE_NAME_OPT];
  if (name !== undefined && !/^[a-zA-Z0-9_.-]{1,15}$/.test(name)) throw badRequest(`invalid bridge name: ${name}`);
  const mtu = req.Options?.[MTU_OPT];
  if (mtu !== undefined && !/^\d+$/.test(mtu)) throw badRequest(`invalid MTU: ${mtu}`);
  for (const k of [ICC_OPT, MASQ_OPT]) boolOpt(req.Options ?? {}, k, true);
  return { driver };
}

/** The default bridge's options and IPAM as the daemon flags say, the subnet from `subnet`. */
export function defaultBridgeShape(
  cfg: NetworkDaemonConfig,
  bridge: string,
  subnet: Cidr,
  gateway: string,
  v6?: Cidr,
): Pick<NetworkRecord, 'Options' | 'IPAM' | 'EnableIPv6'> {
  const ipam: IpamConfig[] = [{ Subnet: cidrString(subnet), Gateway: gateway }];
  if (cfg.fixedCidr) ipam[0].IPRange = cfg.fixedCidr;
  if (v6) ipam.push(withGateway({ Subnet: cidrString(v6) }));
  return {
    EnableIPv6: !!v6,
    IPAM: { Driver: 'default', Options: null, Config: ipam },
    Options: {
      [DEFAULT_BRIDGE_OPT]: 'true',
      [ICC_OPT]: String(cfg.icc),
      [MASQ_OPT]: String(cfg.ipMasq),
      [HOST_BINDING_OPT]: '0.0.0.0',
      [BRIDGE_NAME_OPT]: bridge,
      [MTU_OPT]: String(cfg.mtu ?? 1500),
    },
  };
}

/** --bip / --fixed-cidr checks; returns the bridge's subnet and gateway when --bip is set. */
export function parseBip(cfg: NetworkDaemonConfig): { subnet: Cidr; gateway: string } | undefined {
  if (cfg.fixedCidr) {
    const f = parseCidr(cfg.fixedCidr);
    if (!f || f.family !== 4) throw new Error(`invalid fixed-cidr: ${cfg.fixedCidr}`);
  }
  if (!cfg.bip) return undefined;
  const c = parseCidr(cfg.bip);
  if (!c || c.family !== 4) throw new Error(`invalid bip: ${cfg.bip}`);
  if (c.addr === networkOf(c)) throw new Error(`bip ${cfg.bip} is the network address, not a gateway address`);
  const subnet = masked(c);
  if (cfg.fixedCidr) {
    const f = parseCidr(cfg.fixedCidr)!;
    if (!overlaps(subnet, f) || f.bits < subnet.bits) throw new Error(`fixed-cidr ${cfg.fixedCidr} is not within bip ${cfg.bip}`);
  }
  return { subnet, gateway: addrString(4, c.addr) };
}
