// The volume service: what the API and the CLI ask of volumes (create, list
// with filters, inspect, remove, prune per API version) and the `Volumes`
// part of `system df`, in the Engine API's shape.
import { dirSize } from '../util/fsutil';
import { badRequest } from '../util/errors';
import { rfc3339Local } from '../util/time';
import { ANONYMOUS_LABEL, LOCAL_DRIVER, type Volume } from '../volume';
import type { EngineContext } from './context';

/** Docker's Volume object (fields in Go's order). */
export interface ApiVolume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
  UsageData?: { Size: number; RefCount: number };
}

export interface CreateVolumeRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

type Filters = Record<string, string[]>;

const LIST_FILTERS = new Set(['dangling', 'name', 'driver', 'label']);
const PRUNE_FILTERS = new Set(['label', 'label!', 'all']);

function validateFilters(f: Filters, accepted: Set<string>): void {
  for (const k of Object.keys(f)) if (!accepted.has(k)) throw badRequest(`invalid filter '${k}'`);
}

/** filters.Args.GetBoolOrDefault */
function boolFilter(f: Filters, key: string): boolean | undefined {
  const vals = f[key];
  if (!vals) return undefined;
  const t = vals.includes('1') || vals.includes('true');
  const no = vals.includes('0') || vals.includes('false');
  if (t === no) throw badRequest(`invalid filter '${key}${vals.length ? `=[${vals.join(' ')}]` : ''}'`);
  return t;
}

/** filters.Args.MatchKVList: every "k" or "k=v" must be among the labels. */
function labelsMatch(labels: Record<string, string> | null, want: string[]): boolean {
  if (!want.length) return true;
  if (!labels || Object.keys(labels).length === 0) return false;
  return want.every((w) => {
    const i = w.indexOf('=');
    const k = i < 0 ? w : w.slice(0, i);
    return k in labels && (i < 0 || labels[k] === w.slice(i + 1));
  });
}

/** filters.Args.Match: an exact value or a regular expression. */
function nameMatches(name: string, want: string[]): boolean {
  return want.some((w) => {
    if (w === name) return true;
    try {
      return new RegExp(w).test(name);
    } catch {
      return false;
    }
  });
}

export class VolumeService {
  constructor(private readonly ctx: EngineContext) {}

  private toApi(v: Volume): ApiVolume {
    return {
      CreatedAt: rfc3339Local(v.Created),
      Driver: v.Driver,
      Labels: sortedKeys(v.Labels),
      Mountpoint: v.Mountpoint,
      Name: v.Name,
      Options: sortedKeys(v.Options),
      Scope: this.ctx.volumes.scope(v),
    };
  }

  create(req: CreateVolumeRequest): ApiVolume {
    const { volume } = this.ctx.volumes.create(req.Name ?? '', {
      driver: req.Driver || undefined,
      options: req.DriverOpts ?? null,
      labels: req.Labels ?? null,
    });
    return this.toApi(volume);
  }

  inspect(name: string): ApiVolume {
    return this.toApi(this.ctx.volumes.get(name));
  }

  private matches(v: Volume, f: Filters): boolean {
    if (f.driver?.length && !f.driver.includes(v.Driver)) return false;
    if (f.name && !nameMatches(v.Name, f.name)) return false;
    if (!labelsMatch(v.Labels, f.label ?? [])) return false;
    if (f['label!']?.length && labelsMatch(v.Labels, f['label!'])) return false;
    return true;
  }

  list(filters: Filters): { Volumes: ApiVolume[]; Warnings: string[] } {
    validateFilters(filters, LIST_FILTERS);
    const dangling = boolFilter(filters, 'dangling');
    const out = this.ctx.volumes.list().filter((v) => {
      if (!this.matches(v, filters)) return false;
      if (dangling !== undefined && (this.ctx.volumes.refsOf(v.Name).length === 0) !== dangling) return false;
      return true;
    });
    return { Volumes: out.map((v) => this.toApi(v)), Warnings: [] };
  }

  remove(name: string, force: boolean): void {
    this.ctx.volumes.remove(name, { force });
  }

  /**
   * Removes unused local volumes without mount options. From API 1.42 only
   * anonymous ones unless the `all` filter is true; before 1.42 all of them.
   */
  prune(filters: Filters, apiVersion: number): { VolumesDeleted: string[]; SpaceReclaimed: number } {
    const f: Filters = { ...filters };
    if (Math.round(apiVersion * 100) < 142) f.all = ['true'];
    validateFilters(f, PRUNE_FILTERS);
    if ((f.all?.length ?? 0) > 1) throw badRequest(`invalid filter 'all=[${f.all.join(' ')}]': only one value is expected`);
    let all = false;
    if (f.all?.length === 1) {
      const b = parseGoBool(f.all[0]);
      if (b === undefined) throw badRequest(`invalid filter 'all': strconv.ParseBool: parsing "${f.all[0]}": invalid syntax`);
      all = b;
    }
    const labels = [...(f.label ?? []), ...(all ? [] : [ANONYMOUS_LABEL])];
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.ctx.volumes.list()) {
      if (v.Driver !== LOCAL_DRIVER || (v.Options && Object.keys(v.Options).length > 0)) continue;
      if (this.ctx.volumes.refsOf(v.Name).length) continue;
      if (!labelsMatch(v.Labels, labels)) continue;
      if (f['label!']?.length && labelsMatch(v.Labels, f['label!'])) continue;
      const size = dirSize(v.Mountpoint);
      try {
        this.ctx.volumes.remove(v.Name);
      } catch {
        continue;
      }
      deleted.push(v.Name);
      space += size;
    }
    this.ctx.events.emit('volume', 'prune', '', { reclaimed: String(space) });
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }

  /** `system df`'s Volumes: local volumes without mount options, with their size and how many containers use them. */
  diskUsage(): ApiVolume[] {
    return this.ctx.volumes
      .list()
      .filter((v) => v.Driver === LOCAL_DRIVER && !(v.Options && Object.keys(v.Options).length > 0))
      .map((v) => ({ ...this.toApi(v), UsageData: { Size: dirSize(v.Mountpoint), RefCount: this.ctx.volumes.refsOf(v.Name).length } }));
  }
}

/** Go marshals maps with sorted keys; so do we, so inspect output reads the same. */
function sortedKeys(m: Record<string, string> | null): Record<string, string> | null {
  return m && Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}
