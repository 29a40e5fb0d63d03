// wait: block until the services' containers stop; exit with the last code.
import { ComposeError } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { targets } from '../verbs';

export const waitCommand: ComposeCommand = {
  name: 'wait',
  usage: 'SERVICE [SERVICE...] [OPTIONS]',
  summary: 'Block until containers of all (or specified) services stop.',
  flags: [{ long: 'down-project', kind: 'bool', help: 'Drops project when the first container stops' }],
  async run(cc, _f, args) {
    if (!args.length) throw new ComposeError('wait requires at least 1 argument');
    const api = await cc.api();
    const { cs } = await targets(cc, args);
    let code = 0;
    for (const c of cs) {
      const r = await api.post(`/containers/${c.Id}/wait`);
      code = r.StatusCode ?? code;
    }
    return code;
  },
};
