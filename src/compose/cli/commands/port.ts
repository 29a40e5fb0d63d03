// port: the public address of a service's published port.
import { ComposeError, nameOf, specifiedContainer } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';

export const portCommand: ComposeCommand = {
  name: 'port',
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  summary: 'Print the public port for a port binding',
  flags: [
    { long: 'protocol', kind: 'string', help: 'tcp or udp', def: 'tcp' },
    { long: 'index', kind: 'int', help: 'Index of the container if service has multiple replicas', def: 0 },
  ],
  async run(cc, f, args) {
    if (args.length !== 2) throw new ComposeError('port requires exactly 2 arguments: SERVICE PRIVATE_PORT');
    const api = await cc.api();
    const c = await specifiedContainer(api, await projectName(cc), args[0], f.int('index') ?? 0);
    const p = c.Ports.find((x) => x.PrivatePort === Number(args[1]) && x.Type === f.str('protocol') && x.PublicPort);
    // Compose v5 lists the container's ports after the colon (nothing when it has none)
    if (!p)
      throw new ComposeError(
        `no port ${args[1]}/${f.str('protocol')} for container ${nameOf(c)}: ${c.Ports.map((x) => `${x.PrivatePort}/${x.Type}`).join(', ')}`,
      );
    cc.cli.out(`${p.IP || '0.0.0.0'}:${p.PublicPort}\n`);
  },
};
