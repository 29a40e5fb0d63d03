// `docker import`: a filesystem tarball becomes a one-layer image.
import type { Readable } from 'node:stream';
import type { LayerStore } from '../storage';
import { applyChanges } from './changes';
import { decompressStream } from '../archive';
import type { ImageStore } from './store';
import { goArch, type ImageConfig, type ImageRecord } from './types';

export interface ImportOptions {
  message?: string;
  changes?: string[];
  source?: string;
  platform?: { os?: string; architecture?: string };
}

export async function importImage(
  images: ImageStore,
  layers: LayerStore,
  body: Readable,
  opts: ImportOptions = {},
): Promise<ImageRecord> {
  const stream = await decompressStream(body);
  const layer = await layers.create(null, stream);
  const created = new Date().toISOString();
  const config: ImageConfig = {
    architecture: opts.platform?.architecture || goArch(),
    os: opts.platform?.os || 'linux',
    created,
    comment: opts.message ?? '',
    config: applyChanges({}, opts.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, comment: opts.message || `Imported from ${opts.source ?? '-'}` }],
  };
  return images.add(config);
}
