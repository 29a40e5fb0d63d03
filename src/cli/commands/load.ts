// load: images from a tar archive (file or stdin).
import * as fs from 'node:fs';
import { StatusError, type Command } from '../command';
import { renderJsonMessages } from '../progress';

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
