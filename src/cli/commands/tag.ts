// tag: another name for an image.
import { parseReference } from '../../common/reference';
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
    // the target is checked here, as the docker CLI does, before the daemon is asked
    let digest: string | undefined;
    try {
      digest = parseReference(target).digest;
    } catch (e) {
      throw new Error(`Error parsing reference: "${target}" is not a valid repository/tag: ${(e as Error).message}`);
    }
    if (digest) throw new Error('refusing to create a tag with a digest reference');
    const { repo, tag } = splitRepoTag(target);
    const api = await ctx.api();
    await api.post(`/images/${source}/tag`, { repo, tag });
  },
};
