// Walking a build-context directory with .dockerignore applied (the client's
// side: what `berth build <dir>` sends). Directories that are excluded are
// skipped whole unless an exception pattern could re-include something in
// them. Symlinks are listed as links, never followed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IgnoreMatcher, MatchState, parseIgnoreFile } from './ignore';
import { lstatIfExists } from '../../util/fsutil';
import { byteOrder } from '../../util/compare';

export interface ContextEntry {
  /** Path relative to the context root, "/"-separated. */
  path: string;
  abs: string;
  stat: fs.Stats;
}

/** Every entry of the context that is not excluded, parents before children, names sorted. */
export function listContext(dir: string, matcher: IgnoreMatcher | null): ContextEntry[] {
  const out: ContextEntry[] = [];
  const root = path.resolve(dir);
  const walk = (absDir: string, relDir: string, parent: MatchState | undefined) => {
    for (const name of fs.readdirSync(absDir).sort(byteOrder)) {
      const abs = absDir + '/' + name;
      const rel = relDir ? relDir + '/' + name : name;
      const st = lstatIfExists(abs);
      if (!st) continue;
      let state: MatchState | undefined;
      if (matcher && matcher.size > 0) {
        state = matcher.match(rel, parent);
        if (state.excluded) {
          if (st.isDirectory() && matcher.mayIncludeBelow(rel)) walk(abs, rel, state);
          continue;
        }
      }
      out.push({ path: rel, abs, stat: st });
      if (st.isDirectory()) walk(abs, rel, state);
    }
  };
  walk(root, '', undefined);
  return out;
}

/**
 * The ignore file that applies: `<Dockerfile>.dockerignore` beside the
 * Dockerfile when it exists, else `.dockerignore` at the context root.
 * Returns its patterns ([] when there is none).
 */
export function readIgnorePatterns(contextDir: string, dockerfilePath?: string): string[] {
  const candidates = [];
  if (dockerfilePath) candidates.push(path.resolve(contextDir, dockerfilePath) + '.dockerignore');
  candidates.push(path.join(contextDir, '.dockerignore'));
  for (const c of candidates) {
    let text: Buffer;
    try {
      text = fs.readFileSync(c);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw e;
    }
    return parseIgnoreFile(text);
  }
  return [];
}
