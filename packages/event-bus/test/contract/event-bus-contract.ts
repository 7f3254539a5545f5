import { eventually, uniqueName } from '@starling/test-harness';
import type { ArrivalEvent, BusQueueRef, BusSubscription, EventBus } from '../../src/event-bus';
import { awkwardNames } from '../fixtures/awkward-names';

/** One shared medium (a nats-server, an in-process hub) on which a test creates as many buses as it needs. */
export interface EventBusMedium {
  /** A new bus on the medium: another connection, another gateway. The suite closes it after each test. */
  createBus(): Promise<EventBus>;
  teardown(): Promise<void>;
}

const WAIT = { timeoutMs: 5_000 };

interface Collector {
  readonly events: ArrivalEvent[];
  readonly subscription: BusSubscription;
  names(): string[];
}

function collect(bus: EventBus, queue: BusQueueRef): Collector {
  const events: ArrivalEvent[] = [];
  const subscription = bus.subscribeArrivals(queue, (e) => events.push(e));
  return { events, subscription, names: () => events.map((e) => e.queue.name) };
}

function arrival(queue: BusQueueRef, endOffset = 1, shard = 0): ArrivalEvent {
  return { queue, shard, endOffset, timestampMs: 1_700_000_000_000 + endOffset };
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * The behaviour every EventBus implementation shares. "Nothing arrives" is proven without sleeping: the
 * subscriber's interest is flushed to the medium, then the publisher sends the event that must NOT arrive
 * followed by a marker on a queue the subscriber does read; once the marker is in, the earlier event would
 * have been too (one publisher's events keep their order).
 */
export function describeEventBusContract(name: string, factory: () => Promise<EventBusMedium>): void {
  describe(`EventBus contract: ${name}`, () => {
    let medium: EventBusMedium;
    let open: EventBus[] = [];

    beforeAll(async () => {
      medium = await factory();
    });
    afterEach(async () => {
      await Promise.all(open.map((b) => b.close()));
      open = [];
    });
    afterAll(async () => {
      await medium.teardown();
    });

    async function bus(): Promise<EventBus> {
      const b = await medium.createBus();
      open.push(b);
      return b;
    }
    const topic = (suffix: string): BusQueueRef => ({ kind: 'topic', name: `${uniqueName()}/${suffix}` });

    it('delivers to each gateway only the events of the queues it reads', async () => {
      const publisher = await bus();
      const gateways = await Promise.all([bus(), bus(), bus()]);
      const queues = gateways.map((_, g) => [topic(`g${g}-a`), topic(`g${g}-b`)]);
      const markers = gateways.map((_, g) => topic(`g${g}-marker`));
      const received = gateways.map((gw, g) => {
        const c = queues[g]!.map((q) => collect(gw, q));
        return [...c, collect(gw, markers[g]!)];
      });
      await Promise.all(gateways.map((gw) => gw.flush()));

      for (const q of queues.flat()) expect(publisher.publishArrival(arrival(q))).toBe(true);
      for (const m of markers) publisher.publishArrival(arrival(m));
      await publisher.flush();

      await eventually(() => received.every((c) => c[2]!.events.length === 1), WAIT);
      gateways.forEach((_, g) => {
        const names = received[g]!.flatMap((c) => c.names());
        expect(names.sort()).toEqual([...queues[g]!, markers[g]!].map((q) => q.name).sort());
      });
    });

    it('carries every field of the event from one bus to another', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue: BusQueueRef = { kind: 'filter', name: `${uniqueName()}/+/x` };
      const c = collect(b, queue);
      await b.flush();
      const event: ArrivalEvent = { queue, shard: 7, endOffset: 2 ** 40 + 3, timestampMs: 1_700_000_000_123 };
      expect(a.publishArrival(event)).toBe(true);
      await eventually(() => expect(c.events).toEqual([event]), WAIT);
    });

    it('delivers to a subscriber on the publishing bus itself, never inside publishArrival', async () => {
      const a = await bus();
      const queue = topic('self');
      let publishing = false;
      const calledDuringPublish: boolean[] = [];
      a.subscribeArrivals(queue, () => calledDuringPublish.push(publishing));
      await a.flush();
      publishing = true;
      a.publishArrival(arrival(queue));
      publishing = false;
      await eventually(() => expect(calledDuringPublish).toEqual([false]), WAIT);
    });

    it('keeps one publisher’s events of a queue in order', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue = topic('order');
      const c = collect(b, queue);
      await b.flush();
      for (let i = 1; i <= 100; i++) a.publishArrival(arrival(queue, i));
      await eventually(() => expect(c.events).toHaveLength(100), WAIT);
      expect(c.events.map((e) => e.endOffset)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('gives every handler of a queue the event; unsubscribing one keeps the others', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue = topic('shared');
      const first = collect(b, queue);
      const second = collect(b, queue);
      const sameFn: ArrivalEvent[] = [];
      const push = (e: ArrivalEvent): void => void sameFn.push(e);
      const pushOnce = b.subscribeArrivals(queue, push);
      b.subscribeArrivals(queue, push);
      await b.flush();

      a.publishArrival(arrival(queue, 1));
      await eventually(() => first.events.length === 1 && second.events.length === 1 && sameFn.length === 2);

      first.subscription.unsubscribe();
      first.subscription.unsubscribe(); // idempotent: must not remove another handler
      pushOnce.unsubscribe();
      await b.flush();
      a.publishArrival(arrival(queue, 2));
      await eventually(() => second.events.length === 2, WAIT);
      await eventually(() => sameFn.length === 3, WAIT);
      expect(first.events.map((e) => e.endOffset)).toEqual([1]);
    });

    it('delivers nothing after the last handler of a queue unsubscribed', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue = topic('gone');
      const markerQueue = topic('marker');
      const marker = collect(b, markerQueue);
      const one = collect(b, queue);
      const two = collect(b, queue);
      await b.flush();
      one.subscription.unsubscribe();
      two.subscription.unsubscribe();
      await b.flush();

      a.publishArrival(arrival(queue));
      a.publishArrival(arrival(markerQueue));
      await a.flush();
      await eventually(() => marker.events.length === 1, WAIT);
      expect(one.events).toEqual([]);
      expect(two.events).toEqual([]);
    });

    it('delivers nothing to a bus that never subscribed the queue', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue = topic('not-mine');
      const all: ArrivalEvent[] = [];
      const other = topic('mine');
      b.subscribeArrivals(other, (e) => all.push(e));
      await b.flush();
      a.publishArrival(arrival(queue));
      a.publishArrival(arrival(other));
      await eventually(() => all.length === 1, WAIT);
      expect(all.map((e) => e.queue)).toEqual([other]);
    });

    it('keeps a topic queue and a filter queue of the same name apart', async () => {
      const [a, b] = [await bus(), await bus()];
      const name = `${uniqueName()}/same`;
      const t = collect(b, { kind: 'topic', name });
      const f = collect(b, { kind: 'filter', name });
      await b.flush();
      a.publishArrival(arrival({ kind: 'topic', name }, 1));
      a.publishArrival(arrival({ kind: 'filter', name }, 2));
      a.publishArrival(arrival({ kind: 'topic', name }, 3));
      await eventually(() => t.events.length === 2 && f.events.length === 1, WAIT);
      expect(t.events.map((e) => [e.queue.kind, e.endOffset])).toEqual([
        ['topic', 1],
        ['topic', 3],
      ]);
      expect(f.events.map((e) => [e.queue.kind, e.endOffset])).toEqual([['filter', 2]]);
    });

    it('routes awkward MQTT names end to end, each only to its own subscribers', async () => {
      const [a, b] = [await bus(), await bus()];
      const prefix = uniqueName();
      const queues: BusQueueRef[] = awkwardNames.flatMap((n) => [
        { kind: 'topic' as const, name: n },
        { kind: 'filter' as const, name: `${prefix}${n}` },
      ]);
      const collectors = queues.map((q) => collect(b, q));
      await b.flush();
      queues.forEach((q, i) => expect(a.publishArrival(arrival(q, i))).toBe(true));
      await eventually(() => collectors.every((c) => c.events.length >= 1), WAIT);
      await a.flush();
      await b.flush();
      collectors.forEach((c, i) => {
        // Topic queues are shared by concurrent test runs on a shared medium: compare the last of ours.
        const mine = c.events.filter((e) => e.endOffset === i);
        expect(mine).toEqual([arrival(queues[i]!, i)]);
        for (const e of c.events) expect(e.queue).toEqual(queues[i]);
      });
    });

    it('answers a request from another bus', async () => {
      const [server, client] = [await bus(), await bus()];
      const subject = `starling.test.${uniqueName()}`;
      server.serve(subject, async (req) => {
        await Promise.resolve();
        return bytes(`hello ${text(req)}`);
      });
      await server.flush();
      const outcome = await client.request(subject, bytes('gw-2'), 2_000);
      expect(outcome.status).toBe('ok');
      if (outcome.status === 'ok') expect(text(outcome.reply)).toBe('hello gw-2');
    });

    it('reports no-responders when nobody serves the subject, also after the server unsubscribed', async () => {
      const [server, client] = [await bus(), await bus()];
      const subject = `starling.test.${uniqueName()}`;
      await expect(client.request(subject, bytes('x'), 2_000)).resolves.toEqual({ status: 'no-responders' });

      const served = server.serve(subject, (req) => req);
      await server.flush();
      await expect(client.request(subject, bytes('x'), 2_000)).resolves.toMatchObject({ status: 'ok' });
      served.unsubscribe();
      await server.flush();
      await expect(client.request(subject, bytes('x'), 2_000)).resolves.toEqual({ status: 'no-responders' });
    });

    it('times out when the server does not answer in time', async () => {
      const [server, client] = [await bus(), await bus()];
      const subject = `starling.test.${uniqueName()}`;
      let release: () => void = () => undefined;
      const never = new Promise<void>((resolve) => (release = resolve));
      server.serve(subject, async () => {
        await never;
        return bytes('late');
      });
      await server.flush();
      const started = Date.now();
      await expect(client.request(subject, bytes('x'), 100)).resolves.toEqual({ status: 'timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      release();
    });

    it('reports a throwing or rejecting request handler as failed, with its reason', async () => {
      const [server, client] = [await bus(), await bus()];
      const subject = `starling.test.${uniqueName()}`;
      server.serve(subject, (req) => {
        if (text(req) === 'sync') throw new Error('session store\nunavailable');
        return Promise.reject(new Error('flush failed'));
      });
      await server.flush();
      await expect(client.request(subject, bytes('sync'), 2_000)).resolves.toEqual({
        status: 'failed',
        reason: 'session store unavailable',
      });
      await expect(client.request(subject, bytes('async'), 2_000)).resolves.toEqual({
        status: 'failed',
        reason: 'flush failed',
      });
    });

    it('keeps calling the other handlers when one arrival handler throws', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue = topic('throws');
      b.subscribeArrivals(queue, () => {
        throw new Error('boom');
      });
      const ok = collect(b, queue);
      await b.flush();
      a.publishArrival(arrival(queue, 1));
      a.publishArrival(arrival(queue, 2));
      await eventually(() => ok.events.length === 2, WAIT);
    });

    it('refuses to publish or request once closed, and reports not connected', async () => {
      const a = await bus();
      expect(a.connected).toBe(true);
      await a.close();
      await a.close(); // idempotent
      expect(a.connected).toBe(false);
      expect(a.publishArrival(arrival(topic('closed')))).toBe(false);
      await expect(a.request('starling.test.closed', bytes('x'), 100)).resolves.toMatchObject({
        status: 'failed',
      });
      expect(() => a.subscribeArrivals(topic('closed'), () => undefined).unsubscribe()).not.toThrow();
      await expect(a.flush()).resolves.toBeUndefined();
    });

    it('stops delivering to a bus once it is closed, and its served subjects go away', async () => {
      const [a, b] = [await bus(), await bus()];
      const queue = topic('closing');
      const subject = `starling.test.${uniqueName()}`;
      const c = collect(b, queue);
      b.serve(subject, (req) => req);
      await b.flush();
      await b.close();
      a.publishArrival(arrival(queue));
      await a.flush();
      await expect(a.request(subject, bytes('x'), 2_000)).resolves.toEqual({ status: 'no-responders' });
      expect(c.events).toEqual([]);
    });

    it('returns false, without throwing, for an event outside the wire ranges', async () => {
      const a = await bus();
      expect(a.publishArrival({ ...arrival(topic('bad')), endOffset: -1 })).toBe(false);
      expect(a.publishArrival({ ...arrival(topic('bad')), shard: 1.5 })).toBe(false);
      expect(a.connected).toBe(true);
    });
  });
}
