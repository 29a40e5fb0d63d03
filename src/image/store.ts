// Image records and the tag index. Configs live in the content store (the image
// ID is their digest); image/images/<hex>.json keeps berth's per-image record and
// image/repositories.json maps "repo:tag" to image IDs, both written atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContentStore, LayerStore } from '../storage';
import { chainIdOf } from '../storage';
import { badRequest, conflict, notFound } from '../util/errors';
import { readJsonSync, writeJsonAtomicSync, removeStaleTemps } from '../util/fsutil';
import { log } from '../util/log';
import { isObject, isStringMap } from '../util/records';
import { missingImageName, normaliseTagged, parseReference } from '../common/reference';
import type { ImageConfig, ImageRecord } from './types';

/** A manifest known to describe an image (as pulled, or as pushed): its bytes are in the content store. */
export interface ManifestRef {
  digest: string;
  mediaType: string;
}

interface StoredRecord {
  id: string;
  parent?: string;
  repoDigests: string[];
  lastTagTime?: string;
  manifests?: ManifestRef[];
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
  /**
   * "repo:tag" -> the images of a multi-platform build (the tag names the
   * host's one): the index a push of the tag sends, variants `create
   * --platform` finds. Kept while the tag points where it did.
   */
  private readonly indexes = new Map<string, string[]>();
  private readonly dir: string;
  private readonly reposFile: string;
  private readonly indexesFile: string;
  /** chain IDs in use outside the image store (containers' image layers) */
  private layerUsers: () => Iterable<string | null> = () => [];

  constructor(
    root: string,
    private readonly content: ContentStore,
    private readonly layers: LayerStore,
  ) {
    this.dir = path.join(root, 'images');
    this.reposFile = path.join(root, 'repositories.json');
    this.indexesFile = path.join(root, 'indexes.json');
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
        if (!isObject(config) || (config.config !== undefined && config.config !== null && !isObject(config.config)) || !isStringMap(config.config?.Labels)) {
          log().error({ id: rec.id }, 'image config unusable (labels that are not strings); left out of every listing');
          continue;
        }
        const img = this.hydrate(rec, config);
        if (img) this.images.set(img.id, img);
      } catch (err) {
        // a broken record must not stop the daemon; it is simply not listed
        log().error({ err, file: f }, 'image record unreadable; left out of every listing');
      }
    }
    const repos = readJsonSync<RepositoriesFile>(this.reposFile);
    for (const byTag of Object.values(repos?.Repositories ?? {})) for (const [k, id] of Object.entries(byTag)) if (this.images.has(id)) this.tags.set(k, id);
    const idx = readJsonSync<Record<string, string[]>>(this.indexesFile) ?? {};
    for (const [k, ids] of Object.entries(idx)) {
      const live = Array.isArray(ids) ? ids.filter((id) => this.images.has(id)) : [];
      if (this.tags.has(k) && live.includes(this.tags.get(k)!)) this.indexes.set(k, live);
    }
  }

  private saveIndexes(): void {
    writeJsonAtomicSync(this.indexesFile, Object.fromEntries(this.indexes));
  }

  /** Records the platform images a tag stands for (the tag must point at one of them). */
  setIndex(ref: string, ids: string[]): void {
    const { key } = normaliseTagged(ref);
    if (!ids.includes(this.tags.get(key) ?? '')) throw new Error(`${key} does not point at an image of its index`);
    this.indexes.set(key, [...ids]);
    this.saveIndexes();
  }

  /** The platform images a tag stands for (undefined: a plain tag). */
  indexOf(ref: string): ImageRecord[] | undefined {
    let key: string;
    try {
      key = normaliseTagged(ref).key;
    } catch {
      return undefined;
    }
    return this.indexes.get(key)?.flatMap((id) => this.images.get(id) ?? []);
  }

  /** Is the image one of a kept index's platform images? (kept from dangling prunes) */
  inIndex(id: string): boolean {
    for (const ids of this.indexes.values()) if (ids.includes(id)) return true;
    return false;
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
    return {
      id: rec.id,
      config,
      topLayer: top,
      parent: rec.parent,
      repoDigests: rec.repoDigests ?? [],
      lastTagTime: rec.lastTagTime,
      size,
      manifests: rec.manifests ?? [],
    };
  }

  private saveRecord(img: ImageRecord): void {
    const rec: StoredRecord = {
      id: img.id,
      parent: img.parent,
      repoDigests: img.repoDigests,
      lastTagTime: img.lastTagTime,
      manifests: img.manifests.length ? img.manifests : undefined,
    };
    writeJsonAtomicSync(path.join(this.dir, img.id.slice(7) + '.json'), rec);
  }

  /** Tells the store which layers containers hold, so removals never free them. */
  setLayerUsers(fn: () => Iterable<string | null>): void {
    this.layerUsers = fn;
  }

  private saveTags(): void {
    const out: RepositoriesFile = { Repositories: {} };
    for (const [k, id] of this.tags) {
      const repo = k.includes('@') ? k.slice(0, k.indexOf('@')) : k.slice(0, k.lastIndexOf(':'));
      (out.Repositories[repo] ??= {})[k] = id;
    }
    writeJsonAtomicSync(this.reposFile, out);
  }

  /**
   * Registers an image whose layers are already in the layer store. Config
   * bytes are kept exactly as given (the image ID is their digest); an object
   * is serialised first.
   */
  add(config: ImageConfig | Buffer, parent?: string): ImageRecord {
    const bytes = Buffer.isBuffer(config) ? config : Buffer.from(JSON.stringify(config));
    const parsed = Buffer.isBuffer(config) ? (JSON.parse(config.toString('utf8')) as ImageConfig) : config;
    // what every listing reads back must have its type (dockerd's decoder refuses such a config too)
    if (!isStringMap(parsed.config?.Labels)) throw badRequest('invalid image config: Labels must map strings to strings');
    const id = this.content.putBytes(bytes);
    const existing = this.images.get(id);
    if (existing) {
      if (parent && !existing.parent && parent !== id) {
        existing.parent = parent;
        this.saveRecord(existing);
      }
      return existing;
    }
    const img = this.hydrate({ id, parent, repoDigests: [] }, parsed);
    if (!img) throw new Error('image layers are missing from the layer store');
    this.saveRecord(img);
    this.images.set(id, img);
    return img;
  }

  /** Remembers a manifest for an image and, with `repoDigest` ("repo@sha256:…"), a RepoDigest. */
  addManifest(id: string, m: ManifestRef | undefined, repoDigest?: string): void {
    const img = this.images.get(id);
    if (!img) return;
    let changed = false;
    if (m && !img.manifests.some((x) => x.digest === m.digest)) {
      img.manifests.push(m);
      changed = true;
    }
    if (repoDigest) {
      const repo = repoDigest.slice(0, repoDigest.indexOf('@'));
      // one digest per repository, the newest, as Docker keeps them
      const others = img.repoDigests.filter((d) => d !== repoDigest && d.slice(0, d.indexOf('@')) !== repo);
      const next = [...others, repoDigest];
      if (JSON.stringify(next) !== JSON.stringify(img.repoDigests)) {
        img.repoDigests = next;
        changed = true;
      }
    }
    if (changed) this.saveRecord(img);
  }

  /** The image a tag or digest reference points at, without ID-prefix guessing. */
  byTag(key: string): string | undefined {
    return this.tags.get(key);
  }

  /** Every "repo:tag" key. */
  allTags(): Array<[string, string]> {
    return [...this.tags.entries()].filter(([k]) => !k.includes('@'));
  }

  /** Images whose parent is `id` (children keep a parent from deletion). */
  children(id: string): ImageRecord[] {
    return [...this.images.values()].filter((i) => i.parent === id);
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
    if (!img) throw notFound(`No such image: ${missingImageName(ref)}`);
    return img;
  }

  tag(id: string, ref: string): void {
    const { key } = normaliseTagged(ref);
    const img = this.images.get(id);
    if (!img) throw notFound(`No such image: ${id}`);
    // a tag moved to another image no longer stands for its index
    if (this.tags.get(key) !== id && this.indexes.delete(key)) this.saveIndexes();
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
    if (this.indexes.delete(key)) this.saveIndexes();
    return key;
  }

  /**
   * Docker's `rmi`: a reference untags; the image is deleted when no tag is left.
   * `usedBy(id)` says which container uses the image (running or not).
   */
  remove(ref: string, opts: { force: boolean; noPrune?: boolean; usedBy: (id: string) => { id: string; running: boolean } | undefined }): DeleteResult[] {
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
      // an intermediate image stays while a child needs it
      if (this.tagsOf(img.id).length > 0 || user || this.children(img.id).length > 0) return out;
    } else {
      if (this.children(img.id).length > 0)
        throw conflict(`conflict: unable to delete ${img.id.slice(7, 19)} (cannot be forced) - image has dependent child images`);
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
    this.drop(img);
    out.push({ Deleted: img.id });
    // untagged parents nothing else needs go too, unless --no-prune
    for (let p = img.parent ? this.images.get(img.parent) : undefined; p && !opts.noPrune; ) {
      if (this.tagsOf(p.id).length || this.children(p.id).length || opts.usedBy(p.id)) break;
      const next = p.parent ? this.images.get(p.parent) : undefined;
      for (const d of p.repoDigests) out.push({ Untagged: d });
      this.drop(p);
      out.push({ Deleted: p.id });
      p = next;
    }
    this.releaseLayers();
    return out;
  }

  /** Forgets an image record and its config and manifests (unless another image shares them). */
  private drop(img: ImageRecord): void {
    this.images.delete(img.id);
    let idx = false;
    for (const [k, ids] of this.indexes) {
      if (!ids.includes(img.id)) continue;
      const left = ids.filter((x) => x !== img.id);
      if (left.includes(this.tags.get(k) ?? '')) this.indexes.set(k, left);
      else this.indexes.delete(k);
      idx = true;
    }
    if (idx) this.saveIndexes();
    for (const [k, v] of [...this.tags]) if (v === img.id) this.tags.delete(k);
    fs.rmSync(path.join(this.dir, img.id.slice(7) + '.json'), { force: true });
    for (const c of this.children(img.id)) {
      c.parent = undefined;
      this.saveRecord(c);
    }
    this.content.delete(img.id);
    for (const m of img.manifests) if (![...this.images.values()].some((i) => i.manifests.some((x) => x.digest === m.digest))) this.content.delete(m.digest);
  }

  /** Removes an untagged image outright (prune); the caller checks it is unused. Returns the freed bytes. */
  delete(id: string): { results: DeleteResult[]; freed: number } {
    const img = this.images.get(id);
    if (!img) return { results: [], freed: 0 };
    const results: DeleteResult[] = [];
    for (const t of this.tagsOf(id)) {
      this.untag(t);
      results.push({ Untagged: t });
    }
    for (const d of img.repoDigests) results.push({ Untagged: d });
    this.drop(img);
    results.push({ Deleted: id });
    const freed = this.releaseLayers();
    return { results, freed };
  }

  /** Chain IDs in use: every image's layers, containers' layers, pinned ones; with their parents. */
  usedLayers(): Set<string> {
    const used = new Set<string>();
    const mark = (top: string | null) => {
      for (let c = top; c && !used.has(c); c = this.layers.get(c)?.parent ?? null) used.add(c);
    };
    for (const img of this.images.values()) mark(img.topLayer);
    for (const c of this.layerUsers()) mark(c);
    for (const k of this.layers.pinnedKeys()) if (this.layers.has(k)) mark(k);
    return used;
  }

  /** Removes layers nothing uses any more (and the blobs only they had); returns the bytes freed. */
  releaseLayers(): number {
    const used = this.usedLayers();
    // remove children before parents so lower chains stay valid during removal
    const dead = this.layers.all().filter((l) => !used.has(l.chainId));
    const depth = (c: string | null): number => (c ? 1 + depth(this.layers.get(c)?.parent ?? null) : 0);
    dead.sort((a, b) => depth(b.chainId) - depth(a.chainId));
    let freed = 0;
    for (const l of dead) {
      freed += l.size;
      for (const d of this.layers.remove(l.chainId)) {
        freed += this.content.size(d);
        this.content.delete(d);
      }
    }
    return freed;
  }

  /**
   * Start-up sweep (nothing is in flight then): layers no image or container
   * uses (an interrupted pull's), and blobs nothing references.
   */
  gc(): void {
    this.releaseLayers();
    const keep = new Set<string>();
    for (const img of this.images.values()) {
      keep.add(img.id);
      for (const m of img.manifests) keep.add(m.digest);
    }
    for (const l of this.layers.all()) for (const b of l.blobs ?? []) keep.add(b.digest);
    for (const d of this.content.list()) if (!keep.has(d)) this.content.delete(d);
  }

  /** Validates a reference the way `tag`/`import` need it. */
  static checkRef(ref: string): void {
    parseReference(ref);
  }
}
