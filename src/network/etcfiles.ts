// Contents of a container's /etc/hosts and /etc/resolv.conf, in Docker's order:
// defaults, --add-host entries, the container's own addresses, legacy links.
import * as fs from 'node:fs';

const HOSTS_DEFAULT = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::\tip6-localnet
ff00::\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

export interface HostsInput {
  /** the host's own file (host network mode) instead of the defaults */
  hostFile?: boolean;
  hostname: string;
  domainname: string;
  /** "name:ip" as given to --add-host, host-gateway already resolved */
  extraHosts: string[];
  addresses: string[];
  links: Array<{ ip: string; names: string }>;
}

export function hostsContent(i: HostsInput): string {
  let out = HOSTS_DEFAULT;
  if (i.hostFile) {
    try {
      out = fs.readFileSync('/etc/hosts', 'utf8');
      if (out && !out.endsWith('\n')) out += '\n';
    } catch {
      /* keep the defaults */
    }
  }
  for (const h of i.extraHosts) {
    const c = h.indexOf(':');
    out += `${h.slice(c + 1)}\t${h.slice(0, c)}\n`;
  }
  const fqdn = i.domainname ? `${i.hostname}.${i.domainname}` : i.hostname;
  const names = fqdn.includes('.') ? `${fqdn} ${fqdn.split('.')[0]}` : fqdn;
  for (const a of i.addresses) out += `${a}\t${names}\n`;
  for (const l of i.links) out += `${l.ip}\t${l.names}\n`;
  return out;
}

/** Docker's embedded DNS address inside every container on a user-defined network. */
export const EMBEDDED_DNS = '127.0.0.11';

export interface ResolvInput {
  /** host network mode: the host's file unless overridden */
  host: boolean;
  /** on a DNS-enabled network: the embedded resolver at 127.0.0.11 answers (and forwards `dns`) */
  embedded: boolean;
  dns: string[];
  search: string[];
  options: string[];
}

function hostResolv(): string {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** resolv.conf as Docker 20.10 builds it: search line, nameservers, options. */
export function resolvContent(i: ResolvInput): string {
  const host = hostResolv();
  if (i.host && !i.dns.length && !i.search.length && !i.options.length) return host;
  const lines = host.split('\n');
  const field = (k: string) => lines.filter((l) => new RegExp(`^\\s*${k}\\s`).test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let servers: string[];
  if (i.embedded) servers = [EMBEDDED_DNS];
  else if (i.dns.length) servers = i.dns;
  else {
    // a loopback resolver on the host is unreachable from the container's own netns
    servers = field('nameserver').filter((a) => !a.startsWith('127.') && a !== '::1');
    if (!servers.length) servers = ['8.8.8.8', '8.8.4.4'];
  }
  const search = i.search.length ? i.search : field('search');
  const opts = i.options.length ? [...i.options] : field('options');
  // the embedded resolver answers bare container names first, unless the user chose ndots
  if (i.embedded && !opts.some((o) => o.startsWith('ndots:'))) opts.push('ndots:0');
  let out = '';
  if (search.length && search.join(' ').trim() !== '.') out += `search ${search.join(' ')}\n`;
  out += servers.map((d) => `nameserver ${d}\n`).join('');
  if (opts.length) out += `options ${opts.join(' ')}\n`;
  return out;
}
