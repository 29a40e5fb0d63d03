// ps, images, port, top: what the project's containers are.
import { renderRows } from '../../../cli/format';
import { L } from '../../engine/labels';
import { ComposeError, nameOf, projectContainers, type ContainerSummary } from '../../engine/project';
import type { ComposeCommand } from '../command';
import type { ComposeContext } from '../context';

async function projectName(cc: ComposeContext): Promise<string> {
  return cc.projectNameOnly() ?? cc.project().name;
}

function ports(c: ContainerSummary): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of [...c.Ports].sort((a, b) => a.PrivatePort - b.PrivatePort)) {
    const s = p.PublicPort ? `${p.IP?.includes(':') ? `[${p.IP}]` : (p.IP ?? '0.0.0.0')}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`;
    if (!seen.has(s)) out.push(s);
    seen.add(s);
  }
  return out.join(', ');
}

export const psCommand: ComposeCommand = {
  name: 'ps',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List containers',
  flags: [
    { long: 'all', short: 'a', kind: 'bool', help: 'Show all stopped containers (including those created by the run command)' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display IDs' },
    { long: 'services', kind: 'bool', help: 'Display services' },
    { long: 'status', kind: 'list', help: 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]' },
    { long: 'format', kind: 'string', help: 'Format output using a custom template', def: 'table' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { long: 'orphans', kind: 'bool', help: 'Include orphaned services (not declared by project)', def: true },
  ],
  async run(cc, f, args) {
    const api = await cc.api();
    let cs = await projectContainers(api, await projectName(cc), { all: f.bool('all') || f.list('status').length > 0, oneOff: f.bool('all'), services: args.length ? args : undefined });
    const status = f.list('status');
    if (status.length) cs = cs.filter((c) => status.includes(c.State));
    if (f.bool('quiet')) {
      cc.cli.out(cs.map((c) => c.Id + '\n').join(''));
      return;
    }
    if (f.bool('services')) {
      cc.cli.out([...new Set(cs.map((c) => c.Labels[L.service]))].map((s) => s + '\n').join(''));
      return;
    }
    const rows = cs.map((c) => ({
      ID: c.Id.slice(0, 12),
      Name: nameOf(c),
      Image: c.Image,
      Command: JSON.stringify(c.Command),
      Project: c.Labels[L.project],
      Service: c.Labels[L.service],
      CreatedAt: new Date(c.Created * 1000).toISOString(),
      State: c.State,
      Status: c.Status,
      Health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1] ?? '',
      ExitCode: Number(/Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0),
      Ports: ports(c),
      Labels: Object.entries(c.Labels).map(([k, v]) => `${k}=${v}`).join(','),
    }));
    cc.cli.out(renderRows(f.str('format'), rows, { defaultTable: 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}', headers: { Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', CreatedAt: 'CREATED', Status: 'STATUS', Ports: 'PORTS' } }));
  },
};

export const imagesCommand: ComposeCommand = {
  name: 'images',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List images used by the created containers',
  flags: [{ long: 'quiet', short: 'q', kind: 'bool', help: 'Only display IDs' }],
  async run(cc, f, args) {
    const api = await cc.api();
    const cs = await projectContainers(api, await projectName(cc), { all: true, services: args.length ? args : undefined });
    const rows = [];
    for (const c of cs) {
      const img = await api.get(`/images/${c.ImageID}/json`).catch(() => undefined);
      const tag = (img?.RepoTags?.[0] as string | undefined) ?? '<none>:<none>';
      const i = tag.lastIndexOf(':');
      rows.push({ Container: nameOf(c), Repository: tag.slice(0, i), Tag: tag.slice(i + 1), ID: c.ImageID.replace('sha256:', '').slice(0, 12), Size: String(img?.Size ?? 0) });
    }
    if (f.bool('quiet')) cc.cli.out([...new Set(rows.map((r) => r.ID))].map((x) => x + '\n').join(''));
    else cc.cli.out(renderRows('table', rows, { defaultTable: 'table {{.Container}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}', headers: { Container: 'CONTAINER', Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Size: 'SIZE' } }));
  },
};

export const portCommand: ComposeCommand = {
  name: 'port',
  usage: '[OPTIONS] SERVICE PRIVATE_PORT',
  summary: 'Print the public port for a port binding',
  flags: [
    { long: 'protocol', kind: 'string', help: 'tcp or udp', def: 'tcp' },
    { long: 'index', kind: 'int', help: 'Index of the container if service has multiple replicas', def: 1 },
  ],
  async run(cc, f, args) {
    if (args.length !== 2) throw new ComposeError('port requires exactly 2 arguments: SERVICE PRIVATE_PORT');
    const api = await cc.api();
    const cs = await projectContainers(api, await projectName(cc), { services: [args[0]] });
    const c = cs.find((x) => Number(x.Labels[L.number]) === (f.int('index') ?? 1));
    if (!c) throw new ComposeError(`service "${args[0]}" is not running container #${f.int('index') ?? 1}`);
    const p = c.Ports.find((x) => x.PrivatePort === Number(args[1]) && x.Type === f.str('protocol') && x.PublicPort);
    if (!p) throw new ComposeError(`no port ${args[1]}/${f.str('protocol')} for container ${nameOf(c)}: []`);
    cc.cli.out(`${p.IP || '0.0.0.0'}:${p.PublicPort}\n`);
  },
};

export const topCommand: ComposeCommand = {
  name: 'top',
  usage: '[SERVICES...]',
  summary: 'Display the running processes',
  flags: [],
  async run(cc, _f, args) {
    const api = await cc.api();
    const cs = await projectContainers(api, await projectName(cc), { services: args.length ? args : undefined });
    for (const c of cs) {
      const t = await api.get(`/containers/${c.Id}/top`);
      const table = [(t.Titles as string[]).join('\t'), ...(t.Processes as string[][]).map((r) => r.join('\t'))].join('\n');
      cc.cli.out(`${nameOf(c)}\n${table}\n\n`);
    }
  },
};
