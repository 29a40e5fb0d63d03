// Manifest and index parsing with validation: anything malformed is refused
// with a message that says what is wrong before a single layer is fetched.
import { createHash } from 'node:crypto';
import { MT, type AnyManifest, type Descriptor, type ImageIndex, type ImageManifest } from './types';

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
/** Manifests larger than this are refused (containerd uses the same bound). */
export const MAX_MANIFEST = 4 << 20;

export class ManifestError extends Error {}

export const sha256 = (b: Buffer | string): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

export const SCHEMA1_MESSAGE = (name: string) =>
  `[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. ` +
  `Suggest the author of ${name} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. ` +
  `More information at https://docs.docker.com/go/deprecated-image-specs/`;

export class Schema1Error extends ManifestError {}

function checkDescriptor(d: unknown, what: string): Descriptor {
  if (!d || typeof d !== 'object') throw new ManifestError(`invalid manifest: ${what} is not a descriptor`);
  const x = d as Record<string, unknown>;
  if (typeof x.mediaType !== 'string' || x.mediaType === '') throw new ManifestError(`invalid manifest: ${what} has no media type`);
  if (typeof x.digest !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(x.digest))
    throw new ManifestError(`invalid manifest: ${what} has an invalid digest ${JSON.stringify(x.digest)}`);
  if (!DIGEST_RE.test(x.digest)) throw new ManifestError(`invalid manifest: ${what}: unsupported digest algorithm or length in ${x.digest}`);
  if (typeof x.size !== 'number' || !Number.isSafeInteger(x.size) || x.size < 0) throw new ManifestError(`invalid manifest: ${what} has an invalid size`);
  return x as unknown as Descriptor;
}

/**
 * Parses manifest bytes served with `contentType` (the registry's Content-Type;
 * the body's own mediaType wins when present). Throws ManifestError (or
 * Schema1Error) for anything that is not a usable schema 2 / OCI document.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, name: string): { mediaType: string; doc: AnyManifest } {
  if (bytes.length > MAX_MANIFEST) throw new ManifestError(`manifest too large (${bytes.length} bytes)`);
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ManifestError(`invalid manifest: ${(e as Error).message}`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new ManifestError('invalid manifest: not a JSON object');
  const ct = (contentType ?? '').split(';')[0].trim();
  if (j.schemaVersion === 1 || ct === MT.dockerSchema1 || ct === MT.dockerSchema1Signed) throw new Schema1Error(SCHEMA1_MESSAGE(name));
  if (j.schemaVersion !== 2) throw new ManifestError(`invalid manifest: unsupported schema version ${JSON.stringify(j.schemaVersion)}`);
  let mt = typeof j.mediaType === 'string' && j.mediaType ? j.mediaType : ct;
  if (!mt || mt === 'application/json' || mt === 'text/plain' || mt === 'application/octet-stream')
    mt = Array.isArray(j.manifests) ? MT.ociIndex : MT.ociManifest;
  if (mt === MT.dockerList || mt === MT.ociIndex) {
    if (!Array.isArray(j.manifests)) throw new ManifestError('invalid manifest list: "manifests" is missing');
    j.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`));
    return { mediaType: mt, doc: { kind: 'index', index: j as unknown as ImageIndex } };
  }
  if (mt === MT.dockerManifest || mt === MT.ociManifest) {
    if (Array.isArray(j.manifests)) throw new ManifestError('invalid manifest: an image manifest with "manifests"');
    checkDescriptor(j.config, 'config');
    if (!Array.isArray(j.layers)) throw new ManifestError('invalid manifest: "layers" is missing');
    j.layers.forEach((d, i) => checkDescriptor(d, `layers[${i}]`));
    return { mediaType: mt, doc: { kind: 'manifest', manifest: j as unknown as ImageManifest } };
  }
  throw new ManifestError(`unsupported manifest media type ${JSON.stringify(mt)}`);
}

/** A Docker schema 2 manifest with this JSON formatting (3-space indent, as Docker writes them). */
export function buildManifest(config: Descriptor, layers: Descriptor[], oci: boolean): Buffer {
  const m = {
    schemaVersion: 2,
    mediaType: oci ? MT.ociManifest : MT.dockerManifest,
    config: { mediaType: config.mediaType, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  };
  return Buffer.from(JSON.stringify(m, null, 3));
}
