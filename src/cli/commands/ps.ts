// ps / container ls: the rows docker's formatter shows, as getters so that
// --format templates, the table and `json` all see the same fields.
import { humanDuration } from '../../util/time';
import type { Command } from '../command';
import { renderRows } from '../format';
import { humanSize } from '../../util/humansize';
import { filterFlag, filterQuery, formatFlag } from '../opts/filter';

import type { ContainerSummary, PortSummary } from '../../client/types';
import { byteOrder } from '../../util/compare';

export type { ContainerSummary, PortSummary };

/** "…" after max-1 runes, as docker's formatter.Ellipsis. */
export function ellipsis(s: string, max: number): string {
  const r = [...s];
  if (r.length <= max) return s;
  return r.slice(0, max - 1).join('') + '…';
}

/** Go's strconv.Quote for the printable ASCII commands shows. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (m, h: string) => (parseInt(h, 16) < 0x20 ? `\\x${h.slice(2)}` : m));
}

/** 0.0.0.0:8080->80/tcp, with consecutive ports folded into ranges like docker. */
export function displayPorts(ports: PortSummary[]): string {
  const groups = new Map<string, number[]>();
  const out: string[] = [];
  const sorted = [...ports].sort((a, b) => byteOrder(a.IP ?? '', b.IP ?? '') || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || a.PrivatePort - b.PrivatePort);
  for (const p of sorted) {
    if (p.PublicPort === undefined || p.PublicPort === 0) {
      out.push(`${p.PrivatePort}/${p.Type}`);
      continue;
    }
    const host = p.IP && p.IP.includes(':') ? `[${p.IP}]` : (p.IP ?? '');
    const key = `${host}|${p.Type}|${p.PublicPort - p.PrivatePort}`;
    const list = groups.get(key) ?? [];
    list.push(p.PrivatePort);
    groups.set(key, list);
  }
  for (const [key, privs] of groups) {
    const [host, type, delta] = key.split('|');
    const d = Number(delta);
    privs.sort((a, b) => a - b);
    let start = privs[0];
    let prev = start;
    const flush = () => {
      const pub = start === prev ? `${start + d}` : `${start + d}-${prev + d}`;
      const priv = start === prev ? `${start}` : `${start}-${prev}`;
      out.push(`${host}:${pub}->${priv}/${type}`);
    };
    for (const p of privs.slice(1)) {
      if (p === prev + 1) prev = p;
      else {
        flush();
        start = prev = p;
      }
    }
    flush();
  }
  return out.join(', ');
}

/** COMMAND as docker ps and Compose show it: quoted, cut to 20 characters unless --no-trunc. */
export const quotedCommand = (c: { Command?: string }, trunc: boolean): string => goQuote(trunc ? ellipsis(c.Command ?? '', 20) : (c.Command ?? ''));
/** CREATED: "N minutes ago". */
export const runningFor = (c: { Created: number }): string => `${humanDuration(Date.now() - c.Created * 1000)} ago`;

export class ContainerRow {
  constructor(
    private readonly c: ContainerSummary,
    private readonly trunc: boolean,
  ) {}

  get ID(): string {
    return this.trunc ? this.c.Id.slice(0, 12) : this.c.Id;
  }
  get Names(): string {
    const names = (this.c.Names ?? []).map((n) => n.replace(/^\//, ''));
    // link aliases ("/a/b") are hidden unless --no-trunc
    return (this.trunc ? names.filter((n) => !n.includes('/')) : names).join(',');
  }
  get Image(): string {
    const img = this.c.Image ?? '';
    if (this.trunc && /^sha256:[0-9a-f]{64}$/.test(img)) return img.slice(7, 19);
    return img;
  }
  get Command(): string {
    return quotedCommand(this.c, this.trunc);
  }
  get CreatedAt(): string {
    return goTimeString(this.c.Created * 1000);
  }
  get RunningFor(): string {
    return runningFor(this.c);
  }
  get Ports(): string {
    return displayPorts(this.c.Ports ?? []);
  }
  get State(): string {
    return this.c.State;
  }
  get Status(): string {
    return this.c.Status;
  }
  get Size(): string {
    if (this.c.SizeRw === undefined && this.c.SizeRootFs === undefined) return '0B';
    const rw = humanSize(this.c.SizeRw ?? 0, 3);
    return this.c.SizeRootFs ? `${rw} (virtual ${humanSize(this.c.SizeRootFs, 3)})` : rw;
  }
  get Labels(): string {
    return Object.entries(this.c.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .sort(byteOrder)
      .join(',');
  }
  Label(name: string): string {
    return this.c.Labels?.[name] ?? '';
  }
  get Mounts(): string {
    return (this.c.Mounts ?? []).map((m) => (m.Name ? (this.trunc ? ellipsis(m.Name, 15) : m.Name) : (m.Source ?? ''))).join(',');
  }
  get LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Type === 'volume').length);
  }
  get Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(',');
  }
  /** the image manifest's platform, which API 1.41 does not give: nil */
  get Platform(): null {
    return null;
  }
}
// the name docker's templates report in errors
Object.defineProperty(ContainerRow, 'name', { value: '*formatter.ContainerContext' });

/** A label's column header: the last dot-separated part, '-' and '_' as spaces. */
export const labelHeader = (name: string) => (name.split('.').pop() ?? '').replace(/[-_]/g, ' ');

/** Go's time.Time.String() in UTC: "2026-11-24 13:44:00 +0000 UTC". */
export function goTimeString(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} +0000 UTC`;
}

export const containerHeaders: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
};

export const psCommand: Command = {
  name: 'ls',
  aliases: ['ps', 'list'],
  usage: '[OPTIONS]',
  summary: 'List containers',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    filterFlag('Filter output based on conditions provided'),
    formatFlag(),
    { long: 'last', short: 'n', kind: 'int', help: 'Show n last created containers (includes all states)', def: -1 },
    { long: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
    { long: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  async run(ctx, f) {
    const format = f.str('format');
    const last = f.int('last') ?? -1;
    const limit = f.bool('latest') ? 1 : last > 0 ? last : undefined;
    // sizes are costly: only when shown
    // as the docker CLI, which runs the template once to see: .Size and {{json .}} ask for sizes; the bare word json does not
    const size = f.bool('size') || (!f.bool('quiet') && (/\.Size\b/.test(format) || /\{\{-?\s*json\s+\.\s*-?\}\}/.test(format)));
    const api = await ctx.api();
    const list = await api.get<ContainerSummary[]>('/containers/json', {
      all: f.bool('all') || limit !== undefined || undefined,
      limit,
      size: size || undefined,
      filters: filterQuery(f.list('filter')),
    });
    const rows = list.map((c) => new ContainerRow(c, !f.bool('no-trunc')));
    if (f.bool('quiet')) {
      ctx.out(rows.map((r) => r.ID + '\n').join(''));
      return;
    }
    const defaultTable = `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${f.bool('size') ? '\t{{.Size}}' : ''}`;
    ctx.out(
      renderRows(format || undefined, rows, {
        defaultTable,
        headers: containerHeaders,
        headerMethods: { Label: labelHeader },
        // docker runs the template once first to see whether it needs sizes
        execErrorPrefix: f.bool('size') || f.bool('quiet') ? undefined : 'failed to execute template',
      }),
    );
  },
};
