// commit: a container's changes as a new image.
import type { Command } from '../command';

export const commitCommand: Command = {
  name: 'commit',
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { long: 'author', short: 'a', kind: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { long: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', help: 'Commit message' },
    { long: 'pause', short: 'p', kind: 'bool', help: 'Pause container during commit', def: true },
  ],
  async run(ctx, f, [container, ref]) {
    let repo: string | undefined;
    let tag: string | undefined;
    if (ref) {
      const colon = ref.lastIndexOf(':');
      if (colon > ref.lastIndexOf('/')) {
        repo = ref.slice(0, colon);
        tag = ref.slice(colon + 1);
      } else repo = ref;
    }
    const api = await ctx.api();
    const r = await api.json<{ Id: string }>('POST', '/commit', {
      query: {
        container,
        repo,
        tag,
        author: f.str('author') || undefined,
        comment: f.str('message') || undefined,
        pause: f.bool('pause'),
        changes: f.list('change'),
      },
      body: {},
    });
    ctx.out(r.Id + '\n');
  },
};
