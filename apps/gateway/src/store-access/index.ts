export {
  createStoreAccess,
  DEFAULT_STORE_DEADLINES,
  type StoreAccessHandle,
  type StoreAccessOptions,
  type StoreDeadlines,
} from './store-access';
export type { StoreClient } from './store-client';
export {
  QueueNotFoundError,
  QueueOffsetPastEndError,
  StoreAccessClosedError,
  StoreUnavailableError,
} from './errors';
export { fnv1a32, shardOfClient, shardOfTopic, shardsOfFilter } from './sharding';
