// import: a filesystem image from a tarball (file, URL or stdin).
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from '../command';
import { renderJsonMessages } from '../progress';
import { splitRepoTag } from '../refs';

export const importCommand: Command = {
  name: 'import',
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball to create a filesystem image',
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { long: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', help: 'Set commit message for imported image' },
    { long: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx, f, args) {
    const [src, ref] = args;
    let body: Readable;
    let fromSrc = '-';
    if (src === '-') body = process.stdin;
    else if (/^https?:\/\//.test(src)) {
      fromSrc = src;
      body = undefined as unknown as Readable;
    } else {
      try {
        fs.accessSync(src, fs.constants.R_OK);
      } catch {
        throw new Error(`open ${src}: no such file or directory`);
      }
      body = fs.createReadStream(src);
    }
    const { repo, tag } = ref ? splitRepoTag(ref) : { repo: undefined, tag: undefined };
    const api = await ctx.api();
    const res = await api.stream('POST', '/images/create', {
      query: { fromSrc, repo, tag, message: f.str('message') || undefined, changes: f.list('change'), platform: f.str('platform') || undefined },
      body,
    });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: (s) => ctx.out(s) });
  },
};
