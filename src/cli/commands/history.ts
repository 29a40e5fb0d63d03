// history: an image's layers and the steps that made them.
import { humanDuration } from '../../util/time';
import type { Command } from '../command';
import { renderRows } from '../format';
import { humanSize } from '../../util/humansize';
import { formatFlag } from '../opts/filter';

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
      renderRows(
        f.str('format') || undefined,
        rows,
        {
          defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
          headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
        },
        { quiet: f.bool('quiet') },
      ),
    );
  },
};
