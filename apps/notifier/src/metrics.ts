import type { EventBusStats } from '@starling/event-bus';
import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram, mirroredCounter } from '@starling/observability';

/**
 * Store-to-publish latency buckets, 100 µs to 5 s. The store stamps arrivals in whole milliseconds, so the
 * sub-millisecond buckets only separate "same millisecond" from the rest; the coalescing window (2 ms by
 * default) and the 5 ms target sit on bucket bounds.
 */
const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** Every notifier metric. Names are `starling_notifier_<noun>_<unit>[_total]`; no label carries a queue. */
export function createNotifierMetrics(registry: Registry) {
  const registers = [registry];
  const sources: NotifierMetricSources = { eventBus: () => undefined };
  const metrics = {
    natsDisconnects: mirroredCounter({
      name: 'starling_notifier_nats_disconnects_total',
      help: 'Times the event bus lost its NATS connection.',
      registers,
      read: () => sources.eventBus()?.stats().disconnects,
    }),
    natsReconnects: mirroredCounter({
      name: 'starling_notifier_nats_reconnects_total',
      help: 'Times the event bus got its NATS connection back.',
      registers,
      read: () => sources.eventBus()?.stats().reconnects,
    }),
    arrivalsReceived: new Counter({
      name: 'starling_notifier_arrivals_received_total',
      help: 'Arrivals read from store WatchArrivals streams (replayed end offsets included).',
      registers,
    }),
    eventsPublished: new Counter({
      name: 'starling_notifier_events_published_total',
      help: 'Arrival events handed to the event bus.',
      registers,
    }),
    eventsCoalesced: new Counter({
      name: 'starling_notifier_events_coalesced_total',
      help: 'Arrivals merged into another event of the same queue instead of being published themselves.',
      registers,
    }),
    publishFailures: new Counter({
      name: 'starling_notifier_publish_failures_total',
      help: 'Arrival events the bus could not take (NATS disconnected or closed); dropped, as hints may be.',
      registers,
    }),
    arrivalsSkipped: new Counter({
      name: 'starling_notifier_arrivals_skipped_total',
      help: 'Arrivals with no queue or an unknown queue kind (a newer store), skipped.',
      registers,
    }),
    // Observed once per published event: the label-less fast path (no label hashing per observation).
    storeToPublishLatency: new FastHistogram({
      name: 'starling_notifier_store_to_publish_latency_seconds',
      help: "From the store's dispatch timestamp of the oldest arrival an event stands for to its publish.",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    replayedEventsPublished: new Counter({
      name: 'starling_notifier_replayed_events_published_total',
      help: 'Replayed end offsets published as events, within NOTIFIER_REPLAY_RATE (also in events_published_total).',
      registers,
    }),
    replayThrottled: new Counter({
      name: 'starling_notifier_replay_throttled_seconds_total',
      help: 'Time replayed end offsets waited for the replay rate limit (their store stream paused meanwhile).',
      registers,
    }),
    replayedArrivalsDiscarded: new Counter({
      name: 'starling_notifier_replayed_arrivals_discarded_total',
      help: 'Replayed end offsets read but not published because their stream was lost (the next one replays).',
      registers,
    }),
    replaysInProgress: new Gauge({
      name: 'starling_notifier_replays_in_progress',
      help: 'Store streams whose end-offset replay is still being read or published.',
      registers,
    }),
    streamReconnects: new Counter({
      name: 'starling_notifier_stream_reconnects_total',
      help: 'WatchArrivals streams re-established after a loss (each replays the current end offsets).',
      registers,
    }),
    storeStreamsConnected: new Gauge({
      name: 'starling_notifier_store_streams_connected',
      help: 'Store shards with an open WatchArrivals stream.',
      registers,
    }),
    storeStreamsConfigured: new Gauge({
      name: 'starling_notifier_store_streams_configured',
      help: 'Store shards this notifier watches (NOTIFIER_STORE_ADDRESSES).',
      registers,
    }),
    natsConnected: new Gauge({
      name: 'starling_notifier_nats_connected',
      help: '1 while the event bus is connected to NATS, else 0.',
      registers,
    }),
    pendingQueues: new Gauge({
      name: 'starling_notifier_coalescing_queues',
      help: 'Queues with an open coalescing window (memory held by the coalescer).',
      registers,
    }),
  };
  sourcesOf.set(metrics, sources);
  return metrics;
}

export type NotifierMetrics = ReturnType<typeof createNotifierMetrics>;

/** State sampled at scrape time rather than counted as it happens; `main.ts` fills it in. */
export interface NotifierMetricSources {
  /** The event bus, once connected for the first time. */
  eventBus: () => { stats(): EventBusStats } | undefined;
}

/** The scrape-time sources of each metrics object (kept off it, so that it holds metrics only). */
const sourcesOf = new WeakMap<object, NotifierMetricSources>();

/** Points the scrape-time counters of `metrics` at the state they report. */
export function sampleNotifierState(metrics: NotifierMetrics, sources: Partial<NotifierMetricSources>): void {
  const current = sourcesOf.get(metrics);
  if (current !== undefined) Object.assign(current, sources);
}
