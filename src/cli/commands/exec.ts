// exec: a process in a running container, attached to the terminal or not.
import type { Command } from '../command';
import { readKvFile } from '../opts/container';
import { runSession } from '../stdio';

const enc = encodeURIComponent;

export const execCommand: Command = {
  name: 'exec',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  minArgs: 2,
  interspersed: false,
  flags: [
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { long: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
    { long: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
    { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
    { long: 'privileged', kind: 'bool', help: 'Give extended privileges to the command' },
    { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
    { long: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { long: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
  ],
  async run(ctx, f, args) {
    const [name, ...cmd] = args;
    const tty = f.bool('tty');
    const detach = f.bool('detach');
    const stdin = f.bool('interactive') && !detach;
    if (tty && stdin && !ctx.stdinTty) throw new Error('the input device is not a TTY');
    const env = [
      ...f.list('env-file').flatMap((p) => readKvFile(p, 'env')),
      ...f
        .list('env')
        .filter((e) => e.includes('=') || process.env[e] !== undefined)
        .map((e) => (e.includes('=') ? e : `${e}=${process.env[e]}`)),
    ];
    const size = tty && ctx.stdoutTty ? process.stdout.getWindowSize() : undefined;
    const api = await ctx.api();
    const { Id } = await api.post<{ Id: string }>(`/containers/${enc(name)}/exec`, undefined, {
      User: f.str('user'),
      Privileged: f.bool('privileged'),
      Tty: tty,
      AttachStdin: stdin,
      AttachStdout: !detach,
      AttachStderr: !detach,
      Detach: detach,
      DetachKeys: f.str('detach-keys'),
      Env: env,
      WorkingDir: f.str('workdir'),
      Cmd: cmd,
      ConsoleSize: size ? [size[1], size[0]] : undefined,
    });
    if (detach) {
      await api.post(`/exec/${Id}/start`, undefined, { Detach: true, Tty: tty });
      return 0;
    }
    const { socket, head } = await api.hijack(`/exec/${Id}/start`, { body: { Detach: false, Tty: tty } });
    const result = await runSession({
      socket,
      head,
      tty,
      stdin,
      detachKeys: f.str('detach-keys') || undefined,
      resize: (h, w) => api.post(`/exec/${Id}/resize`, { h, w }),
    });
    if (result === 'detached') return 0;
    const info = await api.get<{ ExitCode: number | null; Running: boolean }>(`/exec/${Id}/json`);
    return info.ExitCode ?? 0;
  },
};
