import { createInProcessEventBus, type ArrivalEvent } from '@starling/event-bus';
import { createLogger, createRegistry } from '@starling/observability';
import { Store, loadStoreConfig } from '@starling/store';
import { eventually, makeTempDir } from '@starling/test-harness';
import { createNotifier, createNotifierMetrics, type Notifier } from '../../src';

/**
 * Standalone: a real store in this process, watched directly (`localStores`) instead of over a WatchArrivals
 * stream on loopback. Its dispatch batches reach the in-process bus as coalesced events with the store's shard.
 */
describe('notifier watching a store in the same process', () => {
  const dir = makeTempDir('notifier-local-store');
  const logger = createLogger({ service: 'notifier', level: 'silent' });
  let store: Store;
  let notifier: Notifier;
  const bus = createInProcessEventBus();
  const registry = createRegistry({ service: 'notifier', defaultMetrics: false });
  const metrics = createNotifierMetrics(registry);

  beforeAll(async () => {
    const { config } = loadStoreConfig({
      STORE_DATA_DIR: dir.path,
      STORE_FSYNC: 'async',
    });
    store = await Store.open({ ...config, logger });
    notifier = createNotifier({
      stores: [],
      localStores: [{ shard: store.shardIndex, watch: (listener) => store.watchArrivals(listener, false) }],
      bus,
      logger,
      metrics,
      coalesceWindowMs: 50,
    });
    notifier.start();
  });
  afterAll(async () => {
    await notifier.close();
    await bus.close();
    await store.close();
    dir.remove();
  });

  const message = (topic: string, payload: string) => ({
    topic,
    payload: Buffer.from(payload),
    qos: 1,
    retain: false,
    timestampMs: 0,
    publisherClientId: 'test',
    properties: undefined,
  });
  const total = async (name: string) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);

  it('is ready at once and reports the in-process shard', () => {
    expect(notifier.isReady()).toBe(true);
    expect(notifier.stores).toEqual([{ address: 'in-process', connected: true, shard: 0 }]);
  });

  it('publishes each queue’s arrivals with the store’s shard, coalescing a burst', async () => {
    const topic = `local/${Date.now()}/t`;
    const events: ArrivalEvent[] = [];
    const sub = bus.subscribeArrivals({ kind: 'topic', name: 'local' }, (e) => events.push(e));
    try {
      const published = await total('starling_notifier_events_published_total');
      await store.append([message(topic, '1')]);
      await eventually(() => events.length === 1);
      expect(events[0]).toMatchObject({ queue: { kind: 'topic', name: 'local' }, shard: 0, endOffset: 1 });
      // A burst inside the 50 ms window: held, then one event with the newest end offset.
      for (let i = 2; i <= 5; i++) await store.append([message(topic, String(i))]);
      await eventually(() => events.some((e) => e.endOffset === 5));
      expect(events.length).toBeLessThan(5);
      expect(await total('starling_notifier_events_published_total')).toBe(published + events.length);
      expect(await total('starling_notifier_events_coalesced_total')).toBeGreaterThan(0);
    } finally {
      sub.unsubscribe();
    }
  });

  it('stops watching on close', async () => {
    const other = createNotifier({
      stores: [],
      // Labelled shard 7, so that its events would show apart.
      localStores: [{ shard: 7, watch: (listener) => store.watchArrivals(listener, false) }],
      bus,
      logger,
      coalesceWindowMs: 0,
    });
    other.start();
    const events: ArrivalEvent[] = [];
    const sub = bus.subscribeArrivals({ kind: 'topic', name: 'closed' }, (e) => events.push(e));
    await other.close();
    await store.append([message('closed/a', 'x')]);
    await store.dispatched();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Only the first notifier announced it.
    expect(events.map((e) => e.shard)).toEqual([0]);
    sub.unsubscribe();
  });
});
