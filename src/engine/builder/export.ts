// An image's filesystem as one tar: what `berth build --output type=local|tar`
// writes. The image's layers are mounted read-only-in-effect (a scratch
// overlay nobody writes) and packed as `docker export` packs a container,
// but without a container: no init files (/.dockerenv, /etc/hosts stubs).
import type { Readable } from 'node:stream';
import { packPath } from '../../archive';
import type { EngineContext } from '../context';
import { ScratchRootfs } from './rootfs';

export async function exportImageFilesystem(ctx: EngineContext, ref: string, send: (stream: Readable) => Promise<void>): Promise<void> {
  const img = ctx.images.get(ref);
  const r = new ScratchRootfs(ctx.layers, ctx.paths.tmp, img.topLayer ?? null);
  try {
    const { stream } = packPath(r.merged, '/', { includeSourceDir: false });
    await send(stream);
  } finally {
    r.release();
  }
}
