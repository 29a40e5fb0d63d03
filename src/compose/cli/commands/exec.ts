// exec: a command in a service's running container (--index for replicas).
// Without a terminal on stdin there is no TTY (as `-T`).
import { runSession } from '../../../cli/stdio';
import { ComposeError, specifiedContainer } from '../../engine/project';
import { projectName } from '../context';
import type { ComposeCommand } from '../command';

export const execCommand: ComposeCommand = {
  name: 'exec',
  usage: '[OPTIONS] SERVICE COMMAND [ARGS...]',
  summary: 'Execute a command in a running container',
  interspersed: false,
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: Run command in the background' },
    { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
    { long: 'index', kind: 'int', help: 'Index of the container if service has multiple replicas', def: 0 },
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
    const api = await cc.api();
    // Compose v5 does not check the service against the project: "is not running"
    const c = await specifiedContainer(api, await projectName(cc), service, f.int('index') ?? 0);
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
