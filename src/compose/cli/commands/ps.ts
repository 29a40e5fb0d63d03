// ps: the project's containers.
import { renderRows } from '../../../cli/format';
import { L } from '../../engine/labels';
import { nameOf, projectContainers, type ContainerSummary } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';

function ports(c: ContainerSummary): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of [...c.Ports].sort((a, b) => a.PrivatePort - b.PrivatePort)) {
    const s = p.PublicPort
      ? `${p.IP?.includes(':') ? `[${p.IP}]` : (p.IP ?? '0.0.0.0')}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`
      : `${p.PrivatePort}/${p.Type}`;
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
    let cs = await projectContainers(api, await projectName(cc), {
      all: f.bool('all') || f.list('status').length > 0,
      oneOff: f.bool('all'),
      services: args.length ? args : undefined,
    });
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
      Labels: Object.entries(c.Labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    }));
    cc.cli.out(
      renderRows(f.str('format'), rows, {
        defaultTable: 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}',
        headers: { Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', CreatedAt: 'CREATED', Status: 'STATUS', Ports: 'PORTS' },
      }),
    );
  },
};
