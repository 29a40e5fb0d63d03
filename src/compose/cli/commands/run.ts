// run: a one-off container of a service (<project>-<service>-run-<id>,
// labelled oneoff=True), its dependencies started first unless --no-deps;
// attached, with the command's exit code.
import { randomBytes } from 'node:crypto';
import { runSession } from '../../../cli/stdio';
import { createBody } from '../../engine/create';
import { serviceHash } from '../../engine/hash';
import { ComposeError, nameOf, projectContainers } from '../../engine/project';
import { up } from '../../engine/up';
import { parsePortShort } from '../../load/shortsyntax';
import type { ComposeCommand } from '../command';

export const runCommand: ComposeCommand = {
  name: 'run',
  usage: '[OPTIONS] SERVICE [COMMAND] [ARGS...]',
  summary: 'Run a one-off command on a service',
  interspersed: false,
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
    { long: 'rm', kind: 'bool', help: 'Automatically remove the container when it exits' },
    { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
    { long: 'user', short: 'u', kind: 'string', help: 'Run as specified username or uid' },
    { long: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
    { long: 'publish', short: 'p', kind: 'list', help: "Publish a container's port(s) to the host" },
    { long: 'service-ports', short: 'P', kind: 'bool', help: "Run command with all service's ports enabled and mapped to the host" },
    { long: 'use-aliases', kind: 'bool', help: "Use the service's network useAliases in the network(s) the container connects to" },
    { long: 'no-deps', kind: 'bool', help: "Don't start linked services" },
    { long: 'entrypoint', kind: 'string', help: 'Override the entrypoint of the image' },
    { long: 'name', kind: 'string', help: 'Assign a name to the container' },
    { long: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume' },
    { long: 'no-TTY', short: 'T', kind: 'bool', help: 'Disable pseudo-TTY allocation (default: auto-detected)' },
    { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached', def: true },
    { long: 'label', short: 'l', kind: 'list', help: 'Add or override a label' },
    { long: 'build', kind: 'bool', help: 'Build image before starting container' },
    { long: 'quiet-pull', kind: 'bool', help: 'Pull without printing progress information' },
  ],
  async run(cc, f, args) {
    const [service, ...cmd] = args;
    if (!service) throw new ComposeError('run requires at least 1 argument: SERVICE');
    const p = cc.project([service]);
    const s = p.services[service];
    if (!s) throw new ComposeError(`no such service: ${service}`);
    const api = await cc.api();
    const progress = cc.progress();
    try {
      const deps = Object.keys(s.depends_on);
      if (!f.bool('no-deps') && deps.length) await up(api, p, { services: deps, build: f.bool('build') }, progress, cc.warn);
      else await up(api, p, { services: [service], noDeps: true, noStart: true, scale: { [service]: 0 }, build: f.bool('build') }, progress, cc.warn);
    } finally {
      progress.close();
    }
    const existing = await projectContainers(api, p.name, { all: true });
    const names = new Map(existing.map((c) => [c.Labels['com.docker.compose.service'], nameOf(c)]));
    const detach = f.bool('detach');
    const tty = !f.bool('no-TTY') && cc.cli.stdinTty && !detach && (s.tty || true);
    const stdin = f.bool('interactive') && !detach;
    const svc = f.bool('service-ports') ? s : { ...s, ports: f.list('publish').flatMap((x, i) => parsePortShort(x, `--publish[${i}]`)) };
    if (!f.bool('use-aliases')) for (const n of Object.values(svc.networks)) n.aliases = [];
    const labels = Object.fromEntries(f.list('label').map((l) => [l.split('=')[0], l.split('=').slice(1).join('=')]));
    const cb = createBody(p, svc, 1, serviceHash(p, s), {
      oneOff: randomBytes(6).toString('hex'),
      resolveContainer: (x) => names.get(x),
      override: {
        cmd: cmd.length ? cmd : undefined,
        entrypoint: f.isSet('entrypoint') ? (f.str('entrypoint') ? [f.str('entrypoint')] : []) : undefined,
        env: f.list('env').map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`)),
        user: f.str('user') || undefined,
        workdir: f.str('workdir') || undefined,
        tty,
        stdin,
        name: f.str('name') || undefined,
        labels,
        volumes: f.list('volume'),
      },
    });
    if (f.bool('service-ports') || f.list('publish').length) (cb.body.HostConfig as Record<string, unknown>).AutoRemove = false;
    const { Id } = await api.post<{ Id: string }>('/containers/create', { name: cb.name }, cb.body);
    for (const x of cb.extraNetworks)
      await api.post(`/networks/${encodeURIComponent(x.network)}/connect`, undefined, { Container: Id, EndpointConfig: x.endpoint });
    if (detach) {
      await api.post(`/containers/${Id}/start`);
      cc.cli.out(`${cb.name}\n`);
      return 0;
    }
    const { socket, head } = await api.hijack(`/containers/${Id}/attach`, { query: { stream: true, stdin, stdout: true, stderr: true } });
    const session = runSession({ socket, head, tty, stdin, resize: (h, w) => api.post(`/containers/${Id}/resize`, { h, w }) });
    await api.post(`/containers/${Id}/start`);
    await session;
    const r = await api.post<{ StatusCode: number }>(`/containers/${Id}/wait`);
    if (f.bool('rm')) await api.json('DELETE', `/containers/${Id}`, { query: { force: true, v: true } }).catch(() => undefined);
    return r.StatusCode;
  },
};
