export { openStateStore, type StateStore, type StateStoreOptions } from './state-store';
export type {
  FilterHold,
  FilterHolder,
  FilterRegistry,
  LeaseFreeHoldsPage,
  RegisterFilterResult,
  UnregisterFilterResult,
} from './filter-registry';
export type {
  CloseSessionRequest,
  CloseSessionResult,
  DeleteSessionResult,
  DueWill,
  ExpireResult,
  NotFound,
  OpenSessionRequest,
  OpenSessionResult,
  ReleaseOwnerResult,
  Session,
  SessionStore,
  StaleEpoch,
  Subscription,
  UpdateSessionRequest,
  UpdateSessionResult,
} from './session-store';
export {
  SESSION_NEVER_EXPIRES,
  type QoS,
  type SessionIds,
  type SubscriptionOptions,
  type Will,
} from './session-record';
export type {
  CommitOffsetsResult,
  ConsumerRef,
  InFlight,
  OffsetStore,
  QueueOffset,
  QueueRef,
} from './offset-store';
export type {
  ListRetainedResult,
  MatchRetainedResult,
  RetainedMessage,
  RetainedStore,
} from './retained-store';
export type { MessageProperties } from './message-properties';
export type { OwnerRecord, OwnerStore } from './owner-store';
export { StateStoreError, type StateStoreErrorCode } from './state-store-error';
