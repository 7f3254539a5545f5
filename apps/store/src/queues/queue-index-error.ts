export type QueueIndexErrorCode =
  | 'STORE_INDEX_CLOSED'
  | 'STORE_INDEX_CORRUPT'
  | 'STORE_INDEX_FULL'
  | 'STORE_INDEX_FAILED'
  | 'STORE_INDEX_CHECKPOINT_REGRESSED'
  | 'STORE_INDEX_ENTRY_AFTER_CHECKPOINT';

/** A bug in the caller or a damaged index — never an expected outcome. */
export class QueueIndexError extends Error {
  override readonly name = 'QueueIndexError';

  constructor(
    readonly code: QueueIndexErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
