// version and info: the client's own facts beside the daemon's.
import * as os from 'node:os';
import { CLIENT_API_VERSION, ConnectError } from '../../client/api';
import { errorText, PROG, type Command } from '../command';
import { renderOne } from '../format';
import { bytesSize } from '../../util/humansize';
import { formatFlag } from './filters';

export const CLIENT_VERSION = '0.1.0';

const goArch = (): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm' })[process.arch as string] ?? process.arch;

function clientFacts(host: string) {
  return {
    Platform: { Name: 'berth' },
    Version: CLIENT_VERSION,
    ApiVersion: CLIENT_API_VERSION,
    APIVersion: CLIENT_API_VERSION,
    DefaultAPIVersion: CLIENT_API_VERSION,
    GitCommit: 'berth',
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: goArch(),
    BuildTime: '',
    Context: 'default',
    Host: host,
  };
}

const pad = (label: string, width: number) => (label + ':').padEnd(width);

export const versionCommand: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  summary: 'Show the berth version information',
  maxArgs: 0,
  flags: [formatFlag(true)],
  async run(ctx, f) {
    const api = await ctx.api();
    const client = { ...clientFacts(api.host), ApiVersion: api.apiVersion, APIVersion: api.apiVersion };
    let server: Record<string, any> | undefined;
    let serverErr: unknown;
    try {
      server = await api.get('/version');
      // templates written for docker use the Go field names
      server!.APIVersion = server!.ApiVersion;
      server!.MinAPIVersion ??= server!.MinApiVersion;
    } catch (e) {
      // an absent default daemon is started by main; only other failures are shown here
      if (e instanceof ConnectError) throw e;
      serverErr = e;
    }
    const format = f.str('format');
    if (format) {
      ctx.out(renderOne(format, { Client: client, Server: server ?? null }));
    } else {
      let s = `Client:\n ${pad('Version', 18)}${client.Version}\n ${pad('API version', 18)}${client.ApiVersion}\n ${pad('Go version', 18)}${client.GoVersion}\n`;
      s += ` ${pad('Git commit', 18)}${client.GitCommit}\n ${pad('Built', 18)}${client.BuildTime}\n ${pad('OS/Arch', 18)}${client.Os}/${client.Arch}\n ${pad('Context', 18)}${client.Context}\n`;
      if (server) {
        s += `\nServer: ${server.Platform?.Name ?? ''}\n`;
        for (const c of server.Components ?? []) {
          s += ` ${c.Name}:\n`;
          if (c.Name === 'Engine') {
            const d = c.Details ?? {};
            s += `  ${pad('Version', 17)}${c.Version}\n  ${pad('API version', 17)}${d.ApiVersion} (minimum version ${d.MinAPIVersion})\n  ${pad('Go version', 17)}${d.GoVersion}\n`;
            s += `  ${pad('Git commit', 17)}${d.GitCommit}\n  ${pad('Built', 17)}${d.BuildTime}\n  ${pad('OS/Arch', 17)}${d.Os}/${d.Arch}\n  ${pad('Experimental', 17)}${d.Experimental}\n`;
          } else {
            s += `  ${pad('Version', 17)}${c.Version}\n`;
            for (const [k, v] of Object.entries(c.Details ?? {})) s += `  ${pad(k, 17)}${v}\n`;
          }
        }
      }
      ctx.out(s);
    }
    if (serverErr) {
      ctx.err(errorText(serverErr) + '\n');
      return 1;
    }
  },
};

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
      ` Runtimes: ${Object.keys(i.Runtimes ?? {}).sort().join(' ')}`,
      ` Default Runtime: ${i.DefaultRuntime}`,
      ` Init Binary: ${i.InitBinary}`,
      ` containerd version: ${i.ContainerdCommit?.ID ?? ''}`,
      ` runc version: ${i.RuncCommit?.ID ?? ''}`,
      ` init version: ${i.InitCommit?.ID ?? ''}`,
      ' Security Options:',
      ...(i.SecurityOptions ?? []).flatMap((o: string) => o.split(',').map((kv, n) => (n === 0 ? `  ${kv.replace(/^name=/, '')}` : `   ${kv.replace('=', ': ').replace(/^profile/, 'Profile')}`))),
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
