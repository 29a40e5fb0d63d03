// The image config (OCI image-spec "config" with Docker's extra fields) and
// berth's own record of an image.

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runtime defaults an image carries (Config in `docker image inspect`). */
export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  container?: string;
  docker_version?: string;
  config?: ImageRunConfig;
  container_config?: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

export interface ImageRecord {
  /** sha256:<hex> of the config bytes */
  id: string;
  config: ImageConfig;
  /** chain ID of the top layer, null for an image with no layers */
  topLayer: string | null;
  parent?: string;
  repoDigests: string[];
  lastTagTime?: string;
  /** total unpacked size of its layers */
  size: number;
  /** manifests known to describe this image (pulled or pushed), bytes in the content store */
  manifests: Array<{ digest: string; mediaType: string }>;
}

export const goArch = (): string =>
  (({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' }) as Record<string, string>)[process.arch] ?? process.arch;
