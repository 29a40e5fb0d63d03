// diff: what changed in a container's filesystem since it was created.
import type { Command } from '../command';

const enc = encodeURIComponent;

export const diffCommand: Command = {
  name: 'diff',
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx, _f, args) {
    const api = await ctx.api();
    const changes = (await api.get<Array<{ Path: string; Kind: number }> | null>(`/containers/${enc(args[0])}/changes`)) ?? [];
    for (const c of changes) ctx.out(`${['C', 'A', 'D'][c.Kind] ?? '?'} ${c.Path}\n`);
  },
};
