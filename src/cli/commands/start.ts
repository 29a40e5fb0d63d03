// start: containers, attached or not (start -a waits for the exit code).
import { forEachName, type Command } from '../command';
import { attachAndWait } from './attach';

const enc = encodeURIComponent;

export const startCommand: Command = {
  name: 'start',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  minArgs: 1,
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    if (f.bool('attach') || f.bool('interactive')) {
      if (args.length > 1) throw new Error('you cannot start and attach multiple containers at once');
      return attachAndWait(ctx, api, args[0], {
        stdin: f.bool('interactive'),
        detachKeys: f.str('detach-keys') || undefined,
        sigProxy: true,
        start: true,
      });
    }
    return forEachName(
      ctx,
      args,
      async (n) => {
        await api.post(`/containers/${enc(n)}/start`);
        ctx.out(n + '\n');
      },
      (failed) => `Error: failed to start containers: ${failed.join(', ')}`,
    );
  },
};
