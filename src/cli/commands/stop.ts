// stop and restart: a signal, a grace period, then SIGKILL.
import { forEachName, type Command } from '../command';
import type { FlagDef } from '../flags';

const enc = encodeURIComponent;

const stopFlags: FlagDef[] = [
  { long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' },
  { long: 'time', short: 't', kind: 'int', help: 'Seconds to wait before killing the container' },
];

function stopLike(name: 'stop' | 'restart', summary: string): Command {
  return {
    name,
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    summary,
    minArgs: 1,
    flags: stopFlags,
    async run(ctx, f, args) {
      const api = await ctx.api();
      const query = { t: f.isSet('time') ? f.int('time') : undefined, signal: f.str('signal') || undefined };
      return forEachName(ctx, args, async (n) => {
        await api.post(`/containers/${enc(n)}/${name}`, query);
        ctx.out(n + '\n');
      });
    },
  };
}

export const stopCommand = stopLike('stop', 'Stop one or more running containers');
export const restartCommand = stopLike('restart', 'Restart one or more containers');
