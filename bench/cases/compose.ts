// Compose: `up -d` of a 10-service project (two networks, a named volume per
// service, healthchecks), a second `up -d` with nothing changed, and `down -v`
// — berth compose on berthd against the real Compose (built from its Go module
// by scripts/setup-tools.sh) on Docker.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Case, CaseEnv } from '../framework';
import { BERTH_CLI } from '../engines';

const SERVICES = 10;
export const REAL_COMPOSE = process.env.BENCH_COMPOSE || path.resolve(__dirname, '..', '..', '..', 'tools', 'bin', 'docker-compose');

function projectFile(dir: string, image: string): string {
  const lines = ['services:'];
  for (let i = 1; i <= SERVICES; i++) {
    lines.push(
      `  s${i}:`,
      `    image: ${image}`,
      '    command: ["sleep", "100000"]',
      '    stop_grace_period: 1s',
      `    networks: [${i % 2 ? 'front' : 'back'}${i === 1 ? ', back' : ''}]`,
      `    volumes: ["v${i}:/data"]`,
      '    healthcheck: {test: ["CMD", "true"], interval: 30s}',
    );
  }
  lines.push('networks:', '  front: {}', '  back: {}', 'volumes:', ...Array.from({ length: SERVICES }, (_, i) => `  v${i + 1}: {}`), '');
  const f = path.join(dir, 'compose.yaml');
  fs.writeFileSync(f, lines.join('\n'));
  return f;
}

interface State {
  dir: string;
  file: string;
}

function compose(env: CaseEnv, st: State, args: string[]) {
  const base = ['-f', st.file, '-p', 'benchproj', ...args];
  // bin/berth as a user runs it (from its start-up snapshot)
  if (env.engine.name === 'berth') return env.engine.commandOk(BERTH_CLI, ['-H', env.engine.host, 'compose', ...base]);
  return env.engine.commandOk(REAL_COMPOSE, base, { DOCKER_HOST: env.engine.host });
}

export const composeCase: Case<State> = {
  id: 'compose',
  title: `compose up/down, ${SERVICES} services`,
  section: 'Compose',
  how: `a ${SERVICES}-service project (two networks, a named volume each, healthchecks): \`up -d\` from nothing, \`up -d\` again with nothing changed, \`down -v\`; berth compose on berth, the real Compose (v5, built from its Go module) on Docker`,
  metrics: [
    { id: 'up', label: `compose up -d (${SERVICES} services)`, unit: 'ms', better: 'lower', target: { ratioMax: 0.3, text: '≤ 0.3× Compose on Docker' } },
    { id: 'noop', label: 'compose up -d, nothing changed', unit: 'ms', better: 'lower', target: { ratioMax: 0.2, text: '≤ 0.2× Compose on Docker' } },
    { id: 'down', label: 'compose down -v', unit: 'ms', better: 'lower' },
  ],
  available({ engine }) {
    if (engine.name === 'docker' && !fs.existsSync(REAL_COMPOSE)) return `the real Compose is not built (${REAL_COMPOSE}; run scripts/setup-tools.sh)`;
    return true;
  },
  async setup({ image }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-compose-'));
    return { dir, file: projectFile(dir, image) };
  },
  async sample(env, st) {
    const up = (await compose(env, st, ['up', '-d'])).ms;
    const noop = (await compose(env, st, ['up', '-d'])).ms;
    const down = (await compose(env, st, ['down', '-v'])).ms;
    return { up, noop, down };
  },
  async teardown(env, st) {
    await compose(env, st, ['down', '-v']).catch(() => undefined);
    fs.rmSync(st.dir, { recursive: true, force: true });
  },
};
