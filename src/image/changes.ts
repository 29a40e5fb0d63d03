// The Dockerfile subset `import --change` and `commit --change` accept.
import { badRequest } from '../util/errors';
import { parseHealthcheckInstruction } from './healthcheck';
import type { ImageRunConfig } from './types';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR', 'STOPSIGNAL']);

function execOrShell(arg: string): string[] {
  const t = arg.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch {
      /* shell form */
    }
  }
  return ['/bin/sh', '-c', t];
}

function pairs(arg: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const t = arg.trim();
  if (!t.includes('=') || (/^\S+\s/.test(t) && !/^\S+=/.test(t))) {
    const m = /^(\S+)\s+(.*)$/s.exec(t);
    if (!m) throw badRequest(`invalid change: ${arg}`);
    return [[m[1], m[2]]];
  }
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    let v = m[2];
    if (v.startsWith('"')) v = JSON.parse(v);
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([m[1], v]);
  }
  return out;
}

export function applyChanges(cfg: ImageRunConfig, changes: string[]): ImageRunConfig {
  const out: ImageRunConfig = { ...cfg };
  for (const raw of changes) {
    const line = raw.trim();
    if (!line) continue;
    const sp = line.search(/\s/);
    const instr = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? '' : line.slice(sp + 1);
    // dockerd names the instruction as its parser keeps it: lower case
    if (!ALLOWED.has(instr)) throw badRequest(`${instr.toLowerCase()} is not a valid change command`);
    switch (instr) {
      case 'CMD':
        out.Cmd = execOrShell(arg);
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = execOrShell(arg);
        break;
      case 'ENV': {
        const env = [...(out.Env ?? [])];
        for (const [k, v] of pairs(arg)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        out.Env = env;
        break;
      }
      case 'LABEL':
        out.Labels = { ...(out.Labels ?? {}) };
        for (const [k, v] of pairs(arg)) out.Labels[k] = v;
        break;
      case 'EXPOSE':
        out.ExposedPorts = { ...(out.ExposedPorts ?? {}) };
        for (const p of arg.trim().split(/\s+/)) out.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        break;
      case 'VOLUME': {
        out.Volumes = { ...(out.Volumes ?? {}) };
        const t = arg.trim();
        const list = t.startsWith('[') ? (JSON.parse(t) as string[]) : t.split(/\s+/);
        for (const v of list) out.Volumes[v] = {};
        break;
      }
      case 'USER':
        out.User = arg.trim();
        break;
      case 'WORKDIR':
        out.WorkingDir = arg.trim();
        break;
      case 'STOPSIGNAL':
        out.StopSignal = arg.trim();
        break;
      case 'HEALTHCHECK':
        out.Healthcheck = parseHealthcheckInstruction(arg);
        break;
      case 'ONBUILD':
        out.OnBuild = [...(out.OnBuild ?? []), arg.trim()];
        break;
    }
  }
  return out;
}
