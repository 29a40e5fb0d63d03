// OCI distribution / Docker registry data: media types, descriptors, manifests,
// indexes and platforms.

export const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  dockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociForeignTar: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociForeignGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociForeignZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
} as const;

/** What we ask for when fetching a manifest, best first. */
export const MANIFEST_ACCEPT = [MT.ociIndex, MT.dockerList, MT.dockerManifest, MT.ociManifest].join(', ');

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** The compression a layer media type declares; undefined when it is not a layer type we can unpack. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  switch (mediaType) {
    case MT.dockerLayerGzip:
    case MT.ociLayerGzip:
      return 'gzip';
    case MT.dockerLayerZstd:
    case MT.ociLayerZstd:
      return 'zstd';
    case MT.dockerLayerTar:
    case MT.ociLayerTar:
      return 'none';
    default:
      return undefined;
  }
}

export const isForeignLayer = (mt: string): boolean =>
  mt === MT.dockerForeignGzip || mt === MT.ociForeignTar || mt === MT.ociForeignGzip || mt === MT.ociForeignZstd;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type AnyManifest = { kind: 'manifest'; manifest: ImageManifest } | { kind: 'index'; index: ImageIndex };

/** Raw manifest bytes with their media type and digest, as fetched or as pushed. */
export interface FetchedManifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}

export type { AuthConfig } from '../common/credentials';
