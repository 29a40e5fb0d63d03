// Renders the Engine API's JSON progress messages (pull, push, import, load,
// build) the way the docker CLI does: on a terminal, lines keyed by layer ID are
// redrawn in place; otherwise only lines without a progress bar are printed.
import { humanSize } from '../util/humansize';
import type { Readable } from 'node:stream';
import { jsonLines } from '../client/streams';

export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: unknown;
}

export class StreamError extends Error {}

export interface RenderOptions {
  tty: boolean;
  write: (s: string) => void;
  onAux?: (aux: unknown) => void;
}

/** Consumes a JSON-lines progress stream; throws StreamError on an in-stream error. */
export async function renderJsonMessages(src: Readable, o: RenderOptions): Promise<void> {
  const lines = new Map<string, number>();
  let count = 0;
  let failure: string | undefined;
  await jsonLines<JsonMessage>(src, (m) => {
    if (failure) return;
    if (m.error || m.errorDetail) {
      failure = m.errorDetail?.message ?? m.error ?? 'unknown error';
      return;
    }
    if (m.aux !== undefined) {
      o.onAux?.(m.aux);
      if (!m.status && !m.stream) return;
    }
    if (m.stream !== undefined) {
      o.write(m.stream);
      return;
    }
    const text = formatLine(m, o.tty);
    if (!o.tty) {
      // without a terminal, progress bars would be noise
      if (m.progress || (m.progressDetail && m.progressDetail.current !== undefined)) return;
      o.write(text + '\n');
      return;
    }
    if (m.id && m.progressDetail !== undefined) {
      const at = lines.get(m.id);
      if (at === undefined) {
        lines.set(m.id, count++);
        o.write(text + '\n');
      } else {
        const up = count - at;
        o.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
      }
      return;
    }
    // a message without an id resets the in-place area
    lines.clear();
    count = 0;
    o.write(text + '\n');
  });
  if (failure) throw new StreamError(failure);
}

/** The bar docker draws from progressDetail on a terminal: "[====>   ]  1.2MB/3.4MB". */
export function progressBar(current: number, total: number, width = process.stdout.columns ?? 80): string {
  if (!(total > 0)) return current > 0 ? humanSize(current).padStart(8) : '';
  const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const nums = current > total ? '' : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  // narrow terminals get the numbers only, as docker does below 110 columns
  if (width <= 110) return nums;
  return `[${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] ${nums}`;
}

function formatLine(m: JsonMessage, tty = false): string {
  let s = '';
  if (m.id) s += `${m.id}: `;
  s += m.status ?? '';
  const d = m.progressDetail;
  if (tty && d && d.total !== undefined && d.current !== undefined) {
    const bar = progressBar(d.current, d.total);
    if (bar) s += ` ${bar}`;
  } else if (m.progress) s += ` ${m.progress}`;
  return s;
}
