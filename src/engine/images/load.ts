// docker load: docker-archive (manifest.json, legacy or Docker 25+ layout) and
// OCI image-layout tars, plain or gzip/bzip2/xz/zstd. The archive is staged
// under tmp/ (names checked: no absolute paths, no "../", no devices; every
// blobs/sha256/<hex> verified against its name), then each layer is verified
// against the config's diff IDs while it is unpacked, several at once, and
// committed in chain order. The staged file itself becomes the stored blob.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { decompressAs, detectAndDecompress } from '../../archive';
import { cleanEntryName } from '../../archive/paths';
import { forEachTarEntry } from '../../archive/tarfmt';
import { normaliseTagged, type ImageRecord } from '../../image';
import { DIGEST_RE, MT, hostPlatform, parseManifest, selectManifest, type ImageManifest } from '../../registry';
import { chainIdOf, ingestLayer, type StagedLayer } from '../../storage';
import { EngineError, badRequest } from '../../util/errors';
import type { EngineContext } from '../context';
import { limiter, shortId, Throttle, type Emit } from './progress';
import { dropOrphanBlob } from './pull';

interface StagedFile {
  file: string;
  digest: string;
  size: number;
}

interface Archive {
  dir: string;
  files: Map<string, StagedFile>;
  links: Map<string, string>;
}

interface ImageEntry {
  config: string;
  /** a config made here (legacy archives have v1 JSON per layer, no image config) */
  configBytes?: Buffer;
  tags: string[];
  layers: Array<{ path: string; mediaType?: string; digest?: string }>;
}

const MAX_JSON = 16 << 20;

function archiveError(what: string): EngineError {
  return badRequest(`invalid archive: ${what}`);
}

/** Reads the whole archive into a staging dir. */
async function stage(ctx: EngineContext, body: Readable): Promise<Archive> {
  const dir = path.join(ctx.paths.tmp, `load-${randomBytes(8).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  const a: Archive = { dir, files: new Map(), links: new Map() };
  let n = 0;
  try {
    const { out } = await detectAndDecompress(body);
    await forEachTarEntry(
      out,
      (h, s, done) => {
        try {
          if (h.name.startsWith('/')) throw archiveError(`entry ${JSON.stringify(h.name)} has an absolute path`);
          const comps = cleanEntryName(h.name);
          if (comps === null || h.name.split('/').includes('..')) throw archiveError(`entry ${JSON.stringify(h.name)} climbs out of the archive`);
          const name = comps.join('/');
          switch (h.type) {
            case 'directory':
              break;
            case 'symlink':
              a.links.set(name, path.posix.normalize(path.posix.join(path.posix.dirname(name), h.linkname ?? '')));
              break;
            case 'link': {
              const t = cleanEntryName(h.linkname ?? '');
              if (!t) throw archiveError(`hard link ${JSON.stringify(h.name)} points outside the archive`);
              a.links.set(name, t.join('/'));
              break;
            }
            case 'file':
            case 'contiguous-file': {
              const file = path.join(dir, `f${n++}`);
              const fd = fs.openSync(file, 'wx', 0o600);
              const hash = createHash('sha256');
              let size = 0;
              s.on('data', (d: unknown) => {
                const c = d as Buffer;
                hash.update(c);
                size += c.length;
                let off = 0;
                while (off < c.length) off += fs.writeSync(fd, c, off, c.length - off);
              });
              s.on('end', () => {
                fs.closeSync(fd);
                a.files.set(name, { file, digest: 'sha256:' + hash.digest('hex'), size });
                done();
              });
              s.on('error', (e) => {
                fs.closeSync(fd);
                done(e);
              });
              return;
            }
            default:
              throw archiveError(`entry ${JSON.stringify(h.name)} is a ${h.type}, which an image archive may not contain`);
          }
          s.on('end', () => done());
          s.resume();
        } catch (e) {
          s.resume();
          done(e);
        }
      },
      (e) => (/Invalid tar header|Unexpected end of data/i.test(e.message) ? archiveError(`not a tar archive (${e.message})`) : e),
    );
    if (a.files.size === 0) throw archiveError('the archive is empty');
    return a;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The staged file an archive path names, through symlinks; checks blobs/<alg>/<hex> names. */
function lookup(a: Archive, p: string): StagedFile {
  if (p.startsWith('/') || p.split('/').includes('..')) throw archiveError(`path ${JSON.stringify(p)} escapes the archive`);
  let name = cleanEntryName(p)?.join('/') ?? '';
  for (let hops = 0; hops < 32; hops++) {
    const f = a.files.get(name);
    if (f) {
      const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(p.replace(/^\.\//, ''));
      if (m && f.digest !== `sha256:${m[1]}`) throw archiveError(`${p} does not match its digest (content is ${f.digest})`);
      return f;
    }
    const l = a.links.get(name);
    if (l === undefined) break;
    if (l.startsWith('..') || l.startsWith('/')) throw archiveError(`link ${JSON.stringify(name)} points outside the archive`);
    name = l;
  }
  throw archiveError(`${p} is missing from the archive`);
}

function readJson<T>(a: Archive, p: string): T {
  const f = lookup(a, p);
  if (f.size > MAX_JSON) throw archiveError(`${p} is too large`);
  try {
    return JSON.parse(fs.readFileSync(f.file, 'utf8')) as T;
  } catch (e) {
    throw archiveError(`${p}: ${(e as Error).message}`);
  }
}

/** The images an archive holds, from manifest.json or (OCI layout) index.json. */
function entries(a: Archive): ImageEntry[] {
  if (a.files.has('manifest.json')) {
    const m = readJson<unknown>(a, 'manifest.json');
    if (!Array.isArray(m)) throw archiveError('manifest.json is not a list');
    return m.map((x: { Config?: unknown; RepoTags?: unknown; Layers?: unknown }, i) => {
      if (typeof x?.Config !== 'string' || !Array.isArray(x.Layers) || x.Layers.some((l) => typeof l !== 'string'))
        throw archiveError(`manifest.json entry ${i} is malformed`);
      const tags = Array.isArray(x.RepoTags) ? x.RepoTags.filter((t): t is string => typeof t === 'string') : [];
      return { config: x.Config, tags, layers: (x.Layers as string[]).map((p) => ({ path: p })) };
    });
  }
  if (!a.files.has('index.json') && a.files.has('repositories')) return legacyEntries(a);
  if (!a.files.has('index.json')) throw archiveError('no manifest.json or index.json: not a docker-archive or OCI image layout');
  const out: ImageEntry[] = [];
  const blobPath = (d: string) => {
    if (!DIGEST_RE.test(d)) throw archiveError(`unsupported digest ${d}`);
    return `blobs/sha256/${d.slice(7)}`;
  };
  const visit = (bytes: Buffer, mt: string | undefined, tags: string[], depth: number) => {
    const { doc } = parseManifest(bytes, mt, 'archive');
    if (doc.kind === 'index') {
      if (depth > 2) throw archiveError('indexes nested too deep');
      const byName = new Map<string, string[]>();
      for (const d of doc.index.manifests) {
        const name = d.annotations?.['io.containerd.image.name'] ?? refFromAnnotation(d.annotations?.['org.opencontainers.image.ref.name']);
        if (name) (byName.get(d.digest) ?? byName.set(d.digest, []).get(d.digest)!).push(name);
      }
      const chosen = new Map<string, (typeof doc.index.manifests)[number]>();
      const platformed = doc.index.manifests.filter((d) => d.platform);
      const pick = platformed.length ? selectManifest(platformed, hostPlatform()) : undefined;
      for (const d of doc.index.manifests) {
        if (d.platform && pick && d.digest !== pick.digest) continue;
        if (d.platform && !pick) continue;
        chosen.set(d.digest, d);
      }
      if (chosen.size === 0) throw archiveError('no manifest in the index matches this platform');
      for (const d of chosen.values())
        visit(fs.readFileSync(lookup(a, blobPath(d.digest)).file), d.mediaType, [...tags, ...(byName.get(d.digest) ?? [])], depth + 1);
      return;
    }
    const m: ImageManifest = doc.manifest;
    out.push({
      config: blobPath(m.config.digest),
      tags,
      layers: m.layers.map((l) => ({ path: blobPath(l.digest), mediaType: l.mediaType, digest: l.digest })),
    });
  };
  visit(fs.readFileSync(lookup(a, 'index.json').file), MT.ociIndex, [], 0);
  return out;
}

/** v1 JSON keys that are the layer's identity, not the image's configuration */
const V1_ONLY = ['id', 'parent', 'Size', 'parent_id', 'layer_id', 'throwaway'];

/**
 * The legacy `docker save` layout (Docker < 1.10): one directory per layer with
 * `json` (v1 image JSON, "parent" linking the chain), `VERSION` and `layer.tar`,
 * and `repositories` ({repo: {tag: id}}). Every directory is an image, as Docker
 * loads it: its chain's plain-tar layers are the diff IDs, its v1 JSON the config.
 */
function legacyEntries(a: Archive): ImageEntry[] {
  const repos = readJson<Record<string, Record<string, string>>>(a, 'repositories');
  if (!repos || typeof repos !== 'object' || Array.isArray(repos)) throw archiveError('repositories is not an object');
  const tagsOf = new Map<string, string[]>();
  for (const [repo, tags] of Object.entries(repos)) {
    if (!tags || typeof tags !== 'object') throw archiveError(`repositories: ${repo} is malformed`);
    for (const [tag, id] of Object.entries(tags)) (tagsOf.get(id) ?? tagsOf.set(id, []).get(id)!).push(`${repo}:${tag}`);
  }
  const ids = [...new Set([...a.files.keys()].map((f) => /^([a-f0-9]{64})\/json$/.exec(f)?.[1]).filter((x): x is string => !!x))];
  for (const id of tagsOf.keys()) if (!ids.includes(id)) throw archiveError(`repositories names ${id}, which the archive does not hold`);
  const v1 = new Map<string, Record<string, unknown>>();
  const json = (id: string) => {
    let j = v1.get(id);
    if (!j) {
      j = readJson<Record<string, unknown>>(a, `${id}/json`);
      if (!j || typeof j !== 'object') throw archiveError(`${id}/json is not an object`);
      v1.set(id, j);
    }
    return j;
  };
  return ids.map((id) => {
    const chain: string[] = [];
    for (let cur: string | undefined = id; cur; ) {
      if (chain.includes(cur) || chain.length > 127) throw archiveError(`layer ${id} has a parent loop`);
      if (!/^[a-f0-9]{64}$/.test(cur)) throw archiveError(`layer ${id} has an invalid parent ${JSON.stringify(cur)}`);
      chain.unshift(cur);
      const parent: unknown = json(cur).parent;
      cur = typeof parent === 'string' && parent ? parent : undefined;
    }
    const layers = chain.map((l) => ({ path: `${l}/layer.tar` }));
    const history = chain.map((l) => {
      const j = json(l);
      const cc = j.container_config as { Cmd?: unknown } | undefined;
      return {
        created: j.created,
        ...(j.author ? { author: j.author } : {}),
        created_by: Array.isArray(cc?.Cmd) ? cc!.Cmd.join(' ') : '',
        ...(j.comment ? { comment: j.comment } : {}),
      };
    });
    const cfg: Record<string, unknown> = { ...json(id) };
    for (const k of V1_ONLY) delete cfg[k];
    // a legacy layer.tar is a plain tar: its digest is its diff ID
    cfg.rootfs = { type: 'layers', diff_ids: layers.map((l) => lookup(a, l.path).digest) };
    cfg.history = history;
    return { config: `${id}/json`, configBytes: Buffer.from(JSON.stringify(cfg)), tags: tagsOf.get(id) ?? [], layers };
  });
}

/** "busybox:latest" style names only: a bare tag in ref.name has no repository to go with. */
function refFromAnnotation(v: string | undefined): string | undefined {
  if (!v || !/[:/]/.test(v)) return undefined;
  try {
    return normaliseTagged(v).key;
  } catch {
    return undefined;
  }
}

export async function loadImages(ctx: EngineContext, body: Readable, emit: Emit, quiet: boolean): Promise<ImageRecord[]> {
  const a = await stage(ctx, body);
  const unpins: Array<() => void> = [];
  try {
    const list = entries(a);
    if (list.length === 0) throw archiveError('the archive holds no image');
    const loaded: ImageRecord[] = [];
    for (const e of list) {
      const cfgFile = lookup(a, e.config);
      if (cfgFile.size > MAX_JSON) throw archiveError(`${e.config} is too large`);
      const cfgBytes = e.configBytes ?? fs.readFileSync(cfgFile.file);
      let cfg: { rootfs?: { diff_ids?: unknown } };
      try {
        cfg = JSON.parse(cfgBytes.toString('utf8'));
      } catch (err) {
        throw archiveError(`image config ${e.config}: ${(err as Error).message}`);
      }
      const diffIds = cfg?.rootfs?.diff_ids;
      if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !DIGEST_RE.test(d)))
        throw archiveError(`image config ${e.config} has no valid rootfs.diff_ids`);
      if (diffIds.length !== e.layers.length) throw archiveError(`image config ${e.config} lists ${diffIds.length} layers, the manifest ${e.layers.length}`);
      const files = e.layers.map((l) => lookup(a, l.path));
      const chain: string[] = [];
      for (let i = 0; i < diffIds.length; i++) chain.push(chainIdOf(i ? chain[i - 1] : null, diffIds[i] as string));
      unpins.push(ctx.layers.pin(chain));
      await loadLayers(ctx, files, e, diffIds as string[], chain, emit, quiet);
      const img = ctx.images.add(cfgBytes);
      for (const t of e.tags) {
        let key: string;
        try {
          key = normaliseTagged(t).key;
        } catch {
          throw archiveError(`invalid tag ${JSON.stringify(t)}`);
        }
        const old = ctx.images.byTag(key);
        if (old && old !== img.id) emit({ stream: `The image ${key} already exists, renaming the old one with ID ${old} to empty string\n` });
        ctx.images.tag(img.id, key);
        emit({ stream: `Loaded image: ${key}\n` });
      }
      if (e.tags.length === 0) emit({ stream: `Loaded image ID: ${img.id}\n` });
      ctx.events.emit('image', 'load', img.id, { name: img.id });
      loaded.push(img);
    }
    return loaded;
  } finally {
    for (const u of unpins) u();
    fs.rmSync(a.dir, { recursive: true, force: true });
  }
}

async function loadLayers(
  ctx: EngineContext,
  files: StagedFile[],
  e: ImageEntry,
  diffIds: string[],
  chain: string[],
  emit: Emit,
  quiet: boolean,
): Promise<void> {
  const limit = limiter(2);
  const staged = new Map<number, StagedLayer>();
  const adopted: string[] = [];
  let done = false;
  const jobs = files.map((f, i) => {
    if (ctx.layers.has(chain[i])) return Promise.resolve(null);
    const t = new Throttle(quiet ? () => undefined : emit, shortId(diffIds[i]));
    return limit(async () => {
      let done = 0;
      const declared = e.layers[i].digest;
      if (declared && declared !== f.digest) throw archiveError(`layer ${e.layers[i].path} does not match its digest`);
      // the same file may already have become a blob (a layer listed twice)
      const src = fs.existsSync(f.file) ? f.file : ctx.content.path(f.digest);
      const res = await ingestLayer(ctx.content, ctx.layers, fs.createReadStream(src, { highWaterMark: 1 << 20 }), {
        compression: 'detect',
        expectedDiffId: diffIds[i],
        keepSource: false,
        unpack: { strict: true },
        onSource: (n) => {
          done += n;
          t.progress('Loading layer', done, f.size, done === f.size);
        },
      }).catch((err: Error) => {
        throw badRequest(`failed to load layer ${e.layers[i].path}: ${err.message}`);
      });
      staged.set(i, res.staged);
      const kind = res.source.compression;
      if (kind === 'bzip2' || kind === 'xz') {
        // no registry media type for these: keep the plain tar instead (rare)
        const w = ctx.content.writer();
        try {
          for await (const c of decompressAs(fs.createReadStream(src), kind)) w.write(c as Buffer);
          const b = await w.commit(diffIds[i]);
          adopted.push(b.digest);
          return { staged: res.staged, blob: { digest: b.digest, mediaType: MT.dockerLayerTar, size: b.size } };
        } catch (err) {
          w.abort();
          throw err;
        }
      }
      // the staged file is the blob: compressed as it came, or the plain tar
      const mediaType = e.layers[i].mediaType ?? (kind === 'gzip' ? MT.dockerLayerGzip : kind === 'zstd' ? MT.dockerLayerZstd : MT.dockerLayerTar);
      if (fs.existsSync(f.file)) {
        ctx.content.adopt(f.file, res.source.digest);
        adopted.push(res.source.digest);
      }
      return { staged: res.staged, blob: { digest: res.source.digest, mediaType, size: res.source.size } };
    });
  });
  try {
    const results = await Promise.allSettled(jobs);
    const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (bad) throw bad.reason;
    results.forEach((r, i) => {
      const v = (r as PromiseFulfilledResult<{ staged: StagedLayer; blob: { digest: string; mediaType: string; size: number } } | null>).value;
      if (!v) return;
      staged.delete(i);
      ctx.layers.commitStaged(i ? chain[i - 1] : null, v.staged, [v.blob]);
    });
    done = true;
  } finally {
    for (const s of staged.values()) ctx.layers.discard(s);
    if (!done) for (const d of adopted) dropOrphanBlob(ctx, d);
  }
}
