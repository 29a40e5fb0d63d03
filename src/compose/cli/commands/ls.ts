// ls: the projects found by label on the engine.
import { prettySection } from '../pretty';
import { L } from '../../engine/labels';
import type { ContainerSummary } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { byteOrder } from '../../../util/compare';

export const lsCommand: ComposeCommand = {
  name: 'ls',
  usage: '[OPTIONS]',
  summary: 'List running compose projects',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all stopped Compose projects' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display project names' },
    { long: 'format', kind: 'string', help: 'Format the output. Values: [table | json]', def: 'table' },
  ],
  async run(cc, f) {
    const api = await cc.api();
    const cs = (await api.get('/containers/json', { all: true, filters: JSON.stringify({ label: [L.project] }) })) as ContainerSummary[];
    const projects = new Map<string, { states: Map<string, number>; files: string }>();
    for (const c of cs) {
      const n = c.Labels[L.project];
      const e = projects.get(n) ?? projects.set(n, { states: new Map(), files: c.Labels[L.configFiles] ?? '' }).get(n)!;
      e.states.set(c.State, (e.states.get(c.State) ?? 0) + 1);
    }
    const rows = [...projects.entries()]
      .filter(([, e]) => f.bool('all') || e.states.has('running'))
      .sort(([a], [b]) => byteOrder(a, b))
      .map(([Name, e]) => ({ Name, Status: [...e.states.entries()].map(([s, n]) => `${s}(${n})`).join(', '), ConfigFiles: e.files }));
    if (f.bool('quiet')) cc.cli.out(rows.map((r) => r.Name + '\n').join(''));
    else if (f.str('format') === 'json') cc.cli.out(JSON.stringify(rows) + '\n');
    else
      cc.cli.out(
        prettySection(
          ['NAME', 'STATUS', 'CONFIG FILES'],
          rows.map((r) => [r.Name, r.Status, r.ConfigFiles]),
        ),
      );
  },
};
