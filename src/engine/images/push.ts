// docker push: layers the registry already has are skipped (HEAD), blobs that
// came from another repository on the same registry are mounted, the rest are
// uploaded as stored (a pulled layer needs no recompression) or, for layers
// made here, compressed once with parallel gzip and kept for the next push.
// A manifest known for the image is pushed byte for byte (its digest stays).
import type { Readable } from 'node:stream';
import { ParallelGzip } from '../../archive';
import { normaliseTagged, parseReference, type ImageRecord } from '../../image';
import {
  MT,
  buildManifest,
  isTransient,
  layerCompression,
  parseManifest,
  sha256,
  sleep,
  type AuthConfig,
  type Descriptor,
  type Endpoint,
  type Repository,
} from '../../registry';
import type { LayerBlob } from '../../storage';
import { EngineError, notFound } from '../../util/errors';
import type { EngineContext } from '../context';
import { asEngineError } from './pull';
import { limiter, shortId, Throttle, type Emit } from './progress';
import { tap } from '../../util/tap';
import { readStreamWith } from '../../util/fsutil';

export interface PushOptions {
  creds?: AuthConfig;
  signal?: AbortSignal;
}

const MONOLITHIC_MAX = 16 << 20;
const COMPRESSED = new Set([MT.dockerLayerGzip, MT.ociLayerGzip, MT.dockerLayerZstd, MT.ociLayerZstd]);

export class Pusher {
  constructor(private readonly ctx: EngineContext) {}

  /**
   * Pushes `name` (repository) with `tag`, or every tag of the repository
   * when tag is empty. Checks that the image exists before `start`.
   */
  async push(name: string, tag: string, o: PushOptions, start: () => Emit): Promise<void> {
    const ref = parseReference(name);
    if (ref.digest) throw new EngineError(400, 'cannot push a digest reference');
    const repoName = ref.repo;
    let tags: Array<[string, string]>;
    if (tag || ref.tag) {
      const key = normaliseTagged(`${repoName}:${tag || ref.tag}`).key;
      const id = this.ctx.images.byTag(key);
      if (!id) throw notFound(`An image does not exist locally with the tag: ${repoName}`);
      tags = [[tag || ref.tag!, id]];
    } else {
      tags = this.ctx.images
        .allTags()
        .filter(([k]) => k.slice(0, k.lastIndexOf(':')) === repoName)
        .map(([k, id]) => [k.slice(k.lastIndexOf(':') + 1), id] as [string, string])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
      if (tags.length === 0) throw notFound(`An image does not exist locally with the tag: ${repoName}`);
    }
    const eps = await this.ctx.registry.endpoints(ref.domain, false);
    const ep = eps[eps.length - 1];
    const emit = start();
    emit({ status: `The push refers to repository [${ref.domain}/${ref.path}]` });
    for (const [t, id] of tags) {
      // a tag a multi-platform build kept goes out as the index of its platform images
      const index = this.ctx.images.indexOf(`${repoName}:${t}`);
      if (index && index.length > 1) {
        await this.pushIndexAt(ep, ref, t, index, o, emit);
        continue;
      }
      const img = this.ctx.images.get(id);
      const res = await this.pushImage(ep, ref.path, img, t, o, emit);
      emit({ status: `${t}: digest: ${res.digest} size: ${res.size}` });
      emit({ progressDetail: {}, aux: { Tag: t, Digest: res.digest, Size: res.size } });
      this.ctx.images.addManifest(img.id, { digest: res.digest, mediaType: res.mediaType }, `${repoName}@${res.digest}`);
      this.ctx.events.emit('image', 'push', `${repoName}:${t}`, { name: `${repoName}:${t}` });
    }
  }

  private async pushImage(
    ep: Endpoint,
    path: string,
    img: ImageRecord,
    tag: string,
    o: PushOptions,
    emit: Emit,
  ): Promise<{ digest: string; size: number; mediaType: string }> {
    const repo = this.ctx.registry.repository(ep, path, o.creds, true);
    const diffIds = img.config.rootfs.diff_ids;
    const chain: string[] = [];
    for (let c = img.topLayer; c; c = this.ctx.layers.get(c)?.parent ?? null) chain.unshift(c);
    const unpin = this.ctx.layers.pin(chain);
    try {
      const pushed = await this.pushLayers(repo, ep, diffIds, o, emit);
      // config
      const cfgBytes = this.ctx.content.read(img.id);
      await repo.putSmallBlob(img.id, cfgBytes);
      const known = this.reusableManifest(img, pushed);
      let mediaType: string;
      let bytes: Buffer;
      if (known) ({ mediaType, bytes } = known);
      else {
        // zstd layers have no Docker schema 2 media type: such images go out as OCI
        const oci = pushed.some((d) => d.mediaType.startsWith('application/vnd.oci.') || layerCompression(d.mediaType) === 'zstd');
        const layers = pushed.map((d) => ({ ...d, mediaType: oci ? ociType(d.mediaType) : d.mediaType }));
        bytes = buildManifest({ mediaType: oci ? MT.ociConfig : MT.dockerConfig, digest: img.id, size: cfgBytes.length }, layers, oci);
        mediaType = oci ? MT.ociManifest : MT.dockerManifest;
        this.ctx.content.putBytes(bytes);
      }
      // no tag: the manifest goes by its digest (an index entry)
      const digest = await repo.putManifest(tag || sha256(bytes), mediaType, bytes);
      return { digest, size: bytes.length, mediaType };
    } catch (e) {
      throw asEngineError(e);
    } finally {
      unpin();
    }
  }

  /**
   * Pushes one image per platform by digest, then an index of them as
   * `name:tag` (a multi-platform build). Answers the index's digest.
   */
  async pushIndex(name: string, tag: string, images: ImageRecord[], o: PushOptions, emit: Emit): Promise<{ digest: string; size: number }> {
    const ref = parseReference(name);
    const eps = await this.ctx.registry.endpoints(ref.domain, false);
    const ep = eps[eps.length - 1];
    emit({ status: `The push refers to repository [${ref.domain}/${ref.path}]` });
    return this.pushIndexAt(ep, ref, tag, images, o, emit);
  }

  private async pushIndexAt(
    ep: Endpoint,
    ref: { domain: string; path: string; repo: string },
    tag: string,
    images: ImageRecord[],
    o: PushOptions,
    emit: Emit,
  ): Promise<{ digest: string; size: number }> {
    const entries: Descriptor[] = [];
    for (const img of images) {
      const m = await this.pushImage(ep, ref.path, img, '', o, emit);
      const c = img.config;
      entries.push({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        platform: { architecture: c.architecture, os: c.os, ...(c.variant ? { variant: c.variant } : {}) },
      });
      this.ctx.images.addManifest(img.id, { digest: m.digest, mediaType: m.mediaType });
    }
    const oci = entries.some((e) => e.mediaType === MT.ociManifest);
    const mediaType = oci ? MT.ociIndex : MT.dockerList;
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }, null, 3));
    const repo = this.ctx.registry.repository(ep, ref.path, o.creds, true);
    let digest: string;
    try {
      digest = await repo.putManifest(tag, mediaType, bytes);
    } catch (e) {
      throw asEngineError(e);
    }
    emit({ status: `${tag}: digest: ${digest} size: ${bytes.length}` });
    emit({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: bytes.length } });
    this.ctx.events.emit('image', 'push', `${ref.repo}:${tag}`, { name: `${ref.repo}:${tag}` });
    return { digest, size: bytes.length };
  }

  /**
   * Pushes layers by diff ID (skipped when the registry has them, mounted,
   * or uploaded), with Docker's progress lines; answers their descriptors in
   * the order given. The caller pins the layers.
   */
  async pushLayers(repo: Repository, ep: Endpoint, diffIds: string[], o: PushOptions, emit: Emit): Promise<Descriptor[]> {
    const here = `${ep.name}/${repo.path}`;
    // Docker lists layers top first
    const order = diffIds.map((_, i) => i).reverse();
    for (const i of order) emit({ status: 'Preparing', progressDetail: {}, id: shortId(diffIds[i]) });
    const limit = limiter(this.ctx.cfg.registry.maxConcurrentUploads);
    const max = this.ctx.cfg.registry.maxConcurrentUploads;
    const pushed: Descriptor[] = new Array(diffIds.length);
    let queued = 0;
    const jobs = order.map((i) => {
      const t = new Throttle(emit, shortId(diffIds[i]));
      if (queued++ >= max) t.status('Waiting');
      return limit(async () => {
        pushed[i] = await this.withRetries(t, o.signal, () => this.pushLayer(repo, ep, diffIds[i], t, here, o));
      });
    });
    const results = await Promise.allSettled(jobs);
    const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (bad) throw asEngineError(bad.reason);
    return pushed;
  }

  /** A layer upload cut by the network starts over (a fresh upload session), as Docker retries. */
  private async withRetries<T>(t: Throttle, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const attempts = Math.max(1, this.ctx.cfg.registry.maxDownloadAttempts);
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (signal?.aborted || attempt >= attempts || !isTransient(e)) throw e;
        for (let left = Math.min(attempt, 5); left > 0; left--) {
          t.status(`Retrying in ${left} second${left > 1 ? 's' : ''}`);
          await sleep(1000);
        }
      }
    }
  }

  /** A stored manifest of this image whose layers are exactly the blobs just pushed. */
  private reusableManifest(img: ImageRecord, pushed: Descriptor[]): { mediaType: string; bytes: Buffer } | undefined {
    for (const m of img.manifests) {
      if (!this.ctx.content.has(m.digest)) continue;
      const bytes = this.ctx.content.read(m.digest);
      try {
        const { doc } = parseManifest(bytes, m.mediaType, img.id);
        if (doc.kind !== 'manifest' || doc.manifest.config.digest !== img.id) continue;
        const ls = doc.manifest.layers;
        if (ls.length === pushed.length && ls.every((l, i) => l.digest === pushed[i].digest)) return { mediaType: m.mediaType, bytes };
      } catch {
        /* unusable: build a new one */
      }
    }
    return undefined;
  }

  /** Picks the blob to push for a layer: one the target registry knows, else any compressed one. */
  private pickBlob(diffId: string, registry: string): LayerBlob | undefined {
    const blobs = this.ctx.layers.blobsOf(diffId).filter((b) => COMPRESSED.has(b.mediaType as never) && this.ctx.content.has(b.digest));
    return blobs.find((b) => b.sources?.some((s) => s.startsWith(registry + '/'))) ?? blobs.find((b) => layerCompression(b.mediaType) === 'gzip') ?? blobs[0];
  }

  private async pushLayer(repo: Repository, ep: Endpoint, diffId: string, t: Throttle, here: string, o: PushOptions): Promise<Descriptor> {
    const blob = this.pickBlob(diffId, ep.name);
    if (blob) {
      const desc = { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
      if ((await repo.hasBlob(blob.digest)) !== undefined) {
        t.status('Layer already exists');
        this.ctx.layers.addBlob(diffId, { ...blob, sources: [here] });
        return desc;
      }
      const from = blob.sources?.find((s) => s.startsWith(ep.name + '/') && s !== here);
      let location: string | undefined;
      if (from) {
        const fromPath = from.slice(ep.name.length + 1);
        const mountRepo = this.ctx.registry.repository(ep, repo.path, o.creds, true, [`repository:${fromPath}:pull`]);
        const up = await mountRepo.startUpload({ digest: blob.digest, from: fromPath });
        if (up.mounted) {
          t.status(`Mounted from ${fromPath}`);
          this.ctx.layers.addBlob(diffId, { ...blob, sources: [here] });
          return desc;
        }
        location = up.location;
      }
      await this.upload(repo, blob, t, location, o.signal);
      t.status('Pushed');
      this.ctx.layers.addBlob(diffId, { ...blob, sources: [here] });
      return desc;
    }
    // made here: compress once (kept for later pushes), uploading while compressing
    const desc = await this.compressAndUpload(repo, diffId, t, o.signal);
    t.status('Pushed');
    this.ctx.layers.addBlob(diffId, { ...desc, sources: [here] });
    return desc;
  }

  private async upload(repo: Repository, blob: LayerBlob, t: Throttle, location: string | undefined, signal?: AbortSignal): Promise<void> {
    const loc = location ?? ((await repo.startUpload()) as { location: string }).location;
    let sent = 0;
    const file = readStreamWith(this.ctx.content.path(blob.digest), signal, { highWaterMark: 1 << 20 });
    const counted = file.pipe(
      tap((chunk) => {
        sent += chunk.length;
        t.progress('Pushing', sent, blob.size, sent === blob.size);
      }),
    );
    file.on('error', (e) => counted.destroy(e));
    const chunkSize = this.ctx.cfg.registry.uploadChunkSize;
    if (blob.size <= MONOLITHIC_MAX && !chunkSize) await repo.putBlob(loc, blob.digest, counted, blob.size);
    else await repo.patchBlob(loc, blob.digest, counted, chunkSize);
  }

  private async compressAndUpload(repo: Repository, diffId: string, t: Throttle, signal?: AbortSignal): Promise<Descriptor> {
    const up = await repo.startUpload();
    if (up.mounted) throw new EngineError(500, 'the registry mounted a blob it was not asked for');
    const rec = this.ctx.layers.all().find((l) => l.diffId === diffId);
    const total = rec?.tarSize ?? 0;
    let read = 0;
    // the source first: it throws when the push was already cancelled, and then nothing else is open
    const src = this.plainTar(diffId, signal);
    const writer = this.ctx.content.writer();
    const count = tap((chunk) => {
      read += chunk.length;
      t.progress('Pushing', read, total, read === total);
    });
    // the compressed bytes go to the registry and, once, to the content store
    const keep = tap((chunk) => writer.write(chunk));
    const gz = new ParallelGzip({ level: 1 });
    const streams = [src, count, gz, keep];
    const fail = (e: Error) => {
      for (const x of streams) x.destroy(e);
    };
    for (const x of streams) x.on('error', fail);
    src.pipe(count).pipe(gz).pipe(keep);
    try {
      // the digest is known only at the end: stream the PATCH, then PUT ?digest=
      await repo.patchBlob(up.location, () => writer.digest(), keep, this.ctx.cfg.registry.uploadChunkSize);
      const digest = writer.digest();
      const { size } = await writer.commit(digest);
      return { mediaType: MT.dockerLayerGzip, digest, size };
    } catch (e) {
      fail(e as Error);
      writer.abort();
      throw e;
    }
  }

  /** The layer's exact tar bytes, from a stored blob (plain or compressed). */
  private plainTar(diffId: string, signal?: AbortSignal): Readable {
    const blobs = this.ctx.layers.blobsOf(diffId).filter((b) => this.ctx.content.has(b.digest));
    const plain = blobs.find((b) => b.digest === diffId);
    if (plain) return readStreamWith(this.ctx.content.path(plain.digest), signal, { highWaterMark: 1 << 20 });
    throw new EngineError(500, `layer ${diffId} has no stored tar to push`);
  }
}

/** A layer media type in its OCI spelling. */
export function ociType(mt: string): string {
  switch (mt) {
    case MT.dockerLayerGzip:
      return MT.ociLayerGzip;
    case MT.dockerLayerZstd:
      return MT.ociLayerZstd;
    case MT.dockerLayerTar:
      return MT.ociLayerTar;
    default:
      return mt;
  }
}
