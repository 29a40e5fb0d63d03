// Tar in and out of the filesystem, confined to a root: layer unpack (pull),
// layer diff (commit/build), docker cp in both directions, docker export/diff.
export { extractLayer, extractInto, type ExtractLayerOptions, type ExtractIntoOptions } from './extract';
export { packPath, type PackOptions } from './pack';
export { statPath, goFileMode, rfc3339Nano, GO_MODE, type PathStat } from './stat';
export { resolveInRoot, MAX_SYMLINKS } from './paths';
export { readFileInRoot, openRoot, openIn, fdPath, O_PATH } from './inroot';
export { diffLayer, changes, ChangeKind, type Change } from './diff';
export { decompressStream, decompressAs, detectAndDecompress, detectCompression, type Compression } from './decompress';
export { ParallelGzip, type PgzipOptions } from './pgzip';
