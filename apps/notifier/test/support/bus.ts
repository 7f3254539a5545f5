import { connectNatsEventBus, type ArrivalEvent, type BusQueueRef, type EventBus } from '@starling/event-bus';

/** A gateway stand-in: its own NATS connection, subscribed to the arrivals of a few queues. */
export interface TestSubscriber {
  readonly bus: EventBus;
  /** Every event this connection received, in order, whatever queue. */
  readonly events: ArrivalEvent[];
  /** Events received by the handler of each subscribed queue, keyed by `queueKey`. */
  readonly byQueue: Map<string, ArrivalEvent[]>;
  /** The highest end offset seen for a queue (0 when none). */
  latest(queue: BusQueueRef): number;
  close(): Promise<void>;
}

/** Reconnect to a restarted nats-server within tens of milliseconds (tests only). */
export const FAST_RECONNECT = { reconnectTimeWaitMs: 50, maxReconnectTimeWaitMs: 200, reconnectJitterMs: 20 };

export const queueKey = (q: BusQueueRef): string => `${q.kind}:${q.name}`;

export async function connectSubscriber(
  servers: string,
  queues: readonly BusQueueRef[],
  name = 'test-subscriber',
): Promise<TestSubscriber> {
  const bus = await connectNatsEventBus({ servers, name, ...FAST_RECONNECT });
  const events: ArrivalEvent[] = [];
  const byQueue = new Map<string, ArrivalEvent[]>();
  for (const queue of queues) {
    const list: ArrivalEvent[] = [];
    byQueue.set(queueKey(queue), list);
    bus.subscribeArrivals(queue, (e) => {
      events.push(e);
      list.push(e);
    });
  }
  // The subscriptions have reached the server once a round trip has.
  await bus.flush();
  return {
    bus,
    events,
    byQueue,
    latest(queue) {
      return Math.max(0, ...(byQueue.get(queueKey(queue)) ?? []).map((e) => e.endOffset));
    },
    close: () => bus.close(),
  };
}
