// Volumes: data that outlives containers. The store (names, references, mounts)
// over drivers; `local` keeps each volume under <data-root>/volumes/<name>/_data.
export * from './types';
export { VolumeStore, type VolumeEvent } from './store';
export { mountPoints, parseMountOptions, unescapeMountPath } from './local';
