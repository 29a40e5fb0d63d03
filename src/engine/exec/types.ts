// An exec session's configuration and record (Docker's ExecConfig and exec inspect).
import { EngineError } from '../../util/errors';

export interface ExecConfig {
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Detach?: boolean;
  DetachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  Cmd?: string[];
  ConsoleSize?: [number, number] | null;
}

/** The runtime could not start the process (exit code 126/127 is on the record). */
export class ExecStartError extends EngineError {}

export interface ExecRecord {
  ID: string;
  ContainerID: string;
  Config: ExecConfig;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  dir: string;
  started: boolean;
}
