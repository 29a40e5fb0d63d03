// events: the engine's events for the project's containers.
import { jsonLines } from '../../../client/streams';
import { L } from '../../engine/labels';
import type { ComposeCommand } from '../command';

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
    const res = await api.stream('GET', '/events', {
      query: { filters: JSON.stringify({ type: ['container'], label: labels }), since: f.str('since') || undefined, until: f.str('until') || undefined },
    });
    await jsonLines<{ Action: string; id: string; time: number; timeNano?: number; Actor: { Attributes: Record<string, string> } }>(res, (e) => {
      const attrs = e.Actor?.Attributes ?? {};
      const service = attrs[L.service];
      if (args.length && !args.includes(service)) return;
      const time = new Date(Math.floor((e.timeNano ?? e.time * 1e9) / 1e6)).toISOString();
      const shown = Object.fromEntries(Object.entries(attrs).filter(([k]) => !k.startsWith('com.docker.compose.')));
      if (f.bool('json')) cc.cli.out(JSON.stringify({ time, type: 'container', action: e.Action, id: e.id, service, attributes: shown }) + '\n');
      else
        cc.cli.out(
          `${time} container ${e.Action} ${e.id} (${Object.entries(shown)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})\n`,
        );
    });
  },
};
