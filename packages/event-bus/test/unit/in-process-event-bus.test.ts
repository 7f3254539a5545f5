import { createInProcessEventBus, createInProcessHub } from '../../src/in-process-event-bus';
import { describeEventBusContract } from '../contract/event-bus-contract';

describeEventBusContract('in-process', () => {
  const hub = createInProcessHub();
  return Promise.resolve({
    createBus: () => Promise.resolve(createInProcessEventBus(hub)),
    teardown: () => Promise.resolve(),
  });
});

describe('in-process event bus', () => {
  it('works without a shared hub (standalone default)', async () => {
    const bus = createInProcessEventBus();
    const seen: number[] = [];
    bus.subscribeArrivals({ kind: 'topic', name: 'a' }, (e) => seen.push(e.endOffset));
    expect(
      bus.publishArrival({ queue: { kind: 'topic', name: 'a' }, shard: 0, endOffset: 5, timestampMs: 0 }),
    ).toBe(true);
    expect(seen).toEqual([]); // delivered on a microtask, never inside publishArrival
    await bus.flush();
    expect(seen).toEqual([5]);
    expect(bus.stats()).toMatchObject({ published: 1, received: 1, delivered: 1, queues: 1, handlers: 1 });
    await bus.close();
  });

  it('leaves the hub empty once every subscription and server is gone', async () => {
    const hub = createInProcessHub();
    const a = createInProcessEventBus(hub);
    const b = createInProcessEventBus(hub);
    const s1 = a.subscribeArrivals({ kind: 'filter', name: 'x/#' }, () => undefined);
    b.subscribeArrivals({ kind: 'filter', name: 'x/#' }, () => undefined);
    b.serve('starling.takeover.gw-1', (r) => r);
    s1.unsubscribe();
    expect(hub.interest.size).toBe(1);
    await b.close();
    expect(hub.interest.size).toBe(0);
    expect(hub.servers.size).toBe(0);
    await a.close();
  });
});
