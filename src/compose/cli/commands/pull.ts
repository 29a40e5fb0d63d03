// pull: the project's images, per service.
import { imageOf } from '../../engine/create';
import { pullImage } from '../../engine/images';
import { ComposeError } from '../../engine/project';
import type { ComposeCommand } from '../command';

export const pullCommand: ComposeCommand = {
  name: 'pull',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Pull service images',
  flags: [
    { long: 'ignore-pull-failures', kind: 'bool', help: 'Pull what it can and ignores images with pull failures' },
    { long: 'include-deps', kind: 'bool', help: 'Also pull services declared as dependencies' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Pull without printing progress information' },
    { long: 'ignore-buildable', kind: 'bool', help: 'Ignore images that can be built' },
  ],
  async run(cc, f, args) {
    const p = cc.project(args);
    const api = await cc.api();
    const progress = cc.progress('Pulling');
    let failed = false;
    try {
      for (const name of args.length ? args : Object.keys(p.services).sort()) {
        const s = p.services[name];
        if (!s) throw new ComposeError(`no such service: ${name}`);
        if (!s.image || (f.bool('ignore-buildable') && s.build)) continue;
        progress.event('Image', imageOf(p, s), 'Pulling');
        try {
          await pullImage(api, imageOf(p, s));
          progress.event('Image', imageOf(p, s), 'Pulled', true);
        } catch (e) {
          if (s.build) {
            progress.event('Image', imageOf(p, s), 'Skipped - No image to be pulled', true);
            continue;
          }
          progress.event('Image', imageOf(p, s), 'Error', true);
          if (!f.bool('ignore-pull-failures')) throw e;
          failed = true;
        }
      }
    } finally {
      progress.close();
    }
    return failed ? 0 : 0;
  },
};
