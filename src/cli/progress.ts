// Renders the Engine API's JSON progress messages (pull, push, import, load,
// build) the way the docker CLI does: on a terminal, lines keyed by layer ID are
// redrawn in place; otherwise only lines without a progress bar are printed.
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
    const text = formatLine(m);
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

function formatLine(m: JsonMessage): string {
  let s = '';
  if (m.id) s += `${m.id}: `;
  s += m.status ?? '';
  if (m.progress) s += ` ${m.progress}`;
  return s;
}
