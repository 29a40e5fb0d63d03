// pull: an image from its registry, with the progress docker shows.
import { StatusError, type Command } from '../command';
import { renderJsonMessages } from '../progress';
import { fullRef, registryAuthHeader, userReference } from '../refs';

export const pullCommand: Command = {
  name: 'pull',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Download all tagged images in the repository' },
    { long: 'disable-content-trust', kind: 'bool', help: 'Skip image verification', def: true },
    { long: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  ],
  async run(ctx, f, [name]) {
    const r = userReference(name);
    const all = f.bool('all-tags');
    if (all && (r.tag || r.digest)) throw new StatusError("tag can't be used with --all-tags/-a", 1);
    const api = await ctx.api();
    const tag = all ? undefined : (r.digest ?? r.tag ?? 'latest');
    const res = await api.stream('POST', '/images/create', {
      query: { fromImage: `${r.domain}/${r.path}`, tag: tag ?? '', platform: f.str('platform') || undefined },
      headers: registryAuthHeader(name),
    });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: f.bool('quiet') ? () => {} : (s) => ctx.out(s) });
    ctx.out(all ? `${r.domain}/${r.path}\n` : fullRef(r.tag || r.digest ? name : `${name}:latest`) + '\n');
  },
};
