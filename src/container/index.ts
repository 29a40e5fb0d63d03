export * from './types';
export { defaultHostConfig } from './defaults';
export { ContainerStore } from './store';
