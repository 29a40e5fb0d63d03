// push: the project's images to their registries.
import { jsonLines } from '../../../client/streams';
import { registryAuthHeader } from '../../../cli/refs';
import { imageOf } from '../../engine/create';
import { ComposeError, orderServices } from '../../engine/project';
import type { ComposeCommand } from '../command';

export const pushCommand: ComposeCommand = {
  name: 'push',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Push service images',
  flags: [
    { long: 'ignore-push-failures', kind: 'bool', help: 'Push what it can and ignores images with push failures' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Push without printing progress information' },
  ],
  async run(cc, f, args) {
    const p = cc.project(args);
    const api = await cc.api();
    const progress = cc.progress('Pushing');
    try {
      for (const name of orderServices(p, args, false)) {
        const s = p.services[name];
        if (!s.image) continue;
        const ref = imageOf(p, s);
        const at = ref.lastIndexOf(':');
        const [repo, tag] = at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
        progress.event('Image', ref, 'Pushing');
        try {
          const res = await api.stream('POST', `/images/${repo}/push`, { query: { tag }, headers: registryAuthHeader(ref) });
          let err: string | undefined;
          await jsonLines<{ error?: string }>(res, (m) => (err ??= m.error));
          if (err) throw new ComposeError(err);
          progress.event('Image', ref, 'Pushed', true);
        } catch (e) {
          progress.event('Image', ref, 'Error', true);
          if (!f.bool('ignore-push-failures')) throw e;
        }
      }
    } finally {
      progress.close();
    }
  },
};
