// `berth build` (also `image build`, `builder build`) with docker's flags, and
// `builder prune`. The context is prepared here (see build-context.ts) and
// sent to POST /build; the output is docker's plain text, or a live view on
// a terminal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeAuthHeader, CredentialFile, defaultConfigPath, type AuthConfig } from '../../common/credentials';
import { parseMemory, parseUlimit } from '../../common/units';
import { jsonLines } from '../../client/streams';
import { StatusError, type Command } from '../command';
import type { PreparedContext } from '../build-context';
import { plainRenderer, TtyRenderer, type BuildRenderer } from '../build-progress';
import type { JsonMessage } from '../progress';
import { parseOutputs, pushOutput, writeFilesOutput } from '../build-output';

const bytes = (v: string): string => {
  if (v !== '' && v !== '-1') parseMemory(v);
  return v;
};

/** KEY=VALUE, or KEY alone (taken from the environment, null when unset: the daemon then uses the default). */
function keyValues(list: string[], env: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq >= 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
    else out[kv] = env ? (process.env[kv] ?? null) : '';
  }
  return out;
}

/** X-Registry-Config: every credential the client has, by registry (the daemon picks per FROM). */
function registryConfig(): string {
  const out: Record<string, AuthConfig> = {};
  try {
    const file = defaultConfigPath();
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as { auths?: Record<string, unknown> };
    const creds = new CredentialFile(file);
    for (const k of Object.keys(cfg.auths ?? {})) {
      const a = creds.get(k);
      if (a) out[k] = a;
    }
  } catch {
    /* no config: anonymous pulls */
  }
  return encodeAuthHeader(out as AuthConfig);
}

/**
 * --secret id=x[,src=FILE|,env=VAR][,type=file|env] (buildx's grammar): read here,
 * sent as X-Build-Secrets (base64 JSON of id -> base64 value).
 */
function buildSecrets(specs: string[]): string | undefined {
  if (!specs.length) return undefined;
  const out: Record<string, string> = {};
  for (const spec of specs) {
    let id = '';
    let src = '';
    let env = '';
    let type = '';
    for (const field of spec.split(',')) {
      const eq = field.indexOf('=');
      if (eq < 0) throw new StatusError(`invalid field '${field}' must be a key=value pair`, 1);
      const key = field.slice(0, eq).toLowerCase();
      const value = field.slice(eq + 1);
      if (key === 'type') {
        if (value !== 'file' && value !== 'env') throw new StatusError(`unsupported secret type ${JSON.stringify(value)}`, 1);
        type = value;
      } else if (key === 'id') id = value;
      else if (key === 'source' || key === 'src') src = value;
      else if (key === 'env') env = value;
      else throw new StatusError(`unexpected key '${key}' in '${field}'`, 1);
    }
    if (type === 'env' && !env) (env = src), (src = '');
    if (!id) id = src ? (src.split('/').pop() ?? '') : env;
    if (!id) throw new StatusError(`invalid secret ${JSON.stringify(spec)}: id is required`, 1);
    let value: Buffer;
    if (src) {
      try {
        value = fs.readFileSync(src);
      } catch (e) {
        throw new StatusError(`failed to read secret ${id}: ${(e as Error).message}`, 1);
      }
    } else {
      const name = env || id;
      const v = process.env[name];
      if (v === undefined) throw new StatusError(`secret ${id}: environment variable ${name} is not set`, 1);
      value = Buffer.from(v);
    }
    out[id] = value.toString('base64');
  }
  return Buffer.from(JSON.stringify(out)).toString('base64');
}

/**
 * --ssh default|<id>[=<socket>] (buildx's grammar, agent sockets only): the
 * socket path is sent as X-Build-Ssh; berthd mounts it, so it must be on the
 * daemon's host (a local daemon).
 */
function buildSsh(specs: string[]): string | undefined {
  if (!specs.length) return undefined;
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const id = eq < 0 ? spec : spec.slice(0, eq);
    const paths =
      eq < 0
        ? []
        : spec
            .slice(eq + 1)
            .split(',')
            .filter(Boolean);
    if (!id) throw new StatusError(`invalid ssh spec ${JSON.stringify(spec)}`, 1);
    if (paths.length > 1) throw new StatusError(`ssh ${id}: berth forwards one agent socket per ID, not key files`, 1);
    const sock = paths[0] ?? process.env.SSH_AUTH_SOCK;
    if (!sock) throw new StatusError(`invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set`, 1);
    let st: fs.Stats;
    try {
      st = fs.statSync(sock);
    } catch (e) {
      throw new StatusError(`ssh ${id}: ${(e as Error).message}`, 1);
    }
    if (!st.isSocket()) throw new StatusError(`ssh ${id}: ${sock} is not an agent socket (key files are not supported)`, 1);
    out[id] = path.resolve(sock);
  }
  return Buffer.from(JSON.stringify(out)).toString('base64');
}

const PROGRESS = ['auto', 'plain', 'tty', 'rawjson', 'quiet'];

export const buildCommand: Command = {
  name: 'build',
  usage: '[OPTIONS] PATH | -',
  summary: 'Build an image from a Dockerfile',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { long: 'add-host', kind: 'list', help: 'Add a custom host-to-IP mapping (host:ip)' },
    { long: 'allow', kind: 'list', help: 'Allow extra privileged entitlement (e.g., "security.insecure")' },
    { long: 'build-arg', kind: 'list', help: 'Set build-time variables' },
    { long: 'build-context', kind: 'list', help: 'Additional build contexts (e.g., name=path or name=docker-image://ref)' },
    { long: 'cache-from', kind: 'list', help: 'External cache sources (e.g., "myname/myapp", "type=registry,ref=myname/myapp:cache")' },
    { long: 'cache-to', kind: 'list', help: 'Cache export destinations (e.g., "type=registry,ref=myname/myapp:cache,mode=max")' },
    { long: 'cgroup-parent', kind: 'string', help: 'Set the parent cgroup for the "RUN" instructions during build' },
    { long: 'compress', kind: 'bool', help: 'Compress the build context using gzip' },
    { long: 'cpu-period', kind: 'int', help: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
    { long: 'cpu-quota', kind: 'int', help: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
    { long: 'cpu-shares', short: 'c', kind: 'int', help: 'CPU shares (relative weight)' },
    { long: 'cpuset-cpus', kind: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
    { long: 'cpuset-mems', kind: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
    { long: 'disable-content-trust', kind: 'bool', help: 'Skip image verification', def: true },
    { long: 'file', short: 'f', kind: 'string', help: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" },
    { long: 'force-rm', kind: 'bool', help: 'Always remove intermediate containers' },
    { long: 'isolation', kind: 'string', help: 'Container isolation technology' },
    { long: 'iidfile', kind: 'string', help: 'Write the image ID to the file' },
    { long: 'metadata-file', kind: 'string', help: 'Write build result metadata to a file' },
    { long: 'output', short: 'o', kind: 'list', help: 'Output destination (format: "type=local,dest=path")' },
    { long: 'label', kind: 'list', help: 'Set metadata for an image' },
    { long: 'load', kind: 'bool', help: 'Shorthand for "--output=type=docker" (the image always lands in the daemon\'s store)' },
    { long: 'memory', short: 'm', kind: 'string', help: 'Memory limit', valueName: 'bytes', parse: bytes },
    { long: 'memory-swap', kind: 'string', help: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', valueName: 'bytes', parse: bytes },
    { long: 'network', kind: 'string', help: 'Set the networking mode for the RUN instructions during build', def: 'default' },
    { long: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
    { long: 'platform', kind: 'string', help: 'Set target platform(s) for build (e.g. "linux/amd64,linux/arm64")' },
    { long: 'progress', kind: 'string', help: 'Set type of progress output (auto, plain, tty, rawjson, quiet)', def: 'auto' },
    { long: 'pull', kind: 'bool', help: 'Always attempt to pull a newer version of the image' },
    { long: 'push', kind: 'bool', help: 'Push the tagged result once built (several platforms as an image index)' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the build output and print image ID on success' },
    { long: 'rm', kind: 'bool', help: 'Remove intermediate containers after a successful build', def: true },
    { long: 'security-opt', kind: 'list', help: 'Security options' },
    { long: 'secret', kind: 'list', help: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=x,env=VAR")' },
    { long: 'ssh', kind: 'list', help: 'SSH agent socket to expose to the build (format: "default|<id>[=<socket>]")' },
    { long: 'shm-size', kind: 'string', help: 'Size of /dev/shm', valueName: 'bytes', parse: bytes },
    { long: 'tag', short: 't', kind: 'list', help: "Name and optionally a tag in the 'name:tag' format" },
    { long: 'target', kind: 'string', help: 'Set the target build stage to build.' },
    { long: 'ulimit', kind: 'list', help: 'Ulimit options', parse: (v) => (parseUlimit(v), v) },
  ],
  async run(ctx, f, [contextArg]) {
    const progress = f.str('progress');
    if (!PROGRESS.includes(progress)) throw new StatusError(`invalid progress mode "${progress}": use ${PROGRESS.join(', ')}`, 1);
    const outputs = parseOutputs(f.list('output'));
    const imageNames = outputs.flatMap((o) => (o.type === 'image' || o.type === 'archive' ? o.names : []));
    const dockerfile = f.str('file');
    if (contextArg === '-' && dockerfile === '-') throw new StatusError("invalid argument: can't use stdin for both build context and dockerfile", 1);
    if (/^(https?|git):\/\/|^git@/.test(contextArg)) throw new StatusError('remote build contexts are not supported: clone or download the context first', 1);
    const quiet = f.bool('quiet');
    // the context code (and the Dockerfile frontend's .dockerignore rules) loads only for a build
    const { dirContext, parseBuildContexts, readStream, stdinContext } = require('../build-context') as typeof import('../build-context');
    const { images, dirs } = parseBuildContexts(f.list('build-context'));
    let prepared: PreparedContext;
    if (contextArg === '-') {
      if (dirs.length) throw new StatusError('named directory contexts (--build-context name=DIR) need a directory build context, not -', 1);
      prepared = await stdinContext(process.stdin, dockerfile);
    } else prepared = await dirContext(contextArg, dockerfile, () => readStream(process.stdin), dirs);
    const buildContexts = { ...images, ...prepared.named };

    const secrets = buildSecrets(f.list('secret'));
    const ssh = buildSsh(f.list('ssh'));
    const mem = (n: string) => (f.str(n) ? (f.str(n) === '-1' ? -1 : parseMemory(f.str(n))) : undefined);
    const json = (v: object) => (Object.keys(v).length ? JSON.stringify(v) : undefined);
    const api = await ctx.api();
    const res = await api.stream('POST', '/build', {
      query: {
        t: [...f.list('tag'), ...imageNames],
        allow: f.list('allow').length ? f.list('allow').join(',') : undefined,
        dockerfile: prepared.dockerfile,
        buildargs: json(keyValues(f.list('build-arg'), true)),
        labels: json(keyValues(f.list('label'), false)),
        target: f.str('target') || undefined,
        nocache: f.bool('no-cache') || undefined,
        pull: f.bool('pull') || undefined,
        push: f.bool('push') || undefined,
        rm: f.bool('rm'),
        forcerm: f.bool('force-rm') || undefined,
        q: quiet || undefined,
        networkmode: f.str('network'),
        platform: f.str('platform') || undefined,
        cachefrom: f.list('cache-from').length ? JSON.stringify(f.list('cache-from')) : undefined,
        buildcontexts: json(buildContexts),
        cacheto: f.list('cache-to').length ? JSON.stringify(f.list('cache-to')) : undefined,
        memory: mem('memory'),
        memswap: mem('memory-swap'),
        shmsize: mem('shm-size'),
        cpushares: f.int('cpu-shares'),
        cpuperiod: f.int('cpu-period'),
        cpuquota: f.int('cpu-quota'),
        cpusetcpus: f.str('cpuset-cpus') || undefined,
        cpusetmems: f.str('cpuset-mems') || undefined,
        extrahosts: f.list('add-host').length ? f.list('add-host').join(',') : undefined,
        ulimits: f.list('ulimit').length ? JSON.stringify(f.list('ulimit').map(parseUlimit)) : undefined,
        cgroupparent: f.str('cgroup-parent') || undefined,
        isolation: f.str('isolation') || undefined,
        securityopt: f.list('security-opt').length ? JSON.stringify(f.list('security-opt')) : undefined,
      },
      // --compress: gzip on the way (the daemon takes a compressed context as it is)
      body: f.bool('compress') ? prepared.body.pipe((require('node:zlib') as typeof import('node:zlib')).createGzip()) : prepared.body,
      headers: {
        'Content-Type': 'application/x-tar',
        'X-Registry-Config': registryConfig(),
        ...(secrets ? { 'X-Build-Secrets': secrets } : {}),
        ...(ssh ? { 'X-Build-Ssh': ssh } : {}),
      },
    });

    // with the tar on stdout, the progress goes to stderr (as buildx)
    const toStdout = outputs.some((o) => o.type !== 'image' && o.dest === '-');
    const write = toStdout ? (s: string) => ctx.err(s) : (s: string) => ctx.out(s);
    const onTty = toStdout ? ctx.stderrTty : ctx.stdoutTty;
    const tty = progress === 'tty' || (progress === 'auto' && onTty);
    const silent = quiet || progress === 'quiet';
    const r: BuildRenderer = silent
      ? { message: () => {}, end: () => {} }
      : progress === 'rawjson'
        ? { message: (m) => write(JSON.stringify(m) + '\n'), end: () => {} }
        : tty
          ? new TtyRenderer(write)
          : plainRenderer(write);
    let id = '';
    let quietText = '';
    let failure: { message: string; code: number } | undefined;
    await jsonLines<JsonMessage & { aux?: { ID?: string } }>(res, (m) => {
      if (failure) return;
      if (m.error || m.errorDetail) {
        failure = { message: m.errorDetail?.message ?? m.error ?? 'unknown error', code: m.errorDetail?.code || 1 };
        return;
      }
      if (m.aux && typeof m.aux === 'object' && m.aux.ID) id = m.aux.ID;
      if (quiet && m.stream) quietText += m.stream;
      r.message(m);
    });
    r.end(failure?.message);
    if (failure) throw new StatusError(failure.message, failure.code);
    if (quiet) {
      if (!toStdout) ctx.out(quietText);
      id ||= quietText.trim();
    }
    for (const o of outputs) await writeFilesOutput(api, id, o);
    let pushed = '';
    for (const o of outputs) {
      if (o.type !== 'image' || !o.push) continue;
      const { registryAuthHeader } = require('../refs') as typeof import('../refs');
      for (const n of o.names) pushed = await pushOutput(api, n, registryAuthHeader(n), silent ? () => {} : write);
    }
    const iid = f.str('iidfile');
    if (iid) fs.writeFileSync(iid, id);
    const meta = f.str('metadata-file');
    if (meta) {
      // buildx's keys for the docker exporter: the image ID is the config digest
      const names = [...f.list('tag'), ...imageNames];
      const md: Record<string, string> = { 'containerimage.config.digest': id, 'containerimage.digest': pushed || id };
      if (names.length) md['image.name'] = names.join(',');
      fs.writeFileSync(meta, JSON.stringify(md, null, 2) + '\n');
    }
  },
};
