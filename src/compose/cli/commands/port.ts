// port: the public address of a service's published port.
import { L } from '../../engine/labels';
import { ComposeError, nameOf, projectContainers } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';

export const portCommand: ComposeCommand = {
  name: 'port',
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  summary: 'Print the public port for a port binding',
  flags: [
    { long: 'protocol', kind: 'string', help: 'tcp or udp', def: 'tcp' },
    { long: 'index', kind: 'int', help: 'Index of the container if service has multiple replicas', def: 1 },
  ],
  async run(cc, f, args) {
    if (args.length !== 2) throw new ComposeError('port requires exactly 2 arguments: SERVICE PRIVATE_PORT');
    const api = await cc.api();
    const cs = await projectContainers(api, await projectName(cc), { services: [args[0]] });
    const c = cs.find((x) => Number(x.Labels[L.number]) === (f.int('index') ?? 1));
    if (!c) throw new ComposeError(`service "${args[0]}" is not running container #${f.int('index') ?? 1}`);
    const p = c.Ports.find((x) => x.PrivatePort === Number(args[1]) && x.Type === f.str('protocol') && x.PublicPort);
    if (!p) throw new ComposeError(`no port ${args[1]}/${f.str('protocol')} for container ${nameOf(c)}: []`);
    cc.cli.out(`${p.IP || '0.0.0.0'}:${p.PublicPort}\n`);
  },
};
