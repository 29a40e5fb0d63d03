// pull: the project's images, per service.
import { imageOf } from '../../engine/create';
import { pullImage } from '../../engine/images';
import { orderServices } from '../../engine/project';
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
    try {
      for (const name of orderServices(p, args, f.bool('include-deps'))) {
        const s = p.services[name];
        if (!s.image || (f.bool('ignore-buildable') && s.build)) continue;
        const ref = imageOf(p, s);
        progress.event('Image', ref, 'Pulling');
        try {
          await pullImage(api, ref);
          progress.event('Image', ref, 'Pulled', true);
        } catch (e) {
          if (s.build) {
            progress.event('Image', ref, 'Skipped - No image to be pulled', true);
            continue;
          }
          progress.event('Image', ref, 'Error', true);
          if (!f.bool('ignore-pull-failures')) throw e;
        }
      }
    } finally {
      progress.close();
    }
  },
};
