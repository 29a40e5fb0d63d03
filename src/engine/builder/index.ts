// The builder's executor: POST /build, `builder prune` and the build cache in
// `system df`, on top of the Dockerfile frontend in src/builder.
export { BuildService, type BuildRequest, type BuildCacheRecord } from './service';
export { StepError } from './output';
