export { ContentStore, DIGEST_RE } from './content';
export { LayerStore, chainIdOf, type LayerRecord } from './layers';
export { createRwLayer, mountRwLayer, unmountRwLayer, rwLayerPaths, isMounted, type RwLayerPaths } from './rwlayer';
