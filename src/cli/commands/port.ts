// port: a container's published ports.
import type { Command } from '../command';
import { byteOrder } from '../../util/compare';

const enc = encodeURIComponent;

export const portCommand: Command = {
  name: 'port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  minArgs: 1,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, args) {
    const api = await ctx.api();
    const c = await api.get<{ Name: string; NetworkSettings?: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> } }>(
      `/containers/${enc(args[0])}/json`,
    );
    const ports = c.NetworkSettings?.Ports ?? {};
    const fmt = (b: { HostIp: string; HostPort: string }) => `${b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp}:${b.HostPort}`;
    if (args[1]) {
      const key = args[1].includes('/') ? args[1] : `${args[1]}/tcp`;
      const list = ports[key];
      if (!list?.length) throw new Error(`Error: No public port '${args[1]}' published for ${args[0]}`);
      ctx.out(list.map((b) => fmt(b) + '\n').join(''));
      return;
    }
    const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || byteOrder(a, b));
    for (const k of keys) for (const b of ports[k] ?? []) ctx.out(`${k} -> ${fmt(b)}\n`);
  },
};
