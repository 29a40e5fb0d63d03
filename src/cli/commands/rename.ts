// rename: a new name for a container.
import type { Command } from '../command';

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
    await api.post(`/containers/${enc(oldName)}/rename`, { name: newName });
  },
};
