// rm: remove containers (with their anonymous volumes on -v).
import { forEachName, type Command } from '../command';

const enc = encodeURIComponent;

export const rmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'link', short: 'l', kind: 'bool', help: 'Remove the specified link' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    const query = { force: f.bool('force') || undefined, v: f.bool('volumes') || undefined, link: f.bool('link') || undefined };
    return forEachName(ctx, args, async (n) => {
      const name = n.replace(/^\//, '');
      if (name === '') throw new Error('Container name cannot be empty');
      await api.json('DELETE', `/containers/${enc(name)}`, { query });
      ctx.out(n + '\n');
    });
  },
};
