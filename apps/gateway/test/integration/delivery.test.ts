import type { IPublishPacket } from 'mqtt-packet';
import { ackAll, eventually, startDeliveryHarness, type DeliveryHarness } from './delivery-harness';

let topicSeq = 0;
/** A topic of its own per test (one store is shared by the file). */
function uniqueTopic(prefix: string): string {
  topicSeq += 1;
  return `${prefix}${topicSeq}/${expect.getState().currentTestName?.replace(/[^a-z0-9]+/gi, '-') ?? 't'}`;
}

/** Lets the event loop run: pending pulls, events and timers of `ms`. Only to show that nothing MORE happens. */
const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe('delivery (real store, StoreAccess, notifier on the in-process bus)', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    h = await startDeliveryHarness({ limits: { maxInflight: 4 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('one reader per queue is shared by 1,000 sessions: one pull serves them all', async () => {
    const topic = uniqueTopic('fanout');
    const sessions = Array.from({ length: 1000 }, (_, i) => h.clean(`fan-${i}`));
    // Concurrent SUBSCRIBEs, as 1,000 clients would send them.
    await Promise.all(sessions.map(({ delivery }) => h.subscribe(delivery, topic, 0)));
    expect(h.engine.readerCount).toBe(1);
    const pullsBefore = await h.count('pulls');
    const total = 50;
    for (let i = 0; i < total; i++) await h.publish(topic, `m${i}`, 0);
    const expected = Array.from({ length: total }, (_, i) => `m${i}`);
    await eventually(() => sessions.every(({ connection }) => connection.publishes().length === total), {
      timeoutMs: 10_000,
    });
    for (const { connection } of sessions) expect(connection.payloads()).toEqual(expected);
    const pulls = (await h.count('pulls')) - pullsBefore;
    // At most one pull per arrival event (and a few catch-ups), never per session.
    expect(pulls).toBeLessThanOrEqual(total + 5);
    expect(pulls).toBeLessThan((sessions.length * total) / 100);
    for (const { delivery } of sessions) await delivery.stop();
    expect(h.engine.readerCount).toBe(0);
  });

  it('respects the in-flight window and resumes on PUBACK', async () => {
    const topic = uniqueTopic('window');
    const { connection, delivery } = h.clean('window');
    await h.subscribe(delivery, topic, 1);
    for (let i = 0; i < 10; i++) await h.publish(topic, `m${i}`, 1);
    await eventually(() => connection.publishes().length === 4);
    await settle();
    expect(connection.publishes()).toHaveLength(4);
    delivery.onPuback(connection.publishes()[0]!.messageId!);
    await eventually(() => connection.publishes().length === 5);
    const acked = new Set<IPublishPacket>();
    await eventually(() => {
      ackAll(connection, delivery, acked);
      return connection.publishes().length === 10;
    });
    expect(connection.payloads()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    await delivery.stop();
  });

  it('a stalled session (never acks, or not writable) does not block the reader or other sessions', async () => {
    const topic = uniqueTopic('stall');
    const neverAcks = h.clean('never-acks');
    const notWritable = h.clean('not-writable');
    const healthy = h.clean('healthy');
    for (const s of [neverAcks, notWritable, healthy]) await h.subscribe(s.delivery, topic, 1);
    notWritable.connection.setWritable(false);
    const acked = new Set<IPublishPacket>();
    for (let i = 0; i < 20; i++) await h.publish(topic, `m${i}`, 1);
    await eventually(() => {
      ackAll(healthy.connection, healthy.delivery, acked);
      return healthy.connection.publishes().length === 20;
    });
    expect(neverAcks.connection.publishes()).toHaveLength(4);
    expect(notWritable.connection.publishes()).toHaveLength(0);
    // The socket drains: the stalled session catches up from where it stopped.
    notWritable.connection.setWritable(true);
    const acked2 = new Set<IPublishPacket>();
    await eventually(() => {
      ackAll(notWritable.connection, notWritable.delivery, acked2);
      return notWritable.connection.publishes().length === 20;
    });
    expect(notWritable.connection.payloads()).toEqual(healthy.connection.payloads());
    for (const s of [neverAcks, notWritable, healthy]) await s.delivery.stop();
  });

  it('delivers at min(message QoS, subscription QoS) [MQTT-3.8.4-6]; QoS 0 has no packet identifier', async () => {
    const topic = uniqueTopic('qos');
    const q0 = h.clean('sub-q0');
    const q1 = h.clean('sub-q1');
    const q2 = h.clean('sub-q2');
    await h.subscribe(q0.delivery, topic, 0);
    await h.subscribe(q1.delivery, topic, 1);
    await h.subscribe(q2.delivery, topic, 2);
    await h.publish(topic, 'at2', 2);
    await h.publish(topic, 'at1', 1);
    await h.publish(topic, 'at0', 0);
    await eventually(() => [q0, q1, q2].every((s) => s.connection.publishes().length === 3));
    const qosOf = (s: typeof q0) => s.connection.publishes().map((p) => p.qos);
    expect(qosOf(q0)).toEqual([0, 0, 0]);
    expect(qosOf(q1)).toEqual([1, 1, 0]);
    expect(qosOf(q2)).toEqual([2, 1, 0]);
    expect(q0.connection.publishes().every((p) => p.messageId === undefined)).toBe(true);
    for (const s of [q0, q1, q2]) {
      // Live deliveries never carry RETAIN [MQTT-3.3.1-9] nor DUP.
      expect(s.connection.publishes().every((p) => !p.retain && !p.dup)).toBe(true);
      await s.delivery.stop();
    }
  });

  it('QoS 2 outbound: PUBREC → PUBREL, PUBCOMP frees the identifier [MQTT-4.3.3]', async () => {
    const topic = uniqueTopic('qos2');
    const { connection, delivery } = h.clean('qos2');
    await h.subscribe(delivery, topic, 2);
    for (let i = 0; i < 5; i++) await h.publish(topic, `m${i}`, 2);
    await eventually(() => connection.publishes().length === 4); // window of 4
    const first = connection.publishes()[0]!;
    expect(first.qos).toBe(2);
    delivery.onPubrec(first.messageId!);
    expect(connection.ofType('pubrel')).toEqual([{ cmd: 'pubrel', messageId: first.messageId }]);
    // PUBREC alone does not free the window: the identifier is in use until PUBCOMP.
    await settle();
    expect(connection.publishes()).toHaveLength(4);
    delivery.onPubrec(first.messageId!); // a repeated PUBREC is answered again
    expect(connection.ofType('pubrel')).toHaveLength(2);
    delivery.onPubcomp(first.messageId!);
    await eventually(() => connection.publishes().length === 5);
    // Unknown identifiers are ignored and counted.
    const before = await h.count('protocolErrors', { reason: 'unknown-packet-id' });
    delivery.onPubcomp(first.messageId!);
    delivery.onPuback(60_000);
    expect(await h.count('protocolErrors', { reason: 'unknown-packet-id' })).toBe(before + 2);
    // A PUBACK for a QoS 2 message is not a valid acknowledgement.
    delivery.onPuback(connection.publishes()[1]!.messageId!);
    expect(await h.count('protocolErrors', { reason: 'unexpected-ack' })).toBe(1);
    await delivery.stop();
  });

  it('sends retained messages after SUBACK with RETAIN=1 at min(QoS) [MQTT-3.3.1-6]', async () => {
    const topic = uniqueTopic('retained');
    await h.publish(topic, 'kept', 2, { retain: true });
    // Dispatch follows durability: wait until the message is in its queues, or the new filter could get it too.
    const firstLevel = { shard: 0, kind: 'topic' as const, name: topic.split('/')[0]! };
    await eventually(async () => (await h.access.pull(firstLevel, 0, 1, 1024)).endOffset === 1);
    const { connection, delivery } = h.clean('retained');
    const { granted, afterSuback } = await delivery.subscribe([{ filter: topic, qos: 1 }]);
    expect(granted).toEqual([1]);
    await settle(50);
    expect(connection.publishes()).toHaveLength(0); // nothing before the handler wrote SUBACK
    afterSuback();
    await eventually(() => connection.publishes().length === 1);
    expect(connection.publishes()[0]).toMatchObject({ topic, retain: true, qos: 1, dup: false });
    // A live message published with RETAIN is delivered with RETAIN=0 [MQTT-3.3.1-9].
    await h.publish(topic, 'live', 1, { retain: true });
    await eventually(() => connection.publishes().length === 2);
    expect(connection.publishes()[1]).toMatchObject({ retain: false, qos: 1 });
    await delivery.stop();
  });

  it('UNSUBSCRIBE stops delivery [MQTT-3.10.4-2] and closes the reader', async () => {
    const topic = uniqueTopic('unsub');
    const { connection, delivery } = h.clean('unsub');
    await h.subscribe(delivery, topic, 0);
    await h.publish(topic, 'before', 0);
    await eventually(() => connection.publishes().length === 1);
    const readers = h.engine.readerCount;
    await delivery.unsubscribe([topic]);
    expect(h.engine.readerCount).toBe(readers - 1);
    await h.publish(topic, 'after', 0);
    await settle(150);
    expect(connection.payloads()).toEqual(['before']);
    await delivery.stop();
  });

  it('overlapping subscriptions each deliver their own copy [MQTT-3.3.5-1]', async () => {
    const base = uniqueTopic('overlap');
    const { connection, delivery } = h.clean('overlap');
    const { granted, afterSuback } = await delivery.subscribe([
      { filter: `${base}/+`, qos: 0 },
      { filter: `${base}/#`, qos: 1 },
    ]);
    afterSuback();
    expect(granted).toEqual([0, 1]);
    await h.publish(`${base}/x`, 'one', 1);
    await eventually(() => connection.publishes().length === 2);
    expect(
      connection
        .publishes()
        .map((p) => p.qos)
        .sort(),
    ).toEqual([0, 1]);
    await delivery.stop();
  });

  it('a re-subscribe replaces the QoS and keeps the cursor [MQTT-3.8.4-3]', async () => {
    const topic = uniqueTopic('resub');
    const { connection, delivery } = h.clean('resub');
    await h.subscribe(delivery, topic, 0);
    await h.publish(topic, 'a', 1);
    await eventually(() => connection.publishes().length === 1);
    expect(await h.subscribe(delivery, topic, 1)).toBe(1);
    await h.publish(topic, 'b', 1);
    await eventually(() => connection.publishes().length === 2);
    expect(connection.publishes().map((p) => [p.payload.toString(), p.qos])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    await delivery.stop();
  });

  it('refuses invalid filters and subscriptions over the limit with failure (SUBACK 0x80)', async () => {
    const { delivery } = h.clean('refused');
    const { granted } = await delivery.subscribe([
      { filter: 'a/#/b', qos: 1 },
      { filter: 'ok/topic', qos: 2 },
      { filter: '', qos: 0 },
      { filter: 'x+/y', qos: 0 },
    ]);
    expect(granted).toEqual(['failure', 2, 'failure', 'failure']);
    await delivery.stop();
  });
});

describe('delivery without any arrival event', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    h = await startDeliveryHarness({ events: false, engine: { catchUpIntervalMs: 100 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('still delivers within the catch-up interval: events are hints, a lost one costs latency only', async () => {
    const topic = uniqueTopic('catchup');
    const { connection, delivery } = h.clean('catchup');
    await h.subscribe(delivery, topic, 0);
    const before = await h.count('pulls', { trigger: 'catch-up' });
    const started = Date.now();
    for (let i = 0; i < 3; i++) await h.publish(topic, `m${i}`, 0);
    await eventually(() => connection.publishes().length === 3, { timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(connection.payloads()).toEqual(['m0', 'm1', 'm2']);
    expect(await h.count('pulls', { trigger: 'catch-up' })).toBeGreaterThan(before);
    await delivery.stop();
  });
});

describe('delivery with a small reader window (pulls of 5, window of 10)', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    h = await startDeliveryHarness({ engine: { pullMaxMessages: 5 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('a cursor left behind the window gets its own pulls and loses nothing', async () => {
    const topic = uniqueTopic('window-behind');
    const slow = h.clean('slow');
    const fast = h.clean('fast');
    await h.subscribe(slow.delivery, topic, 0);
    await h.subscribe(fast.delivery, topic, 0);
    slow.connection.setWritable(false);
    const expected = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const payload of expected) await h.publish(topic, payload, 0);
    await eventually(() => fast.connection.publishes().length === 40);
    expect(fast.connection.payloads()).toEqual(expected);
    expect(slow.connection.publishes()).toHaveLength(0);
    const reader = h.engine.reader({ shard: 0, kind: 'filter', name: topic })!;
    expect(reader.knownEndOffset).toBe(40);
    slow.connection.setWritable(true);
    await eventually(() => slow.connection.publishes().length === 40);
    expect(slow.connection.payloads()).toEqual(expected);
    await slow.delivery.stop();
    await fast.delivery.stop();
  });
});
