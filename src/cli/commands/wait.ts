// wait: block until containers stop, then print their exit codes.
import { readAll } from '../../client/api';
import { forEachName, type Command } from '../command';

const enc = encodeURIComponent;

export const waitCommand: Command = {
  name: 'wait',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  minArgs: 1,
  flags: [],
  async run(ctx, _f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      const res = await api.stream('POST', `/containers/${enc(n)}/wait`);
      const body = JSON.parse((await readAll(res)).toString()) as { StatusCode: number };
      ctx.out(`${body.StatusCode}\n`);
    });
  },
};
