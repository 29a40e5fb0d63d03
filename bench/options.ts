// Command-line options of `npm run bench -- [options]`.
import type { Options } from './framework';

export const USAGE = `usage: npm run bench -- [options]
  --quick            a short run (under two minutes): 3 samples, 1 for heavy figures, 0.5 s load tests,
                     a 30 MB image instead of 300 MB, 10 MB of logs instead of 100 MB
  --runs N           samples per engine per figure (default 10; quick 3)
  --heavy-runs N     samples for heavy figures: create/rm x100, memory with 50 containers, logs,
                     pull/push/save/load (default 3; quick 1)
  --api-seconds S    length of each load-test sample (default 3; quick 0.5)
  --only a,b         run only these cases (ids: see --list)
  --no-docker        measure berth alone (as when Docker is absent)
  --no-install       do not apt-get install docker.io when it is missing
  --no-warmup        no discarded warm-up sample
  --out DIR          where RESULTS.md and results.png go (default: bench/ for a full run,
                     dist/bench-results/ for --quick or --only runs)
  --list             list the cases and exit
Run as root. Results: a table on stdout, RESULTS.md and results.png.
BENCH_BERTHD_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles berthd during the run.`;

export function parseOptions(argv: string[]): Options & { list: boolean; help: boolean } {
  const o = {
    quick: false,
    runs: NaN,
    heavyRuns: NaN,
    apiSeconds: NaN,
    docker: true,
    install: true,
    only: undefined as string[] | undefined,
    out: undefined as string | undefined,
    warmup: true,
    list: false,
    help: false,
  };
  const num = (i: number, name: string) => {
    const v = Number(argv[i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (inline !== undefined) argv.splice(i + 1, 0, inline);
    switch (flag) {
      case '--quick':
        o.quick = true;
        break;
      case '--runs':
        o.runs = Math.round(num(++i, flag));
        break;
      case '--heavy-runs':
        o.heavyRuns = Math.round(num(++i, flag));
        break;
      case '--api-seconds':
        o.apiSeconds = num(++i, flag);
        break;
      case '--only':
        o.only = (argv[++i] ?? '').split(',').filter(Boolean);
        break;
      case '--out':
        o.out = argv[++i];
        break;
      case '--no-docker':
        o.docker = false;
        break;
      case '--no-install':
        o.install = false;
        break;
      case '--no-warmup':
        o.warmup = false;
        break;
      case '--list':
        o.list = true;
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (Number.isNaN(o.runs)) o.runs = o.quick ? 3 : 10;
  if (Number.isNaN(o.heavyRuns)) o.heavyRuns = o.quick ? 1 : 3;
  if (Number.isNaN(o.apiSeconds)) o.apiSeconds = o.quick ? 0.5 : 3;
  return o;
}
