// The daemon's side of a build context: the tar body (plain, gzip, bzip2, xz,
// zstd) unpacked into a private temp dir with every path confined to it
// (symlinks are stored as links and only ever resolved inside the context),
// the Dockerfile read from it, and the Dockerfile and .dockerignore dropped
// from it when .dockerignore excludes them, as Docker's daemon does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { extractInto, resolveInRoot } from '../../archive';
import { badRequest } from '../../util/errors';
import { IgnoreMatcher, cleanPath, parseIgnoreFile } from './ignore';

export interface BuildContext {
  /** The unpacked context (owned by the daemon: file owners are not kept). */
  dir: string;
  /** Removes the directory. */
  cleanup(): void;
}

/** Unpacks a context tar into a new directory under parentDir. Nothing is left behind on failure. */
export async function extractContext(body: Readable, parentDir: string): Promise<BuildContext> {
  fs.mkdirSync(parentDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parentDir, 'build-'));
  fs.chmodSync(dir, 0o755);
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await extractInto(body, dir, '/', { noOverwriteDirNonDir: false, copyUIDGID: false, ignoreOwnership: true });
  } catch (e) {
    cleanup();
    throw e;
  }
  return { dir, cleanup };
}

/** A context-relative path that climbs above the root ("../x"), as Docker refuses it. */
export function escapesRoot(rel: string): boolean {
  const c = cleanPath(rel.replace(/^\/+/, ''));
  return c === '..' || c.startsWith('../');
}

export function forbiddenPath(rel: string): Error {
  return badRequest(`forbidden path outside the build context: ${rel} ()`);
}

/**
 * Reads the Dockerfile named `name` (relative to the context root; "Dockerfile"
 * falls back to "dockerfile"). Errors as Docker's daemon words them.
 */
export function readContextDockerfile(dir: string, name = 'Dockerfile'): { name: string; text: string } {
  if (escapesRoot(name)) throw forbiddenPath(name);
  const tryRead = (n: string): Buffer | null => {
    const p = resolveInRoot(dir, n, { followFinal: true });
    try {
      const st = fs.statSync(p);
      if (!st.isFile()) return null;
      return fs.readFileSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw e;
    }
  };
  let used = name;
  let data = tryRead(name);
  if (data === null && name === 'Dockerfile') {
    used = 'dockerfile';
    data = tryRead(used);
  }
  if (data === null) throw badRequest(`Cannot locate specified Dockerfile: ${name}`);
  if (data.length === 0) throw badRequest(`the Dockerfile (${used}) cannot be empty`);
  return { name: used, text: data.toString('utf8') };
}

/** The context's .dockerignore patterns ([] when it has none). */
export function contextIgnorePatterns(dir: string): string[] {
  try {
    return parseIgnoreFile(fs.readFileSync(resolveInRoot(dir, '.dockerignore', { followFinal: true })));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return [];
    throw e;
  }
}

/**
 * After the Dockerfile was read: removes .dockerignore and the Dockerfile from
 * the context when .dockerignore excludes them, so COPY cannot see them.
 */
export function dropIgnoredBuildFiles(dir: string, dockerfileName: string): void {
  const patterns = contextIgnorePatterns(dir);
  if (patterns.length === 0) return;
  const m = new IgnoreMatcher(patterns);
  for (const f of ['.dockerignore', dockerfileName]) {
    if (escapesRoot(f) || !m.matches(f)) continue;
    fs.rmSync(resolveInRoot(dir, f, { followFinal: false }), { force: true });
  }
}
