// rmi (image rm): untag and remove images.
import { forEachName, type Command } from '../command';

export const rmiCommand: Command = {
  name: 'rm',
  aliases: ['rmi', 'remove'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
    { long: 'no-prune', kind: 'bool', help: 'Do not delete untagged parents' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      const r = await api.json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${n}`, {
        query: { force: f.bool('force') || undefined, noprune: f.bool('no-prune') || undefined },
      });
      for (const e of r ?? []) ctx.out(e.Untagged ? `Untagged: ${e.Untagged}\n` : `Deleted: ${e.Deleted}\n`);
    });
  },
};
