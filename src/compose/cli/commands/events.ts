// events: the engine's events for the project's containers.
import { jsonLines } from '../../../client/streams';
import { L } from '../../engine/labels';
import { byteOrder } from '../../../util/compare';
import { nsToRfc3339 } from '../../../util/time';
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
    await jsonLines<{ Action: string; id: string; time: number; timeNano?: number; Actor: { ID?: string; Attributes: Record<string, string> } }>(res, (e) => {
      const attrs = e.Actor?.Attributes ?? {};
      if (attrs[L.oneoff] === 'True') return;
      const service = attrs[L.service];
      if (args.length && !args.includes(service)) return;
      const ns = e.timeNano ? BigInt(e.timeNano) : BigInt(e.time) * 1000000000n;
      const shown = Object.fromEntries(
        Object.entries(attrs)
          .filter(([k]) => !k.startsWith('com.docker.compose.'))
          .sort(([a], [b]) => byteOrder(a, b)),
      );
      const id = e.Actor?.ID ?? e.id;
      // Compose v5 marshals a Go map (sorted keys) and a time.Time (RFC3339Nano)
      if (f.bool('json')) cc.cli.out(JSON.stringify({ action: e.Action, attributes: shown, id, service, time: nsToRfc3339(ns), type: 'container' }) + '\n');
      else {
        // Event.String() ends with a newline and Compose prints it with Println: a blank line follows each event
        const t = nsToRfc3339(ns);
        const micro = `${t.slice(0, 10)} ${t.slice(11, 19)}.${(t.slice(20, -1) + '000000').slice(0, 6)}`;
        cc.cli.out(
          `${micro} container ${e.Action} ${id} (${Object.entries(shown)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')})\n\n`,
        );
      }
    });
  },
};
