export {
  openQueueIndex,
  type IndexDurability,
  type IndexEntryInput,
  type QueueEnd,
  type QueueEntry,
  type QueueIndex,
  type QueueIndexOptions,
  type QueueInfo,
  type QueueRange,
  type ReadResult,
  type TrimResult,
} from './queue-index';
export { QueueIndexError, type QueueIndexErrorCode } from './queue-index-error';
export { type QueueKind, type QueueRef } from './queue-ref';
