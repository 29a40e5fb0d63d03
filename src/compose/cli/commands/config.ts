// config: the project as loaded (merged, interpolated, canonical), as YAML or
// JSON, or one facet of it (--services, --volumes, --networks, --profiles,
// --images, --hash).
import { imageOf } from '../../engine/create';
import { serviceHash } from '../../engine/hash';
import { orderServices } from '../../engine/project';
import type { ComposeCommand } from '../command';

export const configCommand: ComposeCommand = {
  name: 'config',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Parse, resolve and render compose file in canonical format',
  flags: [
    { long: 'services', kind: 'bool', help: 'Print the service names, one per line.' },
    { long: 'volumes', kind: 'bool', help: 'Print the volume names, one per line.' },
    { long: 'networks', kind: 'bool', help: 'Print the network names, one per line.' },
    { long: 'profiles', kind: 'bool', help: 'Print the profile names, one per line.' },
    { long: 'images', kind: 'bool', help: 'Print the image names, one per line.' },
    { long: 'hash', kind: 'string', help: 'Print the service config hash, one per line.' },
    { long: 'quiet', short: 'q', kind: 'bool', help: "Only validate the configuration, don't print anything" },
    { long: 'format', kind: 'string', help: 'Format the output. Values: [yaml | json]', def: 'yaml' },
    { long: 'no-interpolate', kind: 'bool', help: "Don't interpolate environment variables" },
    { long: 'output', short: 'o', kind: 'string', help: 'Save to file (default to stdout)' },
  ],
  async run(cc, f, args) {
    const p = cc.project(args, { interpolate: !f.bool('no-interpolate') });
    const lines = (xs: string[]) => cc.cli.out(xs.map((x) => x + '\n').join(''));
    if (f.bool('quiet')) return;
    // dependencies first, as Compose walks its graph (its order among independent services is Go's random map order)
    if (f.bool('services')) return lines(orderServices(p, undefined, false));
    if (f.bool('volumes')) return lines(Object.keys(p.volumes).sort());
    if (f.bool('networks')) return lines(Object.keys(p.networks).sort());
    if (f.bool('profiles')) return lines([...new Set(Object.values({ ...p.services, ...p.disabledServices }).flatMap((s) => s.profiles))].sort());
    if (f.bool('images')) return lines(Object.values(p.services).map((s) => imageOf(p, s)));
    if (f.isSet('hash')) {
      const want = f.str('hash') === '*' ? Object.keys(p.services).sort() : f.str('hash').split(',');
      return lines(want.filter((n) => p.services[n]).map((n) => `${n} ${serviceHash(p, p.services[n])}`));
    }
    const { jsonText, yamlText } = require('../../canonical') as typeof import('../../canonical');
    const text = f.str('format') === 'json' ? jsonText(p) : yamlText(p);
    if (f.str('output')) require('node:fs').writeFileSync(f.str('output'), text);
    else cc.cli.out(text);
  },
};
