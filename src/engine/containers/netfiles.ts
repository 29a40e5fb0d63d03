// /etc/hostname, /etc/hosts and /etc/resolv.conf for a container, kept in its
// directory and bind-mounted in, as Docker does. Only host/none/private
// namespaces exist until bridge networking lands.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../container';
import type { EngineContext } from '../context';

const HOSTS_BASE = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

export function isHostNetwork(c: Container): boolean {
  return c.HostConfig.NetworkMode === 'host';
}

function resolvConf(ctx: EngineContext, c: Container): string {
  let host = '';
  try {
    host = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    /* none */
  }
  if (isHostNetwork(c) && !c.HostConfig.Dns.length && !ctx.cfg.dns.length) return host;
  const lines = host.split('\n');
  let ns = lines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  // a loopback resolver on the host is unreachable from the container's own netns
  ns = ns.filter((a) => !a.startsWith('127.') && a !== '::1');
  const dns = c.HostConfig.Dns.length ? c.HostConfig.Dns : ctx.cfg.dns.length ? ctx.cfg.dns : ns.length ? ns : ['8.8.8.8', '8.8.4.4'];
  const search = c.HostConfig.DnsSearch.length ? c.HostConfig.DnsSearch : ctx.cfg.dnsSearch.length ? ctx.cfg.dnsSearch : lines.filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  const opts = c.HostConfig.DnsOptions.length ? c.HostConfig.DnsOptions : ctx.cfg.dnsOptions.length ? ctx.cfg.dnsOptions : lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let out = dns.map((d) => `nameserver ${d}\n`).join('');
  if (search.length) out += `search ${search.join(' ')}\n`;
  if (opts.length) out += `options ${opts.join(' ')}\n`;
  return out;
}

function hostsFile(c: Container): string {
  if (isHostNetwork(c)) {
    try {
      return fs.readFileSync('/etc/hosts', 'utf8') + extraHosts(c);
    } catch {
      /* fall through */
    }
  }
  return HOSTS_BASE + extraHosts(c);
}

function extraHosts(c: Container): string {
  return (c.HostConfig.ExtraHosts ?? [])
    .map((h) => {
      const i = h.indexOf(':');
      return `${h.slice(i + 1)}\t${h.slice(0, i)}\n`;
    })
    .join('');
}

export function netFilePaths(ctx: EngineContext, c: Container): { hostname: string; hosts: string; resolv: string } {
  const dir = ctx.containers.dir(c.ID);
  return { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolv: path.join(dir, 'resolv.conf') };
}

export function writeNetworkFiles(ctx: EngineContext, c: Container): void {
  const p = netFilePaths(ctx, c);
  const hostname = isHostNetwork(c) ? fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() : c.Config.Hostname;
  fs.writeFileSync(p.hostname, hostname + '\n', { mode: 0o644 });
  fs.writeFileSync(p.hosts, hostsFile(c), { mode: 0o644 });
  fs.writeFileSync(p.resolv, resolvConf(ctx, c), { mode: 0o644 });
}
