import type { BusQueueRef } from '@starling/event-bus';
import { eventually, startNatsServer, type NatsServerHandle } from '@starling/test-harness';
import { connectSubscriber, type TestSubscriber } from '../support/bus';
import { startTestNotifier, type TestNotifier } from '../support/notifier';
import { namesOnShard, startStoreProcess, type StoreProcess } from '../support/store-process';

const topic = (name: string): BusQueueRef => ({ kind: 'topic', name });

describe('notifier faults: NATS and store restarts', () => {
  let nats: NatsServerHandle;
  const cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    nats = await startNatsServer();
    cleanups.push(() => nats.stop());
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function store(options: { shardIndex?: number; shardCount?: number } = {}): Promise<StoreProcess> {
    const s = await startStoreProcess(options);
    cleanups.push(() => s.destroy());
    return s;
  }
  async function notifier(stores: string[]): Promise<TestNotifier> {
    const n = await startTestNotifier({ stores, natsUrl: nats.url });
    cleanups.push(() => n.close());
    return n;
  }
  async function subscriber(queues: BusQueueRef[]): Promise<TestSubscriber> {
    const s = await connectSubscriber(nats.url, queues);
    cleanups.push(() => s.close());
    return s;
  }

  it('NATS restarts mid-run: the notifier counts what it could not publish, reconnects and carries on', async () => {
    const s = await store();
    const q = topic('nats-restart');
    const sub = await subscriber([q]);
    const n = await notifier([s.address]);
    await s.append(['nats-restart/1']);
    await eventually(() => sub.latest(q) === 1);

    await nats.kill();
    await eventually(() => !n.notifier.isReady(), { timeoutMs: 5_000 });
    expect(await n.value('publishFailures')).toBe(0);
    // Arrivals keep coming while NATS is away; events for them cannot be published, and are counted.
    let appended = 1;
    await eventually(
      async () => {
        await s.append(['nats-restart/x']);
        appended++;
        expect(await n.value('publishFailures')).toBeGreaterThan(0);
      },
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    await eventually(async () => (await n.value('natsConnected')) === 0);

    await nats.restart();
    await eventually(() => n.notifier.isReady(), { timeoutMs: 10_000 });
    // The subscriber's connection has re-sent its subscriptions too; later arrivals are published again.
    await eventually(
      async () => {
        await s.append(['nats-restart/y']);
        appended++;
        expect(sub.latest(q)).toBeGreaterThan(1);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await eventually(() => sub.latest(q) === appended, { timeoutMs: 5_000 });
    expect(await n.value('natsConnected')).toBe(1);
    // The connection loss and its recovery are counted (the flapping alert reads these).
    expect(await n.value('natsDisconnects')).toBeGreaterThanOrEqual(1);
    expect(await n.value('natsReconnects')).toBeGreaterThanOrEqual(1);
  });

  it('a store restarts: the stream resumes and the end offsets are re-read and published', async () => {
    // Two shards: the one that restarts and one that stays up, whose events must keep flowing.
    const [s0, s1] = await Promise.all([
      store({ shardIndex: 0, shardCount: 2 }),
      store({ shardIndex: 1, shardCount: 2 }),
    ]);
    const [name0] = namesOnShard('restart', 0, 2, 1) as [string];
    const [name1] = namesOnShard('steady', 1, 2, 1) as [string];
    const q0 = topic(name0);
    const q1 = topic(name1);
    const sub = await subscriber([q0, q1]);
    const n = await notifier([s0.address, s1.address]);
    expect(n.notifier.stores.map((x) => x.shard)).toEqual([0, 1]);

    await s0.append([`${name0}/a`, `${name0}/b`, `${name0}/c`]);
    await eventually(() => sub.latest(q0) === 3);
    expect(sub.events.every((e) => e.shard === 0)).toBe(true);

    await s0.stop();
    await eventually(() => !n.notifier.isReady(), { timeoutMs: 5_000 });
    expect(await n.value('storeStreamsConnected')).toBe(1);
    // The other shard is unaffected.
    await s1.append([`${name1}/a`]);
    await eventually(() => sub.latest(q1) === 1);
    expect(sub.events.find((e) => e.queue.name === name1)?.shard).toBe(1);

    sub.events.length = 0;
    sub.byQueue.forEach((list) => (list.length = 0));
    await s0.restart();
    await eventually(() => n.notifier.isReady(), { timeoutMs: 10_000 });
    expect(await n.value('streamReconnects')).toBeGreaterThanOrEqual(1);
    // On reconnect the notifier asked for the current end offsets: shard 0's queue is announced again.
    await eventually(() => sub.latest(q0) === 3, { timeoutMs: 5_000 });
    // And new arrivals flow.
    await s0.append([`${name0}/d`]);
    await eventually(() => sub.latest(q0) === 4, { timeoutMs: 5_000 });
    expect(await n.value('storeStreamsConnected')).toBe(2);
  });
});
