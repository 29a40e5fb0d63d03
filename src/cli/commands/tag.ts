// tag: another name for an image.
import type { Command } from '../command';
import { splitRepoTag } from '../refs';

export const tagCommand: Command = {
  name: 'tag',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, [source, target]) {
    const { repo, tag } = splitRepoTag(target);
    if (target.includes('@')) throw new Error('refusing to create a tag with a digest reference');
    const api = await ctx.api();
    await api.post(`/images/${source}/tag`, { repo, tag });
  },
};
