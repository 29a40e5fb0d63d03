// The client side of a build context, as the docker CLI prepares it: a
// directory walked with its .dockerignore (the Dockerfile and .dockerignore
// are always sent), a tar read from stdin, or a Dockerfile alone. A
// Dockerfile from outside the context (or from stdin) travels inside the
// tar under a random `.dockerfile.<hex>` name that .dockerignore then hides
// from COPY. Owners are sent as 0:0, symlinks as links (never followed).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { IgnoreMatcher, keepBuildFiles } from '../common/buildcontext/ignore';
import { listContext, readIgnorePatterns } from '../common/buildcontext/walk';
import { isArchiveStream } from '../common/buildcontext/archive';
import { TarWriter } from '../archive/tarwriter';
import { StatusError } from './command';

export interface PreparedContext {
  body: Readable;
  /** The `dockerfile` query parameter. */
  dockerfile: string;
  /** Named directory contexts: name -> `context:<dir in the tar>` (berth's `buildcontexts`). */
  named: Record<string, string>;
}

/** A --build-context directory: sent inside the context tar, under a directory berthd takes out again. */
export interface NamedDir {
  name: string;
  dir: string;
}

/** --build-context name=DIR|docker-image://REF: images go by reference (berth's `buildcontexts`), directories in the tar. */
export function parseBuildContexts(specs: string[]): { images: Record<string, string>; dirs: NamedDir[] } {
  const images: Record<string, string> = {};
  const dirs: NamedDir[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? '' : spec.slice(0, eq);
    const value = eq < 0 ? '' : spec.slice(eq + 1);
    if (!name || !value) throw fail(`invalid build context ${JSON.stringify(spec)}: expected name=value`);
    if (name in images || dirs.some((d) => d.name === name)) throw fail(`build context ${name} given twice`);
    if (value.startsWith('docker-image://')) images[name] = value;
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('target:'))
      throw fail(`invalid build context ${name}: unsupported source ${JSON.stringify(value)}: berth takes docker-image://<ref> and directories`);
    else dirs.push({ name, dir: value });
  }
  return { images, dirs };
}

const fail = (msg: string) => new StatusError(msg, 1);

/** Reads all of a stream. */
export function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

function entry(w: TarWriter, name: string, data: Buffer, mode = 0o600): Promise<void> {
  return new Promise((resolve, reject) =>
    w.pack.entry({ name, mode, size: data.length, mtime: new Date(), uid: 0, gid: 0 }, data, (e) => (e ? reject(e) : resolve())),
  );
}

/** A tar holding just a Dockerfile (`build - < Dockerfile`, or `-f -` with no context). */
async function dockerfileOnly(text: Buffer): Promise<Readable> {
  const w = new TarWriter();
  const out = w.readable();
  await entry(w, 'Dockerfile', text, 0o644);
  w.finalize();
  return out;
}

/** Context `-`: a tar (any compression) or a Dockerfile on stdin. */
export async function stdinContext(stdin: NodeJS.ReadableStream, dockerfile: string): Promise<PreparedContext> {
  const data = await readStream(stdin);
  if (await isArchiveStream(() => Readable.from([data]))) return { body: Readable.from([data]), dockerfile: dockerfile || 'Dockerfile', named: {} };
  return { body: await dockerfileOnly(data), dockerfile: 'Dockerfile', named: {} };
}

/**
 * Context from a directory. `dockerfileFlag` is -f as given ('' for the
 * default, '-' for stdin): relative to the current directory, like docker.
 */
export async function dirContext(dir: string, dockerfileFlag: string, stdin: () => Promise<Buffer>, namedDirs: NamedDir[] = []): Promise<PreparedContext> {
  const root = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    throw fail(`unable to prepare context: path "${dir}" not found`);
  }
  if (!st.isDirectory()) throw fail(`unable to prepare context: context must be a directory: ${root}`);

  let inline: Buffer | undefined; // a Dockerfile that is not in the context
  let rel = ''; // its path in the context otherwise
  let ignoreBeside: string | undefined; // where <Dockerfile>.dockerignore may be
  if (dockerfileFlag === '-') {
    inline = await stdin();
  } else {
    let abs = dockerfileFlag ? path.resolve(dockerfileFlag) : path.join(root, 'Dockerfile');
    if (!dockerfileFlag && !fs.existsSync(abs) && fs.existsSync(path.join(root, 'dockerfile'))) abs = path.join(root, 'dockerfile');
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      throw fail(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`);
    }
    const realRoot = fs.realpathSync(root);
    const r = path.relative(realRoot, real);
    ignoreBeside = abs;
    if (r.startsWith('..') || path.isAbsolute(r)) inline = fs.readFileSync(real);
    else rel = r.split(path.sep).join('/');
  }
  const patterns = readIgnorePatterns(root, ignoreBeside);
  const kept = keepBuildFiles(patterns, rel || null);
  const matcher = kept.length ? new IgnoreMatcher(kept) : null;
  const entries = listContext(root, matcher);

  const w = new TarWriter();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const tar = w.readable();
  tar.on('error', (e) => out.destroy(e));
  tar.pipe(out);
  const name = inline ? `.dockerfile.${randomBytes(10).toString('hex')}` : rel;
  // each named directory, walked with its own .dockerignore, goes under .berth-contexts.<hex>/<n>/
  const prefix = `.berth-contexts.${randomBytes(8).toString('hex')}`;
  const named: Record<string, string> = {};
  const namedEntries = namedDirs.map((n, i) => {
    const nroot = path.resolve(n.dir);
    let nst: fs.Stats | undefined;
    try {
      nst = fs.statSync(nroot);
    } catch {
      /* refused below */
    }
    if (!nst?.isDirectory()) throw fail(`invalid build context ${n.name}: ${n.dir} is not a directory`);
    const p = readIgnorePatterns(nroot);
    named[n.name] = `context:${prefix}/${i}`;
    return { base: `${prefix}/${i}`, root: nroot, stat: nst, entries: listContext(nroot, p.length ? new IgnoreMatcher(p) : null) };
  });
  (async () => {
    let ignoreData: Buffer | undefined;
    for (const e of entries) {
      if (inline && e.path === '.dockerignore' && e.stat.isFile()) {
        ignoreData = fs.readFileSync(e.abs);
        continue; // sent at the end with the Dockerfile's name added
      }
      const s0 = Object.create(e.stat, { uid: { value: 0 }, gid: { value: 0 } }) as fs.Stats;
      await w.add(e.abs, e.path, s0, { xattrs: false });
    }
    for (const n of namedEntries) {
      const s0 = (st: fs.Stats) => Object.create(st, { uid: { value: 0 }, gid: { value: 0 } }) as fs.Stats;
      await w.add(n.root, n.base, s0(n.stat), { xattrs: false });
      for (const e of n.entries) await w.add(e.abs, `${n.base}/${e.path}`, s0(e.stat), { xattrs: false });
    }
    if (inline) {
      await entry(w, name, inline);
      const base = ignoreData ? ignoreData.toString('utf8').replace(/\n?$/, '\n') : '';
      await entry(w, '.dockerignore', Buffer.from(`${base}.dockerignore\n${name}\n`));
    }
    w.finalize();
  })().catch((e: Error) => {
    w.destroy(e);
    out.destroy(e);
  });
  return { body: out, dockerfile: name, named };
}
