import type { status } from '@grpc/grpc-js';

/**
 * A store call failed in a way the caller did not expect (the store is down, too slow, or answered with an
 * error this client has no value for). `code` is stable; `grpcCode` is the gRPC status (or undefined when the
 * failure was not a gRPC status).
 */
export class StoreUnavailableError extends Error {
  readonly code = 'GATEWAY_STORE_UNAVAILABLE';
  constructor(
    readonly method: string,
    readonly shard: number,
    readonly grpcCode: status | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`store shard ${shard} ${method}: ${message}`, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * PullMessages on a filter queue that is not registered on that shard (NOT_FOUND): its registration lapsed
 * (lease expired, session deleted). The delivery engine registers again, or drops the reader.
 */
export class QueueNotFoundError extends Error {
  readonly code = 'GATEWAY_QUEUE_NOT_FOUND';
  constructor(
    readonly shard: number,
    readonly queueName: string,
    message: string,
  ) {
    super(message);
    this.name = 'QueueNotFoundError';
  }
}

/**
 * PullMessages from an offset past the queue's end (OUT_OF_RANGE). Offsets only grow, so the queue is not the one
 * the cursor read: it was dropped (lapsed registration) and created again, empty.
 */
export class QueueOffsetPastEndError extends Error {
  readonly code = 'GATEWAY_QUEUE_OFFSET_PAST_END';
  constructor(
    readonly shard: number,
    readonly queueName: string,
    message: string,
  ) {
    super(message);
    this.name = 'QueueOffsetPastEndError';
  }
}

/** The store was closed by `StoreAccess.close()`; calls made after it fail with this. */
export class StoreAccessClosedError extends Error {
  readonly code = 'GATEWAY_STORE_ACCESS_CLOSED';
  constructor() {
    super('store access is closed');
    this.name = 'StoreAccessClosedError';
  }
}
