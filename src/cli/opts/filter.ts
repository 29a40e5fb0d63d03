// The --filter flag (repeated key=value pairs sent as the API's JSON map) and
// the --format flag that the listing and inspecting commands share.
import { FlagError, type FlagDef } from '../flags';

/** --format; `-f` is its short form where docker gives it one (inspect, version, info, …). */
export const formatFlag = (short = false): FlagDef => ({
  long: 'format',
  ...(short ? { short: 'f' } : {}),
  kind: 'string',
  help: 'Format output using a custom template',
});

/** --filter k=v (repeatable); `-f` too unless the command uses it for --force. */
export const filterFlag = (help: string, short = true): FlagDef => ({
  long: 'filter',
  ...(short ? { short: 'f' } : {}),
  kind: 'list',
  help,
  valueName: 'filter',
  parse: (v) => {
    if (!v.includes('=')) throw new FlagError(`invalid argument "${v}" for "${short ? '-f, ' : ''}--filter" flag: bad format of filter (expected name=value)`);
    return v;
  },
});

/** ["status=exited", "label=a"] → '{"status":{"exited":true},"label":{"a":true}}' */
export function filterQuery(values: string[]): string | undefined {
  if (!values.length) return undefined;
  const m: Record<string, Record<string, boolean>> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    const k = v.slice(0, i).trim().toLowerCase();
    (m[k] ??= {})[v.slice(i + 1)] = true;
  }
  return JSON.stringify(m);
}
