// Progress as the Engine API streams it (JSON messages the docker CLI renders
// as its progress bars): per-layer lines keyed by a short ID, throttled.
import { humanSize } from '../../util/humansize';

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message: string };
}

export type Emit = (m: JsonMessage) => void;

/** The classic progress text: "[=====>     ]  1.2MB/3.4MB" (50 cells). */
export function progressText(current: number, total: number): string {
  if (total <= 0) return humanSize(current).padStart(8);
  const cells = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = `[${'='.repeat(cells)}>${' '.repeat(Math.max(0, 50 - cells))}] `;
  const nums = current > total ? '' : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + nums;
}

export const shortId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/** Emits progress for one line at most every `ms` (and always at the end). */
export class Throttle {
  private last = 0;
  constructor(
    private readonly emit: Emit,
    private readonly id: string,
    private readonly ms = 100,
  ) {}

  status(status: string): void {
    this.emit({ status, progressDetail: {}, id: this.id });
  }

  progress(status: string, current: number, total: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.ms) return;
    this.last = now;
    this.emit({ status, progressDetail: { current, total }, progress: progressText(current, total), id: this.id });
  }
}

/** Runs at most n tasks at once. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (active >= n || queue.length === 0) return;
    active++;
    queue.shift()!();
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        fn()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}
