// `run` and `create`: the create body from flags, pulling a missing image, then
// for run: attach before start so no output is lost, wait, and the exit code.
import * as fs from 'node:fs';
import { ApiError, readAll, type ApiClient } from '../../client/api';
import { SIGNALS } from '../../common/units';
import { PROG, StatusError, errorText, type CliContext, type Command } from '../command';
import type { Flags } from '../flags';
import { buildCreateBody, containerFlags, runOnlyFlags, type ParsedContainer } from '../opts/container';
import { renderJsonMessages } from '../progress';
import { registryAuthHeader } from '../refs';
import { runSession } from '../stdio';

/** "busybox" → "busybox:latest" (a digest or tag is kept). */
export function withDefaultTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.includes(':') ? ref : `${ref}:latest`;
}

export async function pullImage(ctx: CliContext, api: ApiClient, ref: string, opts: { platform?: string; quiet?: boolean }): Promise<void> {
  const full = withDefaultTag(ref);
  const at = full.lastIndexOf(':');
  const hasDigest = full.includes('@');
  const query = hasDigest ? { fromImage: full } : { fromImage: full.slice(0, at), tag: full.slice(at + 1), platform: opts.platform };
  const res = await api.stream('POST', '/images/create', { query, headers: registryAuthHeader(full) });
  await renderJsonMessages(res, { tty: ctx.stderrTty, write: opts.quiet ? () => {} : (s) => ctx.err(s) });
}

async function createContainer(ctx: CliContext, api: ApiClient, p: ParsedContainer, pull: string, quiet: boolean): Promise<string> {
  const image = String(p.body.Image);
  const create = () => api.post<{ Id: string; Warnings?: string[] }>('/containers/create', { name: p.name, platform: p.platform }, p.body);
  if (!['always', 'missing', 'never'].includes(pull)) throw new Error(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  if (pull === 'always') await pullImage(ctx, api, image, { platform: p.platform, quiet });
  let r: { Id: string; Warnings?: string[] };
  try {
    r = await create();
  } catch (e) {
    // a missing image pulls, and so does a local one for another platform than --platform
    if (!(e instanceof ApiError && e.status === 404 && /^No such image|does not match the specified platform/.test(e.message)) || pull !== 'missing') throw e;
    ctx.err(`Unable to find image '${withDefaultTag(image)}' locally\n`);
    await pullImage(ctx, api, image, { platform: p.platform, quiet });
    r = await create();
  }
  for (const w of r.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
  return r.Id;
}

function consoleSize(ctx: CliContext): [number, number] | undefined {
  if (!ctx.stdoutTty) return undefined;
  const [w, h] = process.stdout.getWindowSize();
  return [h, w];
}

/** docker run's exit status for a daemon error: 126/127 when the command could not run. */
function runErrorStatus(msg: string): number {
  if (/executable file not found|no such file or directory/.test(msg)) return 127;
  if (/permission denied|is a directory|not a directory/.test(msg)) return 126;
  return 125;
}

function runError(cmd: string, e: unknown): StatusError {
  const text = errorText(e);
  return new StatusError(`${PROG}: ${text}\n\nRun '${PROG} ${cmd} --help' for more information`, runErrorStatus(text));
}

export const createCommand: Command = {
  name: 'create',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  flags: containerFlags,
  interspersed: false,
  minArgs: 1,
  async run(ctx, f, args) {
    let p: ParsedContainer;
    try {
      p = buildCreateBody(f, args, { run: false, stdinIsTty: ctx.stdinTty, consoleSize: consoleSize(ctx) });
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw new StatusError(`${PROG}: ${errorText(e)}\n\nRun '${PROG} create --help' for more information`, 125);
    }
    const api = await ctx.api();
    // a daemon's refusal is a plain error (exit 1) for create, where run makes it its 125 with the help line
    const id = await createContainer(ctx, api, p, f.str('pull'), f.bool('quiet'));
    writeCidFile(f, id);
    ctx.out(id + '\n');
  },
};

function writeCidFile(f: Flags, id: string): void {
  const file = f.str('cidfile');
  if (!file) return;
  if (fs.existsSync(file)) throw new StatusError(`${PROG}: container ID file found, make sure the other container isn't running or delete ${file}`, 125);
  fs.writeFileSync(file, id);
}

export const runCommand: Command = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  flags: [...containerFlags, ...runOnlyFlags],
  interspersed: false,
  minArgs: 1,
  async run(ctx, f, args) {
    let p: ParsedContainer;
    try {
      p = buildCreateBody(f, args, { run: true, stdinIsTty: ctx.stdinTty, consoleSize: consoleSize(ctx) });
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw new StatusError(`${PROG}: ${errorText(e)}\n\nRun '${PROG} run --help' for more information`, 125);
    }
    const api = await ctx.api();
    let id: string;
    try {
      id = await createContainer(ctx, api, p, f.str('pull'), f.bool('quiet'));
    } catch (e) {
      throw runError('run', e);
    }
    writeCidFile(f, id);
    if (p.detach) {
      try {
        await api.post(`/containers/${id}/start`);
      } catch (e) {
        throw runError('run', e);
      }
      ctx.out(id + '\n');
      return 0;
    }
    return runAttached(ctx, api, id, p, f);
  },
};

async function runAttached(ctx: CliContext, api: ApiClient, id: string, p: ParsedContainer, f: Flags): Promise<number> {
  const tty = Boolean(p.body.Tty);
  const autoRemove = Boolean(p.body.HostConfig.AutoRemove);
  const { stdin, stdout, stderr } = p.attach;
  const detachKeys = f.str('detach-keys') || undefined;
  const hijack =
    stdin || stdout || stderr ? await api.hijack(`/containers/${id}/attach`, { query: { stream: true, stdin, stdout, stderr, detachKeys } }) : undefined;
  // the wait is registered before start so a fast exit cannot be missed
  const waitRes = await api.stream('POST', `/containers/${id}/wait`, { query: { condition: autoRemove ? 'removed' : 'next-exit' } });
  const waitBody = readAll(waitRes);
  try {
    await api.post(`/containers/${id}/start`);
  } catch (e) {
    hijack?.socket.destroy();
    waitRes.destroy();
    throw runError('run', e);
  }
  const stopSignals = !tty && f.bool('sig-proxy') ? proxySignals(api, id) : () => {};
  let result: 'done' | 'detached' = 'done';
  if (hijack)
    result = await runSession({
      socket: hijack.socket,
      head: hijack.head,
      tty,
      stdin,
      detachKeys,
      resize: (h, w) => api.post(`/containers/${id}/resize`, { h, w }),
    });
  if (result === 'detached') {
    stopSignals();
    waitRes.destroy();
    return 0;
  }
  const body = JSON.parse((await waitBody).toString() || '{}') as { StatusCode?: number; Error?: { Message?: string } | null };
  stopSignals();
  if (body.Error?.Message) ctx.err(`${PROG}: Error response from daemon: ${body.Error.Message}\n`);
  return body.StatusCode ?? 125;
}

/** --sig-proxy: signals we receive go to the container (not for a TTY, where keys do it). */
export function proxySignals(api: ApiClient, id: string): () => void {
  const names = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
  const handlers = names.map((n) => {
    const h = () => void api.post(`/containers/${id}/kill`, { signal: String(SIGNALS[n.slice(3)]) }).catch(() => {});
    process.on(n, h);
    return [n, h] as const;
  });
  return () => {
    for (const [n, h] of handlers) process.off(n, h);
  };
}
