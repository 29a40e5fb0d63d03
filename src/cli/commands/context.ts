// context create, ls, use, show, inspect, rm, update, export, import — on the
// docker CLI's own context store (src/client/contexts.ts), with its messages.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContextError, ContextStore, DEFAULT_CONTEXT, validateContextName, type ContextMeta } from '../../client/contexts';
import { forEachName, type CliContext, type Command } from '../command';
import { renderOne, renderRows } from '../format';
import { formatFlag } from '../opts/filter';
import { goIndentJson } from './inspect';
import { readTarFiles, writeTarFiles } from '../../util/tarfiles';
import { byteOrder } from '../../util/compare';

const DEFAULT_DESCRIPTION = 'Current DOCKER_HOST based configuration';
const DOCKER_KEYS = ['from', 'host', 'ca', 'cert', 'key', 'skip-tls-verify'];

const store = () => new ContextStore();

function defaultMeta(ctx: CliContext): ContextMeta {
  return { Name: DEFAULT_CONTEXT, Metadata: {}, Endpoints: { docker: { Host: ctx.connection.defaultHost, SkipTLSVerify: false } } };
}

function getMeta(ctx: CliContext, name: string): ContextMeta {
  return name === DEFAULT_CONTEXT ? defaultMeta(ctx) : store().get(name);
}

/** --docker "host=...,ca=...,cert=...,key=...,skip-tls-verify=true" */
function parseDockerFlag(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v) return out;
  for (const part of v.split(',')) {
    const i = part.indexOf('=');
    const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    if (!DOCKER_KEYS.includes(k)) throw new ContextError(`unable to create docker endpoint config: unrecognized config key: ${k}`);
    out[k] = i < 0 ? '' : part.slice(i + 1);
  }
  return out;
}

type Tls = Partial<Record<'ca.pem' | 'cert.pem' | 'key.pem', Buffer>>;

function readTlsFiles(kv: Record<string, string>): Tls {
  const tls: Tls = {};
  const read = (p: string) => {
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw new ContextError(
        `unable to create docker endpoint config: open ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
      );
    }
  };
  if (kv.ca) tls['ca.pem'] = read(kv.ca);
  if (kv.cert) tls['cert.pem'] = read(kv.cert);
  if (kv.key) tls['key.pem'] = read(kv.key);
  return tls;
}

/** The endpoint (and TLS files) of an existing context, for --from and for defaults. */
function copyOf(ctx: CliContext, name: string): { docker: ContextMeta['Endpoints']['docker']; tls: Tls; description?: string } {
  const m = getMeta(ctx, name);
  const tls: Tls = {};
  if (name !== DEFAULT_CONTEXT) {
    const dir = path.join(store().tlsDir(name), 'docker');
    for (const f of store().tlsFiles(name)) tls[f as keyof Tls] = fs.readFileSync(path.join(dir, f));
  }
  return { docker: { ...m.Endpoints.docker }, tls, description: name === DEFAULT_CONTEXT ? DEFAULT_DESCRIPTION : m.Metadata.Description };
}

function endpointFrom(ctx: CliContext, kv: Record<string, string>): { docker: ContextMeta['Endpoints']['docker']; tls: Tls } {
  if (kv.from !== undefined) {
    const c = copyOf(ctx, kv.from || ctx.connection.context);
    return { docker: c.docker, tls: c.tls };
  }
  const skip = kv['skip-tls-verify'];
  if (skip !== undefined && !/^(1|t|true|0|f|false|)$/i.test(skip))
    throw new ContextError(`unable to create docker endpoint config: name: skip-tls-verify: strconv.ParseBool: parsing "${skip}": invalid syntax`);
  return {
    docker: { Host: kv.host || ctx.connection.defaultHost, SkipTLSVerify: /^(1|t|true)$/i.test(skip ?? '') },
    tls: readTlsFiles(kv),
  };
}

export const contextCreateCommand: Command = {
  name: 'create',
  usage: '[OPTIONS] CONTEXT',
  summary: 'Create a context',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'description', kind: 'string', help: 'Description of the context' },
    { long: 'docker', kind: 'string', help: 'set the docker endpoint', valueName: 'stringToString', def: '' },
    { long: 'from', kind: 'string', help: 'create context from a named context' },
  ],
  async run(ctx, f, [name]) {
    validateContextName(name);
    const s = store();
    if (s.exists(name)) throw new ContextError(`context "${name}" already exists`);
    if (f.isSet('from') && f.isSet('docker')) throw new ContextError('cannot use --docker flag when --from is set');
    let docker: ContextMeta['Endpoints']['docker'];
    let tls: Tls;
    let description = f.str('description') || undefined;
    if (f.isSet('docker')) ({ docker, tls } = endpointFrom(ctx, parseDockerFlag(f.str('docker'))));
    else {
      // neither --docker nor --from: a copy of the current context, as the docker CLI does
      const c = copyOf(ctx, f.str('from') || ctx.connection.context);
      ({ docker, tls } = c);
      description ??= c.description;
    }
    s.write({ Name: name, Metadata: description ? { Description: description } : {}, Endpoints: { docker } }, tls);
    ctx.out(`${name}\n`);
    ctx.err(`Successfully created context "${name}"\n`);
  },
};

export const contextUpdateCommand: Command = {
  name: 'update',
  usage: '[OPTIONS] CONTEXT',
  summary: 'Update a context',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'description', kind: 'string', help: 'Description of the context' },
    { long: 'docker', kind: 'string', help: 'set the docker endpoint', valueName: 'stringToString', def: '' },
  ],
  async run(ctx, f, [name]) {
    validateContextName(name);
    const s = store();
    const m = notFoundAsDocker(s, name);
    if (f.isSet('description')) m.Metadata.Description = f.str('description');
    let tls: Tls | undefined;
    if (f.isSet('docker')) {
      const e = endpointFrom(ctx, parseDockerFlag(f.str('docker')));
      m.Endpoints.docker = e.docker;
      tls = e.tls;
    }
    s.write(m, tls);
    ctx.out(`${name}\n`);
    ctx.err(`Successfully updated context "${name}"\n`);
  },
};

function notFoundAsDocker(s: ContextStore, name: string): ContextMeta {
  try {
    return s.get(name);
  } catch (e) {
    if (e instanceof ContextError)
      throw new ContextError(`context "${name}": context not found: open ${path.join(s.metaDir(name), 'meta.json')}: no such file or directory`);
    throw e;
  }
}

interface ContextRow {
  Name: string;
  Description: string;
  DockerEndpoint: string;
  Current: boolean;
  Error: string;
}

export const contextLsCommand: Command = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  summary: 'List contexts',
  maxArgs: 0,
  flags: [formatFlag(), { long: 'quiet', short: 'q', kind: 'bool', help: 'Only show context names' }],
  async run(ctx, f) {
    const cur = ctx.connection.context;
    const metas = [defaultMeta(ctx), ...store().list()];
    const rows: ContextRow[] = metas
      .map((m) => ({
        Name: m.Name,
        Description: m.Name === DEFAULT_CONTEXT ? DEFAULT_DESCRIPTION : (m.Metadata?.Description ?? ''),
        DockerEndpoint: m.Endpoints?.docker?.Host ?? '',
        Current: m.Name === cur,
        Error: '',
      }))
      .sort((a, b) => byteOrder(a.Name, b.Name));
    if (f.bool('quiet')) {
      ctx.out(rows.map((r) => r.Name + '\n').join(''));
      return;
    }
    const format = f.str('format');
    if (format && format !== 'table' && !format.startsWith('table ')) {
      ctx.out(renderRows(format, rows, { defaultTable: '', headers: {} }));
    } else {
      // the table marks the current context with " *" after its name
      const shown = rows.map((r) => ({ ...r, Name: r.Current ? `${r.Name} *` : r.Name }));
      ctx.out(
        renderRows(format || 'table', shown, {
          defaultTable: 'table {{.Name}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}',
          headers: { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR', Current: 'CURRENT' },
        }),
      );
    }
    if (ctx.connection.warning) ctx.err(ctx.connection.warning + '\n');
  },
};

export const contextUseCommand: Command = {
  name: 'use',
  usage: 'CONTEXT',
  summary: 'Set the current docker context',
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx, _f, [name]) {
    const s = store();
    if (name !== DEFAULT_CONTEXT) notFoundAsDocker(s, name);
    s.setCurrent(name);
    ctx.out(`${name}\n`);
    ctx.err(`Current context is now "${name}"\n`);
    if (process.env.DOCKER_HOST && name !== DEFAULT_CONTEXT)
      ctx.err(
        'Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset DOCKER_HOST environment variable.\n',
      );
  },
};

export const contextShowCommand: Command = {
  name: 'show',
  usage: '',
  summary: 'Print the name of the current context',
  maxArgs: 0,
  flags: [],
  async run(ctx) {
    ctx.out(`${ctx.connection.context}\n`);
  },
};

function inspectView(ctx: CliContext, name: string): Record<string, unknown> {
  const s = store();
  if (name === DEFAULT_CONTEXT) {
    return { ...defaultMeta(ctx), TLSMaterial: {}, Storage: { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' } };
  }
  const m = notFoundAsDocker(s, name);
  const files = s.tlsFiles(name);
  return {
    Name: m.Name,
    Metadata: m.Metadata,
    Endpoints: m.Endpoints,
    TLSMaterial: files.length ? { docker: files } : {},
    Storage: { MetadataPath: s.metaDir(name), TLSPath: s.tlsDir(name) },
  };
}

export const contextInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] [CONTEXT] [CONTEXT...]',
  summary: 'Display detailed information on one or more contexts',
  flags: [formatFlag(true)],
  async run(ctx, f, args) {
    const names = args.length ? args : [ctx.connection.context];
    const found: unknown[] = [];
    let failed = false;
    for (const n of names) {
      try {
        found.push(inspectView(ctx, n));
      } catch (e) {
        failed = true;
        ctx.err(`${(e as Error).message}\n`);
      }
    }
    const format = f.str('format');
    if (format) for (const o of found) ctx.out(renderOne(format, o));
    else ctx.out(goIndentJson(found) + '\n');
    return failed ? 1 : 0;
  },
};

export const contextRmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: 'CONTEXT [CONTEXT...]',
  summary: 'Remove one or more contexts',
  minArgs: 1,
  flags: [{ long: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a context in use' }],
  async run(ctx, f, names) {
    const s = store();
    return forEachName(ctx, names, async (name) => {
      if (name === DEFAULT_CONTEXT) throw new ContextError(`default: context "default" cannot be removed`);
      const inUse = s.current() === name;
      if (inUse && !f.bool('force')) throw new ContextError(`context "${name}" is in use, set -f flag to force remove`);
      if (!s.exists(name)) throw new ContextError(`context "${name}" does not exist`);
      s.remove(name);
      if (inUse) s.setCurrent(DEFAULT_CONTEXT);
      ctx.out(`${name}\n`);
    });
  },
};

export const contextExportCommand: Command = {
  name: 'export',
  usage: '[OPTIONS] CONTEXT [FILE|-]',
  summary: 'Export a context to a tar archive FILE or a tar stream on STDOUT.',
  minArgs: 1,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, [name, file]) {
    if (name === DEFAULT_CONTEXT) throw new ContextError('the default context cannot be exported');
    const s = store();
    const m = notFoundAsDocker(s, name);
    const dir = path.join(s.tlsDir(name), 'docker');
    const files = s.tlsFiles(name).map((f) => ({ path: `tls/docker/${f}`, data: fs.readFileSync(path.join(dir, f)), mode: 0o600 }));
    const tar = await writeTarFiles([{ path: 'meta.json', data: Buffer.from(JSON.stringify(m)), mode: 0o644 }, ...files], {
      dirMode: 0o700,
      mtime: new Date(0),
    });
    const dest = file ?? `${name}.dockercontext`;
    if (dest === '-') {
      await new Promise<void>((res) => process.stdout.write(tar, () => res()));
      return;
    }
    fs.writeFileSync(dest, tar, { mode: 0o600 });
    ctx.err(`Written file "${dest}"\n`);
  },
};

export const contextImportCommand: Command = {
  name: 'import',
  usage: 'CONTEXT FILE|-',
  summary: 'Import a context from a tar or zip file',
  minArgs: 2,
  maxArgs: 2,
  flags: [],
  async run(ctx, _f, [name, file]) {
    validateContextName(name);
    const s = store();
    if (s.exists(name)) throw new ContextError(`context "${name}" already exists`);
    let data: Buffer;
    try {
      data = file === '-' ? fs.readFileSync(0) : fs.readFileSync(file);
    } catch (e) {
      throw new ContextError(`open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    let entries: Map<string, Buffer>;
    try {
      entries = await readTarFiles(data);
    } catch (e) {
      throw new ContextError(`invalid context archive: ${(e as Error).message}`);
    }
    const meta = entries.get('meta.json');
    if (!meta) throw new ContextError('invalid context: no metadata found');
    let m: ContextMeta;
    try {
      m = JSON.parse(meta.toString('utf8')) as ContextMeta;
    } catch (e) {
      throw new ContextError(`invalid context: ${(e as Error).message}`);
    }
    const tls: Tls = {};
    for (const f of ['ca.pem', 'cert.pem', 'key.pem'] as const) {
      const d = entries.get(`tls/docker/${f}`);
      if (d) tls[f] = d;
    }
    s.write({ Name: name, Metadata: m.Metadata ?? {}, Endpoints: m.Endpoints ?? {} }, tls);
    ctx.out(`${name}\n`);
    ctx.err(`Successfully imported context "${name}"\n`);
  },
};
