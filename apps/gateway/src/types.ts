// The seams of the gateway (ADR 0004). Three parts meet here:
//   - the connection (packet layer: transports, parser, writer, CONNECT, keep-alive, limits),
//   - store access (every call to the store shards: append batching, sessions, filters, pulls, retained),
//   - delivery (one reader per queue per gateway, per-session cursors, in-flight window, offset commits).
// Handlers (`handlers/<packet>.ts`) are the glue: one per MQTT packet type, reading like the spec.
import type { Logger } from '@starling/observability';
import type { EventBus } from '@starling/event-bus';
import type { Packet } from 'mqtt-packet';
import type { GatewayMetrics } from './metrics';

export type QoS = 0 | 1 | 2;

/** MQTT protocol level on the wire: 3 = MQTT 3.1, 4 = MQTT 3.1.1, 5 = MQTT 5.0 (next issue). */
export type ProtocolVersion = 3 | 4 | 5;

export type Transport = 'tcp' | 'tls' | 'ws';

/** A queue on one store shard (mirrors starling.store.v1.QueueRef plus the shard that holds it). */
export interface ShardQueue {
  readonly shard: number;
  readonly kind: 'topic' | 'filter';
  readonly name: string;
}

/** MQTT 5 properties kept with a message (absent for 3.1 / 3.1.1 publishers). */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryIntervalSeconds?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Array<{ key: string; value: string }>;
}

/** A message as read from a queue. */
export interface QueuedMessage {
  readonly offset: number;
  readonly position: number;
  readonly timestampMs: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly publisherClientId: string;
  readonly properties: MessageProperties | undefined;
}

export interface PullResult {
  readonly messages: readonly QueuedMessage[];
  readonly lowOffset: number;
  readonly endOffset: number;
  readonly nextOffset: number;
  readonly resetToLowOffset: boolean;
}

/** What a PUBLISH becomes: one message appended to the shard that owns its topic. */
export interface AppendRequest {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly publisherClientId: string;
  readonly properties?: MessageProperties;
}

export type AppendOutcome =
  | { readonly status: 'ok'; readonly shard: number; readonly position: number }
  /** The store refused the message (too large, invalid): the publisher's connection is closed. */
  | { readonly status: 'rejected'; readonly reason: string; readonly message: string }
  /** The store is unreachable or failed: not acknowledged, the client will retry (QoS 1/2). */
  | { readonly status: 'unavailable'; readonly message: string };

export interface StoredSubscription {
  readonly filter: string;
  readonly qos: QoS;
  /** Committed offset per shard holding the filter's queue (absent: nothing committed there). */
  readonly committedOffsets: ReadonlyMap<number, number>;
  /** What the store holds of the queue's in-flight state per shard (ADR 0014); absent: nothing recorded. */
  readonly inFlight?: ReadonlyMap<number, StoredQueueInFlight>;
}

/** An outbound QoS 1/2 message of a session not completed by the client, as committed (store.proto `InFlight`). */
export interface InFlightMessage {
  readonly offset: number;
  readonly packetId: number;
  readonly qos: 1 | 2;
  /** QoS 2: PUBREC arrived, PUBREL sent, PUBCOMP awaited. */
  readonly pubrelSent: boolean;
}

/** A queue's in-flight state as committed: what `ParkedQueue` is rebuilt from after a gateway is lost. */
export interface StoredQueueInFlight {
  /** Every message below it was sent (absent: not recorded). */
  readonly sentBelow: number | undefined;
  readonly messages: readonly InFlightMessage[];
}

/** A committed offset with the queue's in-flight state (ADR 0014). */
export interface OffsetCommit {
  readonly queue: ShardQueue;
  readonly offset: number;
  /** Every message below it was sent (absent: not recorded). */
  readonly sentBelow?: number;
  /** The queue's messages in flight (absent: none). */
  readonly inFlight?: readonly InFlightMessage[];
}

/** The session's packet identifiers committed with its home shard's offsets (ADR 0014). */
export interface SessionIds {
  /** PUBRELs awaiting PUBCOMP that no queue's in-flight state holds (retained messages, unsubscribed filters). */
  readonly pendingPubrels: readonly number[];
  /** Inbound QoS 2 identifiers stored, PUBREL not arrived. */
  readonly inboundQos2Ids: readonly number[];
}

export interface Will {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties?: MessageProperties;
  readonly willDelayIntervalSeconds: number;
}

export interface OpenedSession {
  readonly sessionPresent: boolean;
  readonly epoch: number;
  /** The previous owner gateway (takeover target), '' when none. */
  readonly previousOwnerId: string;
  /**
   * The gateway that owned the session last, connected or not ('' for a new session): state this gateway kept
   * for the session (`ParkedDelivery`, inbound QoS 2 identifiers) is current only when that is this gateway.
   */
  readonly lastOwnerId?: string;
  /** When the store closed the session (its clock); 0 while it was connected, or for a new session. */
  readonly disconnectedAtMs?: number;
  readonly subscriptions: readonly StoredSubscription[];
  /** As last committed (ADR 0014); empty for a new session. */
  readonly sessionIds?: SessionIds;
}

export type Fenced<T> = T | { readonly status: 'stale-epoch' };

/** Where a subscription reads: one queue per shard that can hold matching topics, each with its start. */
export interface FilterQueues {
  readonly filter: string;
  readonly queues: ReadonlyArray<{ readonly queue: ShardQueue; readonly endOffset: number }>;
}

export interface RetainedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly properties: MessageProperties | undefined;
}

/**
 * Every call the gateway makes to the store shards. Routes by the sharding rules of store.proto (topic:
 * fnv1a32(first level) % shards; session: fnv1a32(client id) % shards; wildcard-first filters: every shard).
 * Appends from all connections are batched per shard (one AppendMessages for many PUBLISHes).
 */
export interface StoreAccess {
  readonly shardCount: number;
  /**
   * The owner id sessions are opened with: the gateway id and this process's incarnation, so that a gateway
   * restarted under the same name is a new owner (ADR 0013). Takeover requests are addressed to it.
   */
  readonly ownerId: string;
  /** Resolves once the message is durable in the commitlog (then, and only then, PUBACK / PUBREC). */
  append(request: AppendRequest): Promise<AppendOutcome>;
  openSession(request: {
    clientId: string;
    cleanStart: boolean;
    sessionExpiryIntervalSeconds: number;
    /** The connection's will, stored with the session: the store publishes it if this gateway dies. */
    will?: Will | undefined;
  }): Promise<OpenedSession>;
  /**
   * Adds (or replaces) and removes subscriptions of a stored session; returns the queues each added filter
   * reads with the offset to start from (the committed offset, or the queue's end for a new subscription).
   */
  updateSession(request: {
    clientId: string;
    epoch: number;
    add?: ReadonlyArray<{ filter: string; qos: QoS }>;
    remove?: readonly string[];
    will?: Will | null;
  }): Promise<Fenced<{ status: 'ok'; added: readonly FilterQueues[] }>>;
  closeSession(request: {
    clientId: string;
    epoch: number;
    discard: boolean;
    publishWill: boolean;
  }): Promise<Fenced<{ status: 'ok' }>>;
  /**
   * Session offsets with the queues' in-flight state (persistent sessions); fenced by epoch. `sessionIds`, when
   * given, replace the stored ones on the home shard, in the same write as that shard's offsets.
   */
  commitOffsets(
    clientId: string,
    epoch: number,
    offsets: readonly OffsetCommit[],
    sessionIds?: SessionIds,
  ): Promise<Fenced<{ status: 'ok' }>>;
  /** Filter registration for non-persistent sessions: held by this gateway, with a lease it renews. */
  registerFilter(filter: string, leaseMs: number): Promise<FilterQueues>;
  unregisterFilter(filter: string): Promise<void>;
  /**
   * Called when a registration of this gateway had lapsed and was made again (the queue was dropped and
   * created anew, empty), with the new end offset of each such queue: its readers must restart there.
   */
  onFilterLapsed(listener: (lapsed: FilterQueues) => void): void;
  /** Renews this gateway's registration of `filter` now (a pull found its queue gone or shorter). */
  renewFilter(filter: string): void;
  /**
   * Called when a store shard had let this gateway's owner lease lapse (no renewal reached it for a lease):
   * it released the sessions homed there (disconnected, wills published); their connections must close.
   */
  onOwnerLapsed(listener: (shard: number) => void): void;
  pull(queue: ShardQueue, fromOffset: number, maxMessages: number, maxBytes: number): Promise<PullResult>;
  /**
   * With the queue's shard in this process (standalone): `listener` gets every later dispatch batch's messages
   * of `queue` (offsets [messages[0].offset, endOffset)) as the store makes them readable (ADR 0019); returns
   * the unsubscribe function. Undefined for a remote shard: its queues are read by pulls only.
   */
  watchQueue(
    queue: ShardQueue,
    listener: (messages: readonly QueuedMessage[], endOffset: number) => void,
  ): (() => void) | undefined;
  /** Retained messages matching a new subscription, from every shard that can hold them. */
  matchRetained(filter: string): Promise<readonly RetainedMessage[]>;
  close(): Promise<void>;
}

/** An MQTT packet to send, as mqtt-packet generates it. */
export type OutPacket = Packet;

/** Why a connection ends: drives the will, the log line and the metric label. */
export type CloseReason =
  | 'client-disconnect'
  | 'socket-closed'
  | 'keep-alive-timeout'
  | 'connect-timeout'
  | 'protocol-error'
  | 'malformed-packet'
  | 'packet-too-large'
  | 'not-authorized'
  | 'taken-over'
  | 'server-shutting-down'
  | 'store-unavailable'
  | 'queue-full'
  /** The store released the session (this gateway's owner lease lapsed) and published its will already. */
  | 'session-released';

/**
 * One client connection as the handlers and the delivery engine see it. The packet layer owns the socket:
 * `send` encodes and queues (writes are batched per event-loop turn); `writable` is false while the socket's
 * buffer is above its high-water mark, and `onWritable` fires when it drains (back-pressure).
 */
export interface ClientConnection {
  readonly id: number;
  readonly transport: Transport;
  readonly protocolVersion: ProtocolVersion;
  readonly clientId: string;
  readonly logger: Logger;
  send(packet: OutPacket): void;
  readonly writable: boolean;
  onWritable(listener: () => void): void;
  /** Ends the connection; idempotent. Ungraceful reasons publish the will. */
  close(reason: CloseReason): void;
}

/** A message handed to a session for delivery: the queue it came from and the subscription QoS. */
export interface Delivery {
  readonly message: QueuedMessage;
  readonly queue: ShardQueue;
  readonly filter: string;
  /** min(message QoS, subscription QoS) [MQTT-3.8.4-6]. */
  readonly qos: QoS;
}

/** Everything a handler may use. Built once per gateway. */
export interface GatewayContext {
  readonly gatewayId: string;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly store: StoreAccess;
  readonly bus: EventBus;
}

/** The delivery side of one connected session: implemented in `delivery/`, driven by the handlers. */
export interface SessionDelivery {
  /** After CONNACK: start delivering the session's subscriptions (stored ones resume at their committed offsets). */
  resume(): Promise<void>;
  /**
   * SUBSCRIBE: stores or registers each filter, starts reading it at the queue's end, then sends the retained
   * messages that match (RETAIN set). Returns one granted QoS per request, or 'failure' (SUBACK 0x80) for a
   * filter that was refused; the handler writes SUBACK *before* `afterSuback` runs, so retained messages
   * follow the SUBACK [MQTT-3.8.4-4].
   */
  subscribe(requests: ReadonlyArray<{ filter: string; qos: QoS }>): Promise<{
    granted: Array<QoS | 'failure'>;
    afterSuback: () => void;
  }>;
  /** UNSUBSCRIBE: stops reading and forgets the filters (persistent: in the store too). */
  unsubscribe(filters: readonly string[]): Promise<void>;
  /** The session's subscription filters now (a reloaded ACL checks them again). */
  filters(): string[];
  /** PUBACK for an outbound QoS 1 message. Unknown identifiers are ignored (and counted). */
  onPuback(packetId: number): void;
  /** PUBREC for an outbound QoS 2 message: answer PUBREL. */
  onPubrec(packetId: number): void;
  /** PUBCOMP for an outbound QoS 2 message. */
  onPubcomp(packetId: number): void;
  /**
   * The connection ended (or was taken over): stop delivering, commit acknowledged offsets (persistent
   * sessions), release filter registrations (clean sessions). In-flight messages are redelivered (DUP) on the
   * next connection of a persistent session.
   */
  stop(): Promise<void>;
  /** After `stop()`, for a persistent session: what was in flight, for its next connection on this gateway. */
  parked(): ParkedDelivery | undefined;
  /** The session's inbound QoS 2 identifiers changed (stored, or released by PUBREL): commit them. */
  inboundQos2Changed(): void;
}

/**
 * The outbound state a persistent session's delivery leaves on its gateway when its connection ends: the store
 * keeps only committed offsets, which cannot tell a message sent and unacknowledged from one never sent, nor
 * hold a PUBREL in flight. With it, the next connection on the same gateway sends again exactly the
 * unacknowledged PUBLISH packets, with their packet identifiers and DUP set, and the PUBREL packets
 * [MQTT-4.4.0-1]; it sends messages never sent before with DUP clear [MQTT-3.3.1-3].
 */
export interface ParkedDelivery {
  /** Per queue read (shard, kind and name joined by U+0000): where the cursor stood, its unacknowledged messages. */
  readonly queues: ReadonlyMap<string, ParkedQueue>;
  /** Retained messages (sent on SUBSCRIBE, in no queue) awaiting PUBACK / PUBREC, in the order sent. */
  readonly retained: ReadonlyArray<{
    readonly packetId: number;
    readonly qos: 1 | 2;
    readonly topic: string;
    readonly payload: Buffer;
  }>;
  /** QoS 2 messages whose PUBREL was sent and whose PUBCOMP has not arrived. */
  readonly pubrels: readonly number[];
  /** Of `pubrels`, those of a queue message: packet identifier → the queue's key and the message's offset. */
  readonly pubrelQueues?: ReadonlyMap<number, { readonly queue: string; readonly offset: number }>;
  /**
   * Rebuilt from the store (ADR 0014), not parked by the connection itself: messages past a queue's `sentBelow`
   * may have been sent after the last commit, so they keep the DUP flag a resumed cursor gives them.
   */
  readonly recovered?: boolean;
}

export interface ParkedQueue {
  /** Every message below this offset was sent on the parked connection. */
  readonly sentBelow: number;
  /** Offset → packet identifier and QoS of the messages still awaiting PUBACK / PUBREC. */
  readonly unacknowledged: ReadonlyMap<number, { readonly packetId: number; readonly qos: 1 | 2 }>;
}

export interface SessionSpec {
  readonly clientId: string;
  readonly epoch: number;
  /** False for clean sessions: their state ends with the connection. */
  readonly persistent: boolean;
  /** Stored subscriptions to resume (empty for a new or clean session). */
  readonly subscriptions: readonly StoredSubscription[];
  /** What the previous connection of this session on this gateway left in flight (persistent sessions). */
  readonly parked?: ParkedDelivery;
  /**
   * When the store closed the session before this connection (0: unknown, or it was never closed). Messages
   * stamped after it were never sent before: they go out with DUP clear even without `parked`.
   */
  readonly disconnectedAtMs?: number;
  /** The session's inbound QoS 2 identifiers stored and not released, committed with the offsets (ADR 0014). */
  readonly inboundQos2Ids?: () => readonly number[];
}

/** Owns every queue reader of this gateway and hands each session its delivery. */
export interface DeliveryEngine {
  open(connection: ClientConnection, session: SessionSpec): SessionDelivery;
  /** Readers and sessions open (tests, metrics). */
  readonly readerCount: number;
  close(): Promise<void>;
}
