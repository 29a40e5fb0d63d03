// images (image ls): the image list, with docker's columns and templates.
import { humanDuration } from '../../util/time';
import type { Command } from '../command';
import { renderRows } from '../format';
import { humanSize } from '../../util/humansize';
import { filterFlag, filterQuery, formatFlag } from '../opts/filter';
import { goTimeString } from './ps';
import { splitRepoTag } from '../refs';

interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export class ImageRow {
  constructor(
    private readonly img: ImageSummary,
    private readonly repo: string,
    private readonly tag: string,
    private readonly digest: string,
    private readonly trunc: boolean,
  ) {}
  get ID(): string {
    return this.trunc ? this.img.Id.replace(/^sha256:/, '').slice(0, 12) : this.img.Id;
  }
  get Repository(): string {
    return this.repo;
  }
  get Tag(): string {
    return this.tag;
  }
  get Digest(): string {
    return this.digest;
  }
  get CreatedSince(): string {
    return `${humanDuration(Date.now() - this.img.Created * 1000)} ago`;
  }
  get CreatedAt(): string {
    return goTimeString(this.img.Created * 1000);
  }
  get Size(): string {
    return humanSize(this.img.Size, 3);
  }
  get VirtualSize(): string {
    return humanSize(this.img.Size);
  }
  get SharedSize(): string {
    return this.img.SharedSize < 0 ? 'N/A' : humanSize(this.img.SharedSize, 3);
  }
  get UniqueSize(): string {
    return this.img.SharedSize < 0 ? 'N/A' : humanSize(this.img.Size - this.img.SharedSize, 3);
  }
  get Containers(): string {
    return this.img.Containers < 0 ? 'N/A' : String(this.img.Containers);
  }
}

// the name docker's templates report in errors
Object.defineProperty(ImageRow, 'name', { value: '*formatter.imageContext' });

/**
 * Rows as docker's image formatter makes them: <none>:<none> for an image with
 * no reference; per repository, a row per tag (per tag and digest when digests
 * are shown or the format asks for {{.Digest}}); a repository known only by
 * digest gets a <none> row (one per digest with --digests, else one with no digest).
 */
function imageRows(list: ImageSummary[], trunc: boolean, digestFlag: boolean, format: string): ImageRow[] {
  const rows: ImageRow[] = [];
  const needDigest = digestFlag || format.includes('{{.Digest}}');
  for (const img of list) {
    const tags = img.RepoTags ?? [];
    const digests = img.RepoDigests ?? [];
    const dangling =
      (tags.length === 0 && digests.length === 0) ||
      (tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>');
    if (dangling) {
      rows.push(new ImageRow(img, '<none>', '<none>', '<none>', trunc));
      continue;
    }
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const t of tags) {
      const { repo, tag } = splitRepoTag(t);
      if (tag && !t.includes('@')) repoTags.set(repo, [...(repoTags.get(repo) ?? []), tag]);
    }
    for (const d of digests) {
      const at = d.indexOf('@');
      if (at > 0 && d !== '<none>@<none>') repoDigests.set(d.slice(0, at), [...(repoDigests.get(d.slice(0, at)) ?? []), d.slice(at + 1)]);
    }
    for (const [repo, ts] of repoTags) {
      const ds = needDigest ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo);
      for (const tag of ts) {
        if (!ds.length) rows.push(new ImageRow(img, repo, tag, '<none>', trunc));
        else for (const dg of ds) rows.push(new ImageRow(img, repo, tag, dg, trunc));
      }
    }
    for (const [repo, ds] of repoDigests) {
      if (digestFlag) for (const dg of ds) rows.push(new ImageRow(img, repo, '<none>', dg, trunc));
      else rows.push(new ImageRow(img, repo, '<none>', '', trunc));
    }
  }
  return rows;
}

const imageHeaders = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  Containers: 'CONTAINERS',
};

export const imagesCommand: Command = {
  name: 'ls',
  aliases: ['images', 'list'],
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  maxArgs: 1,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all images (default hides intermediate images)' },
    { long: 'digests', kind: 'bool', help: 'Show digests' },
    filterFlag('Filter output based on conditions provided'),
    formatFlag(),
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  ],
  async run(ctx, f, args) {
    const filters = [...f.list('filter'), ...(args[0] ? [`reference=${args[0]}`] : [])];
    const api = await ctx.api();
    const list = await api.get<ImageSummary[]>('/images/json', { all: f.bool('all') || undefined, filters: filterQuery(filters) });
    const rows = imageRows(
      list.sort((a, b) => b.Created - a.Created),
      !f.bool('no-trunc'),
      f.bool('digests'),
      f.str('format'),
    );
    if (f.bool('quiet')) {
      ctx.out([...new Set(rows.map((r) => r.ID))].map((id) => id + '\n').join(''));
      return;
    }
    const digests = f.bool('digests') ? '\t{{.Digest}}' : '';
    const defaultTable = `table {{.Repository}}\t{{.Tag}}${digests}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
    ctx.out(renderRows(f.str('format') || undefined, rows, { defaultTable, headers: imageHeaders }));
  },
};
