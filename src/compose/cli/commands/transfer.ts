// push, cp and events: the project's images to their registries, files to and
// from a service's container, and the engine's events for the project.
import { jsonLines } from '../../../client/streams';
import { cpCommand } from '../../../cli/commands/cp';
import { registryAuthHeader } from '../../../cli/refs';
import { parseFlags } from '../../../cli/flags';
import { imageOf } from '../../engine/create';
import { L } from '../../engine/labels';
import { ComposeError, nameOf, projectContainers } from '../../engine/project';
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
      for (const name of args.length ? args : Object.keys(p.services).sort()) {
        const s = p.services[name];
        if (!s) throw new ComposeError(`no such service: ${name}`);
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

export const eventsCommand: ComposeCommand = {
  name: 'events',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Receive real time events from containers',
  flags: [
    { long: 'json', kind: 'bool', help: 'Output events as a stream of json objects' },
    { long: 'since', kind: 'string', help: 'Show all events created since timestamp' },
    { long: 'until', kind: 'string', help: 'Stream events until this timestamp' },
  ],
  async run(cc, f, args) {
    const name = cc.projectNameOnly() ?? cc.project().name;
    const api = await cc.api();
    const labels = [`${L.project}=${name}`];
    const res = await api.stream('GET', '/events', { query: { filters: JSON.stringify({ type: ['container'], label: labels }), since: f.str('since') || undefined, until: f.str('until') || undefined } });
    await jsonLines<{ Action: string; id: string; time: number; timeNano?: number; Actor: { Attributes: Record<string, string> } }>(res, (e) => {
      const attrs = e.Actor?.Attributes ?? {};
      const service = attrs[L.service];
      if (args.length && !args.includes(service)) return;
      const time = new Date(Math.floor((e.timeNano ?? e.time * 1e9) / 1e6)).toISOString();
      const shown = Object.fromEntries(Object.entries(attrs).filter(([k]) => !k.startsWith('com.docker.compose.')));
      if (f.bool('json')) cc.cli.out(JSON.stringify({ time, type: 'container', action: e.Action, id: e.id, service, attributes: shown }) + '\n');
      else cc.cli.out(`${time} container ${e.Action} ${e.id} (${Object.entries(shown).map(([k, v]) => `${k}=${v}`).join(', ')})\n`);
    });
  },
};
