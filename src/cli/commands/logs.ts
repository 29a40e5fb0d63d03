// logs: a container's output history, followed on -f.
import type { Command } from '../command';
import { demux } from '../../client/streams';

const enc = encodeURIComponent;

export const logsCommand: Command = {
  name: 'logs',
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'details', kind: 'bool', help: 'Show extra details provided to logs' },
    { long: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { long: 'since', kind: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { long: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs', def: 'all' },
    { long: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    { long: 'until', kind: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    const c = await api.get<{ Id: string; Config: { Tty: boolean } }>(`/containers/${enc(args[0])}/json`);
    const res = await api.stream('GET', `/containers/${c.Id}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        follow: f.bool('follow') || undefined,
        since: f.str('since') || undefined,
        until: f.str('until') || undefined,
        timestamps: f.bool('timestamps') || undefined,
        tail: f.str('tail'),
        details: f.bool('details') || undefined,
      },
    });
    const out = (d: Buffer) => process.stdout.write(d);
    const err = (d: Buffer) => process.stderr.write(d);
    if (c.Config.Tty) await new Promise<void>((r) => res.on('data', out).on('end', r).on('close', r));
    else await demux(res, out, err);
  },
};
