// top: the processes running in the project's containers.
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
    const cs = await projectContainers(api, await projectName(cc), { services: args.length ? args : undefined });
    for (const c of cs) {
      const t = await api.get(`/containers/${c.Id}/top`);
      const table = [(t.Titles as string[]).join('\t'), ...(t.Processes as string[][]).map((r) => r.join('\t'))].join('\n');
      cc.cli.out(`${nameOf(c)}\n${table}\n\n`);
    }
  },
};
