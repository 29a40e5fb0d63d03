// import and rmi (images, image inspect, pull, push, … live with the image store's commands).
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { humanDuration } from '../../util/time';
import { forEachName, type Command } from '../command';
import { renderRows } from '../format';
import { renderJsonMessages } from '../progress';
import { humanSize } from '../../util/humansize';
import { filterFlag, filterQuery, formatFlag } from './filters';
import { goTimeString } from './ps';

/** "repo:tag" → {repo, tag}; a ":" before the last "/" is a registry port, not a tag. */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

export const importCommand: Command = {
  name: 'import',
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball to create a filesystem image',
  minArgs: 1,
  maxArgs: 2,
  flags: [
    { long: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', kind: 'string', help: 'Set commit message for imported image' },
    { long: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx, f, args) {
    const [src, ref] = args;
    let body: Readable;
    let fromSrc = '-';
    if (src === '-') body = process.stdin;
    else if (/^https?:\/\//.test(src)) {
      fromSrc = src;
      body = undefined as unknown as Readable;
    } else {
      try {
        fs.accessSync(src, fs.constants.R_OK);
      } catch {
        throw new Error(`open ${src}: no such file or directory`);
      }
      body = fs.createReadStream(src);
    }
    const { repo, tag } = ref ? splitRepoTag(ref) : { repo: undefined, tag: undefined };
    const api = await ctx.api();
    const res = await api.stream('POST', '/images/create', {
      query: { fromSrc, repo, tag, message: f.str('message') || undefined, changes: f.list('change'), platform: f.str('platform') || undefined },
      body,
    });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: (s) => ctx.out(s) });
  },
};

export const rmiCommand: Command = {
  name: 'rm',
  aliases: ['rmi', 'remove'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
    { long: 'no-prune', kind: 'bool', help: 'Do not delete untagged parents' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      const r = await api.json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${n}`, {
        query: { force: f.bool('force') || undefined, noprune: f.bool('no-prune') || undefined },
      });
      for (const e of r ?? []) ctx.out(e.Untagged ? `Untagged: ${e.Untagged}\n` : `Deleted: ${e.Deleted}\n`);
    });
  },
};

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
    const dangling = (tags.length === 0 && digests.length === 0) || (tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>');
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
      const ds = needDigest ? repoDigests.get(repo) ?? [] : [];
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
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT',
  Size: 'SIZE', VirtualSize: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS',
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
    const rows = imageRows(list.sort((a, b) => b.Created - a.Created), !f.bool('no-trunc'), f.bool('digests'), f.str('format'));
    if (f.bool('quiet')) {
      ctx.out([...new Set(rows.map((r) => r.ID))].map((id) => id + '\n').join(''));
      return;
    }
    const digests = f.bool('digests') ? '\t{{.Digest}}' : '';
    const defaultTable = `table {{.Repository}}\t{{.Tag}}${digests}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
    ctx.out(renderRows(f.str('format') || undefined, rows, { defaultTable, headers: imageHeaders }));
  },
};

export const tagCommand: Command = {
  name: 'tag',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, [source, target]) {
    const { repo, tag } = splitRepoTag(target);
    if (target.includes('@')) throw new Error('refusing to create a tag with a digest reference');
    const api = await ctx.api();
    await api.post(`/images/${source}/tag`, { repo, tag });
  },
};

interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

class HistoryRow {
  constructor(
    private readonly h: HistoryItem,
    private readonly trunc: boolean,
    private readonly human: boolean,
  ) {}
  get ID(): string {
    if (this.h.Id === '<missing>' || !this.trunc) return this.h.Id;
    return this.h.Id.replace(/^sha256:/, '').slice(0, 12);
  }
  get CreatedSince(): string {
    if (!this.human) return new Date(this.h.Created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return this.h.Created > 0 ? `${humanDuration(Date.now() - this.h.Created * 1000)} ago` : 'N/A';
  }
  get CreatedAt(): string {
    return new Date(this.h.Created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  get CreatedBy(): string {
    const c = this.h.CreatedBy.replace(/\t/g, ' ');
    return this.trunc && [...c].length > 45 ? [...c].slice(0, 44).join('') + '…' : c;
  }
  get Size(): string {
    return this.human ? humanSize(this.h.Size, 3) : String(this.h.Size);
  }
  get Comment(): string {
    return this.h.Comment;
  }
}

export const historyCommand: Command = {
  name: 'history',
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    formatFlag(),
    { long: 'human', short: 'H', kind: 'bool', help: 'Print sizes and dates in human readable format', def: true },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  ],
  async run(ctx, f, [name]) {
    const api = await ctx.api();
    const list = await api.get<HistoryItem[]>(`/images/${name}/history`);
    const rows = list.map((h) => new HistoryRow(h, !f.bool('no-trunc'), f.bool('human')));
    ctx.out(
      renderRows(f.str('format') || undefined, rows, {
        defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
      }, { quiet: f.bool('quiet') }),
    );
  },
};

export const imagePruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  maxArgs: 0,
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    filterFlag('Provide filter values (e.g. "until=<timestamp>")', false),
    { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  async run(ctx, f) {
    const all = f.bool('all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!f.bool('force') && !(await ctx.confirm(`${warning}\nAre you sure you want to continue? [y/N] `))) return;
    const { pruneImages, pruneReport } = await import('./prune');
    ctx.out(pruneReport(await pruneImages(await ctx.api(), all, f.list('filter'))));
  },
};
