// Layer diffs from an overlay upper dir: the tar (whiteouts in the OCI/AUFS
// `.wh.` form) and the change list of `docker diff`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { isWhiteout, lgetxattr } from '../sys';
import { tarStream, walkDir } from './pack';

export enum ChangeKind {
  Modified = 0,
  Added = 1,
  Deleted = 2,
}

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

function isOpaque(abs: string): boolean {
  const v = lgetxattr(abs, 'trusted.overlay.opaque');
  return v !== undefined && v.length === 1 && v[0] === 0x79; // 'y'
}

/**
 * Tar of an overlay upper dir as a layer: whiteouts (char 0:0) become `.wh.<name>`
 * entries, opaque directories get a `.wh..wh..opq` entry after their own. The
 * lower dirs are not needed for overlay (the upper dir is the diff); they are
 * accepted for symmetry with changes().
 */
export function diffLayer(upperDir: string, _lowerDirs: string[] = []): Readable {
  const upper = path.resolve(upperDir);
  return tarStream((w) =>
    walkDir(w, upper, '', {}, {
      replace: async (_abs, name, st) => {
        if (!isWhiteout(st)) return false;
        const slash = name.lastIndexOf('/');
        await w.addRaw({
          name: name.slice(0, slash + 1) + '.wh.' + name.slice(slash + 1),
          type: 'file',
          mode: 0o600,
          uid: st.uid,
          gid: st.gid,
          size: 0,
          mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
        });
        return true;
      },
      afterDir: async (abs, name, st) => {
        if (!isOpaque(abs)) return;
        await w.addRaw({
          name: name + '/.wh..wh..opq',
          type: 'file',
          mode: st.mode & 0o777,
          uid: st.uid,
          gid: st.gid,
          size: 0,
          mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
        });
      },
    }),
  );
}

function sameTime(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  if (a.mtimeNs === b.mtimeNs) return true;
  const s = 1_000_000_000n;
  return a.mtimeNs / s === b.mtimeNs / s && (a.mtimeNs % s === 0n || b.mtimeNs % s === 0n);
}

function lstatOrNull(p: string): fs.BigIntStats | null {
  try {
    return fs.lstatSync(p, { bigint: true });
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * `docker diff` of an overlay upper dir over its lower dirs (Docker's rules):
 * a whiteout or opaque dir is Deleted; anything else is Modified when the path
 * exists in a lower dir, Added otherwise; a directory identical (size, mode,
 * mtime) to its lower counterpart is not listed unless something below it
 * changed; the parent of an added or deleted path is listed as Modified.
 * Order: depth-first by sorted names (a path before its contents).
 */
export function changes(upperDir: string, lowerDirs: string[]): Change[] {
  const upper = path.resolve(upperDir);
  const out: Change[] = [];
  const changedDirs = new Set<string>();
  const visit = (rel: string) => {
    const names = fs.readdirSync(upper + rel).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const n of names) {
      const p = rel + '/' + n;
      const abs = upper + p;
      const st = fs.lstatSync(abs, { bigint: true });
      const isDir = st.isDirectory();
      let kind: ChangeKind | null;
      if (isWhiteout(st) || (isDir && isOpaque(abs))) kind = ChangeKind.Deleted;
      else {
        kind = ChangeKind.Added;
        for (const lower of lowerDirs) {
          const ls = lstatOrNull(lower + p);
          if (!ls) continue;
          if (ls.isDirectory() && isDir && ls.size === st.size && ls.mode === st.mode && sameTime(st, ls)) kind = null;
          else kind = ChangeKind.Modified;
          break;
        }
      }
      if (kind !== null) {
        if (isDir) changedDirs.add(p);
        if (kind !== ChangeKind.Modified && rel !== '' && !changedDirs.has(rel)) {
          out.push({ Path: rel, Kind: ChangeKind.Modified });
          changedDirs.add(rel);
        }
        out.push({ Path: p, Kind: kind });
      }
      if (isDir) visit(p);
    }
  };
  visit('');
  return out;
}
