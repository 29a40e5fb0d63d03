// `build:` sections through the classic POST /build: the context directory
// sent as a tar (with its .dockerignore), args, target, labels, network,
// extra hosts, shm size, cache_from, no_cache, pull, dockerfile_inline; the
// image tagged <project>-<service> (or `image:`) plus `tags:`.
import type { ApiClient } from '../../client/api';
import { readAll } from '../../client/api';
import * as path from 'node:path';
import { dirContext } from '../../cli/build-context';
import type { Project, ServiceConfig } from '../model';
import { imageOf } from './create';
import { ComposeError } from './project';
import type { Progress } from './progress';

export async function buildService(api: ApiClient, p: Project, s: ServiceConfig, progress: Progress): Promise<string> {
  const b = s.build!;
  const ref = imageOf(p, s);
  progress.event('Service', s.name, 'Building');
  // dockerfile is relative to the context; dockerfile_inline travels like `-f -`
  const flag = b.dockerfile_inline !== undefined ? '-' : b.dockerfile ? path.resolve(b.context, b.dockerfile) : '';
  const ctx = await dirContext(b.context, flag, async () => Buffer.from(b.dockerfile_inline ?? ''));
  const args = Object.fromEntries(
    Object.entries(b.args)
      .map(([k, v]) => [k, v ?? p.environment[k] ?? null])
      .filter(([, v]) => v !== null),
  );
  const query: Record<string, string | boolean | number | string[] | undefined> = {
    t: [ref, ...b.tags],
    dockerfile: ctx.dockerfile,
    buildargs: JSON.stringify(args),
    labels: JSON.stringify(b.labels),
    target: b.target,
    networkmode: b.network,
    extrahosts: b.extra_hosts.length ? b.extra_hosts.join(',') : undefined,
    shmsize: b.shm_size,
    cachefrom: b.cache_from.length ? JSON.stringify(b.cache_from) : undefined,
    nocache: b.no_cache || undefined,
    pull: b.pull || undefined,
    rm: true,
    forcerm: true,
  };
  const res = await api.stream('POST', '/build', { query, body: ctx.body, headers: { 'Content-Type': 'application/x-tar' } });
  const out = (await readAll(res)).toString();
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
    if (m.error) throw new ComposeError(`failed to solve: ${m.errorDetail?.message ?? m.error}`);
  }
  progress.event('Service', s.name, 'Built', true);
  return ref;
}
