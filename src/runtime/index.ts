// src/runtime: Docker container settings → OCI bundle config, and the runc CLI.
// The conmon monitor lives elsewhere; it is handed the spec built here and the
// same runc state dir.
export * from './oci';
export {
  buildSpec,
  SpecInput,
  NetworkNamespace,
  NamespaceMode,
  IpcMode,
  INIT_PATH_IN_CONTAINER,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  DEFAULT_PATH_ENV,
  ociRlimits,
} from './spec';
export { ResourceConfig, WeightDevice, ThrottleDevice, validateResources, ValidatedResources, toOciResources, MIN_MEMORY } from './resources';
export { BindMount, DEFAULT_SHM_SIZE, mergeTmpfsOptions, tmpfsMount } from './mounts';
export { DeviceMapping, parseDeviceSpec, devicesFromPath, parseDeviceCgroupRule, defaultDeviceRules } from './devices';
export {
  CAPABILITY_NAMES,
  DEFAULT_CAPABILITIES,
  computeCapabilities,
  normalizeCapabilities,
  knownCapabilities,
  grantableCapabilities,
  capabilityMask,
} from './caps';
export { parseMemory, parseSignal, signalName, SIGNALS, parseUlimit, Ulimit, ULIMIT_TYPES } from '../common/units';
export { parseSecurityOpts, SecurityOpts } from './security-opt';
export { SeccompSetting, SeccompProfile, compileProfile, parseProfile, loadProfileFile, seccompFor, DEFAULT_SECCOMP_PROFILE_PATH, nativeArch } from './seccomp';
export {
  CgroupMode,
  CgroupLayout,
  cgroupLayout,
  parseCgroupLayout,
  cgroupsPathFor,
  allCgroupDirs,
  v1Dir,
  unifiedDir,
  readOomKillCount,
  readOomKilled,
  removeCgroup,
  cgroupFeatures,
  CgroupFeatures,
  processCgroups,
} from './cgroups';
export { readStats, ReadStatsOptions, CgroupStats, CpuStats, MemoryStats, BlkioStats, BlkioStatEntry, NetworkStats, systemCpuUsage } from './cgroup-stats';
export { Runc, RuncOptions, RuncState, RuncError, DEFAULT_RUNC } from './runc';
export { hostFacts, HostFacts, toolVersion, ToolVersion } from './host';
export * as runc from './runc';
