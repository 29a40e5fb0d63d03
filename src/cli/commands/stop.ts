// stop and restart: a signal, a grace period, then SIGKILL.
import { forEachName, type Command } from '../command';
import type { FlagDef } from '../flags';

const enc = encodeURIComponent;

const stopFlags: FlagDef[] = [
  { long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' },
  { long: 'timeout', short: 't', kind: 'int', help: 'Seconds to wait before killing the container' },
  // the docker CLI's name before 25, still accepted there (hidden)
  { long: 'time', kind: 'int', help: 'Seconds to wait before killing the container', hidden: true },
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
      if (f.isSet('time')) {
        ctx.err('Flag --time has been deprecated, use --timeout instead\n');
        if (f.isSet('timeout')) throw new Error('conflicting options: cannot specify both --timeout and --time');
      }
      const t = f.isSet('timeout') ? f.int('timeout') : f.isSet('time') ? f.int('time') : undefined;
      const query = { t, signal: f.str('signal') || undefined };
      return forEachName(ctx, args, async (n) => {
        await api.post(`/containers/${enc(n)}/${name}`, query);
        ctx.out(n + '\n');
      });
    },
  };
}

export const stopCommand = stopLike('stop', 'Stop one or more running containers');
export const restartCommand = stopLike('restart', 'Restart one or more containers');
