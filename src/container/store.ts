// Container records on disk (containers/<id>/config.json + hostconfig.json) and
// the in-memory indexes every listing uses: by ID and by name. Nothing here
// touches the runtime.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spreadSubdirs } from '../sys';
import { conflict, notFound, badRequest } from '../util/errors';
import { readJsonSync, writeJsonAtomicSync, removeStaleTemps } from '../util/fsutil';
import { log } from '../util/log';
import { isObject, isStringArray, isStringMap } from '../util/records';
import type { Container, ContainerRecord, HostConfig } from './types';

export class ContainerStore {
  private readonly byId = new Map<string, Container>();
  private readonly byName = new Map<string, string>();

  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    spreadSubdirs(root); // one independent tree per child (sys/index.ts says why)
  }

  /**
   * Loads every record; returns the IDs of directories that held no readable
   * record. A readable record of the wrong shape is left in place and out of
   * every listing, with a logged error.
   */
  load(): string[] {
    const broken: string[] = [];
    for (const id of fs.readdirSync(this.root)) {
      if (!/^[a-f0-9]{64}$/.test(id)) continue;
      const dir = path.join(this.root, id);
      removeStaleTemps(dir);
      try {
        const rec = readJsonSync<ContainerRecord>(path.join(dir, 'config.json'));
        const hc = readJsonSync<HostConfig>(path.join(dir, 'hostconfig.json'));
        if (!rec || !hc) {
          broken.push(id);
          continue;
        }
        const bad = recordProblem(rec, hc, id);
        if (bad) {
          log().error({ id, reason: bad }, 'container record unusable; left in place and out of every listing');
          continue;
        }
        const c: Container = { ...rec, HostConfig: hc };
        this.byId.set(c.ID, c);
        this.byName.set(c.Name, c.ID);
      } catch {
        broken.push(id);
      }
    }
    return broken;
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  all(): Container[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  /** Looks up by full ID, name (with or without "/"), or unique ID prefix, as Docker does. */
  find(ref: string): Container | undefined {
    if (!ref) return undefined;
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const byName = this.byName.get(ref.startsWith('/') ? ref : '/' + ref);
    if (byName) return this.byId.get(byName);
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    let found: Container | undefined;
    for (const c of this.byId.values()) {
      if (c.ID.startsWith(ref)) {
        if (found) throw badRequest(`multiple IDs found with provided prefix: ${ref}`);
        found = c;
      }
    }
    return found;
  }

  get(ref: string): Container {
    const c = this.find(ref);
    if (!c) throw notFound(`No such container: ${ref}`);
    return c;
  }

  reserveName(name: string, id: string): void {
    const key = name.startsWith('/') ? name : '/' + name;
    const holder = this.byName.get(key);
    if (holder && holder !== id)
      throw conflict(
        `Conflict. The container name "${key}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    this.byName.set(key, id);
  }

  releaseName(name: string): void {
    this.byName.delete(name.startsWith('/') ? name : '/' + name);
  }

  hasName(name: string): boolean {
    return this.byName.has(name.startsWith('/') ? name : '/' + name);
  }

  add(c: Container): void {
    this.byId.set(c.ID, c);
    this.byName.set(c.Name, c.ID);
    fs.mkdirSync(this.dir(c.ID), { recursive: true, mode: 0o710 });
    this.save(c, true);
  }

  /**
   * Persists the record; hostconfig.json only when it changed (create, update).
   * `durable` false skips the fsyncs: still atomic, and enough against a daemon
   * crash (only a host crash loses the page cache, and it stops the containers too).
   * A --rm container's record is never durable: after a host crash nothing runs,
   * and a daemon start removes every --rm container that is not running (as
   * dockerd's restore does), so its record has nothing to survive for.
   */
  save(c: Container, hostConfig = false, durable = !c.HostConfig.AutoRemove): void {
    const { HostConfig: hc, ...rec } = c;
    if (hostConfig) writeJsonAtomicSync(path.join(this.dir(c.ID), 'hostconfig.json'), hc, 0o600, durable);
    writeJsonAtomicSync(path.join(this.dir(c.ID), 'config.json'), rec, 0o600, durable);
  }

  delete(c: Container): void {
    this.byId.delete(c.ID);
    if (this.byName.get(c.Name) === c.ID) this.byName.delete(c.Name);
  }
}

/** What makes a record unfit to list (the fields every view of a container reads), or undefined. */
function recordProblem(rec: ContainerRecord, hc: HostConfig, dirId: string): string | undefined {
  if (!isObject(rec) || rec.ID !== dirId) return "the record is not this container's";
  if (typeof rec.Name !== 'string' || typeof rec.Image !== 'string' || typeof rec.Created !== 'string') return 'Name, Image or Created is not a string';
  if (!isObject(rec.Config) || !isObject(rec.State) || !isObject(hc)) return 'Config, State or HostConfig is not an object';
  if (!isStringMap(rec.Config.Labels)) return 'Config.Labels is not a map of strings';
  if (!isStringArray(rec.Config.Env) || !isStringArray(rec.Config.Cmd) || !isStringArray(rec.Config.Entrypoint))
    return 'Config.Env, Cmd or Entrypoint is not a list of strings';
  if (typeof rec.State.Status !== 'string') return 'State.Status is not a string';
  return undefined;
}
