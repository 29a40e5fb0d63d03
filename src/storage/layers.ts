// Layer store: unpacked layers addressed by chain ID, shared by every image
// that has them. Each layer dir holds diff/ (the files), link (its short name
// under l/), lower (the short names of its parents, nearest first) and
// layer.json, written last: a layer exists only once layer.json is there.
// A layer is unpacked into a staging dir under tmp/ first (possibly while it
// downloads, in parallel with its siblings) and committed in chain order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { extractLayer, type ExtractLayerOptions } from '../archive';
import { fsyncDir, readJsonSync, writeJsonAtomicSync } from '../util/fsutil';
import { tap } from '../util/tap';

/** A stored tar of a layer: compressed as pulled or pushed, or the plain tar (digest = diff ID). */
export interface LayerBlob {
  digest: string;
  mediaType: string;
  size: number;
  /** "registry/repository" places known to hold this blob (for HEAD skips and cross-repo mounts) */
  sources?: string[];
}

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  /** bytes of the unpacked diff */
  size: number;
  created: string;
  /** length of the uncompressed tar (diff ID bytes) */
  tarSize?: number;
  blobs?: LayerBlob[];
}

/** A layer unpacked into tmp/, not yet part of the store. */
export interface StagedLayer {
  dir: string;
  diffId: string;
  size: number;
  tarSize: number;
}

export const chainIdOf = (parent: string | null, diffId: string): string =>
  parent ? 'sha256:' + createHash('sha256').update(`${parent} ${diffId}`).digest('hex') : diffId;

// Short link names keep the overlay mount data under a page: 125+ lowers at
// "l/" + 12 chars each are ~1.9 KB, leaving room for the upper/work/init paths.
const SHORT_LEN = 12;
const shortName = () => randomBytes(20).toString('base64url').replace(/[-_]/g, 'x').toUpperCase().slice(0, SHORT_LEN);

export class LayerStore {
  private readonly records = new Map<string, LayerRecord>();
  private readonly pins = new Map<string, number>();
  readonly linkDir: string;
  /** An empty lower for images with no layers (overlay needs one). */
  readonly emptyDir: string;

  constructor(
    readonly root: string,
    private readonly tmpDir: string,
  ) {
    this.linkDir = path.join(root, 'l');
    this.emptyDir = path.join(root, 'empty');
    fs.mkdirSync(this.linkDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.emptyDir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    this.load();
  }

  private load(): void {
    for (const name of fs.readdirSync(this.root)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const rec = readJsonSync<LayerRecord>(path.join(this.root, name, 'layer.json'));
      if (rec) this.records.set(rec.chainId, rec);
      else fs.rmSync(path.join(this.root, name), { recursive: true, force: true }); // never committed
    }
    // short links whose layer is gone (removal or crash mid-create)
    for (const l of fs.readdirSync(this.linkDir)) {
      const p = path.join(this.linkDir, l);
      if (!fs.existsSync(p)) fs.rmSync(p, { force: true });
    }
  }

  get(chainId: string): LayerRecord | undefined {
    return this.records.get(chainId);
  }

  has(chainId: string): boolean {
    return this.records.has(chainId);
  }

  all(): LayerRecord[] {
    return [...this.records.values()];
  }

  dir(chainId: string): string {
    return path.join(this.root, chainId.slice(7));
  }

  diffDir(chainId: string): string {
    return path.join(this.dir(chainId), 'diff');
  }

  /**
   * Unpacks an uncompressed layer tar into a staging dir, hashing it for its
   * diff ID. Independent of the parent: overlay diff dirs stand alone.
   */
  async stage(tar: Readable, opts: ExtractLayerOptions = {}, onBytes?: (n: number) => void, hashIt = true): Promise<StagedLayer> {
    const dir = path.join(this.tmpDir, `layer-${randomBytes(8).toString('hex')}`);
    fs.mkdirSync(path.join(dir, 'diff'), { recursive: true, mode: 0o755 });
    const hash = createHash('sha256');
    let tarSize = 0;
    const seen = tap((chunk) => {
      if (hashIt) hash.update(chunk);
      tarSize += chunk.length;
      onBytes?.(chunk.length);
    });
    try {
      tar.on('error', (e) => seen.destroy(e));
      const { size } = await extractLayer(tar.pipe(seen), path.join(dir, 'diff'), opts);
      return { dir, diffId: hashIt ? 'sha256:' + hash.digest('hex') : '', size, tarSize };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Takes a directory already in the layer format (an overlay upper dir: its
   * whiteouts and opaque markers are what a layer holds) as a staging dir's
   * diff/, by rename: no copy. Undefined when it is on another filesystem.
   */
  adopt(dir: string): string | undefined {
    const staging = path.join(this.tmpDir, `layer-${randomBytes(8).toString('hex')}`);
    fs.mkdirSync(staging, { mode: 0o755 });
    try {
      fs.renameSync(dir, path.join(staging, 'diff'));
    } catch (e) {
      fs.rmdirSync(staging);
      if ((e as NodeJS.ErrnoException).code === 'EXDEV') return undefined;
      throw e;
    }
    fs.chmodSync(path.join(staging, 'diff'), 0o755);
    return staging;
  }

  /** Throws away a staged layer. */
  discard(staged: StagedLayer): void {
    fs.rmSync(staged.dir, { recursive: true, force: true });
  }

  /**
   * Makes a staged layer part of the store on top of `parent` (which must exist).
   * An existing layer with the same chain ID wins; the staging dir is removed then.
   */
  commitStaged(parent: string | null, staged: StagedLayer, blobs: LayerBlob[] = []): LayerRecord {
    if (parent && !this.records.has(parent)) {
      this.discard(staged);
      throw new Error(`parent layer ${parent} does not exist`);
    }
    const chainId = chainIdOf(parent, staged.diffId);
    const existing = this.records.get(chainId);
    if (existing) {
      this.discard(staged);
      for (const b of blobs) this.addBlob(staged.diffId, b);
      return existing;
    }
    return this.commit(staged.dir, {
      chainId,
      diffId: staged.diffId,
      parent,
      size: staged.size,
      created: new Date().toISOString(),
      tarSize: staged.tarSize,
      blobs: mergeBlobs(this.blobsOf(staged.diffId), blobs),
    });
  }

  /** Unpacks an uncompressed layer tar on top of `parent`; returns its record (reused if it exists). */
  async create(parent: string | null, tar: Readable, expectedDiffId?: string, blobs: LayerBlob[] = []): Promise<LayerRecord> {
    if (parent && !this.records.has(parent)) throw new Error(`parent layer ${parent} does not exist`);
    if (expectedDiffId) {
      const existing = this.records.get(chainIdOf(parent, expectedDiffId));
      if (existing) {
        tar.resume();
        return existing;
      }
    }
    const staged = await this.stage(tar);
    if (expectedDiffId && staged.diffId !== expectedDiffId) {
      this.discard(staged);
      throw new Error(`layer diff ID mismatch: expected ${expectedDiffId}, got ${staged.diffId}`);
    }
    return this.commitStaged(parent, staged, blobs);
  }

  /** Every blob known for a diff ID (across the chains that hold it). */
  blobsOf(diffId: string): LayerBlob[] {
    let out: LayerBlob[] = [];
    for (const r of this.records.values()) if (r.diffId === diffId && r.blobs) out = mergeBlobs(out, r.blobs);
    return out;
  }

  /** Records a blob (or a new source of one) for every layer with this diff ID. */
  addBlob(diffId: string, blob: LayerBlob): void {
    for (const r of this.records.values()) {
      if (r.diffId !== diffId) continue;
      const merged = mergeBlobs(r.blobs ?? [], [blob]);
      if (JSON.stringify(merged) === JSON.stringify(r.blobs ?? [])) continue;
      r.blobs = merged;
      writeJsonAtomicSync(path.join(this.dir(r.chainId), 'layer.json'), r);
    }
  }

  /** Is this blob digest referenced by any layer record? */
  blobInUse(digest: string): boolean {
    for (const r of this.records.values()) if (r.blobs?.some((b) => b.digest === digest)) return true;
    return false;
  }

  /** Keeps chain IDs or blob digests from being released while an operation needs them. */
  pin(keys: Iterable<string>): () => void {
    const list = [...keys];
    for (const k of list) this.pins.set(k, (this.pins.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const k of list) {
        const n = (this.pins.get(k) ?? 1) - 1;
        if (n <= 0) this.pins.delete(k);
        else this.pins.set(k, n);
      }
    };
  }

  isPinned(key: string): boolean {
    return this.pins.has(key);
  }

  pinnedKeys(): string[] {
    return [...this.pins.keys()];
  }

  private commit(staging: string, rec: LayerRecord): LayerRecord {
    let link = shortName();
    while (fs.existsSync(path.join(this.linkDir, link))) link = shortName();
    fs.writeFileSync(path.join(staging, 'link'), link);
    const lower = rec.parent ? this.lowerChain(rec.parent) : [];
    if (lower.length) fs.writeFileSync(path.join(staging, 'lower'), lower.join(':'));
    writeJsonAtomicSync(path.join(staging, 'layer.json'), rec);
    fs.symlinkSync(path.join('..', rec.chainId.slice(7), 'diff'), path.join(this.linkDir, link));
    fs.renameSync(staging, this.dir(rec.chainId));
    fsyncDir(this.root);
    this.records.set(rec.chainId, rec);
    return rec;
  }

  private linkOf(chainId: string): string {
    return `l/${fs.readFileSync(path.join(this.dir(chainId), 'link'), 'utf8').trim()}`;
  }

  /** The overlay lowerdir entries for a layer and its parents, top first, relative to `root`. */
  lowerChain(chainId: string): string[] {
    const own = this.linkOf(chainId);
    let rest: string[] = [];
    try {
      rest = fs
        .readFileSync(path.join(this.dir(chainId), 'lower'), 'utf8')
        .trim()
        .split(':')
        .filter(Boolean);
    } catch {
      /* base layer */
    }
    return [own, ...rest];
  }

  /** Absolute diff dirs of a chain, top first (for diff/changes). */
  diffDirs(chainId: string | null): string[] {
    const out: string[] = [];
    for (let c = chainId; c; c = this.records.get(c)?.parent ?? null) out.push(this.diffDir(c));
    return out;
  }

  /**
   * Removes a layer. The caller decides it is unused (see the image store's
   * reference counts). Returns the digests of blobs no layer references any more.
   */
  remove(chainId: string): string[] {
    const rec = this.records.get(chainId);
    if (!rec) return [];
    const dir = this.dir(chainId);
    let link = '';
    try {
      link = fs.readFileSync(path.join(dir, 'link'), 'utf8').trim();
    } catch {
      /* ignore */
    }
    // Rename away first so a crash mid-delete leaves no half layer with layer.json.
    const trash = path.join(this.tmpDir, `rm-${randomBytes(8).toString('hex')}`);
    fs.renameSync(dir, trash);
    if (link) fs.rmSync(path.join(this.linkDir, link), { force: true });
    this.records.delete(chainId);
    fs.rmSync(trash, { recursive: true, force: true });
    return (rec.blobs ?? []).map((b) => b.digest).filter((d) => !this.blobInUse(d) && !this.isPinned(d));
  }
}

function mergeBlobs(a: LayerBlob[], b: LayerBlob[]): LayerBlob[] {
  const out = a.map((x) => ({ ...x, sources: x.sources ? [...x.sources] : undefined }));
  for (const x of b) {
    const have = out.find((y) => y.digest === x.digest);
    if (!have) {
      out.push({ ...x, sources: x.sources ? [...x.sources] : undefined });
      continue;
    }
    for (const s of x.sources ?? []) {
      have.sources ??= [];
      if (!have.sources.includes(s)) have.sources.push(s);
    }
  }
  return out;
}
