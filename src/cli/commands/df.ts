// `system df`: disk usage of images, containers, local volumes and build cache,
// with docker's summary table (shared vs unique sizes in -v).
import { humanSize } from '../../util/humansize';
import { humanDuration } from '../../util/time';
import type { Command } from '../command';
import { renderRows, tabwrite } from '../format';
import { formatFlag } from '../opts/filter';

interface DfImage {
  Id: string;
  RepoTags: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Containers: number;
}
interface DfContainer {
  Id: string;
  Names: string[];
  Image: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  SizeRw?: number;
  Mounts?: Array<{ Type?: string; Name?: string }>;
}
interface DfVolume {
  Name: string;
  UsageData?: { Size: number; RefCount: number };
}
interface DfBuildCache {
  ID: string;
  Type: string;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string | null;
  UsageCount: number;
  Shared: boolean;
  InUse: boolean;
}
interface DiskUsage {
  LayersSize: number;
  Images: DfImage[] | null;
  Containers: DfContainer[] | null;
  Volumes: DfVolume[] | null;
  BuildCache: DfBuildCache[] | null;
}

const size = (n: number): string => humanSize(n);
const withPct = (reclaimable: number, total: number) => (total > 0 ? `${size(reclaimable)} (${Math.floor((reclaimable * 100) / total)}%)` : size(reclaimable));
const isActive = (c: DfContainer) => /running|paused|restarting/.test(c.State);

class DfRow {
  constructor(
    readonly Type: string,
    private readonly total: number,
    private readonly active: number,
    private readonly bytes: number,
    private readonly reclaimable: string,
  ) {}
  get TotalCount(): string {
    return String(this.total);
  }
  get Active(): string {
    return String(this.active);
  }
  get Size(): string {
    return size(this.bytes);
  }
  get Reclaimable(): string {
    return this.reclaimable;
  }
}

function summaryRows(d: DiskUsage): DfRow[] {
  const images = d.Images ?? [];
  const containers = d.Containers ?? [];
  const volumes = d.Volumes ?? [];
  const cache = d.BuildCache ?? [];
  let used = 0;
  for (const i of images) if (i.Containers > 0 && i.Size >= 0 && i.SharedSize >= 0) used += i.Size - i.SharedSize;
  const cSize = containers.reduce((s, c) => s + (c.SizeRw ?? 0), 0);
  const cReclaim = containers.filter((c) => !isActive(c)).reduce((s, c) => s + (c.SizeRw ?? 0), 0);
  const vSize = volumes.reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const vReclaim = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((s, v) => s + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const bSize = cache.reduce((s, b) => s + b.Size, 0);
  const bReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((s, b) => s + b.Size, 0);
  return [
    new DfRow('Images', images.length, images.filter((i) => i.Containers > 0).length, d.LayersSize, withPct(d.LayersSize - used, d.LayersSize)),
    new DfRow('Containers', containers.length, containers.filter(isActive).length, cSize, withPct(cReclaim, cSize)),
    new DfRow('Local Volumes', volumes.length, volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, vSize, withPct(vReclaim, vSize)),
    new DfRow('Build Cache', cache.length, cache.filter((b) => b.InUse).length, bSize, size(bReclaim)),
  ];
}

function verbose(d: DiskUsage): string {
  const ago = (s: number) => `${humanDuration(Date.now() - s * 1000)} ago`;
  let out = 'Images space usage:\n\n';
  const img: string[] = ['REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS'];
  // one row per image under its first tag, SIZE to 3 digits and the others to 4, as the docker CLI
  for (const i of d.Images ?? []) {
    const t = i.RepoTags?.find((x) => x !== '<none>:<none>') ?? '<none>:<none>';
    const c = t.lastIndexOf(':');
    img.push(
      [
        t.slice(0, c),
        t.slice(c + 1),
        i.Id.replace(/^sha256:/, '').slice(0, 12),
        ago(i.Created),
        humanSize(i.Size, 3),
        size(i.SharedSize),
        size(i.Size - i.SharedSize),
        String(i.Containers),
      ].join('\t'),
    );
  }
  out += tabwrite(img.join('\n') + '\n') + '\nContainers space usage:\n\n';
  const con: string[] = ['CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES'];
  for (const c of d.Containers ?? []) {
    const vols = (c.Mounts ?? []).filter((m) => m.Type === 'volume').length;
    const cmd = c.Command.length > 20 ? `"${c.Command.slice(0, 19)}…"` : `"${c.Command}"`;
    con.push(
      [
        c.Id.slice(0, 12),
        c.Image,
        cmd,
        String(vols),
        size(c.SizeRw ?? 0),
        ago(c.Created),
        c.Status,
        (c.Names ?? []).map((n) => n.replace(/^\//, '')).join(','),
      ].join('\t'),
    );
  }
  out += tabwrite(con.join('\n') + '\n') + '\nLocal Volumes space usage:\n\n';
  const vol: string[] = ['VOLUME NAME\tLINKS\tSIZE'];
  for (const v of d.Volumes ?? []) vol.push([v.Name, String(v.UsageData?.RefCount ?? 0), size(Math.max(0, v.UsageData?.Size ?? 0))].join('\t'));
  out += tabwrite(vol.join('\n') + '\n');
  const bc = d.BuildCache ?? [];
  out += `\nBuild cache usage: ${size(bc.reduce((s, b) => s + b.Size, 0))}\n\n`;
  const b: string[] = ['CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED'];
  const since = (t: string | null) => (t ? ago(Date.parse(t) / 1000) : '');
  for (const x of bc)
    b.push([x.ID.slice(0, 12), x.Type, size(x.Size), since(x.CreatedAt), since(x.LastUsedAt), String(x.UsageCount), String(x.Shared)].join('\t'));
  return out + tabwrite(b.join('\n') + '\n');
}

export const dfCommand: Command = {
  name: 'df',
  usage: '[OPTIONS]',
  summary: 'Show docker disk usage',
  maxArgs: 0,
  flags: [formatFlag(), { long: 'verbose', short: 'v', kind: 'bool', help: 'Show detailed information on space usage' }],
  async run(ctx, f) {
    const api = await ctx.api();
    const d = await api.get<DiskUsage>('/system/df');
    if (f.bool('verbose') && !f.str('format')) {
      ctx.out(verbose(d));
      return;
    }
    ctx.out(
      renderRows(f.str('format') || undefined, summaryRows(d), {
        defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
        headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
      }),
    );
  },
};
