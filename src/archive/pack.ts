// packPath: GET /containers/{id}/archive and docker export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { TarWriter, type WalkOptions } from './tarwriter';
import { absContainerPath, closeResolved, restat, statResolved, type PathStat } from './stat';
import { fdPath, hideFdPaths, openDirNoFollow } from './inroot';
import { lstatIfExists } from '../util/fsutil';
import { byteOrder } from '../util/compare';

export interface WalkHooks {
  /** Handles an object instead of the default add; return true when handled. */
  replace?(abs: string, name: string, st: fs.Stats, w: TarWriter): Promise<boolean> | boolean;
  /** Called after a directory's own entry, before its contents. */
  afterDir?(abs: string, name: string, st: fs.Stats, w: TarWriter): Promise<void> | void;
}

/**
 * Adds the contents of the directory at dir (sorted by name, symlinks not
 * followed) with names prefix + relative path. The tree may be changing under
 * us (a running container): every directory is read through an fd opened
 * without following, and every object is reached as <that fd>/<name> by calls
 * that do not follow the name, so a directory swapped for a symlink is never
 * entered (see inroot.ts).
 */
export async function walkDir(w: TarWriter, dir: string, prefix: string, opts: WalkOptions, hooks: WalkHooks = {}): Promise<void> {
  const fd = openDirNoFollow(dir);
  if (fd === undefined) return;
  try {
    await walkOpenDir(w, fdPath(fd), prefix, opts, hooks);
  } finally {
    fs.closeSync(fd);
  }
}

async function walkOpenDir(w: TarWriter, dirPath: string, prefix: string, opts: WalkOptions, hooks: WalkHooks): Promise<void> {
  const names = fs.readdirSync(dirPath).sort(byteOrder);
  for (const n of names) {
    const abs = dirPath + '/' + n;
    const st = lstatIfExists(abs);
    if (!st) continue;
    const name = prefix + n;
    if (hooks.replace && (await hooks.replace(abs, name, st, w))) continue;
    await w.add(abs, name, st, opts);
    if (st.isDirectory()) {
      await hooks.afterDir?.(abs, name, st, w);
      await walkDir(w, abs, name + '/', opts, hooks);
    }
  }
}

/** Runs a producer into a TarWriter and returns the tar stream. */
export function tarStream(produce: (w: TarWriter) => Promise<void>): Readable {
  const w = new TarWriter();
  const out = w.readable(() => produced);
  const produced = produce(w).then(
    () => w.finalize(),
    (e: Error) => w.destroy(e),
  );
  return out;
}

export interface PackOptions extends WalkOptions {
  /**
   * Include the requested directory itself, named after the path's basename
   * (default true, as GET archive does). false gives `docker export`'s layout:
   * entries relative to the directory, no entry for the directory itself.
   */
  includeSourceDir?: boolean;
  /** Container name for error messages. */
  container?: string;
  /** The name the top entry gets instead of the path's basename (docker cp to a new name). */
  rebaseTo?: string;
}

/**
 * Tar of a file or directory inside rootfs. Parents resolve inside rootfs; a
 * final symlink is archived as a link unless the path ends in "/". Entries are
 * rebased to the path's basename (`/etc` gives `etc/`, `etc/passwd`, ...).
 * Throws 404 (EngineError) when the path does not exist.
 */
export function packPath(rootfs: string, containerPath: string, opts: PackOptions = {}): { stat: PathStat; stream: Readable } {
  const r = statResolved(rootfs, containerPath, opts.container);
  const abs = absContainerPath(containerPath);
  let rebase = opts.rebaseTo ?? path.posix.basename(abs);
  const stream = tarStream(async (w) => {
    try {
      const st = restat(r);
      if (!st.isDirectory()) {
        await w.add(r.hostPath, rebase, st, opts);
        return;
      }
      let prefix = '';
      if (opts.includeSourceDir !== false) {
        // like Docker, the root directory rebases to "" ("/" entry, "/bin", ...)
        await w.add(r.hostPath, rebase === '' ? '/' : rebase, st, opts);
        prefix = rebase + '/';
      }
      rebase = '';
      if (r.followed) await walkOpenDir(w, r.hostPath, prefix, opts, {});
      else await walkDir(w, r.hostPath, prefix, opts);
    } catch (e) {
      throw hideFdPaths(e, abs);
    } finally {
      closeResolved(r);
    }
  });
  return { stat: r.stat, stream };
}
