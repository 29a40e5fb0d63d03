// The images a project's services run: built (`build:`) or pulled per
// pull_policy (and `up --pull`, `--build`, `--no-build`), through the API.
import type { ApiClient } from '../../client/api';
import { readAll } from '../../client/api';
import type { Project } from '../model';
import { imageOf } from './create';
import { ComposeError } from './project';
import type { Progress } from './progress';

export interface ImageOptions {
  build?: boolean;
  noBuild?: boolean;
  pull?: 'always' | 'missing' | 'never';
  quiet?: boolean;
}

// the build path (context walking, tar writing) loads only when a service is built
const buildService: typeof import('./build').buildService = (...a) => (require('./build') as typeof import('./build')).buildService(...a);

/** The image's ID, or undefined when the engine does not have it. */
async function imageId(api: ApiClient, ref: string): Promise<string | undefined> {
  return api.get(`/images/${ref}/json`).then(
    (i) => i.Id as string,
    (e) => (e.status === 404 ? undefined : Promise.reject(e)),
  );
}

/** Pulls one image, reading the JSON progress stream to its end; an error inside it fails. */
export async function pullImage(api: ApiClient, ref: string): Promise<void> {
  const at = ref.lastIndexOf(':');
  const slash = ref.lastIndexOf('/');
  const [fromImage, tag] = at > slash ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
  const res = await api.stream('POST', '/images/create', { query: ref.includes('@') ? { fromImage: ref } : { fromImage, tag } });
  const body = (await readAll(res)).toString();
  for (const line of body.split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
    if (m.error) throw new ComposeError(m.errorDetail?.message ?? m.error);
  }
}

/** Makes sure every service has its image; returns each image reference's ID (looked up once, all at a time). */
export async function ensureImages(api: ApiClient, p: Project, services: string[], o: ImageOptions, progress: Progress): Promise<Map<string, string>> {
  const refs = [...new Set(services.map((n) => imageOf(p, p.services[n])))];
  const ids = new Map<string, string>();
  await Promise.all(
    refs.map(async (r) => {
      const id = await imageId(api, r);
      if (id) ids.set(r, id);
    }),
  );
  const changed = new Set<string>();
  for (const name of services) {
    const s = p.services[name];
    const ref = imageOf(p, s);
    const policy = o.pull ?? s.pull_policy;
    const have = ids.has(ref);
    if (changed.has(ref)) continue;
    if (s.build && !o.noBuild && (o.build || policy === 'build' || (!have && policy !== 'always'))) {
      if (o.build || !have || policy === 'build') {
        await buildService(api, p, s, progress);
        changed.add(ref);
        continue;
      }
    }
    if (policy === 'always' || (!have && policy !== 'never' && policy !== 'build')) {
      progress.event('Image', ref, 'Pulling');
      try {
        await pullImage(api, ref);
      } catch (e) {
        if (s.build && !o.noBuild) {
          await buildService(api, p, s, progress);
          changed.add(ref);
          continue;
        }
        throw e;
      }
      changed.add(ref);
      progress.event('Image', ref, 'Pulled', true);
    } else if (!have) {
      throw new ComposeError(policy === 'never' ? `image ${ref} not found and pull_policy is never` : `no image for service ${name}: build it with --build`);
    }
  }
  // what was built or pulled has a new ID
  await Promise.all(
    [...changed].map(async (r) => {
      const id = await imageId(api, r);
      if (id) ids.set(r, id);
    }),
  );
  return ids;
}
