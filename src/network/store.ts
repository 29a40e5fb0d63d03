// Network records on disk (networks/<id>.json, written atomically) and the
// lookups Docker offers: full ID, exact name, then unique ID prefix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badRequest, notFound } from '../util/errors';
import { readJsonSync, removeStaleTemps, writeJsonAtomicSync } from '../util/fsutil';
import { isObject, isStringMap } from '../util/records';
import { log } from '../util/log';
import type { NetworkRecord } from './types';

export class NetworkStore {
  private readonly byId = new Map<string, NetworkRecord>();

  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  load(): void {
    removeStaleTemps(this.root);
    for (const f of fs.readdirSync(this.root)) {
      if (!/^[a-f0-9]{64}\.json$/.test(f)) continue;
      try {
        const n = readJsonSync<NetworkRecord>(path.join(this.root, f));
        if (!n) continue;
        // a record clients could not read back is left out of every listing
        if (!isObject(n) || typeof n.Id !== 'string' || typeof n.Name !== 'string' || !isStringMap(n.Labels) || !isStringMap(n.Options)) {
          log().error({ file: f }, 'network record unusable (Id, Name, Labels or Options of the wrong type); left in place and out of every listing');
          continue;
        }
        this.byId.set(n.Id, n);
      } catch (e) {
        log().warn({ err: e, file: f }, 'network record unreadable; left in place');
      }
    }
  }

  all(): NetworkRecord[] {
    return [...this.byId.values()];
  }

  byName(name: string): NetworkRecord | undefined {
    for (const n of this.byId.values()) if (n.Name === name) return n;
    return undefined;
  }

  find(ref: string): NetworkRecord | undefined {
    if (!ref) return undefined;
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const named = this.byName(ref);
    if (named) return named;
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    const hits = this.all().filter((n) => n.Id.startsWith(ref));
    if (hits.length > 1) throw badRequest(`network ${ref} is ambiguous (${hits.length} matches found based on ID prefix)`);
    return hits[0];
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  save(n: NetworkRecord): void {
    writeJsonAtomicSync(path.join(this.root, `${n.Id}.json`), n);
    this.byId.set(n.Id, n);
  }

  delete(n: NetworkRecord): void {
    fs.rmSync(path.join(this.root, `${n.Id}.json`), { force: true });
    this.byId.delete(n.Id);
  }
}
