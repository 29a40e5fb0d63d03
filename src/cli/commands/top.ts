// top: the processes running in a container.
import type { Command } from '../command';
import { tabwrite } from '../format';

const enc = encodeURIComponent;

export const topCommand: Command = {
  name: 'top',
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  minArgs: 1,
  interspersed: false,
  flags: [],
  async run(ctx, _f, args) {
    const api = await ctx.api();
    const r = await api.get<{ Titles: string[]; Processes: string[][] }>(`/containers/${enc(args[0])}/top`, {
      ps_args: args.length > 1 ? args.slice(1).join(' ') : undefined,
    });
    const lines = [r.Titles.join('\t'), ...(r.Processes ?? []).map((p) => p.join('\t'))];
    ctx.out(tabwrite(lines.join('\n') + '\n', { minwidth: 20 }));
  },
};
