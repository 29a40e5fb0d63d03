// ps: the project's containers, with the fields of Compose's container
// formatter (cmd/formatter/container.go): the table shows CREATED as
// "N minutes ago", `--format json` has Compose's keys.
import { renderRows } from '../../../cli/format';
import { containerHeaders, displayPorts, ellipsis, goTimeString, quotedCommand, runningFor } from '../../../cli/commands/ps';
import { humanSize } from '../../../util/humansize';
import { byteOrder } from '../../../util/compare';
import { L } from '../../engine/labels';
import { nameOf, projectContainers, type ContainerSummary } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';

/** One row as Compose's ContainerContext shows it (getters: templates, table and json see the same fields). */
class ComposeContainerRow {
  constructor(
    private readonly c: ContainerSummary,
    private readonly trunc: boolean,
  ) {}
  get ID(): string {
    return this.trunc ? this.c.Id.slice(0, 12) : this.c.Id;
  }
  get Name(): string {
    return nameOf(this.c);
  }
  get Names(): string {
    return this.c.Names.map((n) => n.replace(/^\//, '')).join(',');
  }
  get Service(): string {
    return this.c.Labels[L.service] ?? '';
  }
  get Project(): string {
    return this.c.Labels[L.project] ?? '';
  }
  get Image(): string {
    return this.c.Image;
  }
  get Command(): string {
    return quotedCommand(this.c, this.trunc);
  }
  get CreatedAt(): string {
    return goTimeString(this.c.Created * 1000);
  }
  get RunningFor(): string {
    return runningFor(this.c);
  }
  get ExitCode(): number {
    return this.c.State === 'exited' || this.c.State === 'dead' ? Number(/Exited \((\d+)\)/.exec(this.c.Status)?.[1] ?? 0) : 0;
  }
  get State(): string {
    return this.c.State;
  }
  get Status(): string {
    return this.c.Status;
  }
  get Health(): string {
    return this.c.State === 'running' ? (/\((healthy|unhealthy|health: starting)\)/.exec(this.c.Status)?.[1]?.replace('health: ', '') ?? '') : '';
  }
  get Publishers(): { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[] {
    return [...(this.c.Ports ?? [])]
      .sort((a, b) => a.PrivatePort - b.PrivatePort)
      .map((p) => ({ URL: p.IP ?? '', TargetPort: p.PrivatePort, PublishedPort: p.PublicPort ?? 0, Protocol: p.Type }));
  }
  get Ports(): string {
    return displayPorts(this.c.Ports ?? []);
  }
  get Labels(): string {
    return Object.entries(this.c.Labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  Label(name: string): string {
    return this.c.Labels[name] ?? '';
  }
  get Engine(): string {
    return this.c.Labels['com.docker.compose.engine'] ?? '';
  }
  get Mounts(): string {
    return (this.c.Mounts ?? [])
      .map((m) => m.Name || m.Source || '')
      .map((n) => (this.trunc ? ellipsis(n, 15) : n))
      .join(',');
  }
  get LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }
  get Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(',');
  }
  get Size(): string {
    const rw = humanSize(this.c.SizeRw ?? 0, 3);
    return this.c.SizeRootFs ? `${rw} (virtual ${humanSize(this.c.SizeRootFs, 3)})` : rw;
  }
}
Object.defineProperty(ComposeContainerRow, 'name', { value: '*formatter.ContainerContext' });

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
    // Compose lists by container name
    cs.sort((a, b) => byteOrder(nameOf(a), nameOf(b)));
    if (f.bool('quiet')) {
      cc.cli.out(cs.map((c) => c.Id + '\n').join(''));
      return;
    }
    if (f.bool('services')) {
      cc.cli.out([...new Set(cs.map((c) => c.Labels[L.service]))].map((s) => s + '\n').join(''));
      return;
    }
    const rows = cs.map((c) => new ComposeContainerRow(c, !f.bool('no-trunc')));
    cc.cli.out(
      renderRows(f.str('format'), rows, {
        defaultTable: `table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}${rows.some((r) => r.Engine) ? '\t{{.Engine}}' : ''}`,
        // docker ps's column titles, and Compose's own columns
        headers: { ...containerHeaders, Name: 'NAME', Project: 'PROJECT', Service: 'SERVICE', Engine: 'ENGINE' },
      }),
    );
  },
};
