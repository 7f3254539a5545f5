import { eventually, startNatsServer, uniqueName, type NatsServerHandle } from '@starling/test-harness';
import { connect } from 'nats';
import { encodeArrivalEvent } from '../../src/arrival-codec';
import type { ArrivalEvent, BusQueueRef } from '../../src/event-bus';
import type { EventBusLogger } from '../../src/logger';
import { connectNatsEventBus, type NatsEventBus, type NatsEventBusOptions } from '../../src/nats-event-bus';
import { arrivalSubject } from '../../src/subjects';
import { describeEventBusContract } from '../contract/event-bus-contract';

const FAST_RECONNECT = { reconnectTimeWaitMs: 50, maxReconnectTimeWaitMs: 200, reconnectJitterMs: 20 };

describeEventBusContract('nats', async () => {
  const nats = await startNatsServer();
  return {
    createBus: () => connectNatsEventBus({ servers: nats.url, name: uniqueName(), ...FAST_RECONNECT }),
    teardown: () => nats.stop(),
  };
});

interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
}

function recordingLogger(lines: LogLine[]): EventBusLogger {
  return {
    info: (_obj, msg) => void lines.push({ level: 'info', msg }),
    warn: (_obj, msg) => void lines.push({ level: 'warn', msg }),
    error: (_obj, msg) => void lines.push({ level: 'error', msg }),
  };
}

describe('NATS event bus', () => {
  let nats: NatsServerHandle;
  let open: NatsEventBus[] = [];

  beforeEach(async () => {
    nats = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(open.map((b) => b.close()));
    open = [];
    await nats.stop();
  });

  async function bus(options: Partial<NatsEventBusOptions> = {}): Promise<NatsEventBus> {
    const b = await connectNatsEventBus({
      servers: nats.url,
      name: uniqueName(),
      ...FAST_RECONNECT,
      ...options,
    });
    open.push(b);
    return b;
  }
  const topic = (): BusQueueRef => ({ kind: 'topic', name: uniqueName() });
  const arrival = (queue: BusQueueRef, endOffset: number): ArrivalEvent => ({
    queue,
    shard: 0,
    endOffset,
    timestampMs: Date.now(),
  });

  /** Publishes fresh events until one arrives: events are hints, the first ones after a reconnect may race. */
  async function expectFlowing(
    publisher: NatsEventBus,
    queue: BusQueueRef,
    seen: ArrivalEvent[],
  ): Promise<void> {
    const before = seen.length;
    let offset = 1_000 + before;
    await eventually(
      () => {
        publisher.publishArrival(arrival(queue, ++offset));
        return seen.length > before;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  it('reconnects by itself after nats-server restarts, and its subscriptions resume', async () => {
    const logs: LogLine[] = [];
    const subscriber = await bus({ logger: recordingLogger(logs) });
    const publisher = await bus();
    const queue = topic();
    const seen: ArrivalEvent[] = [];
    subscriber.subscribeArrivals(queue, (e) => seen.push(e));
    await subscriber.flush();
    await expectFlowing(publisher, queue, seen);

    await nats.restart();
    await eventually(() => subscriber.stats().disconnects === 1 && publisher.stats().disconnects === 1, {
      timeoutMs: 10_000,
    });
    await eventually(() => subscriber.connected && publisher.connected, { timeoutMs: 10_000 });
    expect(subscriber.stats()).toMatchObject({ reconnects: 1, queues: 1, handlers: 1 });

    await expectFlowing(publisher, queue, seen);
    expect(logs.filter((l) => l.msg === 'nats disconnected')).toHaveLength(1);
    expect(logs.filter((l) => l.msg === 'nats reconnected')).toHaveLength(1);
  });

  it('drops events while nats-server is down (returns false) and recovers after a kill and restart', async () => {
    const subscriber = await bus();
    const publisher = await bus();
    const queue = topic();
    const seen: ArrivalEvent[] = [];
    subscriber.subscribeArrivals(queue, (e) => seen.push(e));
    const subject = `starling.test.${uniqueName()}`;
    subscriber.serve(subject, (req) => req);
    await subscriber.flush();
    await expectFlowing(publisher, queue, seen);

    await nats.kill();
    await eventually(() => !subscriber.connected && !publisher.connected, { timeoutMs: 10_000 });
    expect(publisher.publishArrival(arrival(queue, 1))).toBe(false);
    await expect(publisher.request(subject, new Uint8Array([1]), 500)).resolves.toMatchObject({
      status: 'failed',
    });
    expect(publisher.stats().publishFailed).toBe(1);
    await publisher.flush(); // resolves while disconnected instead of waiting for the reconnect

    await nats.restart();
    await eventually(() => subscriber.connected && publisher.connected, { timeoutMs: 10_000 });
    await expectFlowing(publisher, queue, seen);
    expect(seen.some((e) => e.endOffset === 1)).toBe(false);
    await eventually(
      async () => (await publisher.request(subject, new Uint8Array([7]), 500)).status === 'ok',
      {
        timeoutMs: 10_000,
      },
    );
  });

  it('rejects the first connect when no server answers', async () => {
    const url = nats.url;
    await nats.stop();
    await expect(connectNatsEventBus({ servers: url })).rejects.toThrow();
    nats = await startNatsServer(); // for afterEach
  });

  it('drops undecodable payloads and events of another queue sent on its subject', async () => {
    const subscriber = await bus();
    const queue = topic();
    const seen: ArrivalEvent[] = [];
    subscriber.subscribeArrivals(queue, (e) => seen.push(e));
    await subscriber.flush();

    const raw = await connect({ servers: nats.url });
    try {
      raw.publish(arrivalSubject(queue), new Uint8Array([9, 9, 9]));
      // A valid event whose name is not the subscribed one (as a hash collision would deliver it).
      raw.publish(arrivalSubject(queue), encodeArrivalEvent(arrival({ kind: 'topic', name: 'other' }, 1)));
      raw.publish(arrivalSubject(queue), encodeArrivalEvent(arrival(queue, 2)));
      await raw.flush();
    } finally {
      await raw.close();
    }
    await eventually(() => seen.length === 1);
    expect(seen.map((e) => e.endOffset)).toEqual([2]);
    expect(subscriber.stats()).toMatchObject({ malformed: 2, received: 1, delivered: 1 });
  });

  it('holds one NATS subscription per queue, however many local handlers share it', async () => {
    const subscriber = await bus();
    const queue = topic();
    const subs = [1, 2, 3].map(() => subscriber.subscribeArrivals(queue, () => undefined));
    expect(subscriber.stats()).toMatchObject({ queues: 1, handlers: 3 });
    subs.forEach((s) => s.unsubscribe());
    expect(subscriber.stats()).toMatchObject({ queues: 0, handlers: 0 });
  });
});
