// export: a container's filesystem as a tar archive.
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../command';

const enc = encodeURIComponent;

export const exportCommand: Command = {
  name: 'export',
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  minArgs: 1,
  maxArgs: 1,
  flags: [{ long: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, f, args) {
    const out = f.str('output');
    if (!out && ctx.stdoutTty) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const api = await ctx.api();
    const res = await api.stream('GET', `/containers/${enc(args[0])}/export`);
    if (!out) return void (await pipeline(res, process.stdout));
    // written next to the target and renamed, so a failed export leaves no half file
    const tmp = `${out}.tmp-${process.pid}`;
    try {
      await pipeline(res, fs.createWriteStream(tmp));
      fs.renameSync(tmp, out);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  },
};
