import { holdsFilter } from './filter-registry';
import { composeKey, prefixEnd, stringPart, tagPart } from './key-codec';
import { readSeenEpoch, readSession, sessionKey } from './session-record';
import { META_LAST_EPOCH, type StateDatabase } from './state-database';
import { invalidArgument } from './state-store-error';
import { type StateWriter } from './state-writer';

/** Who owns committed offsets: a persistent session (client id) or a consumer group (name). */
export interface ConsumerRef {
  readonly kind: 'session' | 'group';
  readonly id: string;
}

/** A queue on this shard: a first-level topic queue or a subscription-filter queue. */
export interface QueueRef {
  readonly kind: 'topic' | 'filter';
  readonly name: string;
}

/** A consumer's position in one queue: the next queue offset it will read. */
export interface QueueOffset {
  readonly queue: QueueRef;
  readonly offset: number;
}

export type CommitOffsetsResult =
  { readonly status: 'ok' } | { readonly status: 'stale-epoch'; readonly currentEpoch: number };

export interface OffsetStore {
  /**
   * Stores offsets, one per queue (the last wins when a queue repeats; rewinds allowed).
   *
   * Session commits are fenced by `sessionEpoch`:
   * - the session is stored here: the epoch must be its current one;
   * - this is the client's home shard but the session is gone (discarded, expired, deleted): every
   *   owner is stale; refused with `currentEpoch` = the highest epoch this shard has issued;
   * - the session lives on another shard (this shard holds a copy of one of its filter queues): the
   *   epoch must not be lower than the highest one seen here for the client id, which it then
   *   raises. Only offsets of filter queues the client holds here are kept: what it does not hold
   *   it no longer reads, and state kept for it would outlive its holds (see `releaseHoldState`).
   * Either way a stale owner cannot move a taken-over session's offsets. Group commits are not
   * fenced (`sessionEpoch` is ignored).
   */
  commit(
    consumer: ConsumerRef,
    sessionEpoch: number,
    offsets: readonly QueueOffset[],
  ): Promise<CommitOffsetsResult>;
  /** Committed offsets of `queues` (in that order), or of every queue when absent or empty; uncommitted queues are omitted. */
  fetch(consumer: ConsumerRef, queues?: readonly QueueRef[]): QueueOffset[];
}

/** Offset operations inside a caller's write transaction (session subscriptions). */
export interface OffsetOps {
  get(consumer: ConsumerRef, queue: QueueRef): number | undefined;
  setIn(consumer: ConsumerRef, queue: QueueRef, offset: number): void;
  deleteIn(consumer: ConsumerRef, queue: QueueRef): void;
  deleteAllIn(consumer: ConsumerRef): void;
}

interface OffsetRecord {
  readonly kind: QueueRef['kind'];
  readonly name: string;
  readonly offset: number;
}

const CONSUMER_TAG = { session: 1, group: 2 } as const;
const QUEUE_TAG = { topic: 1, filter: 2 } as const;

function consumerPrefix(consumer: ConsumerRef): Buffer {
  return composeKey(tagPart(CONSUMER_TAG[consumer.kind]), stringPart(consumer.id));
}

function offsetKey(consumer: ConsumerRef, queue: QueueRef): Buffer {
  return composeKey(consumerPrefix(consumer), tagPart(QUEUE_TAG[queue.kind]), stringPart(queue.name));
}

function assertValidOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`invalid queue offset: ${offset}`);
}

export interface OffsetStoreDeps {
  readonly database: StateDatabase;
  readonly writer: StateWriter;
  /** Whether this shard is the client id's home shard (where its session lives). */
  readonly isHomeShard: (clientId: string) => boolean;
}

export function createOffsetStore(deps: OffsetStoreDeps): {
  store: OffsetStore;
  ops: OffsetOps;
} {
  const { database, writer, isHomeShard } = deps;
  const { offsets } = database;

  const ops: OffsetOps = {
    get(consumer, queue) {
      return (offsets.get(offsetKey(consumer, queue)) as OffsetRecord | undefined)?.offset;
    },
    setIn(consumer, queue, offset) {
      assertValidOffset(offset);
      offsets.putSync(offsetKey(consumer, queue), {
        kind: queue.kind,
        name: queue.name,
        offset,
      } satisfies OffsetRecord);
    },
    deleteIn(consumer, queue) {
      offsets.removeSync(offsetKey(consumer, queue));
    },
    deleteAllIn(consumer) {
      const prefix = consumerPrefix(consumer);
      const keys = Array.from(offsets.getKeys({ start: prefix, end: prefixEnd(prefix) }), (key) =>
        Buffer.from(key),
      );
      for (const key of keys) offsets.removeSync(key);
    },
  };

  const store: OffsetStore = {
    commit(consumer, sessionEpoch, queueOffsets) {
      return writer.write((): CommitOffsetsResult => {
        // Inside the write so that a bad call rejects (and aborts) like any other failure.
        if (consumer.id.length === 0) throw invalidArgument('empty consumer id');
        for (const { offset } of queueOffsets) assertValidOffset(offset);
        if (consumer.kind === 'session') {
          const session = readSession(database, consumer.id);
          if (session !== undefined) {
            if (sessionEpoch !== session.epoch) return { status: 'stale-epoch', currentEpoch: session.epoch };
          } else if (isHomeShard(consumer.id)) {
            // No per-client record needed: a session that is not stored on its home shard has no owner.
            const lastIssued = (database.meta.get(META_LAST_EPOCH) as number | undefined) ?? 0;
            return { status: 'stale-epoch', currentEpoch: lastIssued };
          } else {
            const seen = readSeenEpoch(database, consumer.id) ?? 0;
            if (sessionEpoch < seen) return { status: 'stale-epoch', currentEpoch: seen };
            const held = queueOffsets.filter(
              ({ queue }) => queue.kind === 'filter' && holdsFilter(database, consumer.id, queue.name),
            );
            if (held.length > 0 && sessionEpoch > seen) {
              database.epochs.putSync(sessionKey(consumer.id), sessionEpoch);
            }
            for (const { queue, offset } of held) ops.setIn(consumer, queue, offset);
            return { status: 'ok' };
          }
        }
        for (const { queue, offset } of queueOffsets) ops.setIn(consumer, queue, offset);
        return { status: 'ok' };
      });
    },

    fetch(consumer, queues) {
      if (queues !== undefined && queues.length > 0) {
        const found: QueueOffset[] = [];
        for (const queue of queues) {
          const offset = ops.get(consumer, queue);
          if (offset !== undefined) found.push({ queue: { kind: queue.kind, name: queue.name }, offset });
        }
        return found;
      }
      const prefix = consumerPrefix(consumer);
      return Array.from(offsets.getRange({ start: prefix, end: prefixEnd(prefix) }), ({ value }) => {
        const { kind, name, offset } = value as OffsetRecord;
        return { queue: { kind, name }, offset };
      });
    },
  };

  return { store, ops };
}
