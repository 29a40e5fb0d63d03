// Image records and the tag index. Configs live in the content store (the image
// ID is their digest); image/images/<hex>.json keeps berth's per-image record and
// image/repositories.json maps "repo:tag" to image IDs, both written atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContentStore, LayerStore } from '../storage';
import { chainIdOf } from '../storage';
import { conflict, notFound } from '../util/errors';
import { readJsonSync, writeJsonAtomicSync, removeStaleTemps } from '../util/fsutil';
import { normaliseTagged, parseReference } from './reference';
import type { ImageConfig, ImageRecord } from './types';

interface StoredRecord {
  id: string;
  parent?: string;
  repoDigests: string[];
  lastTagTime?: string;
}

interface RepositoriesFile {
  Repositories: Record<string, Record<string, string>>;
}

export interface DeleteResult {
  Untagged?: string;
  Deleted?: string;
}

export class ImageStore {
  private readonly images = new Map<string, ImageRecord>();
  /** "repo:tag" or "repo@digest" -> image id */
  private readonly tags = new Map<string, string>();
  private readonly dir: string;
  private readonly reposFile: string;

  constructor(
    root: string,
    private readonly content: ContentStore,
    private readonly layers: LayerStore,
  ) {
    this.dir = path.join(root, 'images');
    this.reposFile = path.join(root, 'repositories.json');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    removeStaleTemps(this.dir);
    removeStaleTemps(root);
    this.load();
  }

  private load(): void {
    for (const f of fs.readdirSync(this.dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      try {
        const rec = readJsonSync<StoredRecord>(path.join(this.dir, f));
        if (!rec || !this.content.has(rec.id)) continue;
        const config = JSON.parse(this.content.read(rec.id).toString('utf8')) as ImageConfig;
        const img = this.hydrate(rec, config);
        if (img) this.images.set(img.id, img);
      } catch {
        // a broken record must not stop the daemon; it is simply not listed
      }
    }
    const repos = readJsonSync<RepositoriesFile>(this.reposFile);
    for (const byTag of Object.values(repos?.Repositories ?? {}))
      for (const [k, id] of Object.entries(byTag)) if (this.images.has(id)) this.tags.set(k, id);
  }

  private hydrate(rec: StoredRecord, config: ImageConfig): ImageRecord | undefined {
    let top: string | null = null;
    let size = 0;
    for (const d of config.rootfs?.diff_ids ?? []) {
      top = chainIdOf(top, d);
      const l = this.layers.get(top);
      if (!l) return undefined; // layers missing: not a usable image
      size += l.size;
    }
    return { id: rec.id, config, topLayer: top, parent: rec.parent, repoDigests: rec.repoDigests ?? [], lastTagTime: rec.lastTagTime, size };
  }

  private saveRecord(img: ImageRecord): void {
    const rec: StoredRecord = { id: img.id, parent: img.parent, repoDigests: img.repoDigests, lastTagTime: img.lastTagTime };
    writeJsonAtomicSync(path.join(this.dir, img.id.slice(7) + '.json'), rec);
  }

  private saveTags(): void {
    const out: RepositoriesFile = { Repositories: {} };
    for (const [k, id] of this.tags) {
      const repo = k.includes('@') ? k.slice(0, k.indexOf('@')) : k.slice(0, k.lastIndexOf(':'));
      (out.Repositories[repo] ??= {})[k] = id;
    }
    writeJsonAtomicSync(this.reposFile, out);
  }

  /** Registers an image whose layers are already in the layer store. */
  add(config: ImageConfig, parent?: string): ImageRecord {
    const bytes = Buffer.from(JSON.stringify(config));
    const id = this.content.putBytes(bytes);
    const existing = this.images.get(id);
    if (existing) return existing;
    const img = this.hydrate({ id, parent, repoDigests: [] }, config);
    if (!img) throw new Error('image layers are missing from the layer store');
    this.saveRecord(img);
    this.images.set(id, img);
    return img;
  }

  list(): ImageRecord[] {
    return [...this.images.values()];
  }

  tagsOf(id: string): string[] {
    const out: string[] = [];
    for (const [k, v] of this.tags) if (v === id && !k.includes('@')) out.push(k);
    return out.sort();
  }

  /** Finds an image by ID, ID prefix, name[:tag] or name@digest; undefined if none. */
  find(ref: string): ImageRecord | undefined {
    const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (/^[a-f0-9]{64}$/.test(hex)) return this.images.get('sha256:' + hex);
    try {
      const { key, ref: r } = normaliseTagged(ref);
      const id = this.tags.get(key);
      if (id) return this.images.get(id);
      if (r.digest) for (const img of this.images.values()) if (img.repoDigests.includes(`${r.repo}@${r.digest}`)) return img;
    } catch {
      /* not a valid reference: maybe an ID prefix */
    }
    if (/^[a-f0-9]{1,63}$/.test(hex) && (hex.length >= 4 || !ref.startsWith('sha256:'))) {
      let found: ImageRecord | undefined;
      for (const img of this.images.values()) {
        if (img.id.startsWith('sha256:' + hex)) {
          if (found) return undefined; // ambiguous
          found = img;
        }
      }
      return found;
    }
    return undefined;
  }

  get(ref: string): ImageRecord {
    const img = this.find(ref);
    if (!img) throw notFound(`No such image: ${ref}`);
    return img;
  }

  tag(id: string, ref: string): void {
    const { key } = normaliseTagged(ref);
    const img = this.images.get(id);
    if (!img) throw notFound(`No such image: ${id}`);
    this.tags.set(key, id);
    img.lastTagTime = new Date().toISOString();
    this.saveRecord(img);
    this.saveTags();
  }

  untag(ref: string): string | undefined {
    const { key } = normaliseTagged(ref);
    const id = this.tags.get(key);
    if (!id) return undefined;
    this.tags.delete(key);
    this.saveTags();
    return key;
  }

  /**
   * Docker's `rmi`: a reference untags; the image is deleted when no tag is left.
   * `usedBy(id)` says which container uses the image (running or not).
   */
  remove(ref: string, opts: { force: boolean; usedBy: (id: string) => { id: string; running: boolean } | undefined }): DeleteResult[] {
    const img = this.get(ref);
    const out: DeleteResult[] = [];
    const isId = img.id === ref || img.id.slice(7).startsWith(ref.replace(/^sha256:/, ''));
    const tags = this.tagsOf(img.id);
    const user = opts.usedBy(img.id);
    if (!isId) {
      // the last name of an image a container uses is kept unless forced, as Docker does
      if (tags.length <= 1 && user && !opts.force)
        throw conflict(
          `conflict: unable to remove repository reference "${ref}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${img.id.slice(7, 19)}`,
        );
      const key = this.untag(ref);
      if (key) out.push({ Untagged: key });
      if (this.tagsOf(img.id).length > 0 || user) return out;
    } else {
      if (tags.length > 1 && !opts.force)
        throw conflict(`conflict: unable to delete ${img.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
      if (user && (!opts.force || user.running))
        throw conflict(
          `conflict: unable to delete ${img.id.slice(7, 19)} (${user.running ? 'cannot be forced' : 'must be forced'}) - image is being used by ${user.running ? 'running' : 'stopped'} container ${user.id.slice(0, 12)}`,
        );
      for (const t of tags) {
        this.untag(t);
        out.push({ Untagged: t });
      }
    }
    for (const d of img.repoDigests) out.push({ Untagged: d });
    this.images.delete(img.id);
    fs.rmSync(path.join(this.dir, img.id.slice(7) + '.json'), { force: true });
    this.content.delete(img.id);
    out.push({ Deleted: img.id });
    this.releaseLayers();
    return out;
  }

  /** Removes layers no image references any more. */
  releaseLayers(extraInUse: Iterable<string> = []): void {
    const used = new Set<string>(extraInUse);
    for (const img of this.images.values()) for (let c = img.topLayer; c && !used.has(c); c = this.layers.get(c)?.parent ?? null) used.add(c);
    // remove children before parents so lower chains stay valid during removal
    const dead = this.layers.all().filter((l) => !used.has(l.chainId));
    const depth = (c: string | null): number => (c ? 1 + depth(this.layers.get(c)?.parent ?? null) : 0);
    dead.sort((a, b) => depth(b.chainId) - depth(a.chainId));
    for (const l of dead) this.layers.remove(l.chainId);
  }

  /** Validates a reference the way `tag`/`import` need it. */
  static checkRef(ref: string): void {
    parseReference(ref);
  }
}
