// Exec requests: create (container.ExecOptions) and start (container.ExecStartOptions).
import type { ExecConfig } from '../../engine';
import { bool, fixed, int, opt, slice, string, struct, type Codec } from './codec';
import type { Json } from './json';

const consoleSize = fixed(int('uint'), 2, 0) as Codec<[number, number]>;

const execOptions = struct<ExecConfig>(
  'container.ExecOptions',
  {
    User: opt(string),
    Privileged: opt(bool),
    Tty: opt(bool),
    ConsoleSize: opt(consoleSize),
    AttachStdin: opt(bool),
    AttachStderr: opt(bool),
    AttachStdout: opt(bool),
    Detach: opt(bool),
    DetachKeys: opt(string),
    Env: slice(string),
    WorkingDir: opt(string),
    Cmd: opt(slice(string)),
  },
  () => ({}),
);

export function decodeExecCreate(v: Json | undefined): ExecConfig {
  return v === undefined || v === null ? {} : execOptions.decode(v, undefined, {});
}

export interface ExecStart {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number];
}

const execStart = struct<ExecStart>('container.ExecStartOptions', { Detach: opt(bool), Tty: opt(bool), ConsoleSize: opt(consoleSize) }, () => ({}));

export function decodeExecStart(v: Json | undefined): ExecStart {
  return v === undefined || v === null ? {} : execStart.decode(v, undefined, {});
}
