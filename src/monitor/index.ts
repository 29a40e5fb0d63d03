export { createContainer, execProcess, RuntimeCreateError, type MonitorConfig, type ContainerLaunch, type ExecLaunch, type ExecHandle } from './conmon';
export { connectAttach, resizeTty, reopenLog, type AttachConnection, type StreamName } from './attach';
