import type { EventBus } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import type { GatewayLimits } from '../config';
import { sampleGatewayState, type GatewayMetrics } from '../metrics';
import type {
  ClientConnection,
  DeliveryEngine,
  FilterQueues,
  SessionDelivery,
  SessionSpec,
  ShardQueue,
  StoreAccess,
} from '../types';
import { QueueReader } from './queue-reader';
import { DeliverySession, type SessionHost } from './session-delivery';
import type { SessionCursor } from './session-cursor';

export interface DeliveryEngineOptions {
  readonly store: StoreAccess;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly limits: Pick<
    GatewayLimits,
    'maxInflight' | 'maxQueuedBytes' | 'maxSubscriptionsPerSession' | 'maxTopicBytes' | 'maxTopicLevels'
  >;
  /** Deliver QoS 0 messages queued while a persistent session was offline (`GATEWAY_OFFLINE_QOS0`). */
  readonly offlineQos0: boolean;
  readonly offsetCommitIntervalMs: number;
  /** How often readers pull without an event (events are hints; this bounds the cost of a lost one). */
  readonly catchUpIntervalMs: number;
  readonly pullMaxMessages: number;
  readonly pullMaxBytes: number;
  /** Lease asked for clean-session filter registrations (StoreAccess renews it). Default 60 s. */
  readonly filterLeaseMs?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** The engine with what tests look at. */
export interface DeliveryEngineHandle extends DeliveryEngine {
  readonly sessionCount: number;
  /** The reader of a queue, if one is open (tests). */
  reader(queue: ShardQueue): QueueReader | undefined;
}

function queueKey(queue: ShardQueue): string {
  return `${queue.shard}\u0000${queue.kind}\u0000${queue.name}`;
}

/**
 * Owns every queue reader of this gateway (one per shard and queue, shared by all local sessions) and opens the
 * delivery of each connected session. No I/O until a session subscribes.
 */
export function createDeliveryEngine(options: DeliveryEngineOptions): DeliveryEngineHandle {
  const { store, bus, metrics } = options;
  const logger = options.logger.child({ component: 'delivery' });
  const now = options.now ?? Date.now;
  const readers = new Map<string, QueueReader>();
  const sessions = new Set<DeliverySession>();
  const filterLeaseMs = options.filterLeaseMs ?? 60_000;
  sampleGatewayState(metrics, {
    inflightMessages: () => {
      let inflight = 0;
      for (const session of sessions) inflight += session.inflightCount;
      return inflight;
    },
  });
  let closing: Promise<void> | undefined;

  store.onFilterLapsed((lapsed) => {
    for (const { queue, endOffset } of lapsed.queues) readers.get(queueKey(queue))?.restartAt(endOffset);
  });

  const catchUpTimer = setInterval(() => {
    for (const reader of readers.values()) reader.catchUp(options.catchUpIntervalMs);
  }, options.catchUpIntervalMs);
  catchUpTimer.unref();

  const host: SessionHost = {
    store,
    metrics,
    now,
    settings: {
      maxInflight: options.limits.maxInflight,
      maxQueuedBytes: options.limits.maxQueuedBytes,
      maxSubscriptionsPerSession: options.limits.maxSubscriptionsPerSession,
      maxTopicBytes: options.limits.maxTopicBytes,
      maxTopicLevels: options.limits.maxTopicLevels,
      offlineQos0: options.offlineQos0,
      offsetCommitIntervalMs: options.offsetCommitIntervalMs,
    },
    readerFor(queue: ShardQueue): QueueReader {
      const key = queueKey(queue);
      let reader = readers.get(key);
      if (reader === undefined) {
        reader = new QueueReader({
          queue: { shard: queue.shard, kind: queue.kind, name: queue.name },
          store,
          bus,
          logger,
          metrics,
          pullMaxMessages: options.pullMaxMessages,
          pullMaxBytes: options.pullMaxBytes,
          // Two pulls' worth: cursors a little behind the head are fed without a pull of their own.
          windowMaxMessages: options.pullMaxMessages * 2,
          windowMaxBytes: options.pullMaxBytes * 2,
          now,
          // Only filter queues are registered (and can lapse); a topic queue always exists once written.
          onQueueGone: (gone) => {
            if (gone.kind === 'filter') store.renewFilter(gone.name);
          },
        });
        readers.set(key, reader);
        metrics.queueReaders.set(readers.size);
      }
      return reader;
    },
    detach(cursor: SessionCursor): void {
      const key = queueKey(cursor.queue);
      const reader = readers.get(key);
      if (reader === undefined || !reader.remove(cursor)) return;
      // The last cursor left: stop listening to the queue's events.
      reader.close();
      readers.delete(key);
      metrics.queueReaders.set(readers.size);
    },
    // StoreAccess holds one registration per filter for the gateway, reference-counted, and renews its lease.
    registerFilter: (filter: string): Promise<FilterQueues> => store.registerFilter(filter, filterLeaseMs),
    releaseFilter(filter: string): void {
      store
        .unregisterFilter(filter)
        .catch((err: unknown) => logger.warn({ err, filter }, 'filter release failed'));
    },
    closed(session: DeliverySession): void {
      sessions.delete(session);
    },
  };

  return {
    open(connection: ClientConnection, session: SessionSpec): SessionDelivery {
      if (closing !== undefined) throw new Error('delivery engine is closed');
      const delivery = new DeliverySession(host, connection, session);
      sessions.add(delivery);
      return delivery;
    },
    get readerCount(): number {
      return readers.size;
    },
    get sessionCount(): number {
      return sessions.size;
    },
    reader(queue: ShardQueue): QueueReader | undefined {
      return readers.get(queueKey(queue));
    },
    close(): Promise<void> {
      closing ??= (async () => {
        clearInterval(catchUpTimer);
        // Sessions still open commit their offsets and release their filters.
        await Promise.allSettled([...sessions].map((session) => session.stop()));
        for (const reader of readers.values()) reader.close();
        readers.clear();
        metrics.queueReaders.set(0);
      })();
      return closing;
    },
  };
}
