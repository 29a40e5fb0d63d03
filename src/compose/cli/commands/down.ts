// down: stop and remove the project's containers (dependants first), its
// networks, and with -v its named and anonymous volumes, with --rmi its
// images. Works from the files, or from -p alone (everything found by label).
import { L } from '../../engine/labels';
import { ComposeError, nameOf, projectContainers } from '../../engine/project';
import { removeContainer } from '../../engine/up';
import { imageOf } from '../../engine/create';
import type { Project } from '../../model';
import type { ComposeCommand } from '../main';

export const downCommand: ComposeCommand = {
  name: 'down',
  usage: '[OPTIONS] [SERVICES]',
  summary: 'Stop and remove containers, networks',
  flags: [
    { long: 'remove-orphans', kind: 'bool', help: 'Remove containers for services not defined in the Compose file' },
    { long: 'rmi', kind: 'string', help: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")' },
    { long: 'timeout', short: 't', kind: 'int', help: 'Specify a shutdown timeout in seconds' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers' },
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
        cc.warn(`Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
      const targets = all.filter((c) => !known || known.has(c.Labels[L.service]) || f.bool('remove-orphans'));
      // dependants first: reverse of the dependency order, containers of one service in parallel
      const order = p ? reverseOrder(p) : [];
      const rank = (svc: string) => {
        const i = order.indexOf(svc);
        return i < 0 ? -1 : i;
      };
      const groups = new Map<number, typeof targets>();
      for (const c of targets) (groups.get(rank(c.Labels[L.service])) ?? groups.set(rank(c.Labels[L.service]), []).get(rank(c.Labels[L.service]))!).push(c);
      for (const k of [...groups.keys()].sort((a, b) => a - b)) await Promise.all(groups.get(k)!.map((c) => removeContainer(api, c, timeout, progress, f.bool('volumes'))));
      if (!args.length) {
        const nets = (await api.get('/networks', { filters: JSON.stringify({ label: [`${L.project}=${name}`] }) })) as Array<{ Id: string; Name: string }>;
        for (const n of nets) {
          progress.event('Network', n.Name, 'Removing');
          await api.json('DELETE', `/networks/${n.Id}`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
          progress.event('Network', n.Name, 'Removed', true);
        }
        if (f.bool('volumes')) {
          const vols = (await api.get('/volumes', { filters: JSON.stringify({ label: [`${L.project}=${name}`] }) })) as { Volumes: Array<{ Name: string }> | null };
          const external = new Set(Object.values(p?.volumes ?? {}).filter((v) => v.external).map((v) => v.name));
          for (const v of vols.Volumes ?? []) {
            if (external.has(v.Name)) continue;
            progress.event('Volume', v.Name, 'Removing');
            await api.json('DELETE', `/volumes/${encodeURIComponent(v.Name)}`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
            progress.event('Volume', v.Name, 'Removed', true);
          }
        }
        if (rmi && p) {
          const imgs = new Set(Object.values(p.services).filter((s) => rmi === 'all' || !s.image).map((s) => imageOf(p!, s)));
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

function reverseOrder(p: Project): string[] {
  const all = { ...p.services, ...p.disabledServices };
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n) || !all[n]) return;
    seen.add(n);
    for (const d of Object.keys(all[n].depends_on)) visit(d);
    out.push(n);
  };
  for (const n of Object.keys(all).sort()) visit(n);
  return out.reverse();
}
