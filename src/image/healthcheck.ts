// The HEALTHCHECK instruction's argument (Dockerfile and `--change`) turned into
// the image config's Healthcheck: `NONE`, or `[--flag=value…] CMD <command>`
// where the command is a JSON array (exec form) or a string (shell form).
import { badRequest } from '../util/errors';
import { parseGoDuration } from '../util/time';
import type { HealthConfig } from './types';

const MIN_DURATION_NS = 1e6;

const DURATION_FLAGS: Record<string, keyof HealthConfig> = {
  interval: 'Interval',
  timeout: 'Timeout',
  'start-period': 'StartPeriod',
  'start-interval': 'StartInterval',
};

function parseExecOrShell(rest: string): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return ['CMD', ...v];
    } catch {
      /* not JSON: shell form */
    }
  }
  return ['CMD-SHELL', t];
}

/** Parses `HEALTHCHECK`'s argument (everything after the keyword). */
export function parseHealthcheckInstruction(arg: string): HealthConfig {
  let rest = arg.trim();
  const out: HealthConfig = {};
  const seen = new Set<string>();
  for (;;) {
    const m = /^--([A-Za-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
    const name = m[1];
    const value = m[2] ?? '';
    if (seen.has(name)) throw badRequest(`Duplicate flag specified: ${name}`);
    seen.add(name);
    if (name in DURATION_FLAGS) {
      if (value === '') continue;
      const ns = parseGoDuration(value);
      if (ns === undefined) throw badRequest(`time: invalid duration "${value}"`);
      if (ns === 0) continue;
      if (ns < MIN_DURATION_NS) throw badRequest(`Interval "${name}" cannot be less than 1ms`);
      (out as Record<string, number>)[DURATION_FLAGS[name]] = ns;
    } else if (name === 'retries') {
      if (value === '') continue;
      if (!/^[+-]?\d+$/.test(value)) throw badRequest(`strconv.ParseInt: parsing "${value}": invalid syntax`);
      const n = Number(value);
      if (n < 0) throw badRequest(`--retries cannot be negative (${n})`);
      if (n > 0) out.Retries = n;
    } else {
      throw badRequest(`Unknown flag: ${name}`);
    }
  }
  const sp = rest.search(/\s/);
  const type = (sp < 0 ? rest : rest.slice(0, sp)).toUpperCase();
  const cmd = sp < 0 ? '' : rest.slice(sp + 1).trim();
  if (type === 'NONE') {
    if (cmd !== '' || seen.size > 0) throw badRequest('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw badRequest(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  if (cmd === '') throw badRequest('Missing command after HEALTHCHECK CMD');
  const test = parseExecOrShell(cmd);
  if (test.length < 2 || (test[0] === 'CMD-SHELL' && test[1] === '')) throw badRequest('Missing command after HEALTHCHECK CMD');
  return { Test: test, ...out };
}
