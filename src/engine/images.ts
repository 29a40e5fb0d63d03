// Image operations the API needs now: import, list, inspect, tag, delete.
import type { Readable } from 'node:stream';
import { importImage, normaliseTagged, parseReference, type ImageRecord } from '../image';
import { badRequest } from '../util/errors';
import type { EngineContext } from './context';
import type { ContainerService } from './containers/service';

export class ImageService {
  constructor(
    private readonly ctx: EngineContext,
    private readonly containers: ContainerService,
  ) {}

  async import(body: Readable, opts: { repo?: string; tag?: string; message?: string; changes?: string[]; platform?: string; source?: string }): Promise<ImageRecord> {
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
    const img = await importImage(this.ctx.images, this.ctx.layers, body, { message: opts.message, changes: opts.changes, platform, source: opts.source });
    this.ctx.events.emit('image', 'import', img.id, { name: img.id });
    if (ref) this.tag(img.id, ref);
    return img;
  }

  tag(source: string, target: string): void {
    const img = this.ctx.images.get(source);
    const { key } = normaliseTagged(target);
    if (parseReference(target).digest) throw badRequest('refusing to create a tag with a digest reference');
    this.ctx.images.tag(img.id, key);
    this.ctx.events.emit('image', 'tag', img.id, { name: key });
  }

  remove(ref: string, force: boolean) {
    const res = this.ctx.images.remove(ref, { force, usedBy: (id) => this.containers.userOf(id) });
    for (const r of res) {
      if (r.Untagged) this.ctx.events.emit('image', 'untag', r.Untagged, { name: r.Untagged });
      if (r.Deleted) this.ctx.events.emit('image', 'delete', r.Deleted, { name: r.Deleted });
    }
    return res;
  }

  summary(img: ImageRecord) {
    const tags = this.ctx.images.tagsOf(img.id);
    return {
      Id: img.id,
      ParentId: img.parent ?? '',
      RepoTags: tags,
      RepoDigests: img.repoDigests,
      Created: Math.floor(Date.parse(img.config.created ?? '1970-01-01T00:00:00Z') / 1000),
      Size: img.size,
      SharedSize: -1,
      VirtualSize: img.size,
      Labels: img.config.config?.Labels ?? null,
      Containers: -1,
    };
  }

  list(opts: { all: boolean; filters: Record<string, string[]> }) {
    const f = opts.filters;
    let list = this.ctx.images.list();
    if (f.dangling?.length) {
      const want = f.dangling[0] === 'true' || f.dangling[0] === '1';
      list = list.filter((i) => (this.ctx.images.tagsOf(i.id).length === 0) === want);
    }
    if (f.reference?.length) {
      list = list.filter((i) => this.ctx.images.tagsOf(i.id).some((t) => f.reference!.some((r) => globMatch(r.includes(':') ? r : `${r}:*`, t) || globMatch(r, t))));
    }
    if (f.label?.length) {
      list = list.filter((i) => f.label!.every((l) => {
        const eq = l.indexOf('=');
        const labels = i.config.config?.Labels ?? {};
        const k = eq < 0 ? l : l.slice(0, eq);
        return k in labels && (eq < 0 || labels[k] === l.slice(eq + 1));
      }));
    }
    return list.sort((a, b) => (b.config.created ?? '').localeCompare(a.config.created ?? '')).map((i) => this.summary(i));
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
      ContainerConfig: c.container_config ?? {},
      DockerVersion: c.docker_version ?? '',
      Author: c.author ?? '',
      Config: c.config ?? {},
      Architecture: c.architecture,
      Variant: c.variant,
      Os: c.os,
      Size: img.size,
      VirtualSize: img.size,
      GraphDriver: {
        Name: 'overlay2',
        Data: img.topLayer ? { LowerDir: this.ctx.layers.diffDirs(img.topLayer).slice(1).join(':') || undefined, UpperDir: this.ctx.layers.diffDir(img.topLayer), MergedDir: '', WorkDir: '' } : {},
      },
      RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
      Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
    };
  }
}

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.') + '$');
  return re.test(s);
}
