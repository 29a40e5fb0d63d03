export { ContentStore, BlobWriter, DIGEST_RE } from './content';
export { LayerStore, chainIdOf, type LayerRecord, type LayerBlob, type StagedLayer } from './layers';
export { ingestLayer, IngestError, type IngestOptions, type Ingested } from './ingest';
export { createRwLayer, mountRwLayer, unmountRwLayer, unmountAllUnder, rwLayerPaths, isMounted, type RwLayerPaths } from './rwlayer';
