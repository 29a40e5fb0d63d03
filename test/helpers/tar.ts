// Tars for tests, built with tar-stream: fixed mtime unless given, xattrs as
// binary-safe PAX records.
import type * as tar from 'tar-stream';
import { createPack } from '../../src/archive/tarfmt';

export type TarEntry = Partial<tar.Header> & { name: string; body?: string | Buffer; xattrs?: Record<string, Buffer> };

export async function tarBuf(entries: TarEntry[]): Promise<Buffer> {
  const p = createPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => res());
    p.on('error', rej);
  });
  for (const e of entries) {
    const { body, xattrs, ...h } = e;
    if (xattrs) h.pax = Object.fromEntries(Object.entries(xattrs).map(([k, v]) => ['SCHILY.xattr.' + k, v])) as unknown as Record<string, string>;
    h.mtime ??= new Date(1_600_000_000_000);
    await new Promise<void>((res, rej) => p.entry(h, body ?? Buffer.alloc(0), (err) => (err ? rej(err) : res())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
