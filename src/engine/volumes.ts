// The volume service: what the API and the CLI ask of volumes (create, list
// with filters, inspect, remove, prune per API version) and the `Volumes`
// part of `system df`, in the Engine API's shape.
import { dirSize } from '../util/fsutil';
import { Filters, invalidFilter } from '../filters';
import { badRequest } from '../util/errors';
import { rfc3339Local } from '../util/time';
import { ANONYMOUS_LABEL, LOCAL_DRIVER, type Volume } from '../volume';
import type { EngineContext } from './context';
import { byteOrder } from '../util/compare';

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

const LIST_FILTERS = ['dangling', 'name', 'driver', 'label'];
const PRUNE_FILTERS = ['label', 'label!', 'all'];

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

  /** Docker's filtersToBy: driver exact, name exact-or-regexp, label/label!, dangling. */
  private matcher(f: Filters, accepted: string[]): (v: Volume) => boolean {
    f.validate(accepted);
    let dangling: boolean | undefined;
    if (f.has('dangling')) {
      if (f.exactMatch('dangling', 'true') || f.exactMatch('dangling', '1')) dangling = true;
      else if (f.exactMatch('dangling', 'false') || f.exactMatch('dangling', '0')) dangling = false;
      else throw invalidFilter('dangling', f.get('dangling'));
    }
    return (v) => {
      if (f.get('driver').length && !f.get('driver').includes(v.Driver)) return false;
      if (f.has('name') && !f.match('name', v.Name)) return false;
      if (!f.matchLabels(v.Labels)) return false;
      if (dangling !== undefined && (this.ctx.volumes.refsOf(v.Name).length === 0) !== dangling) return false;
      return true;
    };
  }

  list(filters: Filters = Filters.empty()): { Volumes: ApiVolume[]; Warnings: string[] } {
    const ok = this.matcher(filters, LIST_FILTERS);
    return {
      Volumes: this.ctx.volumes
        .list()
        .filter(ok)
        .map((v) => this.toApi(v)),
      Warnings: [],
    };
  }

  remove(name: string, force: boolean): void {
    this.ctx.volumes.remove(name, { force });
  }

  /**
   * Removes unused local volumes without mount options. From API 1.42 only
   * anonymous ones unless the `all` filter is true; before 1.42 all of them.
   */
  prune(filters: Filters, apiVersion: number): { VolumesDeleted: string[]; SpaceReclaimed: number } {
    filters.validate(PRUNE_FILTERS);
    const vals = filters.get('all');
    if (vals.length > 1) throw badRequest(`invalid filter 'all=[${vals.join(' ')}]': only one value is expected`);
    // before API 1.42 every unused volume; from 1.42 anonymous ones unless all=true
    const before142 = Math.round(apiVersion * 100) < 142;
    let all = before142;
    if (vals.length === 1 && !before142) {
      const b = parseGoBool(vals[0]);
      if (b === undefined) throw badRequest(`invalid filter 'all': strconv.ParseBool: parsing "${vals[0]}": invalid syntax`);
      all = b;
    }
    const ok = this.matcher(filters.without('all'), PRUNE_FILTERS);
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.ctx.volumes.list()) {
      if (v.Driver !== LOCAL_DRIVER || (v.Options && Object.keys(v.Options).length > 0)) continue;
      if (this.ctx.volumes.refsOf(v.Name).length) continue;
      if (!all && !(v.Labels && ANONYMOUS_LABEL in v.Labels)) continue;
      if (!ok(v)) continue;
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
  return m && Object.fromEntries(Object.entries(m).sort(([a], [b]) => byteOrder(a, b)));
}

function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}
