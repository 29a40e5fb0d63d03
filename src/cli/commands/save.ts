// save: images to a tar archive (file or stdout).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StatusError, type Command } from '../command';

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
