// rename: a new name for a container.
import { forEachName, type Command } from '../command';

const enc = encodeURIComponent;

export const renameCommand: Command = {
  name: 'rename',
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, args) {
    const [oldName, newName] = args.map((a) => a.trim());
    if (!oldName || !newName) throw new Error('Error: Neither old nor new names may be empty');
    const api = await ctx.api();
    // the docker CLI's two lines: the daemon's error, then its own
    return forEachName(
      ctx,
      [oldName],
      (n) => api.post(`/containers/${enc(n)}/rename`, { name: newName }).then(() => undefined),
      ([n]) => `Error: failed to rename container named ${n}`,
    );
  },
};
