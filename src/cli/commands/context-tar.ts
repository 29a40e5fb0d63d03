// The tar a context export holds (meta.json and tls/docker/*.pem). The docker
// CLI writes its exports without the closing zero blocks, so reading keeps
// every whole entry and ignores a missing end of archive.
import * as tar from 'tar-stream';

export async function writeTar(files: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: d, type: 'directory', mode: 0o700, mtime: new Date(0) });
    }
    pack.entry({ name: f.name, mode: f.name === 'meta.json' ? 0o644 : 0o600, mtime: new Date(0) }, f.data);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function readTar(data: Buffer): Promise<Map<string, Buffer>> {
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
    // a cut after the last whole entry is how the docker CLI writes exports
    ex.on('error', (e) => (out.size ? resolve(out) : reject(new Error(`invalid context archive: ${e.message}`))));
    ex.end(data);
  });
}
