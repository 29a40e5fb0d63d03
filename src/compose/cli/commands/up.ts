// up and create: converge the project (see ../../engine/up.ts); attached `up`
// then follows the services' logs until they stop, Ctrl-C stops them
// gracefully (a second Ctrl-C kills).
import type { Flags } from '../../../cli/flags';
import { ComposeError, projectContainers } from '../../engine/project';
import { up, type UpOptions } from '../../engine/up';
import { followLogs, logName } from './logs';
import type { ComposeCommand } from '../command';
import type { ComposeContext } from '../context';
import type { Project } from '../../model';

function parseScale(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const [svc, n] = v.split('=');
    if (!svc || n === undefined || !/^\d+$/.test(n)) throw new ComposeError(`invalid --scale value ${JSON.stringify(v)}: expected SERVICE=NUM`);
    out[svc] = Number(n);
  }
  return out;
}

function upOptions(f: Flags, args: string[], create: boolean): UpOptions {
  if (f.bool('force-recreate') && f.bool('no-recreate')) throw new ComposeError('--force-recreate and --no-recreate are incompatible');
  if (f.bool('build') && f.bool('no-build')) throw new ComposeError('--build and --no-build are incompatible');
  const pull = f.str('pull');
  if (pull && !['always', 'missing', 'never', 'policy'].includes(pull)) throw new ComposeError(`invalid --pull option "${pull}"`);
  // create has only the common flags: up's own are off for it
  const upOnly = <T>(get: () => T, off: T): T => (create ? off : get());
  return {
    services: args,
    noDeps: upOnly(() => f.bool('no-deps'), false),
    forceRecreate: f.bool('force-recreate'),
    noRecreate: f.bool('no-recreate'),
    noStart: create || f.bool('no-start'),
    removeOrphans: f.bool('remove-orphans'),
    renewAnonVolumes: upOnly(() => f.bool('renew-anon-volumes'), false),
    scale: parseScale(f.list('scale')),
    build: f.bool('build'),
    noBuild: f.bool('no-build'),
    pull: pull && pull !== 'policy' ? (pull as UpOptions['pull']) : undefined,
    quietPull: f.bool('quiet-pull'),
    timeout: upOnly(() => (f.isSet('timeout') ? f.int('timeout') : undefined), undefined),
    wait: upOnly(() => f.bool('wait'), false),
    waitTimeout: upOnly(() => f.int('wait-timeout') || undefined, undefined),
  };
}

/** Compose v5 refuses to bring up a project without services. */
function selected(p: Project): Project {
  if (!Object.keys(p.services).length) throw new ComposeError('no service selected');
  return p;
}

const commonFlags = [
  { long: 'build', kind: 'bool' as const, help: 'Build images before starting containers' },
  { long: 'no-build', kind: 'bool' as const, help: "Don't build an image, even if it's policy" },
  { long: 'pull', kind: 'string' as const, help: 'Pull image before running ("always"|"missing"|"never")', def: 'policy' },
  { long: 'quiet-pull', kind: 'bool' as const, help: 'Pull without printing progress information' },
  { long: 'force-recreate', kind: 'bool' as const, help: "Recreate containers even if their configuration and image haven't changed" },
  { long: 'no-recreate', kind: 'bool' as const, help: "If containers already exist, don't recreate them. Incompatible with --force-recreate." },
  { long: 'remove-orphans', kind: 'bool' as const, help: 'Remove containers for services not defined in the Compose file' },
  { long: 'scale', kind: 'list' as const, help: 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.' },
];

export const upCommand: ComposeCommand = {
  name: 'up',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Create and start containers',
  flags: [
    ...commonFlags,
    { long: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: Run containers in the background' },
    { long: 'no-deps', kind: 'bool', help: "Don't start linked services" },
    { long: 'no-start', kind: 'bool', help: "Don't start the services after creating them" },
    { long: 'abort-on-container-exit', kind: 'bool', help: 'Stops all containers if any container was stopped. Incompatible with -d' },
    { long: 'exit-code-from', kind: 'string', help: 'Return the exit code of the selected service container. Implies --abort-on-container-exit' },
    { long: 'attach', kind: 'list', help: 'Restrict attaching to the specified services' },
    { long: 'no-attach', kind: 'list', help: 'Do not attach (stream logs) to the specified services' },
    { long: 'no-log-prefix', kind: 'bool', help: "Don't print prefix in logs" },
    { long: 'no-color', kind: 'bool', help: 'Produce monochrome output' },
    { long: 'timestamps', kind: 'bool', help: 'Show timestamps' },
    { long: 'wait', kind: 'bool', help: 'Wait for services to be running|healthy. Implies detached mode.' },
    { long: 'wait-timeout', kind: 'int', help: 'Maximum duration in seconds to wait for the project to be running|healthy' },
    {
      long: 'timeout',
      short: 't',
      kind: 'int',
      help: 'Use this timeout in seconds for container shutdown when attached or when containers are already running',
    },
    { long: 'renew-anon-volumes', short: 'V', kind: 'bool', help: 'Recreate anonymous volumes instead of retrieving data from the previous containers' },
  ],
  async run(cc, f, args) {
    const exitFrom = f.str('exit-code-from');
    const abort = f.bool('abort-on-container-exit') || !!exitFrom;
    const detach = f.bool('detach') || f.bool('wait');
    if (detach && abort) throw new ComposeError('--abort-on-container-exit and --detach are incompatible');
    const p = selected(cc.project(args));
    if (exitFrom && !p.services[exitFrom]) throw new ComposeError(`no such service: ${exitFrom}`);
    const api = await cc.api();
    const o = upOptions(f, args, false);
    const progress = cc.progress();
    try {
      await up(api, p, o, progress, cc.warn);
    } finally {
      progress.close();
    }
    if (detach) return 0;
    return attached(cc, f, p.name, args, abort, exitFrom);
  },
};

export const createCommand: ComposeCommand = {
  name: 'create',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'Creates containers for a service',
  flags: commonFlags,
  async run(cc, f, args) {
    const p = selected(cc.project(args));
    const api = await cc.api();
    const progress = cc.progress();
    try {
      await up(api, p, upOptions(f, args, true), progress, cc.warn);
    } finally {
      progress.close();
    }
  },
};

/** Attached `up`: logs of the services until every container stopped (or one did, with --abort-on-container-exit). */
async function attached(cc: ComposeContext, f: Flags, project: string, services: string[], abort: boolean, exitFrom: string): Promise<number> {
  const api = await cc.api();
  const only = f.list('attach');
  const skip = new Set(f.list('no-attach'));
  const cs = (await projectContainers(api, project, { all: true, services: services.length ? services : undefined })).filter(
    (c) => (!only.length || only.includes(c.Labels['com.docker.compose.service'])) && !skip.has(c.Labels['com.docker.compose.service']),
  );
  cc.cli.out(`Attaching to ${cs.map(logName).join(', ')}\n`);
  let stopping = false;
  const stopAll = async (kill: boolean) => {
    const all = await projectContainers(api, project, { all: true });
    await Promise.all(all.filter((c) => c.State === 'running').map((c) => api.post(`/containers/${c.Id}/${kill ? 'kill' : 'stop'}`).catch(() => undefined)));
  };
  const onSigint = () => {
    if (stopping) {
      void stopAll(true);
      return;
    }
    stopping = true;
    cc.cli.err('Gracefully stopping... (press Ctrl+C again to force)\n');
    void stopAll(false);
  };
  process.on('SIGINT', onSigint);
  try {
    const exits = await followLogs(cc, api, cs, {
      follow: true,
      prefix: !f.bool('no-log-prefix'),
      color: !f.bool('no-color') && cc.cli.stdoutTty,
      timestamps: f.bool('timestamps'),
      tail: 'all',
      abortOnExit: abort,
      announceExit: true,
    });
    if (abort) await stopAll(false);
    if (exitFrom) {
      const c = cs.find((x) => x.Labels['com.docker.compose.service'] === exitFrom);
      if (c) {
        const info = await api.get(`/containers/${c.Id}/json`);
        return info.State?.ExitCode ?? 0;
      }
    }
    if (abort) return exits.find((e) => e !== 0) ?? 0;
    return stopping ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
