// Small tars of in-memory files, both ways: what a context export holds, the
// secrets and configs compose writes into a container. Parent directories are
// added once; reading keeps every whole entry and tolerates a missing end of
// archive (the docker CLI writes its context exports without one).
import * as tar from 'tar-stream';

export interface TarFile {
  path: string;
  data: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
}

export async function writeTarFiles(files: TarFile[], opts: { dirMode?: number; mtime?: Date } = {}): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: d, type: 'directory', mode: opts.dirMode ?? 0o755, mtime: opts.mtime });
    }
    pack.entry({ name: f.path, mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0, mtime: opts.mtime }, f.data);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function readTarFiles(data: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  return new Promise((resolve, reject) => {
    const ex = tar.extract();
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        if (h.type === 'file') out.set(h.name.replace(/^\.\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    ex.on('finish', () => resolve(out));
    ex.on('error', (e) => (out.size ? resolve(out) : reject(new Error(`invalid archive: ${e.message}`))));
    ex.end(data);
  });
}
