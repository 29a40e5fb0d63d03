// exec: a command in a service's running container (--index for replicas).
// Without a terminal on stdin there is no TTY (as `-T`).
import { runSession } from '../../../cli/stdio';
import { L } from '../../engine/labels';
import { ComposeError, projectContainers } from '../../engine/project';
import type { ComposeCommand } from '../command';

export const execCommand: ComposeCommand = {
  name: 'exec',
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  summary: 'Execute a command in a running container',
  interspersed: false,
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: Run command in the background' },
    { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
    { long: 'index', kind: 'int', help: 'Index of the container if service has multiple replicas', def: 1 },
    { long: 'no-TTY', short: 'T', kind: 'bool', help: 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.' },
    { long: 'privileged', kind: 'bool', help: 'Give extended privileges to the process' },
    { long: 'user', short: 'u', kind: 'string', help: 'Run the command as this user' },
    { long: 'workdir', short: 'w', kind: 'string', help: 'Path to workdir directory for this command' },
    { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached', def: true },
    { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY', def: true },
  ],
  async run(cc, f, args) {
    const [service, ...cmd] = args;
    if (!service || !cmd.length) throw new ComposeError('exec requires at least 2 arguments: SERVICE COMMAND');
    const p = cc.project();
    if (!p.services[service]) throw new ComposeError(`no such service: ${service}`);
    const api = await cc.api();
    const cs = await projectContainers(api, p.name, { services: [service] });
    const c = cs.find((x) => Number(x.Labels[L.number]) === (f.int('index') ?? 1));
    if (!c) throw new ComposeError(`service "${service}" is not running`);
    const detach = f.bool('detach');
    const tty = !f.bool('no-TTY') && f.bool('tty') && cc.cli.stdinTty && !detach;
    const stdin = f.bool('interactive') && !detach;
    const env = f.list('env').map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`));
    const { Id } = await api.post<{ Id: string }>(`/containers/${c.Id}/exec`, undefined, {
      User: f.str('user'),
      Privileged: f.bool('privileged'),
      Tty: tty,
      AttachStdin: stdin,
      AttachStdout: !detach,
      AttachStderr: !detach,
      Env: env,
      WorkingDir: f.str('workdir'),
      Cmd: cmd,
    });
    if (detach) {
      await api.post(`/exec/${Id}/start`, undefined, { Detach: true, Tty: tty });
      return 0;
    }
    const { socket, head } = await api.hijack(`/exec/${Id}/start`, { body: { Detach: false, Tty: tty } });
    await runSession({ socket, head, tty, stdin, resize: (h, w) => api.post(`/exec/${Id}/resize`, { h, w }) });
    const info = await api.get<{ ExitCode: number | null }>(`/exec/${Id}/json`);
    return info.ExitCode ?? 0;
  },
};
