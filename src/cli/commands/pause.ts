// pause and unpause: freeze and thaw every process in a container.
import { forEachName, type Command } from '../command';

const enc = encodeURIComponent;

function simple(name: 'pause' | 'unpause', summary: string): Command {
  return {
    name,
    usage: 'CONTAINER [CONTAINER...]',
    summary,
    minArgs: 1,
    flags: [],
    async run(ctx, _f, args) {
      const api = await ctx.api();
      return forEachName(ctx, args, async (n) => {
        await api.post(`/containers/${enc(n)}/${name}`);
        ctx.out(n + '\n');
      });
    },
  };
}

export const pauseCommand = simple('pause', 'Pause all processes within one or more containers');
export const unpauseCommand = simple('unpause', 'Unpause all processes within one or more containers');
