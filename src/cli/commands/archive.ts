// save, load, commit: images to and from archives, and containers to images.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StatusError, type Command } from '../command';
import { renderJsonMessages } from '../progress';

export const saveCommand: Command = {
  name: 'save',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  minArgs: 1,
  flags: [
    { long: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' },
    { long: 'platform', kind: 'string', help: 'Save only the given platform variant', hidden: true },
  ],
  async run(ctx, f, names) {
    const out = f.str('output');
    if (!out && ctx.stdoutTty) throw new StatusError('Cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    if (out) {
      const dir = path.dirname(path.resolve(out));
      if (!fs.existsSync(dir)) throw new StatusError(`failed to save image: invalid output path: directory "${dir}" does not exist`, 1);
    }
    const api = await ctx.api();
    const res = await api.stream('GET', '/images/get', { query: { names } });
    if (!out) {
      await pipeline(res, process.stdout);
      return;
    }
    // write next to the target and rename, so a failed save leaves no partial file
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      await pipeline(res, fs.createWriteStream(tmp, { mode: 0o600 }));
      fs.renameSync(tmp, out);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  },
};

export const loadCommand: Command = {
  name: 'load',
  usage: '[OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  maxArgs: 0,
  flags: [
    { long: 'input', short: 'i', kind: 'string', help: 'Read from tar archive file, instead of STDIN' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the load output' },
  ],
  async run(ctx, f) {
    const input = f.str('input');
    let body: NodeJS.ReadableStream;
    if (input) {
      try {
        fs.accessSync(input, fs.constants.R_OK);
      } catch {
        throw new StatusError(`open ${input}: no such file or directory`, 1);
      }
      body = fs.createReadStream(input, { highWaterMark: 1 << 20 });
    } else {
      if (ctx.stdinTty) throw new StatusError('requested load from stdin, but stdin is empty', 1);
      body = process.stdin;
    }
    const quiet = f.bool('quiet') || !ctx.stdoutTty;
    const api = await ctx.api();
    const res = await api.stream('POST', '/images/load', { query: { quiet }, body });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: (s) => ctx.out(s) });
  },
};

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
