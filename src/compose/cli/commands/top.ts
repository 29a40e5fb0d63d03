// top: the processes of the project's running containers in one table, as
// Compose v5 prints it: SERVICE and replica (#) first, the daemon's columns
// in the order first met, CMD last, through a tabwriter (min width 4,
// padding 2); containers by name; a process without a column shows "-".
import { tabwrite } from '../../../cli/format';
import { byteOrder } from '../../../util/compare';
import { L } from '../../engine/labels';
import { nameOf, projectContainers } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';

export const topCommand: ComposeCommand = {
  name: 'top',
  usage: '[SERVICES...]',
  summary: 'Display the running processes',
  flags: [],
  async run(cc, _f, args) {
    const api = await cc.api();
    const cs = (await projectContainers(api, await projectName(cc), { all: false, services: args.length ? args : undefined })).sort((a, b) =>
      byteOrder(nameOf(a), nameOf(b)),
    );
    const tops = await Promise.all(cs.map((c) => api.get<{ Titles: string[]; Processes: string[][] }>(`/containers/${c.Id}/top`)));
    const headers = ['SERVICE', '#'];
    const rows: Map<string, string>[] = [];
    cs.forEach((c, i) => {
      const { Titles, Processes } = tops[i];
      for (const proc of Processes ?? []) {
        const row = new Map([
          ['SERVICE', c.Labels[L.service]],
          ['#', c.Labels[L.number] ?? ''],
        ]);
        Titles.forEach((t, j) => {
          if (!headers.includes(t)) headers.push(t);
          row.set(t, proc[j]);
        });
        rows.push(row);
      }
    });
    if (!rows.length) return;
    const cmd = headers.indexOf('CMD');
    if (cmd >= 0) headers.push(...headers.splice(cmd, 1));
    const lines = [headers, ...rows.map((r) => headers.map((h) => r.get(h) ?? '-'))];
    cc.cli.out(tabwrite(lines.map((l) => l.join('\t') + '\n').join(''), { minwidth: 4, padding: 2 }));
  },
};
