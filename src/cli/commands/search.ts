// search: the registry's v1 search API.
import type { Command } from '../command';
import { renderRows } from '../format';
import { filterFlag, filterQuery } from '../opts/filter';
import { registryAuthHeader } from '../refs';

interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

class SearchRow {
  constructor(
    private readonly r: SearchResult,
    private readonly trunc: boolean,
  ) {}
  get Name(): string {
    return this.r.name;
  }
  get Description(): string {
    const d = this.r.description.replace(/\n/g, ' ');
    return this.trunc && [...d].length > 45 ? [...d].slice(0, 44).join('') + '…' : d;
  }
  get StarCount(): string {
    return String(this.r.star_count);
  }
  get IsOfficial(): string {
    return this.r.is_official ? '[OK]' : '';
  }
  get IsAutomated(): string {
    return this.r.is_automated ? '[OK]' : '';
  }
}

export const searchCommand: Command = {
  name: 'search',
  usage: '[OPTIONS] TERM',
  summary: 'Search Docker Hub for images',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    filterFlag('Filter output based on conditions provided'),
    { long: 'format', kind: 'string', help: 'Pretty-print search using a Go template' },
    { long: 'limit', kind: 'int', help: 'Max number of search results' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  ],
  async run(ctx, f, [term]) {
    const api = await ctx.api();
    const list = await api.json<SearchResult[]>('GET', '/images/search', {
      query: { term, limit: f.int('limit'), filters: filterQuery(f.list('filter')) },
      headers: registryAuthHeader(term.includes('/') ? term : 'docker.io/x'),
    });
    const rows = list.map((r) => new SearchRow(r, !f.bool('no-trunc')));
    ctx.out(
      renderRows(f.str('format') || undefined, rows, {
        defaultTable: 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}',
        headers: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' },
      }),
    );
  },
};
