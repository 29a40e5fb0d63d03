// /etc/hostname, /etc/hosts and /etc/resolv.conf for a container, kept in its
// directory and bind-mounted in, as Docker does. Their contents come from the
// network service (src/network), which knows the container's addresses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../../container';
import type { EngineContext } from '../context';

export function netFilePaths(ctx: EngineContext, c: Container): { hostname: string; hosts: string; resolv: string } {
  const dir = ctx.containers.dir(c.ID);
  return { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolv: path.join(dir, 'resolv.conf') };
}

/** Written in place (never renamed): a running container sees later rewrites through its bind mounts. */
export function writeNetworkFiles(ctx: EngineContext, c: Container, only?: 'hosts'): void {
  const p = netFilePaths(ctx, c);
  const f = ctx.networks.etcFiles(c);
  fs.writeFileSync(p.hosts, f.hosts, { mode: 0o644 });
  if (only) return;
  fs.writeFileSync(p.hostname, f.hostname, { mode: 0o644 });
  fs.writeFileSync(p.resolv, f.resolv, { mode: 0o644 });
}
