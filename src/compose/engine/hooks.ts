// Lifecycle hooks: post_start runs in the container right after it started,
// pre_stop right before it is stopped, each as an exec with the hook's user,
// privileges, working directory and environment. A failing post_start fails
// the `up`, as in Compose; a failing pre_stop is reported and the stop goes on.
import type { ApiClient } from '../../client/api';
import type { ServiceConfig } from '../model';
import { ComposeError } from './project';

type Hook = ServiceConfig['post_start'][number];

async function runHook(api: ApiClient, containerId: string, h: Hook): Promise<number> {
  const env = Object.entries(h.environment)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`);
  const { Id } = await api.post<{ Id: string }>(`/containers/${containerId}/exec`, undefined, {
    Cmd: h.command,
    User: h.user,
    Privileged: h.privileged,
    WorkingDir: h.working_dir,
    Env: env,
    AttachStdout: true,
    AttachStderr: true,
  });
  const { socket } = await api.hijack(`/exec/${Id}/start`, { body: { Detach: false, Tty: false } });
  // the hook's output is not shown (as Compose); wait for the stream to end
  await new Promise<void>((resolve) => {
    socket.on('data', () => {});
    socket.on('end', resolve);
    socket.on('close', resolve);
    socket.on('error', () => resolve());
  });
  const info = await api.get<{ ExitCode: number | null }>(`/exec/${Id}/json`);
  return info.ExitCode ?? 0;
}

export async function postStart(api: ApiClient, s: ServiceConfig, containerId: string, name: string): Promise<void> {
  for (const h of s.post_start) {
    const code = await runHook(api, containerId, h);
    if (code !== 0) throw new ComposeError(`post_start hook of ${name} failed: ${JSON.stringify(h.command)} exited with code ${code}`);
  }
}

export async function preStop(api: ApiClient, s: ServiceConfig, containerId: string, name: string, warn: (s: string) => void): Promise<void> {
  for (const h of s.pre_stop) {
    const code = await runHook(api, containerId, h).catch(() => -1);
    if (code !== 0) warn(`pre_stop hook of ${name} exited with code ${code}`);
  }
}
