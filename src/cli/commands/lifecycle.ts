// start, stop, restart, kill, pause, unpause, rm, wait, rename, update, prune.
import { readAll } from '../../client/api';
import { parseMemory } from '../../common/units';
import { forEachName, type Command } from '../command';
import { FlagError, type FlagDef } from '../flags';
import { filterFlag } from './filters';
import { attachAndWait } from './attach';

const enc = encodeURIComponent;

export const startCommand: Command = {
  name: 'start',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  minArgs: 1,
  flags: [
    { long: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
    { long: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    if (f.bool('attach') || f.bool('interactive')) {
      if (args.length > 1) throw new Error('you cannot start and attach multiple containers at once');
      return attachAndWait(ctx, api, args[0], {
        stdin: f.bool('interactive'),
        detachKeys: f.str('detach-keys') || undefined,
        sigProxy: true,
        start: true,
      });
    }
    return forEachName(ctx, args, async (n) => {
      await api.post(`/containers/${enc(n)}/start`);
      ctx.out(n + '\n');
    });
  },
};

const stopFlags: FlagDef[] = [
  { long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' },
  { long: 'time', short: 't', kind: 'int', help: 'Seconds to wait before killing the container' },
];

function stopLike(name: 'stop' | 'restart', summary: string): Command {
  return {
    name,
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    summary,
    minArgs: 1,
    flags: stopFlags,
    async run(ctx, f, args) {
      const api = await ctx.api();
      const query = { t: f.isSet('time') ? f.int('time') : undefined, signal: f.str('signal') || undefined };
      return forEachName(ctx, args, async (n) => {
        await api.post(`/containers/${enc(n)}/${name}`, query);
        ctx.out(n + '\n');
      });
    },
  };
}

export const stopCommand = stopLike('stop', 'Stop one or more running containers');
export const restartCommand = stopLike('restart', 'Restart one or more containers');

export const killCommand: Command = {
  name: 'kill',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  minArgs: 1,
  flags: [{ long: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' }],
  async run(ctx, f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      await api.post(`/containers/${enc(n)}/kill`, { signal: f.str('signal') || undefined });
      ctx.out(n + '\n');
    });
  },
};

function simple(name: 'pause' | 'unpause', summary: string): Command {
  return {
    name,
    usage: 'CONTAINER [CONTAINER...]',
    summary,
    minArgs: 1,
    flags: [],
    async run(ctx, _f, args) {
      const api = await ctx.api();
      return forEachName(ctx, args, async (n) => {
        await api.post(`/containers/${enc(n)}/${name}`);
        ctx.out(n + '\n');
      });
    },
  };
}

export const pauseCommand = simple('pause', 'Pause all processes within one or more containers');
export const unpauseCommand = simple('unpause', 'Unpause all processes within one or more containers');

export const rmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  minArgs: 1,
  flags: [
    { long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'link', short: 'l', kind: 'bool', help: 'Remove the specified link' },
    { long: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  async run(ctx, f, args) {
    const api = await ctx.api();
    const query = { force: f.bool('force') || undefined, v: f.bool('volumes') || undefined, link: f.bool('link') || undefined };
    return forEachName(ctx, args, async (n) => {
      const name = n.replace(/^\//, '');
      if (name === '') throw new Error('Container name cannot be empty');
      await api.json('DELETE', `/containers/${enc(name)}`, { query });
      ctx.out(n + '\n');
    });
  },
};

export const waitCommand: Command = {
  name: 'wait',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  minArgs: 1,
  flags: [],
  async run(ctx, _f, args) {
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      const res = await api.stream('POST', `/containers/${enc(n)}/wait`);
      const body = JSON.parse((await readAll(res)).toString()) as { StatusCode: number };
      ctx.out(`${body.StatusCode}\n`);
    });
  },
};

export const renameCommand: Command = {
  name: 'rename',
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, args) {
    const [oldName, newName] = args.map((a) => a.trim());
    if (!oldName || !newName) throw new Error('Error: Neither old nor new names may be empty');
    const api = await ctx.api();
    await api.post(`/containers/${enc(oldName)}/rename`, { name: newName });
  },
};

const memFlag = (long: string, help: string, short?: string): FlagDef => ({
  long,
  short,
  kind: 'string',
  help,
  valueName: 'bytes',
  parse: (v) => (v === '-1' && long === 'memory-swap' ? v : (parseMemory(v), v)),
});

export const updateCommand: Command = {
  name: 'update',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  minArgs: 1,
  flags: [
    { long: 'blkio-weight', kind: 'int', help: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', valueName: 'uint16' },
    { long: 'cpu-period', kind: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) period' },
    { long: 'cpu-quota', kind: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
    { long: 'cpu-rt-period', kind: 'int', help: 'Limit the CPU real-time period in microseconds' },
    { long: 'cpu-rt-runtime', kind: 'int', help: 'Limit the CPU real-time runtime in microseconds' },
    { long: 'cpu-shares', short: 'c', kind: 'int', help: 'CPU shares (relative weight)' },
    { long: 'cpus', kind: 'string', help: 'Number of CPUs', valueName: 'decimal', parse: (v) => { if (!/^\d*\.?\d+$/.test(v)) throw new Error(`failed to parse ${v} as a rational number`); return v; } },
    { long: 'cpuset-cpus', kind: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
    { long: 'cpuset-mems', kind: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
    memFlag('memory', 'Memory limit', 'm'),
    memFlag('memory-reservation', 'Memory soft limit'),
    memFlag('memory-swap', "Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
    { long: 'pids-limit', kind: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
    { long: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits' },
  ],
  async run(ctx, f, args) {
    if (f.changed.size === 0) throw new Error('you must provide one or more flags when using this command');
    const body: Record<string, unknown> = {};
    const ints: Array<[string, string]> = [
      ['blkio-weight', 'BlkioWeight'], ['cpu-period', 'CpuPeriod'], ['cpu-quota', 'CpuQuota'], ['cpu-rt-period', 'CpuRealtimePeriod'],
      ['cpu-rt-runtime', 'CpuRealtimeRuntime'], ['cpu-shares', 'CpuShares'], ['pids-limit', 'PidsLimit'],
    ];
    for (const [flag, key] of ints) if (f.isSet(flag)) body[key] = f.int(flag);
    if (f.isSet('cpus')) body.NanoCpus = Math.round(parseFloat(f.str('cpus')) * 1e9);
    if (f.isSet('cpuset-cpus')) body.CpusetCpus = f.str('cpuset-cpus');
    if (f.isSet('cpuset-mems')) body.CpusetMems = f.str('cpuset-mems');
    if (f.isSet('memory')) body.Memory = parseMemory(f.str('memory'));
    if (f.isSet('memory-reservation')) body.MemoryReservation = parseMemory(f.str('memory-reservation'));
    if (f.isSet('memory-swap')) body.MemorySwap = f.str('memory-swap') === '-1' ? -1 : parseMemory(f.str('memory-swap'));
    if (f.isSet('restart')) {
      const [name, count] = f.str('restart').split(':');
      if (count !== undefined && !/^\d+$/.test(count)) throw new FlagError('invalid restart policy format: maximum retry count must be an integer');
      body.RestartPolicy = { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
    }
    const api = await ctx.api();
    return forEachName(ctx, args, async (n) => {
      const r = await api.post<{ Warnings?: string[] }>(`/containers/${enc(n)}/update`, undefined, body);
      for (const w of r?.Warnings ?? []) ctx.err(`WARNING: ${w}\n`);
      ctx.out(n + '\n');
    });
  },
};

export const containerPruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  maxArgs: 0,
  flags: [filterFlag('Provide filter values (e.g. "until=<timestamp>")', false), { long: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }],
  async run(ctx, f) {
    if (!f.bool('force') && !(await ctx.confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return 0;
    const { pruneContainers, pruneReport } = await import('./prune');
    ctx.out(pruneReport(await pruneContainers(await ctx.api(), f.list('filter'))));
  },
};
