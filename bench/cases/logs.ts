// Logs: a container writes 100 MB of 100-byte lines to stdout, the last 4
// bytes without a newline (a last line cut short must come back too), and exits (the
// engine's default log driver: json-file for Docker, berth's k8s-file via
// conmon); then `docker logs CTR` reads all of it back, output to /dev/null.
// The write itself (run -d to the end of `docker wait`) is reported once per
// engine, from the setup.
import type { Case, CaseEnv } from '../framework';

const LINE = 'berth-bench log line: the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv'; // 99 chars + \n: 100-byte lines
const FULL_BYTES = 100_000_000;
const QUICK_BYTES = 10_000_000;
const MB = 1e6;
/** the output's end, without a newline */
const TAIL = 'end!';

interface LogState {
  id: string;
  bytes: number;
  writeMBs: number;
}

function bytesFor(env: CaseEnv): number {
  return env.opts.quick ? QUICK_BYTES : FULL_BYTES;
}

export const logs: Case<LogState> = {
  id: 'logs',
  title: 'logs of a container that wrote 100 MB',
  section: 'Logs (100 MB of stdout)',
  heavy: true, // each read is 100 MB: 3 samples (--heavy-runs), no warm-up
  how: `a \`--network none\` container writes 100 MB (--quick: 10 MB) with \`yes '<99-char line>' | head -c 99999996; printf 'end!'\` and exits; \`docker logs CTR > /dev/null\` is timed (MB/s of the container's output), and \`docker logs --tail 100 CTR\`; the write (from \`docker run -d\` to the end of \`docker wait\`) is measured once per engine, in the untimed setup`,
  metrics: [
    { id: 'read', label: 'logs CTR > /dev/null (MB/s)', unit: 'MB/s', better: 'higher' },
    { id: 'tail', label: 'logs --tail 100 CTR', unit: 'ms', better: 'lower' },
    { id: 'write', label: 'container writing 100 MB to stdout (MB/s)', unit: 'MB/s', better: 'higher' },
  ],
  async setup(env) {
    const { engine, image, log } = env;
    const bytes = bytesFor(env);
    if (env.opts.quick) env.shared.note(`logs: the container writes ${bytes / MB} MB in --quick mode (100 MB in a full run)`);
    log(`    ${engine.label}: writing ${bytes / MB} MB of log`);
    const t0 = process.hrtime.bigint();
    const script = `yes '${LINE}' | head -c ${bytes - TAIL.length}; printf '${TAIL}'`;
    const id = (await engine.dockerOk(['run', '-d', '--network', 'none', image, 'sh', '-c', script])).stdout.trim();
    const w = await engine.dockerOk(['wait', id], 600_000);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (w.stdout.trim() !== '0') engine.note(`logs: the writer exited ${w.stdout.trim()}`);
    // everything written must come back: count once (untimed)
    const all = await engine.dockerOk(['logs', id], 600_000);
    if (all.stdout.length !== bytes)
      engine.note(
        `logs: read back ${all.stdout.length} bytes of stdout, the container wrote ${bytes}${all.stdout.endsWith(TAIL) ? '' : ' (the last line, written without a newline, did not come back)'}`,
      );
    return { id, bytes, writeMBs: bytes / MB / (ms / 1000) };
  },
  async sample({ engine }, s, round) {
    const r = await engine.dockerOk(['logs', s.id], 600_000, 'ignore');
    const t = await engine.dockerOk(['logs', '--tail', '100', s.id]);
    const lines = t.stdout.split('\n').filter(Boolean).length;
    if (lines !== 100) engine.note(`logs --tail 100 printed ${lines} lines`);
    const out: Record<string, number> = { read: s.bytes / MB / (r.ms / 1000), tail: t.ms };
    if (round === 0) out.write = s.writeMBs;
    return out;
  },
  async teardown({ engine }, s) {
    await engine.removeContainers([s.id]);
  },
};
