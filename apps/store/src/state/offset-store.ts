import { holdsFilter } from './filter-registry';
import { composeKey, prefixEnd, stringPart, tagPart } from './key-codec';
import { readSeenEpoch, readSession, type SessionIds, sessionKey, writeSessionIds } from './session-record';
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

/** An outbound QoS 1 or 2 message of a session, sent and not completed by the client (ADR 0014). */
export interface InFlight {
  readonly offset: number;
  /** 1 … 65535. */
  readonly packetId: number;
  readonly qos: 1 | 2;
  /** QoS 2: PUBREC arrived, PUBREL sent, PUBCOMP awaited. */
  readonly pubrelSent: boolean;
}

/** A consumer's position in one queue: the next queue offset it will read. */
export interface QueueOffset {
  readonly queue: QueueRef;
  readonly offset: number;
  /** Sessions: every message below it was sent (absent: not recorded). */
  readonly sentBelow?: number;
  /** Sessions: the messages of the queue in flight (absent or empty: none). */
  readonly inFlight?: readonly InFlight[];
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
    /** Session commits on the home shard: replaces the stored PUBREL and inbound QoS 2 identifiers. */
    sessionIds?: SessionIds,
  ): Promise<CommitOffsetsResult>;
  /** Committed offsets of `queues` (in that order), or of every queue when absent or empty; uncommitted queues are omitted. */
  fetch(consumer: ConsumerRef, queues?: readonly QueueRef[]): QueueOffset[];
}

/** Offset operations inside a caller's write transaction (session subscriptions). */
export interface OffsetOps {
  get(consumer: ConsumerRef, queue: QueueRef): number | undefined;
  /** The offset with its sessions' in-flight state. */
  getFull(consumer: ConsumerRef, queue: QueueRef): QueueOffset | undefined;
  setIn(
    consumer: ConsumerRef,
    queue: QueueRef,
    offset: number,
    sentBelow?: number,
    inFlight?: readonly InFlight[],
  ): void;
  deleteIn(consumer: ConsumerRef, queue: QueueRef): void;
  deleteAllIn(consumer: ConsumerRef): void;
}

/** An in-flight entry as stored: [offset, packet identifier, qos, PUBREL sent ? 1 : 0] (small in MessagePack). */
type InFlightRow = readonly [number, number, 1 | 2, 0 | 1];

interface OffsetRecord {
  readonly kind: QueueRef['kind'];
  readonly name: string;
  readonly offset: number;
  /** Absent in records written before ADR 0014 and in those of groups. */
  readonly sentBelow?: number;
  readonly inFlight?: readonly InFlightRow[];
}

function toRecord(
  queue: QueueRef,
  offset: number,
  sentBelow?: number,
  inFlight?: readonly InFlight[],
): OffsetRecord {
  const record: { -readonly [K in keyof OffsetRecord]: OffsetRecord[K] } = {
    kind: queue.kind,
    name: queue.name,
    offset,
  };
  if (sentBelow !== undefined) record.sentBelow = sentBelow;
  if (inFlight !== undefined && inFlight.length > 0)
    record.inFlight = inFlight.map((m) => [m.offset, m.packetId, m.qos, m.pubrelSent ? 1 : 0] as const);
  return record;
}

function fromRecord(record: OffsetRecord): QueueOffset {
  const { kind, name, offset, sentBelow, inFlight } = record;
  const queueOffset: QueueOffset = { queue: { kind, name }, offset };
  if (sentBelow === undefined && inFlight === undefined) return queueOffset;
  return {
    ...queueOffset,
    ...(sentBelow === undefined ? {} : { sentBelow }),
    ...(inFlight === undefined
      ? {}
      : {
          inFlight: inFlight.map(([inFlightOffset, packetId, qos, pubrelSent]) => ({
            offset: inFlightOffset,
            packetId,
            qos,
            pubrelSent: pubrelSent === 1,
          })),
        }),
  };
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

export function assertValidPacketId(packetId: number): void {
  if (!Number.isInteger(packetId) || packetId < 1 || packetId > 0xffff)
    throw invalidArgument(`invalid packet identifier: ${packetId}`);
}

function assertValidQueueOffset({ offset, sentBelow, inFlight }: QueueOffset): void {
  assertValidOffset(offset);
  if (sentBelow !== undefined) assertValidOffset(sentBelow);
  for (const m of inFlight ?? []) {
    assertValidOffset(m.offset);
    assertValidPacketId(m.packetId);
    if (m.qos !== 1 && m.qos !== 2) throw invalidArgument(`invalid in-flight QoS: ${String(m.qos)}`);
    if (m.pubrelSent && m.qos !== 2) throw invalidArgument('a PUBREL is sent for QoS 2 only');
  }
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
    getFull(consumer, queue) {
      const record = offsets.get(offsetKey(consumer, queue)) as OffsetRecord | undefined;
      return record === undefined ? undefined : fromRecord(record);
    },
    setIn(consumer, queue, offset, sentBelow, inFlight) {
      assertValidOffset(offset);
      offsets.putSync(offsetKey(consumer, queue), toRecord(queue, offset, sentBelow, inFlight));
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
    commit(consumer, sessionEpoch, queueOffsets, sessionIds) {
      return writer.write((): CommitOffsetsResult => {
        // Inside the write so that a bad call rejects (and aborts) like any other failure.
        if (consumer.id.length === 0) throw invalidArgument('empty consumer id');
        for (const queueOffset of queueOffsets) assertValidQueueOffset(queueOffset);
        for (const id of sessionIds?.pendingPubrels ?? []) assertValidPacketId(id);
        for (const id of sessionIds?.inboundQos2Ids ?? []) assertValidPacketId(id);
        if (consumer.kind === 'group') {
          // Groups have no in-flight state: only the offsets are kept.
          for (const { queue, offset } of queueOffsets) ops.setIn(consumer, queue, offset);
          return { status: 'ok' };
        }
        const session = readSession(database, consumer.id);
        if (session !== undefined) {
          if (sessionEpoch !== session.epoch) return { status: 'stale-epoch', currentEpoch: session.epoch };
          // The session's identifiers and its queues' in-flight entries land in one transaction.
          if (sessionIds !== undefined) writeSessionIds(database, session, sessionIds);
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
          for (const { queue, offset, sentBelow, inFlight } of held)
            ops.setIn(consumer, queue, offset, sentBelow, inFlight);
          return { status: 'ok' };
        }
        for (const { queue, offset, sentBelow, inFlight } of queueOffsets)
          ops.setIn(consumer, queue, offset, sentBelow, inFlight);
        return { status: 'ok' };
      });
    },

    fetch(consumer, queues) {
      if (queues !== undefined && queues.length > 0) {
        const found: QueueOffset[] = [];
        for (const queue of queues) {
          const queueOffset = ops.getFull(consumer, queue);
          if (queueOffset !== undefined) found.push(queueOffset);
        }
        return found;
      }
      const prefix = consumerPrefix(consumer);
      return Array.from(offsets.getRange({ start: prefix, end: prefixEnd(prefix) }), ({ value }) =>
        fromRecord(value as OffsetRecord),
      );
    },
  };

  return { store, ops };
}
