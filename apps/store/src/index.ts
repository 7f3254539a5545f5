export { startStoreServer, type StoreServer, type StoreServerOptions } from './store-server';
export type { InProcessStoreClient } from './grpc/in-process-client';
export { Store, type StoreOptions, type StoredMessage, type AppendInput } from './store';
export { DataDirLockedError } from './data-dir-lock';
export { loadStoreConfig, type StoreConfig, type FsyncPolicy } from './config';
export { createStoreMetrics, type StoreMetrics } from './metrics';
export { fnv1a32, shardOfTopic, shardOfClient } from './sharding';
