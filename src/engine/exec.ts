// Exec sessions (exec/service.ts) and their configuration (exec/types.ts). A file
// beside the folder, as logs.ts, not exec/index.ts: the compiled exec.js of the
// single-file version is overwritten rather than left to shadow the folder.
export { ExecService } from './exec/service';
export { ExecStartError, type ExecConfig, type ExecRecord } from './exec/types';
