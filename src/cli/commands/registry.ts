// pull, push, login, logout, search: the registry commands. Credentials live in
// a Docker-compatible config.json ($DOCKER_CONFIG or ~/.docker) and go to the
// daemon in X-Registry-Auth, as the docker CLI sends them.
import * as readline from 'node:readline';
import { parseReference } from '../../common/reference';
import { CredentialFile, encodeAuthHeader, registryKey, HUB_AUTH_KEY } from '../../common/credentials';
import { StatusError, type CliContext, type Command } from '../command';
import { renderRows } from '../format';
import { renderJsonMessages } from '../progress';
import { filterFlag, filterQuery } from './filters';

/** X-Registry-Auth for the registry of a reference (stored credentials, or an empty config). */
export function registryAuthHeader(ref: string): Record<string, string> {
  let domain = 'docker.io';
  try {
    domain = parseReference(ref).domain;
  } catch {
    /* the daemon reports bad references */
  }
  const creds = new CredentialFile().get(domain === 'docker.io' ? HUB_AUTH_KEY : domain);
  return { 'X-Registry-Auth': encodeAuthHeader(creds ?? {}) };
}

function fullRef(ref: string): string {
  const r = parseReference(ref);
  let s = `${r.domain}/${r.path}`;
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** A reference the user typed; a bad one exits 1 with the parser's message, as docker does. */
function userReference(name: string): ReturnType<typeof parseReference> {
  try {
    return parseReference(name);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
}

export const pullCommand: Command = {
  name: 'pull',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Download all tagged images in the repository' },
    { long: 'disable-content-trust', kind: 'bool', help: 'Skip image verification', def: true },
    { long: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  ],
  async run(ctx, f, [name]) {
    const r = userReference(name);
    const all = f.bool('all-tags');
    if (all && (r.tag || r.digest)) throw new StatusError('tag can\'t be used with --all-tags/-a', 1);
    const api = await ctx.api();
    const tag = all ? undefined : r.digest ?? r.tag ?? 'latest';
    const res = await api.stream('POST', '/images/create', {
      query: { fromImage: `${r.domain}/${r.path}`, tag: tag ?? '', platform: f.str('platform') || undefined },
      headers: registryAuthHeader(name),
    });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: f.bool('quiet') ? () => {} : (s) => ctx.out(s) });
    ctx.out(all ? `${r.domain}/${r.path}\n` : fullRef(r.tag || r.digest ? name : `${name}:latest`) + '\n');
  },
};

export const pushCommand: Command = {
  name: 'push',
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'all-tags', short: 'a', kind: 'bool', help: 'Push all tags of an image to the repository' },
    { long: 'disable-content-trust', kind: 'bool', help: 'Skip image signing', def: true },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  ],
  async run(ctx, f, [name]) {
    const r = userReference(name);
    const all = f.bool('all-tags');
    if (all && r.tag) throw new StatusError('tag can\'t be used with --all-tags/-a', 1);
    if (r.digest) throw new StatusError('cannot push a digest reference', 1);
    const tag = all ? '' : (r.tag ?? 'latest');
    const api = await ctx.api();
    const res = await api.stream('POST', `/images/${r.repo}/push`, { query: { tag }, headers: registryAuthHeader(name) });
    await renderJsonMessages(res, { tty: ctx.stdoutTty, write: f.bool('quiet') ? () => {} : (s) => ctx.out(s) });
    if (f.bool('quiet')) ctx.out(all ? `${r.repo}\n` : `${r.repo}:${tag}\n`);
  },
};

function prompt(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    if (hidden) {
      const w = (rl as unknown as { _writeToOutput: (s: string) => void });
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
    const shown = args[0] ?? HUB_AUTH_KEY;
    const file = new CredentialFile();
    if (!file.get(server)) {
      ctx.out(`Not logged in to ${shown}\n`);
      return;
    }
    ctx.out(`Removing login credentials for ${shown}\n`);
    file.remove(server);
  },
};

interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

class SearchRow {
  constructor(
    private readonly r: SearchResult,
    private readonly trunc: boolean,
  ) {}
  get Name(): string {
    return this.r.name;
  }
  get Description(): string {
    const d = this.r.description.replace(/\n/g, ' ');
    return this.trunc && [...d].length > 45 ? [...d].slice(0, 44).join('') + '…' : d;
  }
  get StarCount(): string {
    return String(this.r.star_count);
  }
  get IsOfficial(): string {
    return this.r.is_official ? '[OK]' : '';
  }
  get IsAutomated(): string {
    return this.r.is_automated ? '[OK]' : '';
  }
}

export const searchCommand: Command = {
  name: 'search',
  usage: '[OPTIONS] TERM',
  summary: 'Search Docker Hub for images',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    filterFlag('Filter output based on conditions provided'),
    { long: 'format', kind: 'string', help: 'Pretty-print search using a Go template' },
    { long: 'limit', kind: 'int', help: 'Max number of search results' },
    { long: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  ],
  async run(ctx, f, [term]) {
    const api = await ctx.api();
    const list = await api.json<SearchResult[]>('GET', '/images/search', {
      query: { term, limit: f.int('limit'), filters: filterQuery(f.list('filter')) },
      headers: registryAuthHeader(term.includes('/') ? term : 'docker.io/x'),
    });
    const rows = list.map((r) => new SearchRow(r, !f.bool('no-trunc')));
    ctx.out(
      renderRows(f.str('format') || undefined, rows, {
        defaultTable: 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}',
        headers: { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' },
      }),
    );
  },
};
