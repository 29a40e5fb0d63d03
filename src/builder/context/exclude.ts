// COPY/ADD --exclude: a source directory seen without the entries its
// patterns match (dockerignore pattern rules, paths relative to that
// directory, as BuildKit applies them); a file source is dropped when its
// name matches.
import type { Readable } from 'node:stream';
import type { FileInfo, SourceFS } from './fs';
import { IgnoreMatcher } from '../../common/buildcontext/ignore';
import type { SourceInfo } from './sources';

class ExcludeFS implements SourceFS {
  constructor(
    private readonly inner: SourceFS,
    /** The source directory's real path ('' for the root). */
    private readonly root: string,
    private readonly m: IgnoreMatcher,
  ) {}

  private excluded(rel: string): boolean {
    const prefix = this.root ? this.root + '/' : '';
    if (!rel.startsWith(prefix) || rel === this.root) return false;
    return this.m.matches(rel.slice(prefix.length));
  }

  lstat(rel: string): FileInfo | null {
    return this.excluded(rel) ? null : this.inner.lstat(rel);
  }

  readdir(rel: string): string[] {
    return this.inner.readdir(rel).filter((n) => !this.excluded(rel ? rel + '/' + n : n));
  }

  dataHash(rel: string): string {
    return this.inner.dataHash(rel);
  }

  openData(rel: string): Readable {
    return this.inner.openData(rel);
  }

  get readData(): ((rel: string) => Buffer) | undefined {
    const inner = this.inner;
    return inner.readData && ((rel) => inner.readData!(rel));
  }

  get bytesHashed(): number {
    return this.inner.bytesHashed;
  }
}

/** The sources with --exclude patterns applied. */
export function excludeSources(infos: SourceInfo[], patterns: readonly string[]): SourceInfo[] {
  if (!patterns.length) return infos;
  const m = new IgnoreMatcher(patterns);
  return infos.flatMap((i) => {
    if (i.info.type === 'dir') return [{ ...i, fs: new ExcludeFS(i.fs, i.real, m) }];
    const base = i.path.split('/').pop() ?? i.path;
    return m.matches(i.path) || m.matches(base) ? [] : [i];
  });
}
