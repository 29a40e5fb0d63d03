// version: the client's own facts beside the daemon's.
import { CLIENT_API_VERSION, ConnectError } from '../../client/api';
import { errorText, type Command } from '../command';
import { renderOne } from '../format';
import { formatFlag } from '../opts/filter';

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
