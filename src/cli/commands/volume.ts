// volume create, ls, inspect, rm, prune: docker's commands, flags and output.
import { ApiError } from '../../client/api';
import { errorText, forEachName, type Command } from '../command';
import { FlagError } from '../flags';
import { inspectTemplate, renderRows } from '../format';
import { humanSize } from '../../util/humansize';
import { filterFlag, filterQuery, formatFlag } from '../opts/filter';
import { goIndentJson } from './inspect';

interface ApiVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  Scope: string;
  UsageData?: { Size: number; RefCount: number };
}

const enc = encodeURIComponent;

/** docker's ValidateLabel: a key before any "=", without whitespace. */
function validateLabel(v: string): string {
  const key = v.split('=')[0].replace(/^[\s]+/, '');
  if (key === '') throw new FlagError(`invalid argument "${v}" for "--label" flag: invalid label '${v}': empty name`);
  if (/\s/.test(key)) throw new FlagError(`invalid argument "${v}" for "--label" flag: label '${key}' contains whitespaces`);
  return v;
}

function kv(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    out[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  }
  return out;
}

export const volumeCreateCommand: Command = {
  name: 'create',
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  maxArgs: 1,
  flags: [
    { long: 'driver', short: 'd', kind: 'string', help: 'Specify volume driver name', def: 'local' },
    { long: 'label', kind: 'list', help: 'Set metadata for a volume', parse: validateLabel },
    { long: 'name', kind: 'string', help: 'Specify volume name', hidden: true },
    { long: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options', def: 'map[]' },
  ],
  async run(ctx, f, args) {
    let name = f.str('name');
    if (args.length === 1) {
      if (name) throw new Error('conflicting options: cannot specify a volume-name through both --name and as a positional arg');
      name = args[0];
    }
    const api = await ctx.api();
    const v = await api.json<ApiVolume>('POST', '/volumes/create', {
      body: { Name: name, Driver: f.str('driver'), DriverOpts: kv(f.list('opt')), Labels: kv(f.list('label')) },
    });
    ctx.out(v.Name + '\n');
  },
};

/** Go's sortorder.NaturalLess: digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === q) continue;
    const pn = /^\d/.test(p);
    const qn = /^\d/.test(q);
    if (pn && qn) {
      const ps = p.replace(/^0+/, '');
      const qs = q.replace(/^0+/, '');
      if (ps.length !== qs.length) return ps.length < qs.length;
      if (ps !== qs) return ps < qs;
      return p.length < q.length;
    }
    return p < q;
  }
  return x.length < y.length;
}

class VolumeRow {
  constructor(private readonly v: ApiVolume) {}
  get Name(): string {
    return this.v.Name;
  }
  get Driver(): string {
    return this.v.Driver;
  }
  get Scope(): string {
    return this.v.Scope;
  }
  get Mountpoint(): string {
    return this.v.Mountpoint;
  }
  get Labels(): string {
    return Object.entries(this.v.Labels ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join(',');
  }
  Label(name: string): string {
    return this.v.Labels?.[name] ?? '';
  }
  get Links(): string {
    return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A';
  }
  get Size(): string {
    return this.v.UsageData ? humanSize(this.v.UsageData.Size, 3) : 'N/A';
  }
  get Group(): string {
    return 'N/A';
  }
  get Availability(): string {
    return 'N/A';
  }
  get Status(): string {
    return 'N/A';
  }
}

export const volumeHeaders: Record<string, string> = {
  ID: 'ID',
  Name: 'VOLUME NAME',
  Group: 'GROUP',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Availability: 'AVAILABILITY',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Status: 'STATUS',
};

export function volumeRows(list: ApiVolume[]): VolumeRow[] {
  return [...list].sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0)).map((v) => new VolumeRow(v));
}

export const volumeLsCommand: Command = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  summary: 'List volumes',
  maxArgs: 0,
  flags: [
    filterFlag('Provide filter values (e.g. "dangling=true")'),
    formatFlag(),
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
  ],
  async run(ctx, f) {
    const api = await ctx.api();
    const r = await api.get<{ Volumes: ApiVolume[] | null }>('/volumes', { filters: filterQuery(f.list('filter')) });
    const rows = volumeRows(r.Volumes ?? []);
    const quiet = f.bool('quiet');
    let format = f.str('format') || undefined;
    if (format === 'raw') format = quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n';
    ctx.out(renderRows(format, rows, { defaultTable: 'table {{.Driver}}\t{{.Name}}', headers: volumeHeaders, quietFormat: '{{.Name}}' }, { quiet }));
  },
};

export const volumeInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  minArgs: 1,
  flags: [formatFlag(true)],
  async run(ctx, f, args) {
    const api = await ctx.api();
    const found: ApiVolume[] = [];
    const errors: string[] = [];
    for (const n of args) {
      try {
        found.push(await api.get<ApiVolume>(`/volumes/${enc(n)}`));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        errors.push(errorText(e));
      }
    }
    const format = f.str('format');
    if (format) {
      const r = inspectTemplate(
        format,
        found.map((raw) => ({ kind: 'volume' as const, raw })),
      );
      ctx.out(r.out);
      errors.push(...r.errors);
    } else ctx.out(goIndentJson(found) + '\n');
    for (const e of errors) ctx.err(e + '\n');
    return errors.length ? 1 : 0;
  },
};

export const volumeRmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      await api.request('DELETE', `/volumes/${enc(n)}`, { query: { force: f.bool('force') || undefined } });
      ctx.out(n + '\n');
    });
  },
};
