// Committing a build step: an optional layer (an upper dir's changes, as a
// tar with whiteouts, stored like `docker commit` stores one: the plain tar
// as a blob, unpacked as a layer) and a new image config on top of the
// parent's, with the step's history entry. Steps that change no file get no
// layer (`empty_layer` in history), as Docker's builder does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffLayer } from '../../archive';
import { dirSize } from '../../util/fsutil';
import type { ImageConfig, ImageRecord, ImageRunConfig } from '../../image';
import { MT } from '../../registry';
import { ingestLayer, type StagedLayer } from '../../storage';
import type { EngineContext } from '../context';
import { EMPTY_TAR_DIGEST } from '../images/commit';
import { isEmptyDir } from './rootfs';

export interface StagedDiff {
  staged: StagedLayer;
  size: number;
}

/**
 * Turns an upper dir into a staged layer; undefined when nothing changed.
 * With `adopt` (the upper dir is not needed afterwards and nothing has it
 * mounted) the dir itself becomes the layer and the tar is only hashed and
 * kept as the blob: every file is written once, not unpacked a second time.
 */
export async function stageDiff(ctx: EngineContext, upper: string, o: { adopt?: boolean } = {}): Promise<StagedDiff | undefined> {
  if (isEmptyDir(upper)) return undefined;
  if (o.adopt) {
    const staging = ctx.layers.adopt(upper);
    if (staging) return adoptedDiff(ctx, staging);
  }
  const res = await ingestLayer(ctx.content, ctx.layers, diffLayer(upper), { compression: 'none', keepSource: true });
  if (res.staged.diffId === EMPTY_TAR_DIGEST) {
    ctx.layers.discard(res.staged);
    return undefined;
  }
  return { staged: res.staged, size: res.source.size };
}

async function adoptedDiff(ctx: EngineContext, staging: string): Promise<StagedDiff | undefined> {
  const diff = path.join(staging, 'diff');
  const writer = ctx.content.writer();
  try {
    for await (const chunk of diffLayer(diff)) writer.write(chunk as Buffer);
    const digest = writer.digest();
    if (digest === EMPTY_TAR_DIGEST) {
      writer.abort();
      fs.rmSync(staging, { recursive: true, force: true });
      return undefined;
    }
    const { size } = await writer.commit(digest);
    return { staged: { dir: staging, diffId: digest, size: dirSize(diff), tarSize: size }, size };
  } catch (e) {
    writer.abort();
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

export interface StepCommit {
  /** The image config after the step. */
  config: ImageRunConfig;
  containerConfig: ImageRunConfig;
  createdBy: string;
  author?: string;
  /** The container the step ran in (RUN). */
  container?: string;
  /** Platform for an image with no parent (FROM scratch). */
  platform: { os: string; architecture: string; variant?: string };
}

/**
 * Registers the step's image on top of `parent` (null: FROM scratch). Runs
 * synchronously from the layer commit to the image record, so nothing can
 * release the new layer in between.
 */
export function commitStep(ctx: EngineContext, parent: ImageRecord | null, step: StepCommit, diff: StagedDiff | undefined): ImageRecord {
  let diffId: string | undefined;
  if (diff) {
    const d = diff.staged.diffId;
    ctx.layers.commitStaged(parent?.topLayer ?? null, diff.staged, [{ digest: d, mediaType: MT.dockerLayerTar, size: diff.size }]);
    diffId = d;
  }
  const now = new Date().toISOString();
  const pc = parent?.config;
  const base = pc ?? { architecture: step.platform.architecture, os: step.platform.os, ...(step.platform.variant ? { variant: step.platform.variant } : {}) };
  const config: ImageConfig = {
    architecture: base.architecture,
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    ...(step.author ? { author: step.author } : {}),
    config: step.config,
    container: step.container ?? '',
    container_config: step.containerConfig,
    created: now,
    docker_version: 'berth',
    history: [
      ...(pc?.history ?? []),
      { created: now, ...(step.author ? { author: step.author } : {}), created_by: step.createdBy, ...(diffId ? {} : { empty_layer: true }) },
    ],
    rootfs: { type: 'layers', diff_ids: [...(pc?.rootfs.diff_ids ?? []), ...(diffId ? [diffId] : [])] },
  };
  return ctx.images.add(config, parent?.id);
}
