// push: an image to its registry.
import { StatusError, type Command } from '../command';
import { renderJsonMessages } from '../progress';
import { registryAuthHeader, userReference } from '../refs';

export const pushCommand: Command = {
  name: 'push',
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Push all tags of an image to the repository' },
    { long: 'disable-content-trust', kind: 'bool', help: 'Skip image signing', def: true },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  ],
  async run(ctx, f, [name]) {
    const r = userReference(name);
    const all = f.bool('all-tags');
    if (all && r.tag) throw new StatusError("tag can't be used with --all-tags/-a", 1);
    if (r.digest) throw new StatusError('cannot push a digest reference', 1);
    const tag = all ? '' : (r.tag ?? 'latest');
    const api = await ctx.api();
    const res = await api.stream('POST', `/images/${r.repo}/push`, { query: { tag }, headers: registryAuthHeader(name) });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: f.bool('quiet') ? () => {} : (s) => ctx.out(s) });
    if (f.bool('quiet')) ctx.out(all ? `${r.repo}\n` : `${r.repo}:${tag}\n`);
  },
};
