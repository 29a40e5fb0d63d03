// logs: every service container's log, each line prefixed as Compose v5 does
// with the container's name less the project ("web-1  | ", a custom
// container_name whole) padded to the longest one, coloured on a terminal;
// the containers' stderr on stderr; with -f, until every followed container
// has stopped.
import type { ApiClient } from '../../../client/api';
import { demux } from '../../../client/streams';
import { L } from '../../engine/labels';
import { nameOf, projectContainers, type ContainerSummary } from '../../engine/project';
import type { ComposeCommand } from '../command';
import type { ComposeContext } from '../context';

const COLORS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface FollowOptions {
  follow: boolean;
  prefix: boolean;
  color: boolean;
  timestamps: boolean;
  tail: string;
  since?: string;
  until?: string;
  /** resolve as soon as one container's stream ends (up --abort-on-container-exit) */
  abortOnExit?: boolean;
  /** print "<name> exited with code N" as Compose does when attached */
  announceExit?: boolean;
}

/** Streams the logs of cs; resolves with the exit codes of those that ended. */
/** The name Compose v5 shows in logs: the container's without "<project>-", unless container_name set it. */
export function logName(c: ContainerSummary): string {
  const name = nameOf(c);
  const project = c.Labels[L.project];
  return name === `${project}-${c.Labels[L.service]}-${c.Labels[L.number]}` ? name.slice(project.length + 1) : name;
}

export async function followLogs(cc: ComposeContext, api: ApiClient, cs: ContainerSummary[], o: FollowOptions): Promise<number[]> {
  const width = Math.max(0, ...cs.map((c) => logName(c).length));
  const exits: number[] = [];
  const one = async (c: ContainerSummary, i: number) => {
    const name = logName(c);
    const pre = o.prefix ? (o.color ? `\x1b[${COLORS[i % COLORS.length]}m${name.padEnd(width)}  |\x1b[0m ` : `${name.padEnd(width)}  | `) : '';
    const partial = { out: '', err: '' };
    const sinkTo = (stream: 'out' | 'err') => (d: Buffer) => {
      const text = partial[stream] + d.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = lines.pop() ?? '';
      if (lines.length) cc.cli[stream](lines.map((l) => pre + l + '\n').join(''));
    };
    const sink = sinkTo('out');
    const info = await api.get(`/containers/${c.Id}/json`);
    const res = await api.stream('GET', `/containers/${c.Id}/logs`, {
      query: { stdout: true, stderr: true, follow: o.follow || undefined, timestamps: o.timestamps || undefined, tail: o.tail, since: o.since, until: o.until },
    });
    if (info.Config?.Tty) await new Promise<void>((r) => res.on('data', sink).on('end', r).on('close', r));
    else await demux(res, sink, sinkTo('err'));
    if (partial.out) cc.cli.out(pre + partial.out + '\n');
    if (partial.err) cc.cli.err(pre + partial.err + '\n');
    if (o.follow) {
      const w = await api.post(`/containers/${c.Id}/wait`).catch(() => ({ StatusCode: 0 }));
      exits.push(w.StatusCode ?? 0);
      if (o.announceExit) cc.cli.out(`${name} exited with code ${w.StatusCode ?? 0}\n`);
    }
  };
  const all = cs.map((c, i) => one(c, i));
  if (o.abortOnExit) await Promise.race(all);
  else await Promise.all(all);
  return exits;
}

export const logsCommand: ComposeCommand = {
  name: 'logs',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'View output from containers',
  flags: [
    { long: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { long: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs for each container', def: 'all' },
    { long: 'since', kind: 'string', help: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    { long: 'until', kind: 'string', help: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    { long: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    { long: 'no-color', kind: 'bool', help: 'Produce monochrome output' },
    { long: 'no-log-prefix', kind: 'bool', help: "Don't print prefix in logs" },
    { long: 'index', kind: 'int', help: 'index of the container if service has multiple replicas' },
  ],
  async run(cc, f, args) {
    const name = cc.projectNameOnly() ?? cc.project().name;
    const api = await cc.api();
    let cs = await projectContainers(api, name, { all: true, services: args.length ? args : undefined });
    if (f.isSet('index')) cs = cs.filter((c) => Number(c.Labels['com.docker.compose.container-number']) === f.int('index'));
    await followLogs(cc, api, cs, {
      follow: f.bool('follow'),
      prefix: !f.bool('no-log-prefix'),
      color: !f.bool('no-color') && cc.cli.stdoutTty,
      timestamps: f.bool('timestamps'),
      tail: f.str('tail'),
      since: f.str('since') || undefined,
      until: f.str('until') || undefined,
    });
  },
};
