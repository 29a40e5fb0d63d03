// Layer store: unpacked layers addressed by chain ID, shared by every image
// that has them. Each layer dir holds diff/ (the files), link (its short name
// under l/), lower (the short names of its parents, nearest first) and
// layer.json, written last: a layer exists only once layer.json is there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { extractLayer } from '../archive';
import { dirSize, fsyncDir, readJsonSync, writeJsonAtomicSync } from '../util/fsutil';

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  /** bytes of the unpacked diff */
  size: number;
  created: string;
}

export const chainIdOf = (parent: string | null, diffId: string): string =>
  parent ? 'sha256:' + createHash('sha256').update(`${parent} ${diffId}`).digest('hex') : diffId;

const SHORT_LEN = 26;
const shortName = () => randomBytes(20).toString('base64url').replace(/[-_]/g, 'x').toUpperCase().slice(0, SHORT_LEN);

export class LayerStore {
  private readonly records = new Map<string, LayerRecord>();
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

  /** Unpacks an uncompressed layer tar on top of `parent`; returns its record (reused if it exists). */
  async create(parent: string | null, tar: Readable, expectedDiffId?: string): Promise<LayerRecord> {
    if (parent && !this.records.has(parent)) throw new Error(`parent layer ${parent} does not exist`);
    if (expectedDiffId) {
      const existing = this.records.get(chainIdOf(parent, expectedDiffId));
      if (existing) {
        tar.resume();
        return existing;
      }
    }
    const staging = path.join(this.tmpDir, `layer-${randomBytes(8).toString('hex')}`);
    fs.mkdirSync(path.join(staging, 'diff'), { recursive: true, mode: 0o755 });
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      tar.on('error', (e) => tap.destroy(e));
      await extractLayer(tar.pipe(tap), path.join(staging, 'diff'));
      const diffId = 'sha256:' + hash.digest('hex');
      if (expectedDiffId && diffId !== expectedDiffId)
        throw new Error(`layer diff ID mismatch: expected ${expectedDiffId}, got ${diffId}`);
      const chainId = chainIdOf(parent, diffId);
      const existing = this.records.get(chainId);
      if (existing) {
        fs.rmSync(staging, { recursive: true, force: true });
        return existing;
      }
      return this.commit(staging, { chainId, diffId, parent, size: dirSize(path.join(staging, 'diff')), created: new Date().toISOString() });
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw e;
    }
  }

  private commit(staging: string, rec: LayerRecord): LayerRecord {
    const link = shortName();
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
      rest = fs.readFileSync(path.join(this.dir(chainId), 'lower'), 'utf8').trim().split(':').filter(Boolean);
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

  /** Removes a layer. The caller decides it is unused (see the image store's reference counts). */
  remove(chainId: string): void {
    const rec = this.records.get(chainId);
    if (!rec) return;
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
  }
}
