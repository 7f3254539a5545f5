import { performance } from 'node:perf_hooks';
import {
  connectNatsEventBus,
  decodeArrivalEvent,
  type ArrivalEvent,
  type BusQueueRef,
  type EventBus,
} from '@starling/event-bus';
import { connect } from 'nats';

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

/** Every arrival event on the bus (one wildcard subscription), each with the time it was received. */
export interface Firehose {
  readonly received: { event: ArrivalEvent; atMs: number }[];
  close(): Promise<void>;
}

/** A raw NATS subscriber to `starling.arrivals.>`: what every gateway together would be offered. */
export async function connectFirehose(servers: string): Promise<Firehose> {
  const nc = await connect({ servers, name: 'test-firehose' });
  const received: Firehose['received'] = [];
  nc.subscribe('starling.arrivals.>', {
    callback: (err, msg) => {
      if (err) return;
      const event = decodeArrivalEvent(msg.data);
      if (event !== undefined) received.push({ event, atMs: performance.now() });
    },
  });
  await nc.flush();
  return { received, close: () => nc.close() };
}
