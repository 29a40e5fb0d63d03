// down: stop and remove the project's containers (dependants first), its
// networks, and with -v its named and anonymous volumes, with --rmi its
// images. Works from the files, or from -p alone (everything found by label).
import { L } from '../../engine/labels';
import { ComposeError, nameOf, projectContainers } from '../../engine/project';
import { removeContainer } from '../../engine/up';
import { preStop } from '../../engine/hooks';
import { imageOf } from '../../engine/create';
import type { Project } from '../../model';
import type { ComposeCommand } from '../command';

export const downCommand: ComposeCommand = {
  name: 'down',
  usage: '[OPTIONS] [SERVICES]',
  summary: 'Stop and remove containers, networks',
  flags: [
    { long: 'remove-orphans', kind: 'bool', help: 'Remove containers for services not defined in the Compose file' },
    { long: 'rmi', kind: 'string', help: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")' },
    { long: 'timeout', short: 't', kind: 'int', help: 'Specify a shutdown timeout in seconds' },
    {
      long: 'volumes',
      short: 'v',
      kind: 'bool',
      help: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers',
    },
  ],
  async run(cc, f, args) {
    const rmi = f.str('rmi');
    if (rmi && rmi !== 'local' && rmi !== 'all') throw new ComposeError(`invalid value for --rmi: ${rmi}`);
    let p: Project | undefined;
    let name = cc.projectNameOnly();
    try {
      p = cc.project();
      name = p.name;
    } catch (e) {
      // no compose file: -p names the project, found by labels
      if (!name) throw e;
    }
    const api = await cc.api();
    const progress = cc.progress('Running');
    const timeout = f.isSet('timeout') ? f.int('timeout') : undefined;
    try {
      const all = await projectContainers(api, name!, { all: true, oneOff: true, services: args.length ? args : undefined });
      const known = p ? new Set([...Object.keys(p.services), ...Object.keys(p.disabledServices)]) : undefined;
      const orphans = known ? all.filter((c) => !known.has(c.Labels[L.service])) : [];
      if (orphans.length && !f.bool('remove-orphans'))
        cc.warn(
          `Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
        );
      const targets = all.filter((c) => !known || known.has(c.Labels[L.service]) || f.bool('remove-orphans'));
      // dependants first; services at the same depth stop in parallel
      const depth = p ? stopDepths(p) : new Map<string, number>();
      const groups = new Map<number, typeof targets>();
      for (const c of targets) {
        const k = depth.get(c.Labels[L.service]) ?? 0;
        (groups.get(k) ?? groups.set(k, []).get(k)!).push(c);
      }
      const stopOne = async (c: (typeof targets)[number]) => {
        const svc = p?.services[c.Labels[L.service]];
        if (svc?.pre_stop.length && c.State === 'running') await preStop(api, svc, c.Id, nameOf(c), cc.warn);
        await removeContainer(api, c, timeout, progress, f.bool('volumes'));
      };
      for (const k of [...groups.keys()].sort((a, b) => a - b)) await Promise.all(groups.get(k)!.map(stopOne));
      if (!args.length) {
        const nets = (await api.get('/networks', { filters: JSON.stringify({ label: [`${L.project}=${name}`] }) })) as Array<{ Id: string; Name: string }>;
        // networks, then volumes, each kind removed all at once (as Compose's errgroups do)
        await Promise.all(
          nets.map(async (n) => {
            progress.event('Network', n.Name, 'Removing');
            await api.json('DELETE', `/networks/${n.Id}`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
            progress.event('Network', n.Name, 'Removed', true);
          }),
        );
        if (f.bool('volumes')) {
          const vols = (await api.get('/volumes', { filters: JSON.stringify({ label: [`${L.project}=${name}`] }) })) as {
            Volumes: Array<{ Name: string }> | null;
          };
          const external = new Set(
            Object.values(p?.volumes ?? {})
              .filter((v) => v.external)
              .map((v) => v.name),
          );
          await Promise.all(
            (vols.Volumes ?? [])
              .filter((v) => !external.has(v.Name))
              .map(async (v) => {
                progress.event('Volume', v.Name, 'Removing');
                await api.json('DELETE', `/volumes/${encodeURIComponent(v.Name)}`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
                progress.event('Volume', v.Name, 'Removed', true);
              }),
          );
        }
        if (rmi && p) {
          const imgs = new Set(
            Object.values(p.services)
              .filter((s) => rmi === 'all' || !s.image)
              .map((s) => imageOf(p!, s)),
          );
          for (const i of imgs) {
            await api.json('DELETE', `/images/${i}`).then(
              () => progress.event('Image', i, 'Removed', true),
              (e) => (e.status === 404 ? undefined : Promise.reject(e)),
            );
          }
        }
      }
    } finally {
      progress.close();
    }
  },
};

/** 0 for services nothing depends on, then 1 + the deepest dependant: the order to stop in. */
function stopDepths(p: Project): Map<string, number> {
  const all = { ...p.services, ...p.disabledServices };
  const dependants = new Map<string, string[]>();
  for (const [n, s] of Object.entries(all)) for (const d of Object.keys(s.depends_on)) (dependants.get(d) ?? dependants.set(d, []).get(d)!).push(n);
  const memo = new Map<string, number>();
  const depth = (n: string, seen: Set<string>): number => {
    if (memo.has(n)) return memo.get(n)!;
    if (seen.has(n)) return 0;
    seen.add(n);
    const v = Math.max(-1, ...(dependants.get(n) ?? []).map((d) => depth(d, seen))) + 1;
    memo.set(n, v);
    return v;
  };
  for (const n of Object.keys(all)) depth(n, new Set());
  return memo;
}
