// update: a container's resources and restart policy, while it runs.
import { parseMemory } from '../../common/units';
import { forEachName, type Command } from '../command';
import { FlagError, type FlagDef } from '../flags';

const enc = encodeURIComponent;

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
    {
      long: 'cpus',
      kind: 'string',
      help: 'Number of CPUs',
      valueName: 'decimal',
      parse: (v) => {
        if (!/^\d*\.?\d+$/.test(v)) throw new Error(`failed to parse ${v} as a rational number`);
        return v;
      },
    },
    { long: 'cpuset-cpus', kind: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
    { long: 'cpuset-mems', kind: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
    memFlag('memory', 'Memory limit', 'm'),
    memFlag('memory-reservation', 'Memory soft limit'),
    memFlag('memory-swap', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap'),
    { long: 'pids-limit', kind: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
    { long: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits' },
  ],
  async run(ctx, f, args) {
    if (f.changed.size === 0) throw new Error('you must provide one or more flags when using this command');
    const body: Record<string, unknown> = {};
    const ints: Array<[string, string]> = [
      ['blkio-weight', 'BlkioWeight'],
      ['cpu-period', 'CpuPeriod'],
      ['cpu-quota', 'CpuQuota'],
      ['cpu-rt-period', 'CpuRealtimePeriod'],
      ['cpu-rt-runtime', 'CpuRealtimeRuntime'],
      ['cpu-shares', 'CpuShares'],
      ['pids-limit', 'PidsLimit'],
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
