import { performance } from 'node:perf_hooks';
import type { ArrivalEvent, EventBus, EventBusStats } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import type { ArrivalOutput } from '@starling/proto';
import { toArrivalEvent } from './arrival-event';
import { startShardWatcher, type ShardWatcher, type ShardWatcherOptions } from './arrivals';
import { Coalescer } from './coalescer';
import { DEFAULT_REPLAY_BURST, DEFAULT_REPLAY_EVENTS_PER_SECOND } from './config';
import { sampleNotifierState, type NotifierMetrics } from './metrics';
import { ReplayPacer, type ReplayFeed } from './replay-pacer';
import { forEachArrival, type ArrivalVisitor } from './watch-arrivals-codec';

/** One arrival as a store in this process hands it over (the store's `ArrivalNotice`). */
export interface LocalArrival {
  readonly queue: { readonly kind: 'topic' | 'filter'; readonly name: string };
  readonly endOffset: number;
  readonly timestampMs: number;
}

/**
 * A store shard in this process (standalone): its dispatch batches' arrivals come straight from the store
 * instead of over a WatchArrivals stream on loopback (no protobuf, no HTTP/2, no reconnects, no replay).
 */
export interface LocalArrivalSource {
  readonly shard: number;
  /** Calls `listener` with each dispatch batch's arrivals, synchronously; returns the unsubscribe. */
  watch(listener: (arrivals: readonly LocalArrival[]) => void): () => void;
}

export interface NotifierOptions {
  /** One gRPC address (`host:port`) per store shard. */
  stores: readonly string[];
  /** Store shards in this process, watched directly (standalone); counted with `stores`. */
  localStores?: readonly LocalArrivalSource[];
  /** Where events go: NATS in the multi-process topology, the in-process bus in standalone. Not closed here. */
  bus: EventBus;
  logger: Logger;
  metrics?: NotifierMetrics;
  /** See NOTIFIER_COALESCE_WINDOW; 0 publishes every arrival. */
  coalesceWindowMs: number;
  /** See NOTIFIER_REPLAY_RATE: replayed end offsets published per second, across every shard. */
  replayEventsPerSecond?: number;
  /** See NOTIFIER_REPLAY_BURST: replayed end offsets that may go out at once after a quiet spell. */
  replayBurstEvents?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How often the bus' connection state is sampled for the gauge and the logs. */
  statePollMs?: number;
  /** See CoalescerOptions.maxIdleQueues. */
  maxIdleQueues?: number;
}

export interface StoreStreamStatus {
  address: string;
  connected: boolean;
  shard: number | undefined;
}

export interface Notifier {
  /** Opens every shard's WatchArrivals stream (idempotent). */
  start(): void;
  /** Every store stream is open and the bus is connected, and close has not started. */
  isReady(): boolean;
  readonly stores: readonly StoreStreamStatus[];
  /** Queues with an open coalescing window. */
  readonly coalescingQueues: number;
  /** Store streams whose end-offset replay is still being read or published. */
  readonly replaysInProgress: number;
  /**
   * Stops watching, publishes the events still held in coalescing windows and flushes the bus (bounded
   * wait). The bus itself belongs to the caller and stays open.
   */
  close(): Promise<void>;
}

const FLUSH_TIMEOUT_MS = 2_000;

/** Builds a notifier; no I/O happens until `start()`. */
export function createNotifier(options: NotifierOptions): Notifier {
  const { bus, logger, metrics } = options;
  const log = logger.child({ component: 'notifier' });
  // The bus's connection counters (NATS disconnects, reconnects) are read from its stats at scrape time.
  if (metrics !== undefined && hasStats(bus)) sampleNotifierState(metrics, { eventBus: () => bus });
  const watchers: ShardWatcher[] = [];
  let windowTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let started = false;
  let closing: Promise<void> | undefined;
  let failing = false;
  let failedSinceLastSuccess = 0;
  let natsConnected = bus.connected;
  let skippedLogged = false;
  const localStores = options.localStores ?? [];
  metrics?.storeStreamsConfigured.set(options.stores.length + localStores.length);

  /** `oldestTimestampMs` is undefined for a replayed end offset: its age is the replay's, not delivery latency. */
  const publish = (event: ArrivalEvent, oldestTimestampMs: number | undefined): void => {
    let ok: boolean;
    try {
      ok = bus.publishArrival(event);
    } catch (err) {
      // The contract says publishArrival never throws; if one does, an event is still only a hint.
      log.error({ err }, 'event bus threw on publish');
      ok = false;
    }
    if (ok) {
      metrics?.eventsPublished.inc();
      if (oldestTimestampMs !== undefined) {
        metrics?.storeToPublishLatency.observe(Math.max(0, Date.now() - oldestTimestampMs) / 1000);
      }
      if (failing) {
        failing = false;
        log.info({ dropped: failedSinceLastSuccess }, 'publishing again');
        failedSinceLastSuccess = 0;
      }
      return;
    }
    metrics?.publishFailures.inc();
    failedSinceLastSuccess++;
    if (!failing) {
      failing = true;
      log.warn('event bus refused an event; dropping events until it reconnects');
    }
  };

  const coalescer = new Coalescer(options.coalesceWindowMs, {
    emit: publish,
    ...(options.maxIdleQueues !== undefined ? { maxIdleQueues: options.maxIdleQueues } : {}),
  });

  const armWindowTimer = (): void => {
    // Deadlines only grow (every window has the same length), so a pending timer is always for the earliest.
    if (windowTimer !== undefined) return;
    const deadline = coalescer.nextDeadlineMs();
    if (deadline === undefined) return;
    windowTimer = setTimeout(onWindowTimer, Math.max(0, deadline - performance.now()));
  };

  const onWindowTimer = (): void => {
    windowTimer = undefined;
    coalescer.takeDue(performance.now());
    metrics?.pendingQueues.set(coalescer.size);
    armWindowTimer();
  };

  const skipped = (queue: unknown): void => {
    metrics?.arrivalsSkipped.inc();
    if (!skippedLogged) {
      skippedLogged = true;
      log.warn({ queue }, 'arrival with an unknown queue kind skipped (logged once)');
    }
  };

  // The live arrivals of one response, visited in place (no object per arrival; see watch-arrivals-codec).
  let batchNowMs = 0;
  let batchArrivals = 0;
  let batchMerged = 0;
  const visitArrival: ArrivalVisitor = (kind, name, endOffset, shard, timestampMs) => {
    batchArrivals++;
    if (kind === undefined) {
      skipped({ name });
      return;
    }
    if (coalescer.offer(shard, kind, name, endOffset, timestampMs, batchNowMs) === 'merged') batchMerged++;
  };

  const onArrivals = (response: Buffer): void => {
    if (closing) return;
    batchNowMs = performance.now();
    batchArrivals = 0;
    batchMerged = 0;
    try {
      forEachArrival(response, visitArrival);
    } finally {
      // Also for the arrivals before a malformed part (the throw then ends the stream): they were offered.
      if (batchArrivals > 0) metrics?.arrivalsReceived.inc(batchArrivals);
      if (batchMerged > 0) metrics?.eventsCoalesced.inc(batchMerged);
      armWindowTimer();
    }
  };

  const onLocalArrivals = (shard: number, arrivals: readonly LocalArrival[]): void => {
    if (closing) return;
    metrics?.arrivalsReceived.inc(arrivals.length);
    const nowMs = performance.now();
    let merged = 0;
    for (const a of arrivals) {
      if (coalescer.offer(shard, a.queue.kind, a.queue.name, a.endOffset, a.timestampMs, nowMs) === 'merged')
        merged++;
    }
    if (merged > 0) metrics?.eventsCoalesced.inc(merged);
    armWindowTimer();
  };

  /** A replayed arrival as an event, or undefined (counted) for one without a known queue kind. */
  const eventOf = (arrival: ArrivalOutput): ArrivalEvent | undefined => {
    const event = toArrivalEvent(arrival);
    if (event === undefined) skipped(arrival.queue);
    return event;
  };

  // Replayed end offsets: one token bucket for every shard, so reconnecting shards share the budget.
  const pacer = new ReplayPacer<ArrivalEvent>({
    ratePerSecond: options.replayEventsPerSecond ?? DEFAULT_REPLAY_EVENTS_PER_SECOND,
    burst: options.replayBurstEvents ?? DEFAULT_REPLAY_BURST,
    absorb: (event) => {
      switch (coalescer.offerReplayed(event)) {
        case 'absent':
          return false;
        case 'superseded':
        case 'merged':
          metrics?.eventsCoalesced.inc();
          break;
        case 'held':
          break;
      }
      armWindowTimer();
      return true;
    },
    publish: (event) => {
      metrics?.replayedEventsPublished.inc();
      publish(event, undefined);
    },
    onThrottled: (seconds) => metrics?.replayThrottled.inc(seconds),
    onDiscarded: (count) => metrics?.replayedArrivalsDiscarded.inc(count),
  });

  /** A shard's replay, seen through the pacer: arrivals become events (counted like live ones) on the way. */
  const openReplay: ShardWatcherOptions['openReplay'] = (flow, onDone) => {
    const update = (): void => void metrics?.replaysInProgress.set(pacer.activeReplays);
    const feed: ReplayFeed<ArrivalEvent> = pacer.open(flow, (stats) => {
      update();
      onDone(stats);
    });
    update();
    return {
      push(arrivals) {
        if (closing) return;
        metrics?.arrivalsReceived.inc(arrivals.length);
        const events: ArrivalEvent[] = [];
        for (const arrival of arrivals) {
          const event = eventOf(arrival);
          if (event !== undefined) events.push(event);
        }
        feed.push(events);
      },
      end() {
        feed.end();
        update();
      },
      discard() {
        feed.discard();
        update();
      },
    };
  };

  const updateStreamGauge = (): void => {
    metrics?.storeStreamsConnected.set(watchers.filter((w) => w.connected).length);
  };

  const pollState = (): void => {
    const now = bus.connected;
    if (now !== natsConnected) {
      natsConnected = now;
      if (now) log.info('event bus connected');
      else log.warn('event bus disconnected');
    }
    metrics?.natsConnected.set(now ? 1 : 0);
    metrics?.pendingQueues.set(coalescer.size);
    metrics?.replaysInProgress.set(pacer.activeReplays);
  };

  return {
    start() {
      if (started || closing) return;
      started = true;
      for (const address of options.stores) {
        watchers.push(
          startShardWatcher({
            address,
            logger,
            reconnectMinMs: options.reconnectMinMs ?? 100,
            reconnectMaxMs: options.reconnectMaxMs ?? 5_000,
            onArrivals,
            openReplay,
            onReconnected: () => metrics?.streamReconnects.inc(),
            onConnectedChange: updateStreamGauge,
          }),
        );
      }
      for (const source of localStores) {
        const unsubscribe = source.watch((arrivals) => onLocalArrivals(source.shard, arrivals));
        watchers.push({
          address: 'in-process',
          connected: true,
          shardIndex: source.shard,
          close: unsubscribe,
        });
      }
      updateStreamGauge();
      pollState();
      pollTimer = setInterval(pollState, options.statePollMs ?? 250);
      pollTimer.unref();
    },
    isReady() {
      return (
        started && !closing && bus.connected && watchers.length > 0 && watchers.every((w) => w.connected)
      );
    },
    get stores() {
      return watchers.map((w) => ({ address: w.address, connected: w.connected, shard: w.shardIndex }));
    },
    get coalescingQueues() {
      return coalescer.size;
    },
    get replaysInProgress() {
      return pacer.activeReplays;
    },
    close() {
      closing ??= (async () => {
        if (pollTimer !== undefined) clearInterval(pollTimer);
        // Closing the watchers discards their pending replays; the pacer's timer stops with them.
        for (const w of watchers) w.close();
        pacer.close();
        metrics?.replaysInProgress.set(0);
        updateStreamGauge();
        if (windowTimer !== undefined) clearTimeout(windowTimer);
        windowTimer = undefined;
        // Held events stand for arrivals no other event announces: publish them rather than drop them.
        coalescer.drain();
        metrics?.pendingQueues.set(0);
        if (bus.connected) {
          let timeout: NodeJS.Timeout | undefined;
          await Promise.race([
            bus.flush().catch((err: unknown) => log.warn({ err }, 'event bus flush failed')),
            new Promise<void>((resolve) => (timeout = setTimeout(resolve, FLUSH_TIMEOUT_MS))),
          ]);
          clearTimeout(timeout);
        }
        log.info('notifier closed');
      })();
      return closing;
    },
  };
}

/** Builds a notifier and starts watching every store shard. */
export function startNotifier(options: NotifierOptions): Notifier {
  const notifier = createNotifier(options);
  notifier.start();
  return notifier;
}

function hasStats(bus: EventBus): bus is EventBus & { stats(): EventBusStats } {
  return typeof (bus as { stats?: unknown }).stats === 'function';
}
