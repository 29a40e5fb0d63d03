// Container logs: the files conmon writes and berth rotates (logs/files.ts,
// logs/rotate.ts), read back for `docker logs` (logs/read.ts).
export { LogRecord } from './logs/records';
export { readLogs, tailRecords, type LogReadOptions } from './logs/read';
export { LogRotator, liveSizeCap } from './logs/rotate';
export { logLocks, logLimits, logStartError, parseSize, parseBool, type LogLimits, type OpenedFile } from './logs/files';
export { logReadOptions, type LogsQuery } from './logs/request';
