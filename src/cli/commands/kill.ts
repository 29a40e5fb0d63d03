// kill: a signal to a container's main process.
import { forEachName, type Command } from '../command';

const enc = encodeURIComponent;

export const killCommand: Command = {
  name: 'kill',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  minArgs: 1,
  flags: [{ long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' }],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      await api.post(`/containers/${enc(n)}/kill`, { signal: f.str('signal') || undefined });
      ctx.out(n + '\n');
    });
  },
};
