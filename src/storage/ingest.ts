// One layer in: source bytes (compressed or not, possibly still downloading)
// are hashed and written to a blob, decompressed, hashed again for the diff ID
// and unpacked into a staging dir, all in one pass. Nothing reaches the store
// until both digests check out: the blob is renamed into place, the staged
// layer is left for the caller to commit in chain order.
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decompressAs, detectAndDecompress, type Compression, type ExtractLayerOptions } from '../archive';
import type { BlobWriter, ContentStore } from './content';
import type { LayerStore, StagedLayer } from './layers';
import { tap } from '../util/tap';

export interface IngestOptions {
  /** compression of the source: known from a media type, or found from its magic bytes */
  compression: Compression | 'detect';
  /** digest and size the source must have (a registry descriptor) */
  expectedDigest?: string;
  expectedSize?: number;
  /** diff ID the uncompressed tar must have (the image config) */
  expectedDiffId?: string;
  /** keep the source bytes as a blob (compressed as they came, or the plain tar) */
  keepSource: boolean;
  /** for these compressions keep the decompressed tar instead (no registry media type for bzip2/xz) */
  keepPlainFor?: Compression[];
  unpack?: ExtractLayerOptions;
  /** progress: source bytes read, tar bytes unpacked */
  onSource?(n: number): void;
  onTar?(n: number): void;
}

export interface Ingested {
  staged: StagedLayer;
  source: { digest: string; size: number; compression: Compression };
  /** the source blob is now in the content store */
  kept: boolean;
}

/** A verification failure: the data is wrong, retrying the same bytes will not help. */
export class IngestError extends Error {}

export async function ingestLayer(content: ContentStore, layers: LayerStore, src: Readable, o: IngestOptions): Promise<Ingested> {
  let writer: BlobWriter | undefined = o.keepSource ? content.writer() : undefined;
  const hashOnly: Hash | undefined = writer ? undefined : createHash('sha256');
  let size = 0;
  let tapErr: unknown;
  let writeSource = true;
  let sourceDone = false;
  const source = tap(
    (chunk) => {
      try {
        size += chunk.length;
        if (o.expectedSize !== undefined && size > o.expectedSize) throw new IngestError(`blob is larger than its descriptor says (${o.expectedSize} bytes)`);
        if (writer && writeSource) writer.write(chunk);
        else if (hashOnly) hashOnly.update(chunk);
        o.onSource?.(chunk.length);
      } catch (e) {
        tapErr = e;
        throw e;
      }
    },
    () => (sourceDone = true),
  );
  src.on('error', (e) => source.destroy(e));
  src.pipe(source);
  let staged: StagedLayer | undefined;
  try {
    let kind: Compression;
    let tar: Readable;
    if (o.compression === 'detect') {
      const d = await detectAndDecompress(source);
      kind = d.kind;
      tar = d.out;
    } else {
      kind = o.compression;
      tar = decompressAs(source, kind);
    }
    let plainWriter: BlobWriter | undefined;
    if (writer && o.keepPlainFor?.includes(kind)) {
      // keep the tar, not the source: switch writers before any tar byte flows
      writeSource = false;
      writer.abort();
      writer = plainWriter = content.writer();
      const w = plainWriter;
      const src = tar;
      tar = src.pipe(tap((chunk) => w.write(chunk)));
      src.on('error', (e) => tar.destroy(e));
    }
    // a plain tar's diff ID is its digest: hash it once
    staged = await layers.stage(tar, o.unpack, o.onTar, kind !== 'none');
    if (tapErr) throw tapErr;
    const digest = writer ? writer.digest() : 'sha256:' + hashOnly!.digest('hex');
    if (kind === 'none') staged.diffId = digest;
    if (plainWriter) {
      writer = undefined;
      const { size: tarSize } = await plainWriter.commit(staged.diffId);
      if (o.expectedDiffId && staged.diffId !== o.expectedDiffId)
        throw new IngestError(`layer diff ID mismatch: the uncompressed content is ${staged.diffId}, the image config says ${o.expectedDiffId}`);
      return { staged, source: { digest: staged.diffId, size: tarSize, compression: 'none' }, kept: true };
    }
    if (o.expectedSize !== undefined && size !== o.expectedSize) throw new IngestError(`unexpected EOF: got ${size} of ${o.expectedSize} bytes`);
    if (o.expectedDigest && digest !== o.expectedDigest) throw new IngestError(`digest mismatch: the content is ${digest}, expected ${o.expectedDigest}`);
    if (o.expectedDiffId && staged.diffId !== o.expectedDiffId)
      throw new IngestError(`layer diff ID mismatch: the uncompressed content is ${staged.diffId}, the image config says ${o.expectedDiffId}`);
    if (writer) {
      const w = writer;
      writer = undefined;
      await w.commit(digest);
    }
    return { staged, source: { digest, size, compression: kind }, kept: o.keepSource };
  } catch (e) {
    if (staged) layers.discard(staged);
    // A bad blob often breaks decompression first; as Docker verifies before
    // it extracts, read the rest and report the digest mismatch if there is one.
    let mismatch: IngestError | undefined;
    const digestNow = () => (writer ? writer.digest() : 'sha256:' + hashOnly!.digest('hex'));
    const wrong = (d: string) => (d !== o.expectedDigest ? new IngestError(`digest mismatch: the content is ${d}, expected ${o.expectedDigest}`) : undefined);
    if (!tapErr && !(e instanceof IngestError) && o.expectedDigest && sourceDone) mismatch = wrong(digestNow());
    else if (!tapErr && !(e instanceof IngestError) && o.expectedDigest && !source.destroyed) {
      mismatch = await new Promise<IngestError | undefined>((resolve) => {
        source.removeAllListeners('data');
        source.unpipe();
        source.on('data', () => undefined);
        source.once('end', () => resolve(wrong(digestNow())));
        source.once('error', () => resolve(undefined));
        source.once('close', () => resolve(undefined));
        source.resume();
      });
    }
    writer?.abort();
    src.unpipe(source);
    src.resume();
    source.destroy();
    throw mismatch ?? tapErr ?? e;
  }
}
