// attach (and start -a): hijack the container's stdio, forward signals, and
// return the container's exit code when the stream ends.
import { readAll, type ApiClient } from '../../client/api';
import type { CliContext, Command } from '../command';
import { runSession } from '../stdio';
import { proxySignals } from './run';

const enc = encodeURIComponent;

interface AttachOptions {
  stdin: boolean;
  detachKeys?: string;
  sigProxy: boolean;
  /** start the container once attached (start -a) */
  start: boolean;
}

interface ContainerView {
  Id: string;
  Config: { Tty: boolean; OpenStdin: boolean };
  State: { Running: boolean; Paused: boolean; Restarting: boolean };
  HostConfig: { AutoRemove: boolean };
}

export async function attachAndWait(ctx: CliContext, api: ApiClient, name: string, o: AttachOptions): Promise<number> {
  const c = await api.get<ContainerView>(`/containers/${enc(name)}/json`);
  if (!o.start) {
    if (!c.State.Running) throw new Error('You cannot attach to a stopped container, start it first');
    if (c.State.Paused) throw new Error('You cannot attach to a paused container, unpause it first');
    if (c.State.Restarting) throw new Error('You cannot attach to a restarting container, wait until it is running');
  }
  const tty = c.Config.Tty;
  const stdin = o.stdin && c.Config.OpenStdin;
  if (tty && stdin && !ctx.stdinTty) throw new Error('the input device is not a TTY');
  const { socket, head } = await api.hijack(`/containers/${c.Id}/attach`, {
    query: { stream: true, stdin, stdout: true, stderr: true, detachKeys: o.detachKeys },
  });
  let waitBody: Promise<Buffer> | undefined;
  if (o.start) {
    const res = await api.stream('POST', `/containers/${c.Id}/wait`, { query: { condition: c.HostConfig.AutoRemove ? 'removed' : 'next-exit' } });
    waitBody = readAll(res);
    await api.post(`/containers/${c.Id}/start`);
  }
  const stopSignals = !tty && o.sigProxy ? proxySignals(api, c.Id) : () => {};
  let result;
  try {
    result = await runSession({ socket, head, tty, stdin, detachKeys: o.detachKeys, resize: (h, w) => api.post(`/containers/${c.Id}/resize`, { h, w }) });
  } finally {
    stopSignals();
  }
  if (result === 'detached') return 0;
  if (!waitBody) waitBody = api.stream('POST', `/containers/${c.Id}/wait`).then(readAll);
  const body = JSON.parse((await waitBody).toString() || '{}') as { StatusCode?: number };
  return body.StatusCode ?? 0;
}

export const attachCommand: Command = {
  name: 'attach',
  usage: '[OPTIONS] CONTAINER',
  summary: 'Attach local standard input, output, and error streams to a running container',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { long: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' },
    { long: 'sig-proxy', kind: 'bool', help: 'Proxy all received signals to the process', def: true },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return attachAndWait(ctx, api, args[0], {
      stdin: !f.bool('no-stdin'),
      detachKeys: f.str('detach-keys') || undefined,
      sigProxy: f.bool('sig-proxy'),
      start: false,
    });
  },
};
