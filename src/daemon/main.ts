// berthd: the daemon. One process owns the data root (an abstract-socket lock
// keeps a second daemon out) and serves the Engine API on its sockets.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { createHash } from 'node:crypto';
import { createApiServer } from '../api';
import { SERVER_VERSION } from '../util/version';
import type { CriServer } from '../cri/server';
import { Engine } from '../engine/engine';
import { armCrashAt } from '../util/fault';
import { log, setupLogger } from '../util/log';
import { reloadDaemon, reloadEventAttributes } from './reload';
import { OptionsError, parseDaemonArgs, USAGE } from './options';
import { planTcpListeners, TlsConfigError, type ListenerPlan } from './tls';

/** Holds an abstract unix socket named after the data root; the kernel frees it when we die. */
function lockDataRoot(dataRoot: string): Promise<net.Server> {
  const name = '\0berthd-' + createHash('sha256').update(fs.realpathSync(dataRoot)).digest('hex').slice(0, 32);
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`another berthd is already running with data root ${dataRoot} (the data root is locked)`) : e),
    );
    srv.listen(name, () => {
      srv.unref();
      resolve(srv);
    });
  });
}

function berthGroup(): number | undefined {
  try {
    for (const l of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = l.split(':');
      if (f[0] === 'berth') return Number(f[2]);
    }
  } catch {
    /* no group file */
  }
  return undefined;
}

export async function main(argv: string[]): Promise<void> {
  let opts;
  try {
    opts = parseDaemonArgs(argv);
  } catch (e) {
    if (e instanceof OptionsError) {
      process.stderr.write(`berthd: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (opts === 'version') {
    process.stdout.write(`berthd version ${SERVER_VERSION}\n`);
    return;
  }
  try {
    armCrashAt(opts.crashAt);
  } catch (e) {
    process.stderr.write(`berthd: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const logger = setupLogger(opts.engine.logLevel);
  let tcpPlan: ListenerPlan | undefined;
  try {
    tcpPlan = planTcpListeners(opts.hosts, opts.tls);
  } catch (e) {
    if (!(e instanceof TlsConfigError)) throw e;
    process.stderr.write(`berthd: ${e.message}\n`);
    process.exit(1);
  }
  if (tcpPlan?.insecureWarning) logger.warn({}, tcpPlan.insecureWarning);
  if (process.getuid && process.getuid() !== 0) {
    process.stderr.write('berthd needs to be started with root privileges\n');
    process.exit(1);
  }
  fs.mkdirSync(opts.engine.dataRoot, { recursive: true, mode: 0o711 });
  try {
    await lockDataRoot(opts.engine.dataRoot);
  } catch (e) {
    process.stderr.write(`berthd: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const engine = new Engine(opts.engine);
  // systemd's ExecReload: never the default action (which ends the process)
  process.on('SIGHUP', () => {
    try {
      reloadDaemon(opts, engine.cfg);
      engine.events.emit('daemon', 'reload', '', reloadEventAttributes(engine.cfg));
    } catch (e) {
      log().error({ err: (e as Error).message }, `configuration not reloaded: ${(e as Error).message}`);
    }
  });
  await engine.restore();
  const api = createApiServer(engine);
  const group = berthGroup();
  for (const h of opts.hosts) {
    try {
      await api.listen(h, { group, tls: tcpPlan?.tls });
    } catch (e) {
      process.stderr.write(`berthd: failed to listen on ${h}: ${(e as Error).message}\n`);
      process.exit(1);
    }
  }
  let cri: CriServer | undefined;
  if (opts.cri) {
    try {
      // gRPC is loaded only by a daemon that serves the CRI (~120 ms), after the Engine API is up
      const { CriServer: Server } = require('../cri/server') as typeof import('../cri/server');
      cri = new Server(engine, { confDir: opts.cri.cniConfDir, binDirs: opts.cri.cniBinDirs });
      await cri.listen(opts.cri.socket);
    } catch (e) {
      process.stderr.write(`berthd: failed to listen on CRI socket unix://${opts.cri.socket}: ${(e as Error).message}\n`);
      process.exit(1);
    }
    logger.info({ socket: opts.cri.socket }, 'CRI listen on unix://' + opts.cri.socket);
  }
  fs.writeFileSync(opts.pidfile, `${process.pid}`);
  logger.info({ hosts: opts.hosts, dataRoot: opts.engine.dataRoot, version: SERVER_VERSION }, 'API listen on ' + opts.hosts.join(', '));
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log().info({ signal: sig }, 'shutting down; containers keep running');
    await api.close(opts.shutdownTimeoutSec * 1000);
    if (cri) {
      await cri.close();
      fs.rmSync(opts.cri!.socket, { force: true });
    }
    await engine.shutdown();
    fs.rmSync(opts.pidfile, { force: true });
    for (const h of opts.hosts) if (h.startsWith('unix://')) fs.rmSync(h.slice(7), { force: true });
    log().flush?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGPIPE', () => {});
}
