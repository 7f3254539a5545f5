import type { BusQueueRef } from '@starling/event-bus';
import { eventually, startNatsServer, type NatsServerHandle } from '@starling/test-harness';
import { connectSubscriber, queueKey, type TestSubscriber } from '../support/bus';
import { startTestNotifier, type TestNotifier } from '../support/notifier';
import { startStoreProcess, type StoreProcess } from '../support/store-process';

const topic = (name: string): BusQueueRef => ({ kind: 'topic', name });
const filter = (name: string): BusQueueRef => ({ kind: 'filter', name });

/**
 * The notifier against a real store process and a real nats-server; the notifier runs in-process with a
 * real NATS bus, and every subscriber is its own NATS connection (a gateway stand-in).
 */
describe('notifier: store arrivals to NATS events', () => {
  let nats: NatsServerHandle;
  let store: StoreProcess;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
    store = await startStoreProcess();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await store.destroy();
    await nats.stop();
  });

  async function notifier(options: { coalesceWindowMs?: number; name?: string } = {}): Promise<TestNotifier> {
    const n = await startTestNotifier({ stores: [store.address], natsUrl: nats.url, ...options });
    cleanups.push(() => n.close());
    return n;
  }
  async function subscriber(queues: BusQueueRef[], name?: string): Promise<TestSubscriber> {
    const s = await connectSubscriber(nats.url, queues, name);
    cleanups.push(() => s.close());
    return s;
  }

  it('three gateways reading disjoint queues each receive only their own queues’ events', async () => {
    await store.registerFilter('gw-b/+/x');
    await store.registerFilter('gw-c/#');
    const queues = {
      a: [topic('gw-a1'), topic('gw-a2')],
      b: [filter('gw-b/+/x'), topic('gw-bt')],
      c: [filter('gw-c/#'), topic('gw-c')],
    };
    const [a, b, c] = await Promise.all([
      subscriber(queues.a, 'gateway-a'),
      subscriber(queues.b, 'gateway-b'),
      subscriber(queues.c, 'gateway-c'),
    ]);
    const n = await notifier();

    // Interleaved batches: every batch touches every gateway's queues and a queue nobody reads.
    for (let i = 0; i < 20; i++) {
      await store.append([
        'gw-a1/t',
        'gw-a2',
        'gw-b/1/x',
        'gw-bt/y',
        'gw-c/deep/er',
        'gw-nobody/z',
        'gw-b/2/y',
      ]);
    }
    // End offsets: 20 each, and gw-b/+/x matched one topic per batch; gw-c (topic) and gw-c/# both 20.
    const expected = new Map<TestSubscriber, [BusQueueRef, number][]>([
      [
        a,
        [
          [topic('gw-a1'), 20],
          [topic('gw-a2'), 20],
        ],
      ],
      [
        b,
        [
          [filter('gw-b/+/x'), 20],
          [topic('gw-bt'), 20],
        ],
      ],
      [
        c,
        [
          [filter('gw-c/#'), 20],
          [topic('gw-c'), 20],
        ],
      ],
    ]);
    for (const [sub, ends] of expected) {
      await eventually(() => ends.every(([q, end]) => sub.latest(q) === end), { timeoutMs: 5_000 });
    }
    for (const [sub, ends] of expected) {
      const own = new Set(ends.map(([q]) => queueKey(q)));
      const foreign = sub.events.filter((e) => !own.has(queueKey(e.queue)));
      expect(foreign).toEqual([]);
      for (const e of sub.events) expect(e.shard).toBe(0);
    }
    expect(await n.value('publishFailures')).toBe(0);
  });

  it('subject mapping round-trips every awkward topic: each queue’s handler gets exactly its queue', async () => {
    const long = 'L'.repeat(300);
    const firstLevels = [
      '', // "/a" has an empty first level
      'a.b',
      'a~b',
      'a%2Eb',
      'a*b',
      'a>b',
      '*',
      '>',
      'with space',
      'tab\there',
      '$SYS',
      'é',
      '日本語',
      '🚀',
      'UPPER',
      'upper',
      '%',
      '~',
      long,
      `${long}x`,
    ];
    const filters = ['aw/+/#', 'aw/#', 'aw/+', 'aw/.', 'aw/ /+'];
    for (const f of filters) await store.registerFilter(f);
    const queues = [...firstLevels.map(topic), ...filters.map(filter)];
    const sub = await subscriber(queues);
    await notifier();

    await store.append([...firstLevels.map((l) => `${l}/x`), 'aw/x/y', 'aw/x', 'aw/.', 'aw/ /z']);
    const expected = new Map<string, number>([
      ...firstLevels.map((l): [string, number] => [queueKey(topic(l)), 1]),
      // aw/x/y, aw/x, aw/. and aw/ /z all have first level "aw": not a subscribed queue.
      [queueKey(filter('aw/+/#')), 4], // aw/+/# matches aw/x (the # matches the parent), aw/x/y, aw/., aw/ /z
      [queueKey(filter('aw/#')), 4],
      [queueKey(filter('aw/+')), 2], // aw/x, aw/.
      [queueKey(filter('aw/.')), 1],
      [queueKey(filter('aw/ /+')), 1],
    ]);
    await eventually(
      () => {
        const got = new Map(
          [...sub.byQueue].map(([k, evs]) => [k, Math.max(0, ...evs.map((e) => e.endOffset))]),
        );
        expect(got).toEqual(expected);
      },
      { timeoutMs: 5_000 },
    );
    for (const [key, events] of sub.byQueue) {
      for (const e of events) expect(queueKey(e.queue)).toBe(key);
    }
  });

  it('coalesces a burst on one queue into few events, the first at once and the last with the newest end offset', async () => {
    const q = topic('burst');
    const sub = await subscriber([q]);
    const n = await notifier({ coalesceWindowMs: 20 });
    // A quiet queue: its first event goes out at once, without waiting for the window.
    const before = Date.now();
    await store.append(['burst/0']);
    await eventually(() => sub.latest(q) === 1, { timeoutMs: 2_000, intervalMs: 1 });
    expect(Date.now() - before).toBeLessThan(20 + 50);

    // The window closes: the queue is quiet again.
    await eventually(() => n.notifier.coalescingQueues === 0, { intervalMs: 1 });
    const eventsBefore = sub.events.length;
    // A burst of 200 one-message batches, one after the other: each is its own dispatch, so its own arrival.
    const burstStart = Date.now();
    for (let i = 0; i < 200; i++) await store.append(['burst/x']);
    const burstMs = Date.now() - burstStart;
    await eventually(() => sub.latest(q) === 201, { timeoutMs: 5_000 });
    const burstEvents = sub.events.length - eventsBefore;
    // At most the leading event plus one per window the burst spanned (and the trailing one).
    expect(burstEvents).toBeGreaterThanOrEqual(1);
    expect(burstEvents).toBeLessThanOrEqual(2 + Math.ceil(burstMs / 20));
    expect(burstEvents).toBeLessThan(200);

    // Every arrival is accounted for: published, merged into another event, or failed.
    await eventually(async () => {
      const [received, published, coalesced, failed] = await Promise.all([
        n.value('arrivalsReceived'),
        n.value('eventsPublished'),
        n.value('eventsCoalesced'),
        n.value('publishFailures'),
      ]);
      expect(received).toBeGreaterThanOrEqual(2);
      expect(published + coalesced + failed).toBe(received);
      expect(coalesced).toBeGreaterThan(0);
    });
    // Every live event's latency is observed; replayed end offsets (the notifier's own start) are not.
    expect(await n.value('storeToPublishLatency')).toBe(
      (await n.value('eventsPublished')) - (await n.value('replayedEventsPublished')),
    );
  });

  it('two notifier replicas at once are harmless: subscribers see each event at most twice', async () => {
    const q = topic('replicas');
    const sub = await subscriber([q]);
    // Each replica replays the end offsets of every non-empty queue once its live stream is open. An append
    // made before that snapshot is read is both on the live stream and in the replay: a third and fourth
    // event for one offset, harmless by design, but not what this test counts. So the appends start once
    // both replays are done (a queue that is not empty makes sure each replay has something to publish).
    await store.append(['replicas-seed/x']);
    const [n1, n2] = await Promise.all([notifier({ name: 'replica-1' }), notifier({ name: 'replica-2' })]);
    for (const n of [n1, n2]) {
      await eventually(
        async () =>
          (await n.value('replayedEventsPublished')) > 0 && (await n.value('replaysInProgress')) === 0,
        { timeoutMs: 10_000 },
      );
    }
    for (let i = 1; i <= 10; i++) {
      await store.append(['replicas/x']);
      await eventually(() => sub.latest(q) === i, { timeoutMs: 2_000, intervalMs: 1 });
    }
    await eventually(
      async () => (await n1.value('eventsPublished')) > 0 && (await n2.value('eventsPublished')) > 0,
    );
    // Give the slower replica's last events time to land before counting duplicates.
    await eventually(() => sub.events.filter((e) => e.endOffset === 10).length === 2, { timeoutMs: 2_000 });
    const perOffset = new Map<number, number>();
    for (const e of sub.events) perOffset.set(e.endOffset, (perOffset.get(e.endOffset) ?? 0) + 1);
    for (const [, count] of perOffset) expect(count).toBeLessThanOrEqual(2);
    expect(Math.max(...perOffset.keys())).toBe(10);
    expect(n1.notifier.isReady() && n2.notifier.isReady()).toBe(true);
    expect((await n1.value('publishFailures')) + (await n2.value('publishFailures'))).toBe(0);
  });

  it('a notifier that starts late announces the end offsets dispatched before it connected', async () => {
    const q = topic('late');
    await store.append(['late/1', 'late/2', 'late/3']);
    const sub = await subscriber([q]);
    await notifier();
    await eventually(() => sub.latest(q) === 3, { timeoutMs: 5_000 });
  });

  it('is ready only with every store stream and NATS connected, and reports it in metrics', async () => {
    const n = await notifier();
    expect(n.notifier.isReady()).toBe(true);
    expect(n.notifier.stores).toEqual([{ address: store.address, connected: true, shard: 0 }]);
    await eventually(async () => (await n.value('natsConnected')) === 1);
    expect(await n.value('storeStreamsConnected')).toBe(1);
    const text = await n.registry.metrics();
    for (const name of [
      'starling_notifier_arrivals_received_total',
      'starling_notifier_events_published_total',
      'starling_notifier_events_coalesced_total',
      'starling_notifier_publish_failures_total',
      'starling_notifier_store_to_publish_latency_seconds_bucket',
      'starling_notifier_stream_reconnects_total',
      'starling_notifier_store_streams_connected',
      'starling_notifier_nats_connected',
    ]) {
      expect(text).toContain(name);
    }
    await n.notifier.close();
    expect(n.notifier.isReady()).toBe(false);
  });
});
