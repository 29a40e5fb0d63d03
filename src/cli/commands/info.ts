// info: the daemon's system-wide information, as docker prints it.
import * as os from 'node:os';
import { PROG, type Command } from '../command';
import { renderOne } from '../format';
import { bytesSize } from '../../util/humansize';
import { formatFlag } from '../opts/filter';
import { CLIENT_VERSION } from './version';

export const infoCommand: Command = {
  name: 'info',
  usage: '[OPTIONS]',
  summary: 'Display system-wide information',
  maxArgs: 0,
  flags: [formatFlag(true)],
  async run(ctx, f) {
    const api = await ctx.api();
    const i = await api.get<Record<string, any>>('/info');
    const format = f.str('format');
    if (format) {
      // docker's template sees the server info at the top level plus .ClientInfo
      ctx.out(renderOne(format, { ...i, ClientInfo: { Debug: false, Context: 'default' } }));
      return;
    }
    const lines = [
      'Client:',
      ` Version:    ${CLIENT_VERSION}`,
      ' Context:    default',
      ' Debug Mode: false',
      '',
      'Server:',
      ` Containers: ${i.Containers}`,
      `  Running: ${i.ContainersRunning}`,
      `  Paused: ${i.ContainersPaused}`,
      `  Stopped: ${i.ContainersStopped}`,
      ` Images: ${i.Images}`,
      ` Server Version: ${i.ServerVersion}`,
      ` Storage Driver: ${i.Driver}`,
      ...(i.DriverStatus ?? []).map((kv: string[]) => `  ${kv[0]}: ${kv[1]}`),
      ` Logging Driver: ${i.LoggingDriver}`,
      ` Cgroup Driver: ${i.CgroupDriver}`,
      ` Cgroup Version: ${i.CgroupVersion}`,
      ' Plugins:',
      `  Volume: ${(i.Plugins?.Volume ?? []).join(' ')}`,
      `  Network: ${(i.Plugins?.Network ?? []).join(' ')}`,
      `  Log: ${(i.Plugins?.Log ?? []).join(' ')}`,
      ` Swarm: ${i.Swarm?.LocalNodeState ?? 'inactive'}`,
      ` Runtimes: ${Object.keys(i.Runtimes ?? {})
        .sort()
        .join(' ')}`,
      ` Default Runtime: ${i.DefaultRuntime}`,
      ` Init Binary: ${i.InitBinary}`,
      ` containerd version: ${i.ContainerdCommit?.ID ?? ''}`,
      ` runc version: ${i.RuncCommit?.ID ?? ''}`,
      ` init version: ${i.InitCommit?.ID ?? ''}`,
      ' Security Options:',
      ...(i.SecurityOptions ?? []).flatMap((o: string) =>
        o.split(',').map((kv, n) => (n === 0 ? `  ${kv.replace(/^name=/, '')}` : `   ${kv.replace('=', ': ').replace(/^profile/, 'Profile')}`)),
      ),
      ` Kernel Version: ${i.KernelVersion}`,
      ` Operating System: ${i.OperatingSystem}`,
      ` OSType: ${i.OSType}`,
      ` Architecture: ${i.Architecture}`,
      ` CPUs: ${i.NCPU}`,
      ` Total Memory: ${bytesSize(i.MemTotal ?? 0)}`,
      ` Name: ${i.Name ?? os.hostname()}`,
      ` ID: ${i.ID ?? ''}`,
      ` ${PROG === 'berth' ? 'Docker' : ''} Root Dir: ${i.DockerRootDir}`.replace(/^  Root/, ' Root').replace(' Docker Root', ' Docker Root'),
      ` Debug Mode: ${i.Debug ? 'true' : 'false'}`,
      ...(i.Labels?.length ? [' Labels:', ...i.Labels.map((l: string) => `  ${l}`)] : []),
      ` Experimental: ${i.ExperimentalBuild ? 'true' : 'false'}`,
      ' Insecure Registries:',
      ...(i.RegistryConfig?.InsecureRegistryCIDRs ?? []).map((c: string) => `  ${c}`),
      ...(i.RegistryConfig?.Mirrors?.length ? [' Registry Mirrors:', ...i.RegistryConfig.Mirrors.map((m: string) => `  ${m}`)] : []),
      ` Live Restore Enabled: ${i.LiveRestoreEnabled ? 'true' : 'false'}`,
      '',
    ];
    ctx.out(lines.join('\n') + '\n');
    for (const w of i.Warnings ?? []) ctx.err(`${w}\n`);
  },
};
