import { createStoreClient } from '@starling/proto';
import { eventually, startDeliveryHarness, type DeliveryHarness } from './delivery-harness';

/**
 * A clean session's filter is registered by the gateway with a lease. When the registration lapses (the store was
 * away longer than the lease, or the gateway could not renew), the store drops the filter and its queue; the next
 * registration creates the queue anew, empty, with offsets from 0. The gateway's cursors must restart there:
 * reading on from their old offsets would stall (past the new end) or skip messages.
 */
describe('delivery after a lapsed filter registration (real store, StoreAccess, notifier)', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    // A short catch-up interval: the reader finds the queue gone with a pull of its own (no event names it).
    h = await startDeliveryHarness({ engine: { catchUpIntervalMs: 200 } });
  });
  afterAll(async () => {
    await h.close();
  });

  /** Removes the gateway's hold on `filter` in the store, as an expired lease does. */
  async function lapse(filter: string): Promise<void> {
    const client = createStoreClient(h.store.address);
    try {
      await new Promise<void>((resolve, reject) =>
        client.unregisterFilter({ filter, holderId: 'gateway-test' }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    } finally {
      client.close();
    }
  }

  it.each([
    ['found by a pull (the queue is gone)', false],
    ['found by a renewal (the queue was created again)', true],
  ])('%s: the cursors restart at the new queue end and delivery goes on', async (_name, renewFirst) => {
    const filter = `lapse-${renewFirst ? 'renewal' : 'pull'}/#`;
    const topic = filter.replace('#', 'a');
    const { connection, delivery } = h.clean(`lapsing-${String(renewFirst)}`);
    await h.subscribe(delivery, filter, 0);
    for (const payload of ['m1', 'm2', 'm3']) await h.publish(topic, payload, 0);
    await eventually(() => expect(connection.payloads()).toEqual(['m1', 'm2', 'm3']), { timeoutMs: 10_000 });
    const restartsBefore = await h.count('queueRestarts');

    await lapse(filter);
    // Dispatched while nobody held the filter: never queued for it.
    await h.publish(topic, 'lost', 0);
    if (renewFirst) h.access.renewFilter(filter);
    await eventually(async () => expect(await h.count('queueRestarts')).toBe(restartsBefore + 1), {
      timeoutMs: 10_000,
    });
    for (const payload of ['after-1', 'after-2']) await h.publish(topic, payload, 0);
    await eventually(() => expect(connection.payloads()).toEqual(['m1', 'm2', 'm3', 'after-1', 'after-2']), {
      timeoutMs: 10_000,
    });
    await delivery.stop();
  });
});
