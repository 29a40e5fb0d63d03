// docker commit: the container's writable layer (its overlay upper dir, so no
// volume data) becomes a new layer on top of its image, with the container's
// config, --change instructions, author and message. A running container is
// paused meanwhile unless asked not to be.
import * as path from 'node:path';
import { diffLayer } from '../../archive';
import type { Container, CreateConfig } from '../../container';
import { applyChanges, normaliseTagged, parseReference, type ImageConfig, type ImageRecord, type ImageRunConfig } from '../../image';
import { MT } from '../../registry';
import { ingestLayer } from '../../storage';
import { badRequest, conflict } from '../../util/errors';
import { SERVER_VERSION } from '../../util/version';
import type { EngineContext } from '../context';
import { containerAttributes } from '../events';
import type { ContainerService } from '../containers/service';

/** sha256 of an empty tar (two zero blocks): a commit that changed nothing. */
export const EMPTY_TAR_DIGEST = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface CommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause: boolean;
  changes: string[];
  /** the request body: container config fields that override the container's */
  config?: CreateConfig | null;
}

const RUN_CONFIG_KEYS = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'Healthcheck',
  'OnBuild',
  'Shell',
  'ArgsEscaped',
] as const satisfies ReadonlyArray<keyof ImageRunConfig & keyof CreateConfig>;

/** The fields of a commit body that say something (null and absent keep the container's). */
function overrides(cfg: CreateConfig | null | undefined): ImageRunConfig {
  const out: Record<string, unknown> = {};
  for (const k of RUN_CONFIG_KEYS) if (cfg?.[k] !== undefined && cfg[k] !== null) out[k] = cfg[k];
  return out as ImageRunConfig;
}

/** The image-relevant part of a container's config. */
function runConfigOf(c: Container): ImageRunConfig {
  const k = c.Config;
  const out: ImageRunConfig = {
    User: k.User,
    ExposedPorts: k.ExposedPorts,
    Env: k.Env.length ? k.Env : undefined,
    Entrypoint: k.Entrypoint,
    Cmd: k.Cmd,
    Volumes: k.Volumes,
    WorkingDir: k.WorkingDir,
    Labels: k.Labels,
    OnBuild: k.OnBuild,
  };
  if (k.StopSignal) out.StopSignal = k.StopSignal;
  if (k.Healthcheck) out.Healthcheck = k.Healthcheck;
  if (k.Shell) out.Shell = k.Shell;
  if (k.ArgsEscaped) out.ArgsEscaped = k.ArgsEscaped;
  return out;
}

export async function commitContainer(ctx: EngineContext, containers: ContainerService, ref: string, o: CommitOptions): Promise<ImageRecord> {
  const c = containers.get(ref);
  let key: string | undefined;
  if (o.repo) {
    const r = parseReference(o.tag ? `${o.repo}:${o.tag}` : o.repo);
    if (r.digest) throw badRequest('refusing to create a tag with a digest reference');
    key = normaliseTagged(o.tag ? `${o.repo}:${o.tag}` : o.repo).key;
  } else if (o.tag) throw badRequest('tag is specified without a repository');
  if (c.State.Status === 'removing' || c.State.Dead) throw conflict(`You cannot commit container ${c.ID} which is being removed`);
  const parent = ctx.images.find(c.Image);
  if (!parent) throw conflict(`the image of container ${c.ID} is gone: ${c.Image}`);
  let run: ImageRunConfig = { ...runConfigOf(c), ...overrides(o.config) };
  run = applyChanges(run, o.changes);
  const lc = containers.lifecycle;
  let pauseIt = o.pause && c.State.Running && !c.State.Paused;
  // a process that has just exited cannot be paused, and needs no pause: commit what it left
  if (pauseIt)
    pauseIt = await lc.pause(c).then(
      () => true,
      (e) => {
        if (!c.State.Running || /not running/.test(String((e as Error).message))) return false;
        throw e;
      },
    );
  const unpinParent = ctx.layers.pin(parent.topLayer ? [parent.topLayer] : []);
  let layerDiff: string | undefined;
  try {
    const upper = path.join(lc.paths.rwDir(c), 'upper');
    const res = await ingestLayer(ctx.content, ctx.layers, diffLayer(upper), { compression: 'none', keepSource: true });
    const diffId = res.staged.diffId;
    const empty = diffId === EMPTY_TAR_DIGEST;
    if (empty) ctx.layers.discard(res.staged);
    else {
      ctx.layers.commitStaged(parent.topLayer, res.staged, [{ digest: diffId, mediaType: MT.dockerLayerTar, size: res.source.size }]);
      layerDiff = diffId;
    }
    const now = new Date().toISOString();
    const pc = parent.config;
    const config: ImageConfig = {
      architecture: pc.architecture,
      os: pc.os,
      ...(pc.variant ? { variant: pc.variant } : {}),
      author: o.author ?? '',
      comment: o.comment ?? '',
      config: run,
      container: c.ID,
      container_config: runConfigOf(c),
      created: now,
      // dockerd writes its own version here
      docker_version: SERVER_VERSION,
      history: [
        ...(pc.history ?? []),
        {
          created: now,
          ...(o.author ? { author: o.author } : {}),
          created_by: [...(c.Config.Entrypoint ?? []), ...(c.Config.Cmd ?? [])].join(' '),
          ...(o.comment ? { comment: o.comment } : {}),
          ...(empty ? { empty_layer: true } : {}),
        },
      ],
      rootfs: { type: 'layers', diff_ids: [...pc.rootfs.diff_ids, ...(layerDiff ? [layerDiff] : [])] },
    };
    const img = ctx.images.add(config, parent.id);
    if (key) {
      ctx.images.tag(img.id, key);
      // as dockerd: the new image's tag is an event of its own, before the commit's
      ctx.events.emit('image', 'tag', img.id, { ...(img.config.config?.Labels ?? {}), name: key });
    }
    ctx.events.emit('container', 'commit', c.ID, { ...containerAttributes(c), comment: o.comment ?? '', imageID: img.id, imageRef: key ?? '' });
    return img;
  } finally {
    unpinParent();
    if (pauseIt) await lc.unpause(c).catch(() => undefined);
  }
}
