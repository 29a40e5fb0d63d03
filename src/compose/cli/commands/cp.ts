// cp: files to and from a service's container, with the berth CLI's cp.
import { cpCommand } from '../../../cli/commands/cp';
import { parseFlags } from '../../../cli/flags';
import { L } from '../../engine/labels';
import { ComposeError, nameOf, projectContainers } from '../../engine/project';
import type { ComposeCommand } from '../command';

export const composeCpCommand: ComposeCommand = {
  name: 'cp',
  usage: '[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n\tberth compose cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH',
  summary: 'Copy files/folders between a service container and the local filesystem',
  flags: [
    { long: 'index', kind: 'int', help: 'Index of the container if service has multiple replicas', def: 1 },
    { long: 'archive', short: 'a', kind: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { long: 'follow-link', short: 'L', kind: 'bool', help: 'Always follow symbol link in SRC_PATH' },
  ],
  async run(cc, f, args) {
    if (args.length !== 2) throw new ComposeError('cp requires exactly 2 arguments');
    const p = cc.project();
    const api = await cc.api();
    // SERVICE:path becomes the container's name, then it is berth's own cp
    const mapped: string[] = [];
    for (const a of args) {
      const i = a.indexOf(':');
      if (i > 0 && p.services[a.slice(0, i)]) {
        const cs = await projectContainers(api, p.name, { all: true, services: [a.slice(0, i)] });
        const c = cs.find((x) => Number(x.Labels[L.number]) === (f.int('index') ?? 1));
        if (!c) throw new ComposeError(`service "${a.slice(0, i)}" has no container #${f.int('index') ?? 1}`);
        mapped.push(`${nameOf(c)}:${a.slice(i + 1)}`);
      } else mapped.push(a);
    }
    const flags = [...(f.bool('archive') ? ['-a'] : []), ...(f.bool('follow-link') ? ['-L'] : [])];
    const parsed = parseFlags(cpCommand.flags, [...flags, ...mapped]);
    return cpCommand.run(cc.cli, parsed.flags, parsed.args);
  },
};
