// ImageService over berth's image store: `berth images` and the kubelet see the
// same images. Tags are given as the kubelet expects them, fully qualified.
import * as fs from 'node:fs';
import { parseReference } from '../common/reference';
import type { Backend } from '../engine';
import type { ImageRecord } from '../image/types';
import { invalid } from './errors';
import type * as T from './types';

export class Images {
  constructor(private readonly engine: Backend) {}

  private qualified(tag: string): string {
    if (tag.includes('/')) {
      const first = tag.split('/')[0];
      if (first.includes('.') || first.includes(':') || first === 'localhost') return tag;
      return `docker.io/${tag}`;
    }
    return `docker.io/library/${tag}`;
  }

  view(img: ImageRecord): T.Image {
    const user = img.config.config?.User ?? '';
    const name = user.split(':')[0];
    const numeric = /^\d+$/.test(name);
    return {
      id: img.id,
      repo_tags: this.engine.images.tagsOf(img.id).map((t) => this.qualified(t)),
      repo_digests: img.repoDigests.map((d) => this.qualified(d)),
      size: String(img.size),
      uid: numeric ? { value: name } : undefined,
      username: numeric ? '' : name,
      spec: { image: img.id },
      pinned: false,
    };
  }

  find(spec: T.ImageSpec | undefined): ImageRecord | undefined {
    if (!spec?.image) throw invalid('ImageSpec.image should not be empty');
    return this.engine.images.find(spec.image);
  }

  list(filter: T.ImageSpec | undefined): T.Image[] {
    if (filter?.image) {
      const img = this.engine.images.find(filter.image);
      return img ? [this.view(img)] : [];
    }
    return this.engine.images.records().map((i) => this.view(i));
  }

  async pull(spec: T.ImageSpec | undefined, auth: T.AuthConfig | undefined): Promise<string> {
    if (!spec?.image) throw invalid('ImageSpec.image should not be empty');
    const creds =
      auth && (auth.username || auth.auth || auth.identity_token || auth.registry_token)
        ? {
            username: auth.username || undefined,
            password: auth.password || undefined,
            auth: auth.auth || undefined,
            serveraddress: auth.server_address || undefined,
            identitytoken: auth.identity_token || undefined,
            registrytoken: auth.registry_token || undefined,
          }
        : undefined;
    const ref = parseReference(spec.image.includes(':') || spec.image.includes('@') ? spec.image : `${spec.image}:latest`);
    const img = await this.engine.images.pull(ref, { creds }, () => () => {});
    return img.id;
  }

  /** Idempotent, as the CRI says: an image already gone is no error. */
  remove(spec: T.ImageSpec | undefined): void {
    const img = this.find(spec);
    if (!img) return;
    // every name of the image goes, as with containerd's CRI
    const tags = this.engine.images.tagsOf(img.id);
    const users = this.engine.containers.userOf(img.id);
    if (users) throw invalid(`image ${img.id} is in use by container ${users.id}`);
    if (tags.length) for (const t of tags) this.engine.images.remove(t, true);
    else this.engine.images.remove(img.id, true);
  }

  status(spec: T.ImageSpec | undefined, verbose: boolean): { image: T.Image | null; info: Record<string, string> } {
    const img = this.find(spec);
    if (!img) return { image: null, info: {} };
    return { image: this.view(img), info: verbose ? { info: JSON.stringify({ imageSpec: img.config }) } : {} };
  }

  fsInfo(): { image_filesystems: unknown[]; container_filesystems: unknown[] } {
    const { layers: root, containers, layersUsed: used } = this.engine.system.filesystems();
    let inodes = 0;
    try {
      const st = fs.statfsSync(root);
      inodes = st.files - st.ffree;
    } catch {
      /* statfs unavailable: inodes stay 0 */
    }
    const u = {
      timestamp: (BigInt(Date.now()) * 1_000_000n).toString(),
      fs_id: { mountpoint: root },
      used_bytes: { value: String(used) },
      inodes_used: { value: String(inodes) },
    };
    return { image_filesystems: [u], container_filesystems: [{ ...u, fs_id: { mountpoint: containers } }] };
  }
}
