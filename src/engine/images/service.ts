// Image operations behind the API: import, list, inspect, tag, delete, history,
// prune, and the registry and archive work (pull, push, save, load, commit,
// search, login) that lives in the modules beside this one.
import type { Readable } from 'node:stream';
import { importImage, normaliseTagged, parseReference, type ImageRecord, type Reference } from '../../image';
import {
  CredentialFile,
  HUB_AUTH_KEY,
  Registry,
  RegistryError,
  defaultConfigPath,
  domainOf,
  parsePlatform,
  PlatformError,
  getFollowingRedirects,
  type AuthConfig,
  type Platform,
  type SearchResult,
} from '../../registry';
import { chainIdOf } from '../../storage';
import { Filters, invalidFilter } from '../../filters';
import { EngineError, badRequest, notFound } from '../../util/errors';
import { missingImageName } from '../../common/reference';
import { ZERO_TIME } from '../../util/time';
import type { EngineContext } from '../context';
import type { ContainerService } from '../containers/service';
import { commitContainer, type CommitOptions } from './commit';
import { distributionInspect, type DistributionInspect } from './distribution';
import { loadImages } from './load';
import type { Emit } from './progress';
import { asEngineError, Puller } from './pull';
import { Pusher } from './push';
import { resolveSaveNames, writeSaveArchive, type SaveArchive } from './save';

export class ImageService {
  private readonly puller: Puller;
  private readonly pusher: Pusher;

  constructor(
    private readonly ctx: EngineContext,
    private readonly containers: ContainerService,
  ) {
    this.puller = new Puller(ctx);
    this.pusher = new Pusher(ctx);
  }

  private get registry(): Registry {
    return this.ctx.registry;
  }

  async import(
    body: Readable,
    opts: { repo?: string; tag?: string; message?: string; changes?: string[]; platform?: string; source?: string },
  ): Promise<ImageRecord> {
    let ref: string | undefined;
    if (opts.repo) {
      ref = opts.tag ? `${opts.repo}:${opts.tag}` : opts.repo;
      normaliseTagged(ref); // validate before reading the body
    }
    let platform: { os?: string; architecture?: string } | undefined;
    if (opts.platform) {
      const [os, architecture] = opts.platform.split('/');
      if (os !== 'linux') throw badRequest(`"${opts.platform}": unknown operating system or architecture: invalid argument`);
      platform = { os, architecture };
    }
    const img = await importImage(this.ctx.images, this.ctx.layers, body, {
      message: opts.message,
      changes: opts.changes,
      platform,
      source: opts.source,
      content: this.ctx.content,
    });
    // as dockerd: the tag, then the import
    if (ref) this.tag(img.id, ref);
    this.ctx.events.emit('image', 'import', img.id, { name: img.id });
    return img;
  }

  /** `import` from a URL: the tarball is fetched by the daemon. */
  async importUrl(
    url: string,
    opts: { repo?: string; tag?: string; message?: string; changes?: string[]; platform?: string },
    emit: Emit,
  ): Promise<ImageRecord> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw badRequest(`invalid URL: ${url}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badRequest(`unsupported URL scheme in ${url}`);
    let res;
    try {
      res = await getFollowingRedirects(u);
    } catch (e) {
      throw badRequest(`Get "${url}": ${(e as Error).message}`);
    }
    if (res.statusCode >= 300) {
      await res.body.dump();
      throw badRequest(`Get "${url}": unexpected status ${res.statusCode}`);
    }
    emit({ status: 'Downloading from ' + url });
    return this.import(res.body, { ...opts, source: url });
  }

  tag(source: string, target: string): void {
    const img = this.ctx.images.get(source);
    const { key } = normaliseTagged(target);
    if (parseReference(target).digest) throw badRequest('refusing to create a tag with a digest reference');
    this.ctx.images.tag(img.id, key);
    this.ctx.events.emit('image', 'tag', img.id, imageAttributes(img, key));
  }

  remove(ref: string, force: boolean, noPrune = false) {
    const untaggedId = this.ctx.images.get(ref).id;
    const res = this.ctx.images.remove(ref, { force, noPrune, usedBy: (id) => this.containers.userOf(id) });
    for (const r of res) {
      // as dockerd: an untag event names the image by its ID, not the reference that went
      if (r.Untagged) this.ctx.events.emit('image', 'untag', untaggedId, { name: untaggedId });
      if (r.Deleted) this.ctx.events.emit('image', 'delete', r.Deleted, { name: r.Deleted });
    }
    return res;
  }

  /** How many containers use each image. */
  private containerCounts(): Map<string, number> {
    const n = new Map<string, number>();
    for (const c of this.ctx.containers.all()) n.set(c.Image, (n.get(c.Image) ?? 0) + 1);
    return n;
  }

  summary(img: ImageRecord, extra?: { shared: number; containers: number }, refs?: { tags: string[] | null; digests: string[] | null }) {
    return {
      Id: img.id,
      ParentId: img.parent ?? '',
      RepoTags: refs ? refs.tags : this.ctx.images.tagsOf(img.id),
      RepoDigests: refs ? refs.digests : img.repoDigests,
      Created: Math.floor(Date.parse(img.config.created ?? '1970-01-01T00:00:00Z') / 1000),
      Size: img.size,
      SharedSize: extra ? extra.shared : -1,
      VirtualSize: img.size,
      Labels: img.config.config?.Labels ?? null,
      Containers: extra ? extra.containers : -1,
    };
  }

  /**
   * GET /images/json as Docker 20.10 answers it: `reference` globs narrow the
   * tags and digests shown, `dangling=true` lists untagged leaves (digest-only
   * images included), an image with no reference is `<none>:<none>`.
   */
  list(opts: { all: boolean; filters?: Filters; sharedSize?: boolean }) {
    const f = opts.filters ?? Filters.empty();
    f.validate(['dangling', 'label', 'before', 'since', 'reference']);
    let danglingOnly = false;
    if (f.has('dangling')) {
      if (f.exactMatch('dangling', 'true')) danglingOnly = true;
      else if (!f.exactMatch('dangling', 'false')) throw invalidFilter('dangling', f.get('dangling'));
    }
    const createdOf = (i: ImageRecord) => Date.parse(i.config.created ?? '') || 0;
    let before: number | undefined;
    let since: number | undefined;
    for (const v of f.get('before')) before = createdOf(this.ctx.images.get(v));
    for (const v of f.get('since')) since = createdOf(this.ctx.images.get(v));
    const patterns = f.get('reference');
    for (const p of patterns) {
      try {
        globRegExp(p);
      } catch {
        throw badRequest(`invalid filter 'reference=${p}': syntax error in pattern`);
      }
    }
    const wanted = (ref: string) => !f.has('reference') || patterns.some((p) => familiarMatch(p, ref));
    const counts = opts.sharedSize ? this.containerCounts() : undefined;
    const shared = opts.sharedSize ? this.sharedSizes() : undefined;
    const out: Array<{ created: number; row: ReturnType<ImageService['summary']> }> = [];
    for (const img of this.ctx.images.list()) {
      const leaf = this.ctx.images.children(img.id).length === 0;
      if (danglingOnly && !leaf) continue;
      const created = createdOf(img);
      if (before !== undefined && created >= before) continue;
      if (since !== undefined && created <= since) continue;
      if (f.has('label') && !f.matchKVList('label', img.config.config?.Labels)) continue;
      let tags = this.ctx.images.tagsOf(img.id).filter(wanted);
      let digests = img.repoDigests.filter(wanted);
      if (!tags.length && !digests.length) {
        // the other platforms of a kept multi-platform build show with -a only
        if (!(opts.all || (leaf && !this.ctx.images.inIndex(img.id)))) continue;
        if (f.has('dangling') && !danglingOnly) continue;
        if (f.has('reference')) continue;
        tags = ['<none>:<none>'];
        digests = ['<none>@<none>'];
      } else if (danglingOnly && tags.length) continue;
      const extra = counts && shared ? { shared: shared.get(img.id) ?? 0, containers: counts.get(img.id) ?? 0 } : undefined;
      out.push({ created, row: this.summary(img, extra, { tags: tags.length ? tags : null, digests: digests.length ? digests : null }) });
    }
    return out.sort((a, b) => b.created - a.created).map((x) => x.row);
  }

  /** Per image: bytes of its layers that other images share too. */
  private sharedSizes(): Map<string, number> {
    const users = new Map<string, number>();
    const chains = new Map<string, string[]>();
    for (const img of this.ctx.images.list()) {
      const chain: string[] = [];
      for (let c = img.topLayer; c; c = this.ctx.layers.get(c)?.parent ?? null) chain.push(c);
      chains.set(img.id, chain);
      for (const c of chain) users.set(c, (users.get(c) ?? 0) + 1);
    }
    const out = new Map<string, number>();
    for (const [id, chain] of chains)
      out.set(
        id,
        chain.filter((c) => (users.get(c) ?? 0) > 1).reduce((s, c) => s + (this.ctx.layers.get(c)?.size ?? 0), 0),
      );
    return out;
  }

  inspect(ref: string) {
    const img = this.ctx.images.get(ref);
    const c = img.config;
    return {
      Id: img.id,
      RepoTags: this.ctx.images.tagsOf(img.id),
      RepoDigests: img.repoDigests,
      Parent: img.parent ?? '',
      Comment: c.comment ?? '',
      Created: c.created ?? '',
      Container: c.container ?? '',
      ContainerConfig: runConfigView(c.container_config),
      DockerVersion: c.docker_version ?? '',
      Author: c.author ?? '',
      Config: runConfigView(c.config),
      Architecture: c.architecture,
      Variant: c.variant,
      Os: c.os,
      Size: img.size,
      VirtualSize: img.size,
      GraphDriver: {
        Name: 'overlay2',
        Data: img.topLayer
          ? {
              LowerDir: this.ctx.layers.diffDirs(img.topLayer).slice(1).join(':') || undefined,
              UpperDir: this.ctx.layers.diffDir(img.topLayer),
              MergedDir: '',
              WorkDir: '',
            }
          : {},
      },
      RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
      Metadata: { LastTagTime: img.lastTagTime ?? ZERO_TIME },
    };
  }

  /** GET /images/{name}/history: newest first; IDs along the parent chain, "<missing>" beyond. */
  history(ref: string) {
    const img = this.ctx.images.get(ref);
    const diffIds = img.config.rootfs.diff_ids;
    const chain: string[] = [];
    for (let i = 0; i < diffIds.length; i++) chain.push(chainIdOf(i ? chain[i - 1] : null, diffIds[i]));
    let li = 0;
    const rows = (img.config.history ?? []).map((h) => {
      let size = 0;
      if (!h.empty_layer) {
        size = chain[li] ? (this.ctx.layers.get(chain[li])?.size ?? 0) : 0;
        li++;
      }
      return {
        Id: '<missing>',
        Created: Math.floor((Date.parse(h.created ?? '') || 0) / 1000),
        CreatedBy: h.created_by ?? '',
        Tags: null as string[] | null,
        Size: size,
        Comment: h.comment ?? '',
      };
    });
    rows.reverse();
    let cur: ImageRecord | undefined = img;
    for (const r of rows) {
      if (!cur) break;
      r.Id = cur.id;
      const tags = this.ctx.images.tagsOf(cur.id);
      r.Tags = tags.length ? tags : null;
      cur = cur.parent ? this.ctx.images.find(cur.parent) : undefined;
    }
    return rows;
  }

  /**
   * `image prune`: untagged leaf images (digest-only ones too), or with
   * dangling=false every image no container uses; `until`, `label`, `label!`.
   */
  prune(filters: Filters) {
    filters.validate(['dangling', 'label', 'label!', 'until']);
    let danglingOnly = true;
    if (filters.has('dangling')) {
      if (filters.exactMatch('dangling', 'false') || filters.exactMatch('dangling', '0')) danglingOnly = false;
      else if (!filters.exactMatch('dangling', 'true') && !filters.exactMatch('dangling', '1')) throw invalidFilter('dangling', filters.get('dangling'));
    }
    const until = filters.until();
    const used = new Set(this.ctx.containers.all().map((c) => c.Image));
    const deleted: Array<{ Untagged?: string; Deleted?: string }> = [];
    let space = 0;
    // leaves first; removing one may make its parent a leaf
    for (let changed = true; changed; ) {
      changed = false;
      for (const img of this.ctx.images.list()) {
        if (used.has(img.id) || this.ctx.images.children(img.id).length) continue;
        if (danglingOnly && (this.ctx.images.tagsOf(img.id).length || this.ctx.images.inIndex(img.id))) continue;
        if (until !== undefined && (Date.parse(img.config.created ?? '') || 0) > until) continue;
        if (img.config.config && !filters.matchLabels(img.config.config.Labels)) continue;
        const r = this.ctx.images.delete(img.id);
        deleted.push(...r.results);
        space += r.freed;
        for (const x of r.results) if (x.Deleted) this.ctx.events.emit('image', 'delete', x.Deleted, { name: x.Deleted });
        changed = true;
      }
    }
    this.ctx.events.emit('image', 'prune', '', { reclaimed: String(space) });
    return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  /** The image half of GET /system/df. */
  df() {
    const images = this.list({ all: true, sharedSize: true });
    const layersSize = this.ctx.layers.all().reduce((s, l) => s + l.size, 0);
    return { LayersSize: layersSize, Images: images };
  }

  // ---- registries ----

  /** GET /distribution/{name}/json: the registry's descriptor and platforms for a reference. */
  distribution(name: string, creds?: AuthConfig): Promise<DistributionInspect> {
    return distributionInspect(this.ctx, name, creds);
  }

  /** A `platform` parameter as dockerd reads it (400 with its message); undefined when absent. */
  parsePlatform(p: string | undefined): Platform | undefined {
    if (!p) return undefined;
    try {
      return parsePlatform(p);
    } catch (e) {
      if (e instanceof PlatformError) throw badRequest(e.message);
      throw e;
    }
  }

  /**
   * Credentials for a reference: the client's X-Registry-Auth, else the
   * daemon's own Docker-compatible config.json ($DOCKER_CONFIG or ~/.docker),
   * for API clients that send none.
   */
  private credsFor(ref: string | Reference, given: AuthConfig | undefined): AuthConfig | undefined {
    if (given && (given.username || given.password || given.auth || given.identitytoken || given.registrytoken)) return given;
    try {
      const domain = typeof ref === 'string' ? parseReference(ref).domain : ref.domain;
      return new CredentialFile(defaultConfigPath()).get(domain === 'docker.io' ? HUB_AUTH_KEY : domain);
    } catch {
      return undefined;
    }
  }

  /** Pulls a reference parsed at the edge (the API route, the CRI, the builder). */
  pull(ref: Reference, o: { platform?: string | Platform; creds?: AuthConfig; signal?: AbortSignal }, start: () => Emit): Promise<ImageRecord> {
    return this.puller.pull(
      ref,
      { platform: typeof o.platform === 'string' ? this.parsePlatform(o.platform) : o.platform, creds: this.credsFor(ref, o.creds), signal: o.signal },
      start,
    );
  }

  /** `docker pull -a`: every tag of the reference's repository. */
  pullAllTags(name: Reference, o: { platform?: Platform; creds?: AuthConfig; signal?: AbortSignal }, emit: Emit): Promise<void> {
    return this.puller.pullAllTags(name, { platform: o.platform, creds: this.credsFor(name, o.creds), signal: o.signal }, emit);
  }

  /** Pushes images (one per platform) and an index of them as name:tag. */
  pushIndex(
    name: string,
    tag: string,
    images: ImageRecord[],
    o: { creds?: AuthConfig; signal?: AbortSignal },
    emit: Emit,
  ): Promise<{ digest: string; size: number }> {
    return this.pusher.pushIndex(name, tag, images, { ...o, creds: this.credsFor(name, o.creds) }, emit);
  }

  push(name: string, tag: string, o: { creds?: AuthConfig; signal?: AbortSignal }, start: () => Emit): Promise<void> {
    return this.pusher.push(name, tag, { ...o, creds: this.credsFor(name, o.creds) }, start);
  }

  async login(creds: AuthConfig) {
    try {
      return await this.registry.login(creds);
    } catch (e) {
      if (e instanceof RegistryError && e.status === 401) throw new EngineError(401, e.message);
      throw asEngineError(e);
    }
  }

  async search(term: string, limit: number, filters: Filters, creds?: AuthConfig): Promise<SearchResult[]> {
    filters.validate(['is-official', 'is-automated', 'stars']);
    if (!term) throw badRequest('term is required');
    let domain = 'docker.io';
    let q = term;
    const slash = term.indexOf('/');
    if (slash > 0) {
      const first = term.slice(0, slash);
      if (first.includes('.') || first.includes(':') || first === 'localhost') {
        domain = domainOf(first);
        q = term.slice(slash + 1);
      }
    }
    if (limit < 1 || limit > 100) throw badRequest(`limit ${limit} is outside the range of [1, 100]`);
    let results: SearchResult[];
    try {
      results = await this.registry.search(domain, q, limit, creds);
    } catch (e) {
      throw asEngineError(e);
    }
    const bool = (k: string) => (filters.has(k) ? filters.boolOrDefault(k, false) : undefined);
    const off = bool('is-official');
    const auto = bool('is-automated');
    let stars = 0;
    for (const v of filters.get('stars')) {
      if (!/^[+-]?\d+$/.test(v)) throw invalidFilter('stars', v);
      stars = Math.max(stars, Number(v));
    }
    return results
      .filter((r) => (off === undefined || r.is_official === off) && (auto === undefined || r.is_automated === auto) && r.star_count >= stars)
      .slice(0, limit);
  }

  // ---- archives ----

  checkSave(names: string[]) {
    return resolveSaveNames(this.ctx, names);
  }

  /** Produces the archive; `send` streams it to the client (and destroys it if the client goes). */
  async save(items: ReturnType<ImageService['checkSave']>, send: (archive: SaveArchive) => Promise<void>): Promise<void> {
    await writeSaveArchive(this.ctx, items, send);
    for (const it of items) this.ctx.events.emit('image', 'save', it.img.id, { name: it.tags[0] ?? it.img.id });
  }

  load(body: Readable, emit: Emit, quiet: boolean) {
    return loadImages(this.ctx, body, emit, quiet);
  }

  commit(container: string, o: CommitOptions) {
    return commitContainer(this.ctx, this.containers, container, o);
  }

  /** Throws 404 unless the image exists (for routes that stream). */
  /** The image a reference or ID names, if any. */
  find(ref: string): ImageRecord | undefined {
    return this.ctx.images.find(ref);
  }

  /** Every image record (the CRI's ListImages). */
  records(): ImageRecord[] {
    return this.ctx.images.list();
  }

  tagsOf(id: string): string[] {
    return this.ctx.images.tagsOf(id);
  }

  mustExist(ref: string): ImageRecord {
    const img = this.ctx.images.find(ref);
    if (!img) throw notFound(`No such image: ${missingImageName(ref)}`);
    return img;
  }
}

/**
 * reference.FamiliarMatch: Go's path.Match of the pattern against the whole
 * reference ("busybox:latest", "repo@sha256:…") or against its name alone.
 */
function familiarMatch(pattern: string, ref: string): boolean {
  const re = globRegExp(pattern);
  if (re.test(ref)) return true;
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref.replace(/:[^:/]+$/, '');
  return re.test(name);
}

const globCache = new Map<string, RegExp>();
/** path.Match: `*` and `?` stop at '/', `[...]` classes with `^` negation, `\` escapes; a bad pattern throws. */
function globRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (re) return re;
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '\\') {
      if (++i >= pattern.length) throw new SyntaxError('syntax error in pattern');
      out += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new SyntaxError('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      const neg = cls.startsWith('^');
      if (neg) cls = cls.slice(1);
      if (!cls) throw new SyntaxError('syntax error in pattern');
      out += `[${neg ? '^' : ''}${cls.replace(/[\]\\^]/g, '\\$&')}]`;
      i = end;
    } else out += ch.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  re = new RegExp(out + '$');
  if (globCache.size > 256) globCache.clear();
  globCache.set(pattern, re);
  return re;
}

/**
 * An image's run config as dockerd (API 1.41) shows it: Go's container.Config
 * marshalled whole, so the fields without omitempty are there even when unset
 * (an imported image's `Config.Cmd` is null, not missing: SDKs index it).
 */
function runConfigView(cfg: object | undefined): Record<string, unknown> {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
    ...Object.fromEntries(Object.entries(cfg ?? {}).filter(([, v]) => v !== undefined)),
  };
}

/** An image event's attributes as dockerd gives them: the image's labels, then its name. */
export function imageAttributes(img: ImageRecord, name: string): Record<string, string> {
  return { ...(img.config.config?.Labels ?? {}), name };
}
