// docker save: one tar that both docker-archive readers (manifest.json,
// repositories) and OCI image-layout readers (oci-layout, index.json) accept,
// as Docker 25+ writes it. Layers are the exact uncompressed tars (digest =
// diff ID), streamed from the stored blob, decompressed on the fly if needed.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import { decompressAs } from '../../archive';
import { createPack } from '../../archive/tarfmt';
import { normaliseTagged, parseReference, type ImageRecord } from '../../image';
import { MT, layerCompression, sha256 } from '../../registry';
import { EngineError, notFound } from '../../util/errors';
import { missingImageName } from '../../common/reference';
import type { EngineContext } from '../context';

/** The archive as it is produced (a tar-stream pack). */
export type SaveArchive = tar.Pack;

interface Item {
  img: ImageRecord;
  tags: string[];
}

/** Resolves every name first (so a missing one is a 404 before any byte is sent). */
export function resolveSaveNames(ctx: EngineContext, names: string[]): Item[] {
  const items = new Map<string, Item>();
  const add = (img: ImageRecord, tag?: string) => {
    let it = items.get(img.id);
    if (!it) items.set(img.id, (it = { img, tags: [] }));
    if (tag && !it.tags.includes(tag)) it.tags.push(tag);
  };
  for (const n of names) {
    let nameOnly = false;
    try {
      const r = parseReference(n);
      nameOnly = !r.tag && !r.digest && !/^[a-f0-9]{12,64}$/.test(n);
      if (nameOnly) {
        // a bare repository name saves all its tags, as Docker does
        const tags = ctx.images.allTags().filter(([k]) => k.slice(0, k.lastIndexOf(':')) === r.repo);
        for (const [k, id] of tags) add(ctx.images.get(id), k);
        if (tags.length) continue;
      }
    } catch {
      /* an ID or prefix */
    }
    const img = ctx.images.find(n);
    if (!img) throw notFound(`No such image: ${missingImageName(n)}`);
    let tag: string | undefined;
    try {
      const { ref, key } = normaliseTagged(n);
      if (!ref.digest && ctx.images.byTag(key) === img.id) tag = key;
    } catch {
      /* by ID */
    }
    add(img, tag);
  }
  return [...items.values()];
}

function layerSize(ctx: EngineContext, diffId: string): number | undefined {
  return ctx.layers.all().find((l) => l.diffId === diffId && l.tarSize !== undefined)?.tarSize;
}

/** The layer's tar bytes, from the plain blob or a compressed one. Destroying the result closes the blob. */
export function openLayerTar(ctx: EngineContext, diffId: string): Readable {
  const blobs = ctx.layers.blobsOf(diffId).filter((b) => ctx.content.has(b.digest));
  const plain = blobs.find((b) => b.digest === diffId);
  if (plain) return fs.createReadStream(ctx.content.path(plain.digest), { highWaterMark: 1 << 20 });
  const packed = blobs.find((b) => layerCompression(b.mediaType) === 'gzip') ?? blobs.find((b) => layerCompression(b.mediaType) === 'zstd');
  if (!packed) throw new EngineError(500, `layer ${diffId} has no stored tar`);
  const file = fs.createReadStream(ctx.content.path(packed.digest), { highWaterMark: 1 << 20 });
  const out = decompressAs(file, layerCompression(packed.mediaType)!);
  // a piped source stays open when its consumer is destroyed: close the blob with it
  out.on('close', () => file.destroy());
  return out;
}

/** Adds one entry; a body stream is always consumed or destroyed, whatever happens to the pack. */
function put(pack: tar.Pack, h: Partial<tar.Header> & { name: string }, body?: Buffer | Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (body === undefined || Buffer.isBuffer(body)) {
      pack.entry(h, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve()));
      return;
    }
    let sink: ReturnType<tar.Pack['entry']>;
    try {
      sink = pack.entry(h, (e) => {
        if (!e) return resolve();
        body.destroy();
        reject(e);
      });
    } catch (e) {
      body.destroy();
      throw e;
    }
    // the pack destroys its entries when the client goes: errors end here, not in the process
    sink.on('error', () => body.destroy());
    body.on('error', (e) => {
      sink.destroy(e);
      reject(e);
    });
    body.pipe(sink);
  });
}

/**
 * Produces the archive for `items` and hands it to `send`, which streams it to
 * the client. If the client goes, `send` destroys the pack and every pending
 * entry fails: production stops. Resolves once both sides are done.
 */
export async function writeSaveArchive(ctx: EngineContext, items: Item[], send: (archive: SaveArchive) => Promise<void>): Promise<void> {
  const pack = createPack();
  const sent = send(pack);
  try {
    await produceSave(ctx, items, pack);
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
  }
  await sent;
}

async function produceSave(ctx: EngineContext, items: Item[], pack: tar.Pack): Promise<void> {
  const mtime = new Date(Math.max(0, ...items.map((i) => Date.parse(i.img.config.created ?? '') || 0)));
  const written = new Set<string>();
  const blob = async (digest: string, body: Buffer | Readable, size: number) => {
    if (written.has(digest)) {
      if (!Buffer.isBuffer(body)) body.destroy();
      return;
    }
    written.add(digest);
    await put(pack, { name: `blobs/sha256/${digest.slice(7)}`, size, mode: 0o444, mtime, type: 'file' }, body);
  };
  const manifestJson: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const index: Array<Record<string, unknown>> = [];
  const repositories: Record<string, Record<string, string>> = {};
  await put(pack, { name: 'blobs/', type: 'directory', mode: 0o755, mtime });
  await put(pack, { name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime });
  for (const { img, tags } of items) {
    const diffIds = img.config.rootfs.diff_ids;
    const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
    for (const d of diffIds) {
      const size = layerSize(ctx, d);
      if (size === undefined) throw new EngineError(500, `layer ${d} has no recorded tar size`);
      await blob(d, written.has(d) ? Buffer.alloc(0) : openLayerTar(ctx, d), size);
      layers.push({ mediaType: MT.ociLayerTar, digest: d, size });
    }
    const cfg = ctx.content.read(img.id);
    await blob(img.id, cfg, cfg.length);
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: img.id, size: cfg.length }, layers }),
    );
    const mDigest = sha256(manifest);
    await blob(mDigest, manifest, manifest.length);
    manifestJson.push({
      Config: `blobs/sha256/${img.id.slice(7)}`,
      RepoTags: tags.length ? tags : null,
      Layers: diffIds.map((d) => `blobs/sha256/${d.slice(7)}`),
    });
    const desc = { mediaType: MT.ociManifest, digest: mDigest, size: manifest.length };
    if (tags.length === 0) index.push(desc);
    for (const t of tags) {
      const r = parseReference(t);
      index.push({ ...desc, annotations: { 'io.containerd.image.name': `${r.domain}/${r.path}:${r.tag}`, 'org.opencontainers.image.ref.name': r.tag } });
      if (diffIds.length) (repositories[r.repo] ??= {})[r.tag!] = diffIds[diffIds.length - 1].slice(7);
    }
  }
  const file = async (name: string, data: unknown) => {
    const b = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
    await put(pack, { name, size: b.length, mode: 0o644, mtime, type: 'file' }, b);
  };
  await file('index.json', { schemaVersion: 2, mediaType: MT.ociIndex, manifests: index });
  await file('manifest.json', manifestJson);
  await file('oci-layout', { imageLayoutVersion: '1.0.0' });
  if (Object.keys(repositories).length) await file('repositories', repositories);
}
