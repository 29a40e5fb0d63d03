export { ExecService } from './service';
export { ExecStartError, type ExecConfig, type ExecRecord } from './types';
