// Comparing two images as a user sees them: the filesystem their layers make
// (whiteouts applied; per path the type, mode, owner, size, link target and a
// digest of the content; mtimes left out, builders set them differently) and
// the runtime config. Read from `docker save` archives (manifest.json layout,
// which dockerd and berthd both write).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';

export interface FsEntry {
  type: string;
  mode: string;
  owner: string;
  size: number;
  link?: string;
  sha?: string;
}

export interface ImageView {
  files: Map<string, FsEntry>;
  config: Record<string, unknown>;
  os: string;
  architecture: string;
  layers: number;
}

async function entries(buf: Buffer, onEntry: (h: tar.Header, body: Buffer) => void): Promise<void> {
  const x = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        onEntry(h, Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    x.on('finish', () => resolve());
    x.on('error', reject);
  });
  Readable.from([buf]).pipe(x);
  await done;
}

const norm = (name: string) => name.replace(/^\.?\/+/, '').replace(/\/+$/, '');

/** The image a `docker save` archive holds (its first manifest entry). */
export async function readSavedImage(archive: Buffer): Promise<ImageView> {
  const files = new Map<string, Buffer>();
  await entries(archive, (h, body) => {
    if (h.type === 'file') files.set(norm(h.name), body);
  });
  const manifest = JSON.parse(String(files.get('manifest.json'))) as Array<{ Config: string; Layers: string[] }>;
  const m = manifest[0];
  const cfg = JSON.parse(String(files.get(norm(m.Config)))) as { config?: Record<string, unknown>; os: string; architecture: string };
  const fsView = new Map<string, FsEntry>();
  for (const l of m.Layers) {
    const data = files.get(norm(l));
    if (!data) throw new Error(`layer ${l} is not in the archive`);
    await entries(data, (h, body) => {
      const p = norm(h.name);
      const dir = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      const base = p.slice(p.lastIndexOf('/') + 1);
      if (base === '.wh..wh..opq') {
        for (const k of [...fsView.keys()]) if (k.startsWith(dir + '/')) fsView.delete(k);
        return;
      }
      if (base.startsWith('.wh.')) {
        const gone = (dir ? dir + '/' : '') + base.slice(4);
        for (const k of [...fsView.keys()]) if (k === gone || k.startsWith(gone + '/')) fsView.delete(k);
        return;
      }
      if (!p) return;
      const e: FsEntry = {
        type: h.type ?? 'file',
        mode: ((h.mode ?? 0) & 0o7777).toString(8).padStart(4, '0'),
        owner: `${h.uid ?? 0}:${h.gid ?? 0}`,
        size: h.type === 'file' ? body.length : 0,
      };
      if (h.linkname) e.link = h.linkname;
      if (h.type === 'file') e.sha = createHash('sha256').update(body).digest('hex').slice(0, 16);
      fsView.set(p, e);
    });
  }
  return { files: fsView, config: cfg.config ?? {}, os: cfg.os, architecture: cfg.architecture, layers: m.Layers.length };
}

/** The runtime config fields a user relies on. */
const CONFIG_KEYS = ['User', 'Env', 'Entrypoint', 'Cmd', 'WorkingDir', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'];

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
const empty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === '' ||
  (Array.isArray(v) && !v.length) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length);

/** Differences between the reference image (a) and berth's (b), one line each; [] when they match. */
export function diffImages(a: ImageView, b: ImageView, names = ['buildkit', 'berth']): string[] {
  const out: string[] = [];
  if (a.os !== b.os || a.architecture !== b.architecture) out.push(`platform: ${names[0]} ${a.os}/${a.architecture}, ${names[1]} ${b.os}/${b.architecture}`);
  for (const k of CONFIG_KEYS) {
    const va = a.config[k];
    const vb = b.config[k];
    if (empty(va) && empty(vb)) continue;
    if (JSON.stringify(va) !== JSON.stringify(vb)) out.push(`config ${k}: ${names[0]} ${show(va)}, ${names[1]} ${show(vb)}`);
  }
  const paths = [...new Set([...a.files.keys(), ...b.files.keys()])].sort();
  for (const p of paths) {
    const x = a.files.get(p);
    const y = b.files.get(p);
    if (!x) {
      out.push(`/${p}: only in ${names[1]} (${y!.type} ${y!.mode} ${y!.owner})`);
      continue;
    }
    if (!y) {
      out.push(`/${p}: only in ${names[0]} (${x.type} ${x.mode} ${x.owner})`);
      continue;
    }
    const d: string[] = [];
    for (const f of ['type', 'mode', 'owner', 'size', 'link', 'sha'] as const) {
      if (f === 'mode' && x.type === 'symlink' && y.type === 'symlink') continue; // a symlink's mode means nothing
      if (x[f] !== y[f]) d.push(`${f} ${show(x[f])} vs ${show(y[f])}`);
    }
    if (d.length) out.push(`/${p}: ${d.join(', ')}`);
  }
  return out;
}
