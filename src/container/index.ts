export * from './types';
export { ContainerStore } from './store';
