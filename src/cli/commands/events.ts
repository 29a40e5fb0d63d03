// events: the daemon's event stream, as docker prints it.
import { jsonLines } from '../../client/streams';
import { nsToRfc3339 } from '../../util/time';
import type { CliContext, Command } from '../command';
import { renderOne } from '../format';
import { filterFlag, filterQuery, formatFlag } from '../opts/filter';
import { byteOrder } from '../../util/compare';

// ---- events ----
interface EventJson {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time: number;
  timeNano: number;
}

/** docker's default event line: time type action id (k=v, …). */
export function eventLine(e: EventJson): string {
  const attrs = Object.entries(e.Actor.Attributes ?? {}).sort(([a], [b]) => byteOrder(a, b));
  const t = nsToRfc3339(BigInt(Math.round(e.timeNano ?? e.time * 1e9)));
  return `${t} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}\n`;
}

export const eventsCommand: Command = {
  name: 'events',
  usage: '[OPTIONS]',
  summary: 'Get real time events from the server',
  maxArgs: 0,
  flags: [
    filterFlag('Filter output based on conditions provided'),
    formatFlag(),
    { long: 'since', kind: 'string', help: 'Show all events created since timestamp' },
    { long: 'until', kind: 'string', help: 'Stream events until this timestamp' },
  ],
  async run(ctx: CliContext, f) {
    const api = await ctx.api();
    const res = await api.stream('GET', '/events', {
      query: { since: f.str('since') || undefined, until: f.str('until') || undefined, filters: filterQuery(f.list('filter')) },
    });
    const format = f.str('format');
    await jsonLines<EventJson>(res, (e) => ctx.out(format ? renderOne(format === 'json' ? '{{json .}}' : format, e) : eventLine(e)));
  },
};
