// berth compose against the real Compose v5, command by command: the same
// project files, the same command lines, against ONE private berthd. Each
// case runs through the real Compose (tools/bin/docker-compose, built from its
// Go module by scripts/setup-tools.sh) and through `berth compose`; stdout,
// stderr and the exit code are normalized for what legitimately differs
// (relative times keep their shape with digits as N, container and image IDs,
// Compose's `dev` version, the temp dirs) and compared. Differences are printed
// per case with a summary, also to dist/compose-compare.md.
//
// Not part of `npm test` (it needs the real Compose). Cases in KNOWN are
// differences kept on purpose (with the reason); they are shown but not
// counted as failures.
//
// Usage: npm run compare:compose [-- case-substring...]
//   COMPOSE=/path/to/docker-compose (default tools/bin/docker-compose)
//   SHOW=1 also prints the cases that agree
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BERTH, TestDaemon } from '../helpers/daemon';

const REPO = path.resolve(__dirname, '..', '..', '..');
const COMPOSE = process.env.COMPOSE ?? path.join(REPO, 'tools', 'bin', 'docker-compose');

/** Differences kept on purpose: case name -> why. */
const KNOWN: Record<string, string> = {
  'up -d':
    "berth's config hash is not compose-go's: `berth compose up` recreates containers the real Compose made (and the other way round) though nothing changed",
  'bad-yaml: config': "YAML parse errors are the parser's words: go-yaml's on Compose's side, the yaml package's on berth's (same exit code)",
  'bad-yaml: up -d': "YAML parse errors are the parser's words: go-yaml's on Compose's side, the yaml package's on berth's (same exit code)",
  'bad-type2: config': 'Compose also warns that YAML 1.1\'s "yes" is not a YAML 1.2 boolean; berth reads YAML 1.2 only and reports the same error without it',
  'bad-type2: up -d': 'Compose also warns that YAML 1.1\'s "yes" is not a YAML 1.2 boolean; berth reads YAML 1.2 only and reports the same error without it',
  'minimal: nosuchcmd': "Compose prints its own help (its commands, Docker's words) on stdout; berth's lists berth's commands",
};

interface Project {
  name: string;
  files: Record<string, string>;
  /** brought up (by the real Compose) before its cases run, down after */
  up?: boolean;
}

interface Case {
  name: string;
  project: string;
  args: string[];
  /** compare only the exit code (output has legitimately different detail) */
  exitOnly?: boolean;
  /** stdout lines in Go's random map order: compared sorted */
  unordered?: boolean;
  /** stderr progress lines printed as parallel work finishes: compared sorted */
  unorderedErr?: boolean;
  /** run through the real Compose before each client's turn (the state the command starts from) */
  before?: string[][];
}

const SAMPLE = `services:
  web:
    image: busybox
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    networks: [front, back]
    volumes: ["data:/data"]
    ports: ["127.0.0.1:18391:80"]
    healthcheck: {test: ["CMD", "true"], interval: 2s}
    depends_on: [db]
  db:
    image: busybox
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    networks: [back]
    environment: {A: "1"}
  talk:
    image: busybox
    command: ["sh", "-c", "echo hello; echo world; sleep 100000"]
    stop_grace_period: 1s
networks:
  front: {}
  back: {}
volumes:
  data: {}
`;

const RICH = `name: rich
services:
  app:
    build:
      context: .
      dockerfile: Dockerfile
      args: {V: "1"}
      target: final
    image: example/app:1.0
    command: ["serve", "--port", "8080"]
    entrypoint: /bin/sh -c
    environment:
      A: "1"
      B:
    env_file: []
    ports:
      - "8080:80"
      - "127.0.0.1:9090:90/udp"
      - target: 443
        published: "8443"
        protocol: tcp
        mode: ingress
    volumes:
      - data:/data
      - ./src:/src:ro
      - type: tmpfs
        target: /tmp
    networks:
      back:
      front:
        aliases: [web]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "true"]
      interval: 10s
      timeout: 5s
      retries: 3
    labels:
      com.example.a: "x"
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 64M}
      restart_policy: {condition: on-failure}
    secrets: [token]
    configs: [conf]
    restart: unless-stopped
    working_dir: /srv
    user: "1000"
    hostname: apphost
  db:
    image: busybox
    command: sleep 1000
    expose: ["5432"]
    networks: [back]
    labels: [com.example.b=y]
    healthcheck:
      test: exit 0
networks:
  front: {}
  back:
    driver: bridge
    ipam:
      config:
        - subnet: 10.77.0.0/24
  outside:
    external: true
volumes:
  data: {}
  ext:
    external: true
    name: someext
secrets:
  token:
    file: ./token.txt
configs:
  conf:
    content: hello
`;

/** The 10-service sample (services on two networks with a volume each and a healthcheck), as config cases. */
const TEN = `services:\n${Array.from({ length: 10 }, (_, i) => `  s${i + 1}:\n    image: bb:latest\n    command: ["sleep", "100000"]\n    stop_grace_period: 1s\n    networks: [${i % 2 ? 'back' : 'front, back'}]\n    volumes: ["v${i + 1}:/data"]\n    healthcheck: {test: ["CMD", "true"], interval: 30s}\n`).join('')}networks:\n  front: {}\n  back: {}\nvolumes:\n${Array.from({ length: 10 }, (_, i) => `  v${i + 1}: {}\n`).join('')}`;

const bad = (body: string): Record<string, string> => ({ 'compose.yaml': body });

const PROJECTS: Project[] = [
  { name: 'sample', files: { 'compose.yaml': SAMPLE }, up: true },
  { name: 'rich', files: { 'compose.yaml': RICH, 'token.txt': 'tok\n', Dockerfile: 'FROM busybox AS final\n', src: '' } },
  { name: 'ten', files: { 'compose.yaml': TEN } },
  { name: 'minimal', files: { 'compose.yaml': 'services:\n  one:\n    image: busybox\n    command: sleep 1000\n' } },
  { name: 'obsolete-version', files: { 'compose.yaml': 'version: "3.8"\nservices:\n  a:\n    image: busybox\n' } },
  { name: 'bad-yaml', files: bad('services:\n  a:\n    image: busybox\n   command: [\n') },
  { name: 'bad-toplevel', files: bad('services:\n  a:\n    image: busybox\nfoo: {}\n') },
  { name: 'bad-type', files: bad('services:\n  a:\n    image: busybox\n    ports: "80"\n') },
  { name: 'bad-type2', files: bad('services:\n  a:\n    image: 42\n    privileged: "yes"\n') },
  { name: 'bad-noimage', files: bad('services:\n  a:\n    command: sleep 1\n') },
  { name: 'bad-port', files: bad('services:\n  a:\n    image: busybox\n    ports: ["80:abc"]\n') },
  { name: 'bad-network', files: bad('services:\n  a:\n    image: busybox\n    networks: [nope]\n') },
  { name: 'bad-volume', files: bad('services:\n  a:\n    image: busybox\n    volumes: ["nope:/data"]\n') },
  { name: 'bad-service-key', files: bad('services:\n  a:\n    image: busybox\n    imagez: x\n') },
  { name: 'bad-depends', files: bad('services:\n  a:\n    image: busybox\n    depends_on: [nope]\n') },
  { name: 'bad-empty', files: bad('') },
  { name: 'bad-noservices', files: bad('volumes:\n  v: {}\n') },
];

const c = (project: string, args: string[], extra: Partial<Case> = {}): Case => ({ name: args.join(' '), project, args, ...extra });

const CASES: Case[] = [
  c('sample', ['ps']),
  c('sample', ['ps', '-a']),
  c('sample', ['ps', '--services']),
  c('sample', ['ps', 'web']),
  c('sample', ['ps', '--format', 'json']),
  c('sample', ['ps', '--format', '{{.Name}} {{.Service}} {{.State}}']),
  c('sample', ['ps', '-q']),
  c('sample', ['ps', 'nosuch']),
  c('sample', ['images']),
  c('sample', ['images', '--format', 'json']),
  c('sample', ['images', '-q']),
  c('sample', ['ls']),
  c('sample', ['ls', '--format', 'json']),
  c('sample', ['ls', '-q']),
  c('sample', ['top', 'db']),
  c('sample', ['port', 'web', '80']),
  c('sample', ['port', 'web', '81']),
  c('sample', ['port', 'db', '80']),
  c('sample', ['port', 'nosuch', '80']),
  c('sample', ['exec', '-T', 'db', 'echo', 'hi']),
  c('sample', ['exec', '-T', 'db', 'sh', '-c', 'exit 3']),
  c('sample', ['exec', 'nosuch', 'true']),
  c('sample', ['stop', 'nosuch']),
  c('sample', ['start', 'nosuch']),
  c('sample', ['restart', 'nosuch']),
  c('sample', ['kill', 'nosuch']),
  c('sample', ['rm', '-f', 'nosuch']),
  c('sample', ['pause', 'nosuch']),
  c('sample', ['unpause', 'nosuch']),
  c('sample', ['logs', 'nosuch']),
  c('sample', ['up', '-d', 'nosuch']),
  c('sample', ['create', 'nosuch']),
  c('sample', ['logs', 'db']),
  c('sample', ['logs', 'talk']),
  c('sample', ['logs', '--no-log-prefix', 'talk']),
  c('sample', ['logs']),
  c('sample', ['config']),
  c('sample', ['config', '--format', 'json']),
  c('sample', ['config', '--services']),
  c('sample', ['config', '--volumes'], { unordered: true }),
  c('sample', ['config', '--networks'], { unordered: true }),
  c('sample', ['config', '--images']),
  c('sample', ['config', '-q']),
  // state changes last: each client starts from the same state
  c('sample', ['up', '-d'], { unorderedErr: true }),
  c('sample', ['stop', 'talk'], { before: [['start', 'talk']] }),
  c('sample', ['ps', '-a', 'talk'], { before: [['stop', 'talk']] }),
  c('sample', ['start', 'talk'], { before: [['stop', 'talk']] }),
  c('sample', ['restart', 'talk'], { before: [['start', 'talk']] }),
  c('sample', ['pause', 'talk'], { before: [['unpause', 'talk']] }),
  c('sample', ['unpause', 'talk'], { before: [['pause', 'talk']] }),
  c('sample', ['kill', 'talk'], { before: [['start', 'talk']] }),
  c('sample', ['rm', '-f', 'talk'], {
    before: [
      ['up', '-d', 'talk'],
      ['stop', 'talk'],
    ],
  }),
  c('sample', ['create', 'talk'], { before: [['rm', '-fs', 'talk']] }),
  c('sample', ['up', '-d', 'talk'], { before: [['rm', '-fs', 'talk']] }),
  c('sample', ['down', '-t', '0'], { before: [['up', '-d']], unorderedErr: true }),
  c('rich', ['config']),
  c('rich', ['config', '--format', 'json']),
  c('rich', ['config', '--services']),
  c('ten', ['config']),
  c('ten', ['config', '--format', 'json']),
  c('ten', ['config', '--services'], { unordered: true }),
  c('minimal', ['config']),
  c('minimal', ['config', '--format', 'json']),
  c('minimal', ['ps']),
  c('minimal', ['ps', '--format', 'json']),
  c('minimal', ['images']),
  c('minimal', ['nosuchcmd']),
  c('obsolete-version', ['config']),
  ...PROJECTS.filter((p) => p.name.startsWith('bad-')).flatMap((p) => [c(p.name, ['config']), c(p.name, ['up', '-d'], { name: 'up -d' })]),
];
for (const x of CASES) if (x.project !== 'sample') x.name = `${x.project}: ${x.name}`;

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Lines where the two outputs differ (a small LCS diff, '-' Compose, '+' berth). */
function diffLines(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) t[i][j] = x[i] === y[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push(`  ${x[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || t[i][j + 1] >= t[i + 1][j])) out.push(`+ ${y[j++]}`);
    else out.push(`- ${x[i++]}`);
  }
  return out;
}

async function main(): Promise<void> {
  if (!fs.existsSync(COMPOSE)) {
    console.error(`the real Compose is not built (${COMPOSE}): run scripts/setup-tools.sh`);
    process.exit(2);
  }
  const only = process.argv.slice(2);
  const cases = CASES.filter((x) => !only.length || only.some((s) => x.name.includes(s)));
  const wantEvents = !only.length || only.some((o) => 'events --json'.includes(o));
  const d = new TestDaemon('ccompare');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ccompare-'));
  const dirs = new Map<string, string>();
  const run = (project: string, cmd: string, args: string[]): Result => {
    const r = spawnSync(cmd, args, {
      cwd: dirs.get(project),
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(root, '.docker'), COMPOSE_PROJECT_NAME: '', NO_COLOR: '1' },
      timeout: 60000,
      killSignal: 'SIGKILL',
    });
    return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const real = (p: string, args: string[]) => run(p, COMPOSE, ['-p', `cc${p.replace(/[^a-z0-9]/g, '')}`, ...args]);
  const ours = (p: string, args: string[]) => run(p, process.execPath, [BERTH, '-H', d.host, 'compose', '-p', `cc${p.replace(/[^a-z0-9]/g, '')}`, ...args]);
  // Compose's `images --format json` walks a Go map: order by container
  const sortImages = (s: string): string =>
    s.replace(/^\[\{"ID".*$/m, (l) =>
      JSON.stringify((JSON.parse(l) as { ContainerName: string }[]).sort((a, b) => a.ContainerName.localeCompare(b.ContainerName))),
    );
  const norm = (s: string): string =>
    sortImages(s)
      .replaceAll(root, '<dir>')
      .replace(/\b[0-9a-f]{64}\b/g, '<id>')
      .replace(/\b[0-9a-f]{12}\b/g, '<id>')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<time>')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \w+/g, '<time>')
      .replace(/"Labels":"([^"]*)"/g, (_m, l: string) => `"Labels":"${l.split(',').sort().join(',')}"`)
      .replace(/"(Created|CreatedAt)":\d+/g, '"$1":N')
      .replace(/\b\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?) ago\b/g, 'N $1 ago')
      .replace(/\bAbout an? (minute|hour) ago\b/g, 'N $1s ago')
      .replace(/\b(Up|Exited \(\d+\)) (\d+|About an?|Less than a) (\w+)/g, '$1 N $3')
      .replace(/\b\d\d:\d\d(:\d\d)?\b/g, 'HH:MM')
      .replace(/\b(\d{2,}) (\d+) (\d+) \d+ /g, '$1 $2 $3 N ');
  try {
    await d.start();
    await d.importBusybox();
    for (const p of PROJECTS) {
      const dir = path.join(root, p.name);
      dirs.set(p.name, dir);
      for (const [f, body] of Object.entries(p.files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        if (f === 'src') fs.mkdirSync(path.join(dir, f), { recursive: true });
        else fs.writeFileSync(path.join(dir, f), body);
      }
      if (p.up && (cases.some((x) => x.project === p.name) || (wantEvents && p.name === 'sample'))) {
        const r = real(p.name, ['up', '-d', '--wait']);
        if (r.status !== 0) throw new Error(`${p.name}: up: ${r.stderr}`);
      }
    }
    const report: string[] = ['# berth compose vs Compose v5', ''];
    let same = 0;
    let total = cases.length;
    const differ: string[] = [];
    const known: string[] = [];
    for (const x of cases) {
      for (const step of x.before ?? []) real(x.project, step);
      const a = real(x.project, x.args);
      for (const step of x.before ?? []) real(x.project, step);
      const b = ours(x.project, x.args);
      if (x.unorderedErr)
        for (const r of [a, b])
          r.stderr = r.stderr
            .split('\n')
            .filter(Boolean)
            .sort()
            .map((l) => l + '\n')
            .join('');
      if (x.unordered)
        for (const r of [a, b])
          r.stdout = r.stdout
            .split('\n')
            .filter(Boolean)
            .sort()
            .map((l) => l + '\n')
            .join('');
      const left = `exit ${a.status}\n--- stdout\n${norm(a.stdout)}--- stderr\n${norm(a.stderr)}`;
      const right = `exit ${b.status}\n--- stdout\n${norm(b.stdout)}--- stderr\n${norm(b.stderr)}`;
      const eq = x.exitOnly ? a.status === b.status : left === right;
      if (eq) {
        same++;
        if (process.env.SHOW) console.log(`## ${x.name} (same)\n${left}`);
        continue;
      }
      const why = KNOWN[x.name];
      (why ? known : differ).push(x.name);
      const block = [`## ${x.name}${why ? ` (KNOWN: ${why})` : ''}`, '```diff', ...diffLines(left, right), '```', ''];
      report.push(...block);
      console.log(block.join('\n'));
    }
    // events --json streams until interrupted: both listen while the sample's db is paused and unpaused; the first
    // event of each is compared on its shape (keys, their types, type/action/service)
    if (wantEvents) {
      real('sample', ['up', '-d']);
      const listen = (cmd: string, args: string[]) => {
        const ch = spawn(cmd, args, {
          cwd: dirs.get('sample'),
          env: { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: path.join(root, '.docker') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        ch.stdout.on('data', (b: Buffer) => (out += b.toString()));
        return { ch, out: () => out };
      };
      const a = listen(COMPOSE, ['-p', 'ccsample', 'events', '--json']);
      const b = listen(process.execPath, [BERTH, '-H', d.host, 'compose', '-p', 'ccsample', 'events', '--json']);
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && (!a.out().includes('\n') || !b.out().includes('\n'))) {
        real('sample', ['pause', 'db']);
        real('sample', ['unpause', 'db']);
        await new Promise((r) => setTimeout(r, 200));
      }
      a.ch.kill();
      b.ch.kill();
      const shape = (text: string) => {
        const line = text.split('\n').find((l) => l.includes('"pause"')) ?? text.split('\n')[0];
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          return JSON.stringify(
            Object.fromEntries(Object.entries(e).map(([k, v]) => [k, ['type', 'action', 'service'].includes(k) ? v : Array.isArray(v) ? 'array' : typeof v])),
          );
        } catch {
          return `no event as JSON: ${JSON.stringify(line)}`;
        }
      };
      const left = shape(a.out());
      const right = shape(b.out());
      if (left === right && !left.startsWith('no event')) same++;
      else {
        differ.push('events --json');
        const block = ['## events --json (shape of the first pause event)', '```diff', ...diffLines(left, right), '```', ''];
        report.push(...block);
        console.log(block.join('\n'));
      }
      total++;
    }
    const summary = [
      `${total} cases: ${same} same, ${differ.length} differ, ${known.length} known`,
      ...differ.map((n) => `  differ: ${n}`),
      ...known.map((n) => `  known:  ${n}`),
    ];
    report.splice(2, 0, ...summary, '');
    console.log(summary.join('\n'));
    fs.mkdirSync(path.join(REPO, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(REPO, 'dist', 'compose-compare.md'), report.join('\n'));
  } finally {
    for (const p of PROJECTS) if (p.up) real(p.name, ['down', '-v', '-t', '0']);
    await d.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
