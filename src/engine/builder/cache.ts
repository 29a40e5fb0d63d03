// The build cache: (parent image ID, step cache key) -> the image that step
// produced. One small JSON file per entry under <data-root>/builder/cache,
// written atomically when a step is committed (the cold path), loaded once
// at daemon start; a cache hit touches nothing on disk. Usage counts and
// last-use times are kept in memory only (they only feed `system df`).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonSync, removeStaleTemps, writeJsonAtomicSync } from '../../util/fsutil';

export interface CacheEntry {
  /** sha256 hex of parent + key: the file name and the ID `system df` shows. */
  id: string;
  /** Parent image ID ('' for a step on FROM scratch). */
  parent: string;
  /** The step's cache key (canonical JSON of its container config). */
  key: string;
  /** The image the step produced. */
  image: string;
  /** History text of the step (`system df -v` description). */
  description: string;
  created: string;
  /** In memory only. */
  lastUsed?: string;
  usage?: number;
}

export const entryId = (parent: string, key: string): string => createHash('sha256').update(parent).update('\n').update(key).digest('hex');

export class BuildCacheStore {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStaleTemps(dir);
    for (const f of fs.readdirSync(dir)) {
      if (!/^[a-f0-9]{64}\.json$/.test(f)) continue;
      try {
        const e = readJsonSync<CacheEntry>(path.join(dir, f));
        if (e && e.id === f.slice(0, 64) && typeof e.image === 'string') this.entries.set(e.id, e);
      } catch {
        fs.rmSync(path.join(dir, f), { force: true }); // torn: written atomically, so only by hand
      }
    }
  }

  /** The image cached for this step, if the entry exists and `exists(image)` says it is still there. */
  get(parent: string, key: string, exists: (image: string) => boolean): string | undefined {
    const id = entryId(parent, key);
    const e = this.entries.get(id);
    if (!e || e.key !== key) return undefined;
    if (!exists(e.image)) {
      this.delete(id); // the image was removed: the entry is stale
      return undefined;
    }
    e.usage = (e.usage ?? 0) + 1;
    e.lastUsed = new Date().toISOString();
    return e.image;
  }

  put(parent: string, key: string, image: string, description: string): CacheEntry {
    const id = entryId(parent, key);
    const e: CacheEntry = { id, parent, key, image, description, created: new Date().toISOString() };
    const old = this.entries.get(id);
    if (old && old.image === image) return old;
    writeJsonAtomicSync(path.join(this.dir, id + '.json'), e);
    this.entries.set(id, e);
    return e;
  }

  delete(id: string): void {
    if (!this.entries.delete(id)) return;
    fs.rmSync(path.join(this.dir, id + '.json'), { force: true });
  }

  all(): CacheEntry[] {
    return [...this.entries.values()];
  }
}
