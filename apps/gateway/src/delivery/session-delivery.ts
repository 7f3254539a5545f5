import { validateTopicFilter } from '@starling/mqtt-topic';
import type { Logger } from '@starling/observability';
import type { GatewayMetrics } from '../metrics';
import type {
  ClientConnection,
  FilterQueues,
  InFlightMessage as CommittedInFlight,
  OffsetCommit,
  ParkedDelivery,
  ParkedQueue,
  QoS,
  QueuedMessage,
  RetainedMessage,
  SessionDelivery,
  SessionIds,
  SessionSpec,
  ShardQueue,
  StoreAccess,
} from '../types';
import { PacketIdAllocator } from './packet-id-allocator';
import { parkedKey } from './recovered-delivery';
import type { PullTrigger, QueueReader } from './queue-reader';
import { SessionCursor, type CursorOwner, type Subscription } from './session-cursor';

/** Limits and settings a session needs (from `GatewayConfig`). */
export interface SessionSettings {
  readonly maxInflight: number;
  readonly maxQueuedBytes: number;
  readonly maxSubscriptionsPerSession: number;
  readonly maxTopicBytes: number;
  readonly maxTopicLevels: number;
  readonly offlineQos0: boolean;
  readonly offsetCommitIntervalMs: number;
}

/** What a session uses of its engine. */
export interface SessionHost {
  readonly store: StoreAccess;
  readonly metrics: GatewayMetrics;
  readonly settings: SessionSettings;
  readonly now: () => number;
  readerFor(queue: ShardQueue): QueueReader;
  detach(cursor: SessionCursor): void;
  /** Clean sessions: registers the filter for this gateway (reference-counted), returns where to start. */
  registerFilter(filter: string): Promise<FilterQueues>;
  releaseFilter(filter: string): void;
  closed(session: DeliverySession): void;
}

type InflightState = 'awaiting-puback' | 'awaiting-pubrec' | 'awaiting-pubcomp';

interface InflightMessage {
  /** Absent for retained messages (sent on SUBSCRIBE, not read from a queue) and for PUBRELs sent again. */
  readonly cursor: SessionCursor | undefined;
  readonly offset: number;
  readonly qos: 1 | 2;
  state: InflightState;
  /** A retained message's topic and payload: what a persistent session's next connection sends again. */
  readonly retained?: { readonly topic: string; readonly payload: Buffer };
  /** A PUBREL sent again for a queue message of an earlier connection: that queue's key (`parkedKey`). */
  readonly queueKey?: string;
}

interface PendingRetained {
  readonly message: RetainedMessage;
  readonly qos: QoS;
}

const QOS_LABELS = ['0', '1', '2'] as const;

/** Rough encoded size of a PUBLISH: fixed header, topic, packet identifier, payload. */
function publishBytes(topic: string, payload: Buffer): number {
  return 7 + Buffer.byteLength(topic) + payload.length;
}

/**
 * The delivery side of one connected session (ADR 0004): one cursor per subscription and queue, packet
 * identifiers, the outbound in-flight window and the offsets committed for persistent sessions.
 *
 * Back-pressure: the session can take a message while it is running, its connection is writable, fewer than
 * `maxInflight` QoS 1/2 messages are unacknowledged and fewer than `maxQueuedBytes` were written in this
 * event-loop turn (writes are flushed once per turn, so `writable` alone would let one pull pour a whole window
 * into one socket). Otherwise its cursors stop and the reader skips them; acknowledgements, `onWritable` and the
 * next turn wake them.
 */
/** A Map that is never written: what a session holds until its first subscription or QoS 1/2 delivery. */
class NeverWritten<K, V> extends Map<K, V> {
  override set(): this {
    throw new Error('a shared empty map is never written');
  }
}
// An empty Map costs about 180 bytes; most idle sessions would hold two.
const NO_SUBSCRIPTIONS: ReadonlyMap<string, Subscription> = new NeverWritten();
const NOTHING_IN_FLIGHT: ReadonlyMap<number, InflightMessage> = new NeverWritten();
const NO_RETAINED: readonly PendingRetained[] = Object.freeze([]);

export class DeliverySession implements SessionDelivery, CursorOwner {
  private subscriptions = NO_SUBSCRIPTIONS as Map<string, Subscription>;
  private inflight = NOTHING_IN_FLIGHT as Map<number, InflightMessage>;
  private readonly packetIds = new PacketIdAllocator();
  private retainedQueue = NO_RETAINED as PendingRetained[];
  private logger: Logger | undefined;
  private running = true;
  private takenOver = false;
  private turnBytes = 0;
  private turnResetScheduled = false;
  private blocked = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private lastCommitAtMs = Number.NEGATIVE_INFINITY;
  private committing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** What the previous connection parked, per queue, until each cursor has read past it. */
  private parkedQueues: Map<string, ParkedQueue> | undefined;
  /** Packet identifiers of parked messages not sent again yet: new messages do not take them. */
  private reservedPacketIds: Set<number> | undefined;
  /** The PUBRELs held by no queue or the inbound QoS 2 identifiers changed since the last commit (ADR 0014). */
  private sessionIdsChanged = false;

  constructor(
    private readonly host: SessionHost,
    private readonly connection: ClientConnection,
    private readonly spec: SessionSpec,
  ) {
    connection.onWritable(() => this.wakeAll());
    if (spec.parked !== undefined && spec.parked.queues.size > 0) {
      this.parkedQueues = new Map(spec.parked.queues);
      for (const queue of spec.parked.queues.values())
        for (const { packetId } of queue.unacknowledged.values())
          (this.reservedPacketIds ??= new Set()).add(packetId);
    }
    // A park kept by a gateway is at least as new as the store's copy: the first commit writes its identifiers.
    if (spec.persistent && spec.parked !== undefined && spec.parked.recovered !== true)
      this.sessionIdsChanged = true;
  }

  /** The session's logger, made on first use (most sessions never log). */
  private get log(): Logger {
    this.logger ??= this.connection.logger.child({ component: 'delivery' });
    return this.logger;
  }

  /** Unacknowledged outbound QoS 1/2 messages (tests, metrics). */
  get inflightCount(): number {
    return this.inflight.size;
  }

  filters(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** Current subscriptions and their granted QoS (tests). */
  subscriptionQos(): Map<string, QoS> {
    return new Map([...this.subscriptions].map(([filter, subscription]) => [filter, subscription.qos]));
  }

  // ---- SessionDelivery ---------------------------------------------------------------------------------------

  async resume(): Promise<void> {
    if (this.spec.parked !== undefined) this.resendParked(this.spec.parked);
    const withoutOffsets: Array<{ filter: string; qos: QoS }> = [];
    for (const stored of this.spec.subscriptions) {
      if (stored.committedOffsets.size === 0) {
        withoutOffsets.push({ filter: stored.filter, qos: stored.qos });
        continue;
      }
      const queues = [...stored.committedOffsets].map(([shard, offset]) => ({
        queue: { shard, kind: 'filter' as const, name: stored.filter },
        endOffset: offset,
      }));
      this.startSubscription({ filter: stored.filter, queues }, stored.qos, true);
    }
    if (withoutOffsets.length === 0 || !this.running) return;
    // No committed offset known: adding the subscription again returns its committed offset (or sets it to the
    // queue's end) and keeps everything else [store.proto UpdateSession].
    const added = await this.storeAdd(withoutOffsets);
    if (added === undefined) return;
    for (const queues of added) {
      const qos = withoutOffsets.find((s) => s.filter === queues.filter)?.qos ?? 0;
      this.startSubscription(queues, qos, true);
    }
  }

  async subscribe(
    requests: ReadonlyArray<{ filter: string; qos: QoS }>,
  ): Promise<{ granted: Array<QoS | 'failure'>; afterSuback: () => void }> {
    const { settings } = this.host;
    const granted: Array<QoS | 'failure'> = requests.map(() => 'failure');
    // A filter repeated in one SUBSCRIBE: the last request wins, as a later SUBSCRIBE would [MQTT-3.8.4-3].
    const accepted = new Map<string, { qos: QoS; indexes: number[] }>();
    let count = this.subscriptions.size;
    requests.forEach((request, index) => {
      const valid = validateTopicFilter(request.filter, {
        maxTopicBytes: settings.maxTopicBytes,
        maxLevels: settings.maxTopicLevels,
      }).ok;
      if (!valid) return;
      const seen = accepted.get(request.filter);
      if (seen !== undefined) {
        seen.qos = request.qos;
        seen.indexes.push(index);
        return;
      }
      if (!this.subscriptions.has(request.filter)) {
        if (count >= settings.maxSubscriptionsPerSession) return;
        count += 1;
      }
      accepted.set(request.filter, { qos: request.qos, indexes: [index] });
    });
    const wanted = [...accepted].map(([filter, { qos }]) => ({ filter, qos }));
    const started = await this.addSubscriptions(wanted);
    const grantedFilters: Array<{ filter: string; qos: QoS }> = [];
    for (const { filter, qos } of started) {
      grantedFilters.push({ filter, qos });
      for (const index of accepted.get(filter)?.indexes ?? []) granted[index] = qos;
    }
    return { granted, afterSuback: () => this.sendRetained(grantedFilters) };
  }

  async unsubscribe(filters: readonly string[]): Promise<void> {
    const removed: string[] = [];
    for (const filter of filters) {
      const subscription = this.subscriptions.get(filter);
      if (subscription === undefined) continue;
      // Stop at once: no new message of these filters is sent after UNSUBSCRIBE [MQTT-3.10.4-2]; messages in
      // flight complete [MQTT-3.10.4-3].
      this.subscriptions.delete(filter);
      for (const cursor of subscription.cursors) this.stopCursor(cursor);
      removed.push(filter);
    }
    if (removed.length === 0) return;
    if (this.spec.persistent) {
      // The store drops those queues' in-flight state: their PUBRELs awaiting PUBCOMP move to the session's.
      this.sessionIdsChanged = true;
      this.offsetsChanged();
      if (!this.running) return;
      try {
        const outcome = await this.host.store.updateSession({
          clientId: this.spec.clientId,
          epoch: this.spec.epoch,
          remove: removed,
        });
        if (outcome.status === 'stale-epoch') this.takeOver();
      } catch (err) {
        this.log.warn({ err }, 'unsubscribe not stored');
      }
    } else {
      for (const filter of removed) this.host.releaseFilter(filter);
    }
  }

  onPuback(packetId: number): void {
    const entry = this.inflight.get(packetId);
    if (entry?.state !== 'awaiting-puback') return this.unexpected(packetId, entry);
    this.inflight.delete(packetId);
    this.acknowledged(entry);
    this.wakeAll();
  }

  onPubrec(packetId: number): void {
    const entry = this.inflight.get(packetId);
    if (entry === undefined || entry.qos !== 2) return this.unexpected(packetId, entry);
    if (entry.state === 'awaiting-pubrec') {
      // A QoS 2 message counts as acknowledged (for offsets) at PUBREC: the receiver owns it now [MQTT-4.3.3].
      // Its queue's in-flight state keeps it, PUBREL sent, until PUBCOMP, in the same record as the offset
      // (ADR 0014): the commit that moves the offset past it also stores the PUBREL to send again.
      entry.state = 'awaiting-pubcomp';
      if (entry.cursor !== undefined) this.acknowledged(entry);
      else this.inFlightChanged(entry);
    }
    // A repeated PUBREC is answered again: the PUBREL may have been lost with the old connection.
    this.send({ cmd: 'pubrel', messageId: packetId });
  }

  onPubcomp(packetId: number): void {
    const entry = this.inflight.get(packetId);
    if (entry?.state !== 'awaiting-pubcomp') return this.unexpected(packetId, entry);
    // The identifier is free again only now [MQTT-4.3.3-?]: PUBCOMP ends the QoS 2 flow.
    this.inflight.delete(packetId);
    this.inFlightChanged(entry);
    this.wakeAll();
  }

  inboundQos2Changed(): void {
    if (!this.spec.persistent) return;
    this.sessionIdsChanged = true;
    this.offsetsChanged();
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  parked(): ParkedDelivery | undefined {
    // Also after a takeover: the new owner, on another gateway, asks for it (handover).
    if (!this.spec.persistent) return undefined;
    const queues = new Map<
      string,
      { sentBelow: number; unacknowledged: Map<number, { packetId: number; qos: 1 | 2 }> }
    >();
    for (const subscription of this.subscriptions.values()) {
      for (const cursor of subscription.cursors) {
        const key = parkedKey(cursor.queue);
        const unacknowledged = new Map<number, { packetId: number; qos: 1 | 2 }>();
        let sentBelow = cursor.nextOffset;
        // What an earlier connection parked and this one had not read again yet is still unacknowledged.
        const earlier = this.parkedQueues?.get(key);
        if (earlier !== undefined && earlier.sentBelow > sentBelow) {
          for (const [offset, entry] of earlier.unacknowledged)
            if (offset >= sentBelow) unacknowledged.set(offset, entry);
          sentBelow = earlier.sentBelow;
        }
        queues.set(key, { sentBelow, unacknowledged });
      }
    }
    const retained: Array<ParkedDelivery['retained'][number]> = [];
    const pubrels: number[] = [];
    const pubrelQueues = new Map<number, { queue: string; offset: number }>();
    for (const [packetId, entry] of this.inflight) {
      if (entry.state === 'awaiting-pubcomp') {
        pubrels.push(packetId);
        const queue = entry.cursor !== undefined ? parkedKey(entry.cursor.queue) : entry.queueKey;
        if (queue !== undefined) pubrelQueues.set(packetId, { queue, offset: entry.offset });
      } else if (entry.retained !== undefined)
        retained.push({
          packetId,
          qos: entry.qos,
          topic: entry.retained.topic,
          payload: entry.retained.payload,
        });
      else if (entry.cursor !== undefined)
        queues
          .get(parkedKey(entry.cursor.queue))
          ?.unacknowledged.set(entry.offset, { packetId, qos: entry.qos });
    }
    // Parked queues of a park rebuilt from the store not read again yet: past them, still not known exactly.
    const recovered = this.spec.parked?.recovered === true && (this.parkedQueues?.size ?? 0) > 0;
    return { queues, retained, pubrels, pubrelQueues, ...(recovered ? { recovered } : {}) };
  }

  // ---- CursorOwner (called by readers while feeding) ---------------------------------------------------------

  canTake(): boolean {
    const take =
      this.running &&
      this.connection.writable &&
      this.inflight.size < this.host.settings.maxInflight &&
      this.turnBytes < this.host.settings.maxQueuedBytes &&
      this.retainedQueue.length === 0;
    if (!take) this.blocked = true;
    return take;
  }

  deliver(cursor: SessionCursor, message: QueuedMessage, dup: boolean): void {
    let wantedPacketId: number | undefined;
    const parked = this.parkedQueues?.get(parkedKey(cursor.queue));
    if (parked !== undefined && message.offset < parked.sentBelow) {
      const unacknowledged = parked.unacknowledged.get(message.offset);
      if (unacknowledged === undefined) {
        // Sent on the previous connection and acknowledged there (or QoS 0, or PUBREL sent): not again.
        cursor.offsets.sent(message.offset, false);
        this.offsetsChanged();
        return;
      }
      // Sent and unacknowledged: again, with its packet identifier and DUP set [MQTT-4.4.0-1] [MQTT-3.3.1-1].
      wantedPacketId = unacknowledged.packetId;
      dup = true;
    } else if (parked !== undefined && this.spec.parked?.recovered !== true) {
      // Past what the previous connection sent: never sent before, DUP clear [MQTT-3.3.1-3].
      this.leaveParked(cursor);
      dup = false;
    } else {
      // Past the last commit of a gateway that is gone, it may have sent more: the cursor's DUP stands.
      if (parked !== undefined) this.leaveParked(cursor);
      if (dup && (this.spec.disconnectedAtMs ?? 0) > 0 && message.timestampMs > this.spec.disconnectedAtMs!) {
        // Stored after the session's last connection had closed: that connection cannot have sent it.
        dup = false;
      }
    }
    const qos = Math.min(message.qos, cursor.subscription.qos) as QoS;
    const packetId = qos === 0 ? undefined : this.track(cursor, message.offset, qos, wantedPacketId);
    cursor.offsets.sent(message.offset, packetId !== undefined);
    this.publish(message.topic, message.payload, qos, false, dup, packetId);
    if (dup && packetId !== undefined) this.host.metrics.messagesRedelivered.inc();
    this.host.metrics.deliveryLatency.observe(Math.max(0, this.host.now() - message.timestampMs) / 1000);
    this.offsetsChanged();
  }

  skipped(_cursor: SessionCursor, reason: 'offline-qos0'): void {
    this.host.metrics.messagesDropped.inc({ reason });
    this.offsetsChanged();
  }

  retentionSkipped(): void {
    this.offsetsChanged();
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private async addSubscriptions(
    wanted: ReadonlyArray<{ filter: string; qos: QoS }>,
  ): Promise<Array<{ filter: string; qos: QoS }>> {
    if (wanted.length === 0 || !this.running) return [];
    if (this.spec.persistent) {
      const added = await this.storeAdd(wanted);
      if (added === undefined) return [];
      const started: Array<{ filter: string; qos: QoS }> = [];
      for (const queues of added) {
        const qos = wanted.find((w) => w.filter === queues.filter)?.qos;
        if (qos === undefined) continue;
        this.startSubscription(queues, qos, false);
        started.push({ filter: queues.filter, qos });
      }
      return started;
    }
    const outcomes = await Promise.all(
      wanted.map(async ({ filter, qos }) => {
        const existing = this.subscriptions.get(filter);
        if (existing !== undefined) {
          // Re-subscribe: new QoS, same cursor, same registration [MQTT-3.8.4-3].
          existing.qos = qos;
          return { filter, qos };
        }
        try {
          const queues = await this.host.registerFilter(filter);
          if (!this.running || this.subscriptions.has(filter)) {
            this.host.releaseFilter(filter);
            return this.subscriptions.has(filter) ? { filter, qos } : undefined;
          }
          this.startSubscription(queues, qos, false);
          return { filter, qos };
        } catch (err) {
          this.log.warn({ err, filter }, 'filter registration failed');
          return undefined;
        }
      }),
    );
    return outcomes.filter((o): o is { filter: string; qos: QoS } => o !== undefined);
  }

  /** Persistent sessions: UpdateSession add; undefined when refused (taken over, store unavailable). */
  private async storeAdd(
    add: ReadonlyArray<{ filter: string; qos: QoS }>,
  ): Promise<readonly FilterQueues[] | undefined> {
    try {
      const outcome = await this.host.store.updateSession({
        clientId: this.spec.clientId,
        epoch: this.spec.epoch,
        add,
      });
      if (outcome.status === 'stale-epoch') {
        this.takeOver();
        return undefined;
      }
      return this.running ? outcome.added : undefined;
    } catch (err) {
      this.log.warn({ err }, 'subscription not stored');
      return undefined;
    }
  }

  /**
   * Starts (or, for a filter already subscribed, re-grants) a subscription. A re-subscribe replaces the QoS and
   * keeps the cursors where they are, so nothing is lost or repeated [MQTT-3.8.4-3].
   */
  private startSubscription(queues: FilterQueues, qos: QoS, resumed: boolean): void {
    const existing = this.subscriptions.get(queues.filter);
    if (existing !== undefined) {
      existing.qos = qos;
      return;
    }
    const subscription: Subscription = { filter: queues.filter, qos, cursors: [] };
    if (this.subscriptions === NO_SUBSCRIPTIONS) this.subscriptions = new Map();
    this.subscriptions.set(queues.filter, subscription);
    const trigger: PullTrigger = resumed ? 'resume' : 'subscribe';
    for (const { queue, endOffset } of queues.queues) {
      const reader = this.host.readerFor(queue);
      const boundary = resumed
        ? { afterPull: reader.pullCount, skipOfflineQos0: !this.host.settings.offlineQos0 }
        : undefined;
      const cursor = new SessionCursor(queue, subscription, this, endOffset, boundary);
      // The start offset is what the store holds as committed (or will, for a new subscription).
      cursor.offsets.assumeCommitted(endOffset);
      subscription.cursors.push(cursor);
      reader.add(cursor, trigger);
    }
  }

  /** The cursor read past what was parked for its queue. */
  private leaveParked(cursor: SessionCursor): void {
    this.parkedQueues!.delete(parkedKey(cursor.queue));
    if (this.parkedQueues!.size === 0) this.reservedPacketIds = undefined;
  }

  private stopCursor(cursor: SessionCursor): void {
    cursor.stopped = true;
    this.host.detach(cursor);
  }

  private track(
    cursor: SessionCursor | undefined,
    offset: number,
    qos: 1 | 2,
    wanted?: number,
    retained?: InflightMessage['retained'],
  ): number {
    // canTake() keeps the in-flight map under maxInflight <= 65535, so an identifier is always free.
    const reserved = this.reservedPacketIds;
    const packetId =
      wanted !== undefined && !this.inflight.has(wanted)
        ? wanted
        : this.packetIds.allocate(
            reserved === undefined
              ? this.inflight
              : { has: (id: number) => this.inflight.has(id) || reserved.has(id) },
          );
    if (packetId === undefined) throw new Error('no free packet identifier (in-flight window above 65535)');
    if (this.inflight === NOTHING_IN_FLIGHT) this.inflight = new Map();
    this.inflight.set(packetId, {
      cursor,
      offset,
      qos,
      state: qos === 1 ? 'awaiting-puback' : 'awaiting-pubrec',
      ...(retained !== undefined ? { retained } : {}),
    });
    return packetId;
  }

  /**
   * Sends again what the previous connection on this gateway left in flight, after CONNACK: the PUBRELs
   * awaiting PUBCOMP, then the retained messages awaiting PUBACK / PUBREC, with their packet identifiers and
   * DUP set [MQTT-4.4.0-1]. Unacknowledged queue messages follow as the cursors read them again.
   */
  private resendParked(parked: ParkedDelivery): void {
    for (const packetId of parked.pubrels) {
      if (this.inflight === NOTHING_IN_FLIGHT) this.inflight = new Map();
      const queue = parked.pubrelQueues?.get(packetId);
      this.inflight.set(
        packetId,
        queue === undefined
          ? { cursor: undefined, offset: -1, qos: 2, state: 'awaiting-pubcomp' }
          : {
              cursor: undefined,
              offset: queue.offset,
              qos: 2,
              state: 'awaiting-pubcomp',
              queueKey: queue.queue,
            },
      );
      this.send({ cmd: 'pubrel', messageId: packetId });
    }
    for (const { packetId, qos, topic, payload } of parked.retained) {
      const id = this.track(undefined, -1, qos, packetId, { topic, payload });
      this.publish(topic, payload, qos, true, true, id);
      this.host.metrics.messagesRedelivered.inc();
    }
  }

  private publish(
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    dup: boolean,
    packetId: number | undefined,
  ): void {
    // QoS 0 carries no packet identifier [MQTT-2.3.1-5]; live messages go out with RETAIN=0 [MQTT-3.3.1-9].
    this.send(
      packetId === undefined
        ? { cmd: 'publish', topic, payload, qos, retain, dup: false }
        : { cmd: 'publish', topic, payload, qos, retain, dup, messageId: packetId },
    );
    this.host.metrics.hot.messagesOut.inc(QOS_LABELS[qos]);
    this.countTurnBytes(publishBytes(topic, payload));
  }

  private send(packet: Parameters<ClientConnection['send']>[0]): void {
    this.connection.send(packet);
  }

  private countTurnBytes(bytes: number): void {
    this.turnBytes += bytes;
    if (this.turnResetScheduled) return;
    this.turnResetScheduled = true;
    setImmediate(() => {
      this.turnResetScheduled = false;
      this.turnBytes = 0;
      this.wakeAll();
    });
  }

  private acknowledged(entry: InflightMessage): void {
    if (entry.cursor === undefined) return;
    entry.cursor.offsets.acknowledged(entry.offset);
    this.offsetsChanged();
  }

  /** A PUBREL was sent or completed: the next commit carries the change, with its queue or with the session. */
  private inFlightChanged(entry: InflightMessage): void {
    if (!this.spec.persistent) return;
    const cursor =
      entry.cursor ?? (entry.queueKey === undefined ? undefined : this.liveCursors().get(entry.queueKey));
    if (cursor !== undefined && !cursor.stopped) cursor.offsets.changed();
    else this.sessionIdsChanged = true;
    this.offsetsChanged();
  }

  /** The cursors reading now, by queue key. */
  private liveCursors(): Map<string, SessionCursor> {
    const cursors = new Map<string, SessionCursor>();
    for (const subscription of this.subscriptions.values())
      for (const cursor of subscription.cursors) cursors.set(parkedKey(cursor.queue), cursor);
    return cursors;
  }

  private unexpected(packetId: number, entry: InflightMessage | undefined): void {
    // An acknowledgement for an identifier not in flight (or in another state): ignored and counted.
    this.host.metrics.protocolErrors.inc({
      reason: entry === undefined ? 'unknown-packet-id' : 'unexpected-ack',
    });
    this.log.debug({ packetId, state: entry?.state }, 'unexpected acknowledgement ignored');
  }

  /** The session can take more: retained messages first, then every cursor (readers feed them). */
  private wakeAll(): void {
    if (!this.running || !this.blocked) return;
    this.blocked = false;
    this.drainRetained();
    if (this.retainedQueue.length > 0) return;
    for (const subscription of this.subscriptions.values()) {
      for (const cursor of subscription.cursors) {
        this.host.readerFor(cursor.queue).wake(cursor);
      }
    }
  }

  private sendRetained(filters: ReadonlyArray<{ filter: string; qos: QoS }>): void {
    if (filters.length === 0) return;
    void (async () => {
      for (const { filter, qos } of filters) {
        let retained: readonly RetainedMessage[];
        try {
          retained = await this.host.store.matchRetained(filter);
        } catch (err) {
          this.log.warn({ err, filter }, 'retained messages not read');
          continue;
        }
        if (!this.running) return;
        for (const message of retained) {
          if (this.retainedQueue === NO_RETAINED) this.retainedQueue = [];
          this.retainedQueue.push({ message, qos: Math.min(message.qos, qos) as QoS });
        }
      }
      this.blocked = true;
      this.wakeAll();
    })();
  }

  /** Retained messages on SUBSCRIBE: RETAIN=1 [MQTT-3.3.1-6], QoS min(message, granted), within the window. */
  private drainRetained(): void {
    const { settings } = this.host;
    while (this.retainedQueue.length > 0) {
      if (
        !this.running ||
        !this.connection.writable ||
        this.inflight.size >= settings.maxInflight ||
        this.turnBytes >= settings.maxQueuedBytes
      ) {
        this.blocked = true;
        return;
      }
      const { message, qos } = this.retainedQueue.shift()!;
      const packetId =
        qos === 0
          ? undefined
          : this.track(undefined, -1, qos, undefined, { topic: message.topic, payload: message.payload });
      this.publish(message.topic, message.payload, qos, true, false, packetId);
    }
  }

  private offsetsChanged(): void {
    if (!this.spec.persistent || !this.running || this.commitTimer !== undefined) return;
    const waitMs = Math.max(
      0,
      this.lastCommitAtMs + this.host.settings.offsetCommitIntervalMs - this.host.now(),
    );
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commit();
    }, waitMs);
    this.commitTimer.unref?.();
  }

  /**
   * Commits every changed offset in one call, one commit at a time, with the in-flight state of those queues
   * and, when they changed, the session's PUBRELs held by no queue and its inbound QoS 2 identifiers (ADR 0014):
   * what the next connection needs to resume exactly if this gateway is lost. Still one call per commit
   * interval, whatever the number of messages.
   */
  private commit(): Promise<void> {
    if (this.committing !== undefined) {
      // A commit is running: commit again after it (changes made meanwhile are not in it).
      return this.committing.then(() => this.commit());
    }
    const changes: Array<{ cursor: SessionCursor; offset: number; changes: number }> = [];
    for (const subscription of this.subscriptions.values()) {
      for (const cursor of subscription.cursors) {
        const pending = cursor.offsets.pendingCommit();
        if (pending !== undefined) changes.push({ cursor, ...pending });
      }
    }
    const withSessionIds = this.sessionIdsChanged;
    if ((changes.length === 0 && !withSessionIds) || this.takenOver) return Promise.resolve();
    this.sessionIdsChanged = false;
    const { offsets, sessionIds } = this.commitState(changes, withSessionIds);
    this.lastCommitAtMs = this.host.now();
    this.committing = (async () => {
      try {
        const outcome = await this.host.store.commitOffsets(
          this.spec.clientId,
          this.spec.epoch,
          offsets,
          sessionIds,
        );
        if (outcome.status === 'stale-epoch') {
          this.takeOver();
          return;
        }
        for (const { cursor, offset, changes: count } of changes) cursor.offsets.markCommitted(offset, count);
      } catch (err) {
        this.log.warn({ err }, 'offset commit failed');
        // Retried on the next change or on stop(); the store keeps the previous state meanwhile.
        if (withSessionIds) this.sessionIdsChanged = true;
      } finally {
        this.committing = undefined;
      }
    })();
    return this.committing;
  }

  /** What a commit stores: per changed cursor its offset and in-flight state; the session's identifiers. */
  private commitState(
    changes: ReadonlyArray<{ cursor: SessionCursor; offset: number }>,
    withSessionIds: boolean,
  ): { offsets: OffsetCommit[]; sessionIds: SessionIds | undefined } {
    const inFlight = new Map<SessionCursor, CommittedInFlight[]>();
    for (const { cursor } of changes) inFlight.set(cursor, []);
    const pendingPubrels: number[] = [];
    // Only PUBRELs sent again for an earlier connection's queue messages are found by key (rare).
    let byKey: Map<string, SessionCursor> | undefined;
    for (const [packetId, entry] of this.inflight) {
      let cursor = entry.cursor;
      if (cursor === undefined && entry.queueKey !== undefined) {
        byKey ??= this.liveCursors();
        cursor = byKey.get(entry.queueKey);
      }
      const pubrelSent = entry.state === 'awaiting-pubcomp';
      if (cursor === undefined || cursor.stopped) {
        // Retained messages are not kept (their payload is in no queue); their PUBRELs are.
        if (pubrelSent) pendingPubrels.push(packetId);
        continue;
      }
      inFlight.get(cursor)?.push({ offset: entry.offset, packetId, qos: entry.qos, pubrelSent });
    }
    const offsets = changes.map(({ cursor, offset }): OffsetCommit => {
      const messages = inFlight.get(cursor) ?? [];
      let sentBelow = cursor.nextOffset;
      // Parked by an earlier connection and not read again yet: still in flight, and sent.
      const parked = this.parkedQueues?.get(parkedKey(cursor.queue));
      if (parked !== undefined && parked.sentBelow > sentBelow) {
        for (const [parkedOffset, { packetId, qos }] of parked.unacknowledged)
          if (parkedOffset >= sentBelow)
            messages.push({ offset: parkedOffset, packetId, qos, pubrelSent: false });
        sentBelow = parked.sentBelow;
      }
      return { queue: cursor.queue, offset, sentBelow, inFlight: messages };
    });
    const sessionIds = withSessionIds
      ? { pendingPubrels, inboundQos2Ids: this.spec.inboundQos2Ids?.() ?? [] }
      : undefined;
    return { offsets, sessionIds };
  }

  /** The store answered stale-epoch: another connection owns the session now. */
  private takeOver(): void {
    if (this.takenOver) return;
    this.takenOver = true;
    this.log.info('session taken over: delivery stopped');
    this.halt();
    this.connection.close('taken-over');
  }

  /** Stops every cursor and timer; idempotent. */
  private halt(): void {
    this.running = false;
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.retainedQueue = NO_RETAINED as PendingRetained[];
    for (const subscription of this.subscriptions.values()) {
      for (const cursor of subscription.cursors) this.stopCursor(cursor);
    }
  }

  private async stopNow(): Promise<void> {
    this.halt();
    try {
      if (this.spec.persistent) {
        // In-flight messages are not acknowledged: the committed offsets stay below them, and the next
        // connection redelivers them with DUP=1 [MQTT-4.4.0-1].
        await this.commit();
      } else {
        for (const filter of this.subscriptions.keys()) this.host.releaseFilter(filter);
      }
    } finally {
      this.host.closed(this);
    }
  }
}
