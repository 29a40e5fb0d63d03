export { ImageService } from './service';
export type { JsonMessage, Emit } from './progress';
