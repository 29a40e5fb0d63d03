// login and logout: credentials in a Docker-compatible config.json
// ($DOCKER_CONFIG or ~/.docker), checked by the daemon against the registry.
import * as readline from 'node:readline';
import { CredentialFile, registryKey, HUB_AUTH_KEY } from '../../common/credentials';
import { StatusError, type CliContext, type Command } from '../command';

function prompt(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    if (hidden) {
      const w = rl as unknown as { _writeToOutput: (s: string) => void };
      w._writeToOutput = (s: string) => {
        if (s.includes(question)) process.stdout.write(question);
      };
    }
    rl.question(question, (a) => {
      rl.close();
      if (hidden) process.stdout.write('\n');
      resolve(a);
    });
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const loginCommand: Command = {
  name: 'login',
  usage: '[OPTIONS] [SERVER]',
  summary: 'Log in to a registry',
  maxArgs: 1,
  flags: [
    { long: 'password', short: 'p', kind: 'string', help: 'Password or Personal Access Token (PAT)' },
    { long: 'password-stdin', kind: 'bool', help: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { long: 'username', short: 'u', kind: 'string', help: 'Username' },
  ],
  async run(ctx, f, args) {
    const server = args[0] ? registryKey(args[0]) : HUB_AUTH_KEY;
    let username = f.str('username');
    let password = f.str('password');
    if (f.isSet('password')) ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (f.bool('password-stdin')) {
      if (f.isSet('password')) throw new StatusError('--password and --password-stdin are mutually exclusive', 1);
      if (!username) throw new StatusError('Must provide --username with --password-stdin', 1);
      password = (await readStdin()).replace(/\r?\n$/, '');
    }
    if (!username || !password) {
      if (!ctx.stdinTty) throw new StatusError('Error: Cannot perform an interactive login from a non TTY device', 1);
      if (!username) username = (await prompt('Username: ', false)).trim();
      if (!username) throw new StatusError('Error: Non-null Username Required', 1);
      if (!password) password = await prompt('Password: ', true);
      if (!password) throw new StatusError('Error: Password Required', 1);
    }
    const api = await ctx.api();
    const res = await api.post<{ Status: string; IdentityToken?: string }>('/auth', undefined, { username, password, serveraddress: server });
    new CredentialFile().set(server, { username, password, identitytoken: res.IdentityToken || undefined });
    ctx.out(`${res.Status || 'Login Succeeded'}\n`);
  },
};

export const logoutCommand: Command = {
  name: 'logout',
  usage: '[SERVER]',
  summary: 'Log out from a registry',
  maxArgs: 1,
  flags: [],
  async run(ctx: CliContext, _f, args) {
    const server = args[0] ? registryKey(args[0]) : HUB_AUTH_KEY;
    // the docker CLI (since 25) says this whether or not it held credentials for the server
    ctx.out(`Removing login credentials for ${server}\n`);
    const file = new CredentialFile();
    if (file.get(server)) file.remove(server);
  },
};
