// `docker import`: a filesystem tarball becomes a one-layer image. The tarball
// is kept as the layer's blob (compressed as given), so push and save need no
// second pass over the files.
import { SERVER_VERSION } from '../util/version';
import type { Readable } from 'node:stream';
import { ingestLayer, type ContentStore, type LayerStore } from '../storage';
import { applyChanges } from './changes';
import type { ImageStore } from './store';
import { goArch, type ImageConfig, type ImageRecord } from './types';

export interface ImportOptions {
  message?: string;
  changes?: string[];
  source?: string;
  platform?: { os?: string; architecture?: string };
  /** where the tarball is kept as the layer's blob */
  content: ContentStore;
}

const LAYER_TYPES = {
  gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  zstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  none: 'application/vnd.docker.image.rootfs.diff.tar',
} as Record<string, string>;

export async function importImage(images: ImageStore, layers: LayerStore, body: Readable, opts: ImportOptions): Promise<ImageRecord> {
  const changes = applyChanges({}, opts.changes ?? []); // bad changes fail before the body is read
  const res = await ingestLayer(opts.content, layers, body, { compression: 'detect', keepSource: true, keepPlainFor: ['bzip2', 'xz'] });
  const mediaType = LAYER_TYPES[res.source.compression];
  const blobs = mediaType ? [{ digest: res.source.digest, mediaType, size: res.source.size }] : [];
  const unpin = layers.pin([res.staged.diffId]);
  try {
    const layer = layers.commitStaged(null, res.staged, blobs);
    const created = new Date().toISOString();
    const config: ImageConfig = {
      architecture: opts.platform?.architecture || goArch(),
      os: opts.platform?.os || 'linux',
      created,
      // as dockerd: without a message, the comment says where the layer came from
      comment: opts.message || `Imported from ${opts.source ?? '-'}`,
      config: changes,
      docker_version: SERVER_VERSION,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, comment: opts.message || `Imported from ${opts.source ?? '-'}` }],
    };
    return images.add(config);
  } finally {
    unpin();
  }
}
