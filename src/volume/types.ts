// What the volume store knows about a volume, and what a driver must do.

export const LOCAL_DRIVER = 'local';
/** Set on volumes created without a name (Docker's label; prune from API 1.42 only takes these). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface Volume {
  Name: string;
  Driver: string;
  /** the data directory on the host: the source containers bind-mount */
  Mountpoint: string;
  /** creation time, ms since the epoch */
  Created: number;
  Labels: Record<string, string> | null;
  /** driver options (local: type, device, o, size) */
  Options: Record<string, string> | null;
}

export interface CreateOptions {
  driver?: string;
  options?: Record<string, string> | null;
  labels?: Record<string, string> | null;
  /** who will use the volume (a container ID): protects it from removal until released */
  ref?: string;
}

/** A volume driver: where and how volumes live. `local` is the only one berth has. */
export interface VolumeDriver {
  readonly name: string;
  readonly scope: 'local' | 'global';
  /** Volumes found on disk, and the names whose data directory is mounted right now. */
  load(): { volumes: Volume[]; mounted: Set<string> };
  validateName(name: string): void;
  create(name: string, options: Record<string, string> | null, labels: Record<string, string> | null): Volume;
  remove(v: Volume): void;
  /** true when using the volume means mounting something (local volumes with type/device options) */
  needsMount(v: Volume): boolean;
  mount(v: Volume): void;
  unmount(v: Volume): void;
}
