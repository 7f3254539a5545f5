import { connectNatsEventBus, type ArrivalEvent, type EventBus } from '@starling/event-bus';
import { createLogger, createRegistry } from '@starling/observability';
import { eventually } from '@starling/test-harness';
import type { Registry } from 'prom-client';
import { FAST_RECONNECT } from './bus';
import { createNotifierMetrics, startNotifier, type Notifier, type NotifierMetrics } from '../../src';

export interface TestNotifier {
  readonly notifier: Notifier;
  readonly bus: EventBus;
  readonly metrics: NotifierMetrics;
  readonly registry: Registry;
  /** The current value of a counter or gauge. */
  value(metric: keyof NotifierMetrics): Promise<number>;
  close(): Promise<void>;
}

/** An in-process notifier with a real NATS bus, fast reconnects, waiting until it is ready. */
export async function startTestNotifier(options: {
  stores: readonly string[];
  natsUrl: string;
  coalesceWindowMs?: number;
  replayEventsPerSecond?: number;
  replayBurstEvents?: number;
  name?: string;
  waitReady?: boolean;
  /** Sees each event the real bus accepted, as it is published (the publish side of a measurement). */
  onPublished?: (event: ArrivalEvent) => void;
}): Promise<TestNotifier> {
  const bus = await connectNatsEventBus({
    servers: options.natsUrl,
    name: options.name ?? 'test-notifier',
    ...FAST_RECONNECT,
  });
  const observe = options.onPublished;
  if (observe !== undefined) {
    const publishArrival = bus.publishArrival.bind(bus);
    bus.publishArrival = (event) => {
      const ok = publishArrival(event);
      if (ok) observe(event);
      return ok;
    };
  }
  const registry = createRegistry({ service: 'notifier', defaultMetrics: false });
  const metrics = createNotifierMetrics(registry);
  const notifier = startNotifier({
    stores: options.stores,
    bus,
    logger: createLogger({
      service: 'notifier',
      level: (process.env['TEST_LOG_LEVEL'] ?? 'silent') as 'silent',
    }),
    metrics,
    coalesceWindowMs: options.coalesceWindowMs ?? 2,
    ...(options.replayEventsPerSecond !== undefined
      ? { replayEventsPerSecond: options.replayEventsPerSecond }
      : {}),
    ...(options.replayBurstEvents !== undefined ? { replayBurstEvents: options.replayBurstEvents } : {}),
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    statePollMs: 20,
  });
  if (options.waitReady ?? true) await eventually(() => notifier.isReady(), { timeoutMs: 10_000 });
  return {
    notifier,
    bus,
    metrics,
    registry,
    async value(metric) {
      // Counters and gauges: their value; the histogram: its observation count.
      const m = await metrics[metric].get();
      return (m.values as { value: number; metricName?: string }[])
        .filter(
          (v) => v.metricName === undefined || v.metricName === m.name || v.metricName.endsWith('_count'),
        )
        .reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await notifier.close();
      await bus.close();
    },
  };
}
