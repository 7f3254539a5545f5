export { eventually, type EventuallyOptions } from './eventually';
export { uniqueName } from './unique-name';
export { makeTempDir, type TempDir } from './temp-dir';
export { startProcess, type ProcessHandle, type StartProcessOptions, type ExitResult } from './child-process';
export { startNatsServer, NatsServerNotFoundError, type NatsServerHandle } from './nats-server';
export {
  startServiceProcess,
  workspaceRoot,
  type ServiceName,
  type ServicePorts,
  type StartServiceOptions,
} from './services';
export { prng } from './prng';
export { imageAllocatorEnv, jemallocPath, loadedAllocator } from './allocator';
export { cpuShare, parseCpuTimes, readCpuTimes, type CpuShare, type CpuTimes } from './machine-cpu';
