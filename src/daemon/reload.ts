// SIGHUP (the systemd unit's ExecReload): daemon.json read again and the keys
// dockerd reloads applied to the running daemon; others wait for a restart.
// A file that does not decode is refused as a whole, and the daemon keeps
// serving with what it had.
import * as os from 'node:os';
import type { EngineConfig } from '../engine/config';
import { log, setupLogger } from '../util/log';
import { engineConfig, reloadSettings, type DaemonOptions } from './options';
import { optionDef, optionKeys, type OptionKey, type Settings } from './table';

export interface ReloadResult {
  /** reloadable keys whose value changed, old and new */
  changed: Record<string, { from: unknown; to: unknown }>;
  /** keys that changed in the file but only a restart applies */
  needRestart: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function reloadDaemon(opts: DaemonOptions, cfg: EngineConfig): ReloadResult {
  const next = reloadSettings(opts);
  const nextEngine = engineConfig({ ...opts.settings, ...pick(next, reloadable()), ...unset(opts.settings, next) });
  const out: ReloadResult = { changed: {}, needRestart: [] };
  for (const k of optionKeys) {
    if (same(opts.settings[k], next[k])) continue;
    if (optionDef(k).reload) out.changed[k] = { from: opts.settings[k] ?? null, to: next[k] ?? null };
    else if (!optionDef(k).noFile) out.needRestart.push(k);
  }
  // applied in place: the engine and the registry client read these per use
  if (cfg.logLevel !== nextEngine.logLevel) setupLogger(nextEngine.logLevel);
  cfg.logLevel = nextEngine.logLevel;
  cfg.labels = nextEngine.labels;
  cfg.liveRestore = nextEngine.liveRestore;
  cfg.defaultRuntime = nextEngine.defaultRuntime;
  const r = nextEngine.registry;
  Object.assign(cfg.registry, {
    mirrors: r.mirrors,
    insecureRegistries: r.insecureRegistries,
    maxConcurrentDownloads: r.maxConcurrentDownloads,
    maxConcurrentUploads: r.maxConcurrentUploads,
    maxDownloadAttempts: r.maxDownloadAttempts,
  });
  for (const k of reloadable()) {
    if (next[k] === undefined) delete opts.settings[k];
    else (opts.settings as Record<string, unknown>)[k] = next[k];
  }
  const l = log();
  if (Object.keys(out.changed).length) l.info({ changed: out.changed }, `reloaded configuration: ${Object.keys(out.changed).join(', ')}`);
  else l.info('reloaded configuration: nothing changed');
  if (out.needRestart.length) l.warn({ keys: out.needRestart }, `not reloaded, takes effect at the next start: ${out.needRestart.join(', ')}`);
  return out;
}

/** The attributes of Docker's `daemon reload` event: the reloadable settings now in effect. */
export function reloadEventAttributes(cfg: EngineConfig): Record<string, string> {
  const r = cfg.registry;
  return {
    debug: String(cfg.logLevel === 'debug'),
    'default-runtime': cfg.defaultRuntime,
    'insecure-registries': JSON.stringify(r.insecureRegistries),
    labels: JSON.stringify(cfg.labels),
    'live-restore': String(cfg.liveRestore),
    'max-concurrent-downloads': String(r.maxConcurrentDownloads),
    'max-concurrent-uploads': String(r.maxConcurrentUploads),
    'max-download-attempts': String(r.maxDownloadAttempts),
    name: os.hostname(),
    'registry-mirrors': JSON.stringify(r.mirrors),
  };
}

function reloadable(): OptionKey[] {
  return optionKeys.filter((k) => optionDef(k).reload);
}

function pick(s: Settings, keys: OptionKey[]): Settings {
  return Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])) as Settings;
}

/** Reloadable keys the new file no longer sets go back to their defaults. */
function unset(cur: Settings, next: Settings): Settings {
  return Object.fromEntries(
    reloadable()
      .filter((k) => cur[k] !== undefined && next[k] === undefined)
      .map((k) => [k, undefined]),
  ) as Settings;
}
