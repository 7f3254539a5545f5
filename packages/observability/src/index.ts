export { createLogger, LOG_LEVELS, type Logger, type LoggerOptions } from './logger';
export { createRegistry, type RegistryOptions } from './registry';
export { startOpsServer, type OpsServer, type OpsServerOptions, type ReadinessCheck } from './ops-server';
export { onShutdownSignal, type Closable, type ShutdownOptions } from './shutdown';
export { mirroredCounter, type MirroredCounterOptions } from './mirrored-counter';
export { FastHistogram, type FastHistogramConfiguration } from './fast-histogram';
export { disableAllocationSitePretenuring, NO_PRETENURING_FLAG } from './gc-tuning';
export { TokenBucket } from './token-bucket';
