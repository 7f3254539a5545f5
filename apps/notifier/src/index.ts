// @starling/notifier: store arrivals in, coalesced per-queue arrival events out on the event bus.
export { loadNotifierConfig, type NotifierConfig } from './config';
export { createNotifierMetrics, type NotifierMetrics } from './metrics';
export {
  createNotifier,
  startNotifier,
  type LocalArrival,
  type LocalArrivalSource,
  type Notifier,
  type NotifierOptions,
  type StoreStreamStatus,
} from './notifier';
export {
  Coalescer,
  type CoalescerOptions,
  type EmitEvent,
  type OfferOutcome,
  type ReplayedOutcome,
} from './coalescer';
export {
  ReplayPacer,
  type ReplayFeed,
  type ReplayFlow,
  type ReplayPacerOptions,
  type ReplayStats,
} from './replay-pacer';
export { startShardWatcher, type ShardWatcher, type ShardWatcherOptions } from './arrivals';
export { backoffDelayMs, type BackoffOptions } from './backoff';
export { toArrivalEvent } from './arrival-event';
export {
  encodeWatchArrivalsRequest,
  forEachArrival,
  WatchArrivalsMalformedError,
  type ArrivalKind,
  type ArrivalVisitor,
} from './watch-arrivals-codec';
