// docker pull: resolve the reference (mirrors first for Docker Hub), pick the
// platform from an index, then download layers concurrently while each one is
// verified, decompressed and unpacked as it streams; layers are committed in
// chain order and the image record is written last, so an interruption at any
// point leaves the store consistent (staging under tmp/ is wiped at start).
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { parseReference, withDefaultTag, type ImageRecord, type Reference } from '../../image';
import {
  DIGEST_RE,
  RegistryError,
  formatPlatform,
  hostPlatform,
  isForeignLayer,
  isTransient,
  layerCompression,
  platformScore,
  selectManifest,
  sha256,
  sleep,
  type AnyManifest,
  type AuthConfig,
  type Descriptor,
  type Endpoint,
  type ImageManifest,
  type Platform,
  type Repository,
} from '../../registry';
import { chainIdOf, ingestLayer, IngestError, type StagedLayer } from '../../storage';
import { EngineError, notFound } from '../../util/errors';
import type { EngineContext } from '../context';
import { limiter, shortId, Throttle, type Emit } from './progress';
import { crashPoint } from '../../util/fault';

export interface PullOptions {
  /** explicit --platform (also checked against a single-platform image) */
  platform?: Platform;
  creds?: AuthConfig;
  signal?: AbortSignal;
}

interface Resolved {
  repo: Repository;
  ep: Endpoint;
  /** digest the reference resolved to (the index when there is one) */
  topDigest: string;
  manifest: ImageManifest;
  manifestDigest: string;
  manifestType: string;
  manifestBytes: Buffer;
  config: Buffer;
}

const MAX_CONFIG = 8 << 20;

/**
 * Errors a registry gives, as the API answers them: 404 stays, the rest are
 * 500 (a 401 would make the docker CLI start an interactive login).
 */
export function asEngineError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  if (e instanceof RegistryError) return new EngineError(e.status === 404 ? 404 : 500, e.message);
  return e;
}

export class Puller {
  /** chain ID → commit in progress (concurrent pulls share layer downloads) */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly ctx: EngineContext) {}

  /**
   * Resolves the manifest before anything is streamed (errors then become a
   * proper HTTP status), then calls `start` and pulls with progress on `emit`.
   */
  async pull(named: Reference, o: PullOptions, start: () => Emit): Promise<ImageRecord> {
    const { ref, key } = withDefaultTag(named);
    const familiar = key;
    const resolved = await this.resolve(ref, familiar, o);
    const emit = start();
    const tagOrDigest = ref.digest && !ref.tag ? ref.digest : ref.tag!;
    emit({ status: `Pulling from ${ref.path}`, id: tagOrDigest });
    const before = this.ctx.images.byTag(key);
    const img = await this.fetchImage(resolved, emit, o.signal);
    crashPoint('pull.image');
    const repoDigest = `${ref.repo}@${resolved.topDigest}`;
    this.ctx.content.putBytes(resolved.manifestBytes);
    this.ctx.images.addManifest(img.id, { digest: resolved.manifestDigest, mediaType: resolved.manifestType }, repoDigest);
    if (ref.tag) this.ctx.images.tag(img.id, `${ref.repo}:${ref.tag}`);
    emit({ status: `Digest: ${resolved.topDigest}` });
    const name = ref.tag ? `${ref.repo}:${ref.tag}` : `${ref.repo}@${ref.digest}`;
    emit({ status: before === img.id ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}` });
    this.ctx.events.emit('image', 'pull', name, { name });
    return img;
  }

  /** `docker pull -a`: every tag of the repository. */
  async pullAllTags(named: Reference, o: PullOptions, emit: Emit): Promise<void> {
    const { ref } = withDefaultTag(named);
    const eps = await this.ctx.registry.endpoints(ref.domain, true);
    const ep = eps[eps.length - 1];
    let tags: string[];
    try {
      tags = await this.ctx.registry.repository(ep, ref.path, o.creds).tags();
    } catch (e) {
      throw asEngineError(e);
    }
    if (tags.length === 0) throw notFound(`no tags found for ${ref.repo}`);
    // the registry's tags are checked as a reference would be
    for (const t of tags.sort()) await this.pull(parseReference(`${ref.repo}:${t}`), o, () => emit);
  }

  private async resolve(ref: Reference, familiar: string, o: PullOptions): Promise<Resolved> {
    const eps = await this.ctx.registry.endpoints(ref.domain, true);
    let lastErr: unknown;
    for (const ep of eps) {
      try {
        return await this.resolveAt(ep, ref, familiar, o);
      } catch (e) {
        lastErr = e;
        if (!ep.mirror) break; // a mirror that fails is skipped, as Docker does
      }
    }
    throw asEngineError(lastErr);
  }

  private async resolveAt(ep: Endpoint, ref: Reference, familiar: string, o: PullOptions): Promise<Resolved> {
    const repo = this.ctx.registry.repository(ep, ref.path, ep.mirror ? undefined : o.creds);
    const top = await repo.manifest(ref.digest ?? ref.tag!, familiar);
    let doc: AnyManifest = top.doc;
    let m = { digest: top.digest, mediaType: top.mediaType, bytes: top.bytes };
    const want = o.platform ?? hostPlatform();
    if (doc.kind === 'index') {
      const d = selectManifest(doc.index.manifests, want);
      if (!d) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
      const sub = await repo.manifest(d.digest, `${ref.repo}@${d.digest}`);
      if (sub.doc.kind !== 'manifest') throw new EngineError(500, `manifest ${d.digest} for ${formatPlatform(want)} is an index, not an image manifest`);
      doc = sub.doc;
      m = { digest: sub.digest, mediaType: sub.mediaType, bytes: sub.bytes };
    }
    const manifest = (doc as { manifest: ImageManifest }).manifest;
    for (const l of manifest.layers) {
      if (isForeignLayer(l.mediaType)) throw new EngineError(500, `foreign (non-distributable) layer ${l.digest} is not supported`);
      if (!layerCompression(l.mediaType)) throw new EngineError(500, `unsupported layer media type ${l.mediaType} for ${l.digest}`);
    }
    const config = await this.fetchConfig(repo, manifest.config);
    const cfg = parseConfig(config, manifest);
    if (o.platform && top.doc.kind === 'manifest' && platformScore(o.platform, { os: cfg.os, architecture: cfg.architecture, variant: cfg.variant }) < 0)
      throw notFound(
        `image with reference ${familiar} was found but does not match the specified platform: wanted ${formatPlatform(o.platform)}, actual: ${formatPlatform({ os: cfg.os, architecture: cfg.architecture, variant: cfg.variant })}`,
      );
    return { repo, ep, topDigest: top.digest, manifest, manifestDigest: m.digest, manifestType: m.mediaType, manifestBytes: m.bytes, config };
  }

  private async fetchConfig(repo: Repository, d: Descriptor): Promise<Buffer> {
    if (d.size > MAX_CONFIG) throw new EngineError(500, `image config ${d.digest} is too large (${d.size} bytes)`);
    const bytes = await repo.readBlob(d.digest, MAX_CONFIG);
    if (!bytes) throw new EngineError(500, `image config ${d.digest} is larger than its descriptor says`);
    const got = sha256(bytes);
    if (got !== d.digest) throw new EngineError(500, `image config verification failed for digest ${d.digest}: got ${got}`);
    return bytes;
  }

  private async fetchImage(r: Resolved, emit: Emit, signal?: AbortSignal): Promise<ImageRecord> {
    const configDigest = sha256(r.config);
    const existing = this.ctx.images.find(configDigest);
    if (existing) return existing;
    const diffIds = (JSON.parse(r.config.toString('utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    const layers = r.manifest.layers;
    const chain: string[] = [];
    for (let i = 0; i < layers.length; i++) chain.push(chainIdOf(i ? chain[i - 1] : null, diffIds[i]));
    const source = `${r.ep.name}/${r.repo.path}`;
    const unpin = this.ctx.layers.pin([...chain, ...layers.map((l) => l.digest)]);
    let done = false;
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort);
    const limit = limiter(this.ctx.cfg.registry.maxConcurrentDownloads);
    const staged = new Map<number, StagedLayer>();
    try {
      // "Pulling fs layer" for everything that must come down, as Docker lists them first
      const todo: boolean[] = layers.map((l, i) => {
        if (this.ctx.layers.has(chain[i])) {
          emit({ status: 'Already exists', progressDetail: {}, id: shortId(l.digest) });
          this.ctx.layers.addBlob(diffIds[i], { digest: l.digest, mediaType: l.mediaType, size: l.size, sources: [source] });
          return false;
        }
        emit({ status: 'Pulling fs layer', progressDetail: {}, id: shortId(l.digest) });
        return true;
      });
      let running = 0;
      const max = this.ctx.cfg.registry.maxConcurrentDownloads;
      const downloads = layers.map((l, i) => {
        if (!todo[i]) return Promise.resolve<StagedLayer | null>(null);
        const other = this.inflight.get(chain[i]);
        const t = new Throttle(emit, shortId(l.digest));
        if (running++ >= max) t.status('Waiting');
        return (async () => {
          if (other) {
            await other.catch(() => undefined);
            if (this.ctx.layers.has(chain[i])) return null;
          }
          const s = await this.download(r.repo, l, diffIds[i], t, abort.signal, limit);
          staged.set(i, s);
          return s;
        })();
      });
      // commit in chain order; each waits for its parent
      let prev: Promise<void> = Promise.resolve();
      const commits: Array<Promise<void>> = [];
      for (let i = 0; i < layers.length; i++) {
        const p = prev.then(async () => {
          const s = await downloads[i];
          if (abort.signal.aborted) throw abort.signal.reason ?? new Error('pull cancelled');
          if (!s) {
            if (!this.ctx.layers.has(chain[i])) throw new EngineError(500, `layer ${chain[i]} is missing after a concurrent pull failed`);
            return;
          }
          staged.delete(i);
          const blob = { digest: layers[i].digest, mediaType: layers[i].mediaType, size: layers[i].size, sources: [source] };
          this.ctx.layers.commitStaged(i ? chain[i - 1] : null, s, [blob]);
          crashPoint('pull.layer');
          emit({ status: 'Pull complete', progressDetail: {}, id: shortId(layers[i].digest) });
        });
        if (todo[i] && !this.inflight.has(chain[i])) {
          const mine = p.finally(() => {
            if (this.inflight.get(chain[i]) === mine) this.inflight.delete(chain[i]);
          });
          mine.catch(() => undefined);
          this.inflight.set(chain[i], mine);
        }
        commits.push(p);
        prev = p;
      }
      // the first failure cancels the other downloads
      for (const d of [...downloads, ...commits]) d.catch((e) => abort.abort(e));
      const results = await Promise.allSettled([...downloads, ...commits]);
      const failed = results.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) throw failed.reason;
      const img = this.ctx.images.add(r.config);
      done = true;
      return img;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      for (const s of staged.values()) this.ctx.layers.discard(s);
      unpin();
      // blobs this pull verified but no layer took (another layer failed) go again
      if (!done) for (const l of layers) dropOrphanBlob(this.ctx, l.digest);
    }
  }

  /** One layer: download (resuming on transient errors) into the ingest pipeline. */
  /**
   * One layer: download (resuming on transient errors) into the ingest
   * pipeline. Only the transfer holds a download slot: verifying and finishing
   * the unpack of one layer overlaps the next download.
   */
  private download(
    repo: Repository,
    d: Descriptor,
    diffId: string,
    t: Throttle,
    outer: AbortSignal,
    limit: <T>(fn: () => Promise<T>) => Promise<T>,
  ): Promise<StagedLayer> {
    return limit(() => this.transfer(repo, d, diffId, t, outer)).then((finish) => finish());
  }

  private async transfer(repo: Repository, d: Descriptor, diffId: string, t: Throttle, outer: AbortSignal): Promise<() => Promise<StagedLayer>> {
    const pipe = new PassThrough({ highWaterMark: 1 << 20 });
    const stop = new AbortController();
    const onOuter = () => stop.abort(outer.reason ?? new Error('pull cancelled'));
    outer.addEventListener('abort', onOuter);
    let got = 0;
    const ingest = ingestLayer(this.ctx.content, this.ctx.layers, pipe, {
      compression: layerCompression(d.mediaType)!,
      expectedDigest: d.digest,
      expectedSize: d.size,
      expectedDiffId: diffId,
      keepSource: true,
      unpack: { strict: true },
      onSource: (n) => {
        got += n;
        t.progress('Downloading', got, d.size, got === d.size);
      },
    });
    // a verification or unpack failure stops the download
    ingest.catch((e) => stop.abort(e));
    try {
      await this.fetchInto(repo, d, pipe, t, stop.signal);
    } catch (e) {
      outer.removeEventListener('abort', onOuter);
      pipe.destroy(e as Error);
      const ie = await ingest.then(
        () => undefined,
        (x: unknown) => x,
      );
      throw layerError(d, stop.signal.aborted && ie ? ie : e);
    }
    t.status('Verifying Checksum');
    return async () => {
      try {
        const res = await ingest;
        t.status('Download complete');
        t.progress('Extracting', d.size, d.size, true);
        return res.staged;
      } catch (e) {
        throw layerError(d, e);
      } finally {
        outer.removeEventListener('abort', onOuter);
      }
    };
  }

  /** Streams a blob into `pipe`, resuming with Range after transient failures. */
  private async fetchInto(repo: Repository, d: Descriptor, pipe: PassThrough, t: Throttle, signal: AbortSignal): Promise<void> {
    const attempts = Math.max(1, this.ctx.cfg.registry.maxDownloadAttempts);
    let offset = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason ?? new Error('pull cancelled');
      try {
        const { body } = await repo.openBlob(d.digest, offset);
        const cancel = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error('pull cancelled'));
        signal.addEventListener('abort', cancel);
        try {
          for await (const c of body) {
            const chunk = c as Buffer;
            offset += chunk.length;
            if (!pipe.write(chunk)) await once(pipe, 'drain', { signal });
          }
        } finally {
          signal.removeEventListener('abort', cancel);
        }
        if (offset < d.size) throw Object.assign(new Error(`unexpected EOF: got ${offset} of ${d.size} bytes`), { code: 'ECONNRESET', truncated: true });
        pipe.end();
        return;
      } catch (e) {
        if (signal.aborted) throw signal.reason ?? e;
        if (e instanceof RegistryError && e.status === 416)
          throw new EngineError(500, `failed to download layer ${d.digest}: unexpected EOF (the registry has only ${offset} of ${d.size} bytes)`);
        if (attempt >= attempts || !isTransient(e)) {
          if ((e as { truncated?: boolean }).truncated)
            throw new EngineError(500, `failed to download layer ${d.digest}: unexpected EOF (got ${offset} of ${d.size} bytes)`);
          throw e;
        }
        for (let left = Math.min(attempt, 5); left > 0; left--) {
          t.status(`Retrying in ${left} second${left > 1 ? 's' : ''}`);
          await sleep(1000);
        }
      }
    }
  }
}

/** Deletes a blob no layer record references and no running operation holds. */
export function dropOrphanBlob(ctx: EngineContext, digest: string): void {
  if (ctx.content.has(digest) && !ctx.layers.blobInUse(digest) && !ctx.layers.isPinned(digest)) ctx.content.delete(digest);
}

/** A layer failure as Docker words it. */
function layerError(d: Descriptor, e: unknown): unknown {
  if (e instanceof EngineError) return e;
  if (e instanceof RegistryError) return asEngineError(e);
  const msg = (e as Error)?.message ?? String(e);
  if (e instanceof IngestError && /digest mismatch|unexpected EOF|larger than/.test(msg))
    return new EngineError(500, `filesystem layer verification failed for digest ${d.digest}: ${msg}`);
  return new EngineError(500, `failed to register layer: ${msg}`);
}

interface ConfigFields {
  os: string;
  architecture: string;
  variant?: string;
}

/** Checks the config against the manifest: diff IDs are digests, one per layer. */
function parseConfig(bytes: Buffer, m: ImageManifest): ConfigFields {
  let c: { os?: unknown; architecture?: unknown; variant?: unknown; rootfs?: { diff_ids?: unknown } };
  try {
    c = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new EngineError(500, `invalid image config: ${(e as Error).message}`);
  }
  const ids = c?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string' || !DIGEST_RE.test(x)))
    throw new EngineError(500, 'invalid image config: rootfs.diff_ids is missing or malformed');
  if (ids.length !== m.layers.length) throw new EngineError(500, `invalid image config: ${ids.length} diff IDs for ${m.layers.length} layers in the manifest`);
  return { os: String(c.os ?? ''), architecture: String(c.architecture ?? ''), variant: typeof c.variant === 'string' ? c.variant : undefined };
}
