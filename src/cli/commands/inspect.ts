// inspect (any object), container inspect and image inspect: docker's indented
// JSON array, or a Go template per object with -f.
import { ApiError, type ApiClient } from '../../client/api';
import { errorText, type CliContext, type Command } from '../command';
import { inspectTemplate } from '../format';
import { formatFlag } from '../opts/filter';

type Kind = 'container' | 'image' | 'volume' | 'network';

/** JSON as Go's json.MarshalIndent writes it (4 spaces, <>& escaped). */
export function goIndentJson(v: unknown): string {
  return JSON.stringify(v, null, 4).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

async function fetchObject(api: ApiClient, kind: Kind, name: string, size: boolean): Promise<unknown> {
  if (kind === 'container') return api.get(`/containers/${encodeURIComponent(name)}/json`, { size: size || undefined });
  if (kind === 'volume') return api.get(`/volumes/${encodeURIComponent(name)}`);
  if (kind === 'network') return api.get(`/networks/${encodeURIComponent(name)}`);
  return api.get(`/images/${name}/json`);
}

/** Inspects each name as the first of `kinds` that has it; a name none has is the daemon's error for one kind (docker 28), "No such object" for several. */
async function inspectAll(ctx: CliContext, kinds: Kind[], names: string[], format: string, size: boolean): Promise<number> {
  const api = await ctx.api();
  const found: Array<{ kind: Kind; raw: unknown }> = [];
  const errors: string[] = [];
  for (const n of names) {
    let obj: { kind: Kind; raw: unknown } | undefined;
    let missing: ApiError | undefined;
    for (const k of kinds) {
      try {
        obj = { kind: k, raw: await fetchObject(api, k, n, size) };
        break;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
        missing = e;
      }
    }
    if (obj === undefined) errors.push(kinds.length === 1 && missing ? errorText(missing) : `Error: No such object: ${n}`);
    else found.push(obj);
  }
  let failed = errors.length > 0;
  if (format) {
    const r = inspectTemplate(format, found);
    ctx.out(r.out);
    for (const e of r.errors) ctx.err(e + '\n');
    failed ||= r.errors.length > 0;
  } else ctx.out(goIndentJson(found.map((o) => o.raw)) + '\n');
  for (const e of errors) ctx.err(`${e}\n`);
  return failed ? 1 : 0;
}

const inspectFlags = (withType: boolean) => [
  formatFlag(true),
  { long: 'size', short: 's', kind: 'bool' as const, help: 'Display total file sizes if the type is container' },
  ...(withType ? [{ long: 'type', kind: 'string' as const, help: 'Return JSON for specified type' }] : []),
];

export const inspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on Docker objects',
  minArgs: 1,
  flags: inspectFlags(true),
  run(ctx, f, args) {
    const type = f.str('type');
    if (type && !['container', 'image', 'volume', 'network'].includes(type)) throw new Error(`"${type}" is not a valid value for --type`);
    const kinds: Kind[] = type ? [type as Kind] : ['container', 'image', 'volume', 'network'];
    return inspectAll(ctx, kinds, args, f.str('format'), f.bool('size'));
  },
};

export const containerInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  minArgs: 1,
  flags: inspectFlags(false),
  run: (ctx, f, args) => inspectAll(ctx, ['container'], args, f.str('format'), f.bool('size')),
};

export const imageInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  minArgs: 1,
  flags: [formatFlag(true)],
  run: (ctx, f, args) => inspectAll(ctx, ['image'], args, f.str('format'), false),
};
