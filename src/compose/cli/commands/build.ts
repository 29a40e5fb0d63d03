// build: the project's images, per service.
import { buildService } from '../../engine/build';
import { orderServices } from '../../engine/project';
import type { ComposeCommand } from '../command';

export const buildCommand: ComposeCommand = {
  name: 'build',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Build or rebuild services',
  flags: [
    { long: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
    { long: 'pull', kind: 'bool', help: 'Always attempt to pull a newer version of the image' },
    { long: 'quiet', short: 'q', kind: 'bool', help: "Don't print anything to STDOUT" },
    { long: 'build-arg', kind: 'list', help: 'Set build-time variables for services' },
  ],
  async run(cc, f, args) {
    const p = cc.project(args);
    const api = await cc.api();
    const progress = cc.progress('Building');
    try {
      for (const name of orderServices(p, args, false)) {
        const s = p.services[name];
        if (!s.build) continue;
        for (const a of f.list('build-arg')) {
          const i = a.indexOf('=');
          s.build.args[i < 0 ? a : a.slice(0, i)] = i < 0 ? (process.env[a] ?? null) : a.slice(i + 1);
        }
        if (f.bool('no-cache')) s.build.no_cache = true;
        if (f.bool('pull')) s.build.pull = true;
        await buildService(api, p, s, progress);
      }
    } finally {
      progress.close();
    }
  },
};
