export { ImageStore, type DeleteResult } from './store';
export { importImage, type ImportOptions } from './import';
export { parseReference, normaliseTagged, withDefaultTag, fullName, type Reference } from '../common/reference';
export { applyChanges } from './changes';
export { parseHealthcheckInstruction } from './healthcheck';
export * from './types';
