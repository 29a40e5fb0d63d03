// import and rmi (images, image inspect, pull, push, … live with the image store's commands).
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { forEachName, type Command } from '../command';
import { renderJsonMessages } from '../progress';

/** "repo:tag" → {repo, tag}; a ":" before the last "/" is a registry port, not a tag. */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

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

export const rmiCommand: Command = {
  name: 'rm',
  aliases: ['rmi', 'remove'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
    { long: 'no-prune', kind: 'bool', help: 'Do not delete untagged parents' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      const r = await api.json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${n}`, {
        query: { force: f.bool('force') || undefined, noprune: f.bool('no-prune') || undefined },
      });
      for (const e of r ?? []) ctx.out(e.Untagged ? `Untagged: ${e.Untagged}\n` : `Deleted: ${e.Deleted}\n`);
    });
  },
};
