// What every `berth compose` command gets: the API, the project (loaded on
// demand with the global flags), and Compose's progress and warning output.
import type { ApiClient } from '../../client/api';
import type { CliContext } from '../../cli/command';
import type { Flags } from '../../cli/flags';
import { loadProject, type LoadOptions } from '../load';
import type { Project } from '../model';
import { plainProgress, ttyProgress, type Progress } from '../engine/progress';

export interface ComposeContext {
  cli: CliContext;
  api(): Promise<ApiClient>;
  /** loads the project (services named on the command line are enabled whatever their profiles) */
  project(enable?: string[], opts?: Partial<LoadOptions>): Project;
  /** the project name without loading files when -p is given (down/ps/logs work on labels) */
  projectNameOnly(): string | undefined;
  progress(verb?: string): Progress;
  warn(s: string): void;
}

export function composeContext(cli: CliContext, g: Flags): ComposeContext {
  const base = (): LoadOptions => ({
    files: g.list('file'),
    projectDirectory: g.str('project-directory') || undefined,
    projectName: g.str('project-name') || undefined,
    envFiles: g.list('env-file'),
    profiles: g.list('profile'),
  });
  const warned = new Set<string>();
  const warn = (s: string) => {
    if (warned.has(s)) return;
    warned.add(s);
    cli.err(logrusWarning(s, cli.stderrTty));
  };
  return {
    cli,
    api: () => cli.api(),
    project(enable = [], opts = {}) {
      const p = loadProject({ ...base(), enable, ...opts });
      for (const w of p.warnings) warn(w);
      return p;
    },
    projectNameOnly() {
      return g.str('project-name') || process.env.COMPOSE_PROJECT_NAME || undefined;
    },
    progress(verb = 'Running') {
      const mode = g.str('progress') || 'auto';
      const tty = mode === 'tty' || (mode === 'auto' && cli.stderrTty && g.str('ansi') !== 'never');
      if (mode === 'quiet') return { event() {}, close() {} };
      return tty ? ttyProgress(cli.err, verb) : plainProgress(cli.err);
    },
    warn,
  };
}

/**
 * A warning as Compose's logrus prints it: "WARN[0000] msg" on a terminal,
 * `time="<RFC3339>" level=warning msg="<quoted>"` otherwise (msg quoted as Go's %q
 * when it has characters beyond letters, digits and -._/@^+).
 */
export function logrusWarning(msg: string, tty: boolean, now = new Date()): string {
  if (tty) return `WARN[0000] ${msg}\n`;
  const time = `${now.toISOString().slice(0, 19)}Z`;
  const value = /^[A-Za-z0-9\-._/@^+]*$/.test(msg) ? msg : JSON.stringify(msg);
  return `time="${time}" level=warning msg=${value}\n`;
}

/** The project's name: from -p without loading files, else from the loaded project. */
export async function projectName(cc: ComposeContext): Promise<string> {
  return cc.projectNameOnly() ?? cc.project().name;
}
