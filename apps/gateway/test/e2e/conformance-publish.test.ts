import type { IPublishPacket, ISubackPacket, IUnsubackPacket } from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { payloadsOn, shapeCases, summary } from '../support/e2e';
import type { TestClient } from '../support/mqtt-clients';
import { rawFrame, str, type RawSession, payloadOf } from '../support/raw-session';
import { shapeSuite } from '../support/shape-suite';

const WAIT = { timeoutMs: 15_000 };

function publishPacket(topic: string, payload: string, qos: 0 | 1 | 2, messageId?: number, dup = false) {
  return {
    cmd: 'publish' as const,
    topic,
    payload: Buffer.from(payload),
    qos,
    dup,
    retain: false,
    ...(messageId !== undefined ? { messageId } : {}),
  };
}

// MQTT 3.1.1 conformance of PUBLISH and its QoS flows, retained messages, SUBSCRIBE / UNSUBSCRIBE semantics
// and ordering (docs/conformance/mqtt-3.1.1.md). In the multi-process shape publishers use the last gateway and
// subscribers the first, so every message crosses gateway processes through the store.
describe.each(shapeCases())('MQTT 3.1.1 conformance: PUBLISH and subscriptions (%s)', (_shapeName, start) => {
  const suite = shapeSuite(start);
  const { raws, clients } = suite;
  const subUrl = suite.firstUrl;
  const pubUrl = suite.lastUrl;

  const flushWith = (sub: TestClient, topic: string, marker?: string) =>
    clients.flushWith(pubUrl(), sub, topic, marker, WAIT.timeoutMs);

  async function subscriber(filter: string, qos: 0 | 1 | 2 = 2): Promise<TestClient> {
    const sub = await clients.connect(subUrl());
    await sub.client.subscribeAsync(filter, { qos });
    return sub;
  }

  async function rawSubscriber(filter: string, qos: 0 | 1 | 2): Promise<RawSession> {
    const { session } = await raws.connect(subUrl());
    session.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] });
    expect((await session.next<ISubackPacket>('suback')).granted).toEqual([qos]);
    return session;
  }

  describe('inbound QoS flows', () => {
    it('[MQTT-3.3.4-1] QoS 0 gets no answer, QoS 1 a PUBACK, QoS 2 a PUBREC', async () => {
      const topic = `${uniqueName()}/answers`;
      const sub = await subscriber(topic);
      const { session } = await raws.connect(pubUrl());
      session.send(publishPacket(topic, 'q0', 0));
      session.send(publishPacket(topic, 'q1', 1, 10));
      session.send(publishPacket(topic, 'q2', 2, 11));
      await session.next('pubrec');
      // PINGRESP answers at once, acknowledgements once the store has the message: no order between them.
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
      expect(
        session.packets
          .filter((p) => p.cmd !== 'pingresp')
          .map((p) => [p.cmd, 'messageId' in p ? p.messageId : undefined]),
      ).toEqual([
        ['connack', undefined],
        ['puback', 10],
        ['pubrec', 11],
      ]);
      await eventually(() => expect(payloadsOn(sub.received, topic)).toEqual(['q0', 'q1', 'q2']), WAIT);
    });

    it('[MQTT-4.3.2-2] after its PUBACK, a QoS 1 PUBLISH with the same identifier is a new message, DUP or not', async () => {
      const topic = `${uniqueName()}/qos1-reuse`;
      const sub = await subscriber(topic);
      const { session } = await raws.connect(pubUrl());
      session.send(publishPacket(topic, 'first', 1, 7));
      await session.next('puback');
      session.send(publishPacket(topic, 'second', 1, 7, true));
      await session.next('puback');
      await eventually(() => expect(payloadsOn(sub.received, topic)).toEqual(['first', 'second']), WAIT);
    });

    it('[MQTT-4.3.3-2] QoS 2: a PUBLISH resent before PUBREL is acknowledged again but delivered once; after PUBCOMP the identifier is new', async () => {
      const topic = `${uniqueName()}/qos2-dup`;
      const sub = await subscriber(topic);
      const { session } = await raws.connect(pubUrl());
      session.send(publishPacket(topic, 'once', 2, 5));
      expect((await session.next('pubrec')).messageId).toBe(5);
      session.send(publishPacket(topic, 'once', 2, 5, true)); // the client did not see the PUBREC
      expect((await session.next('pubrec')).messageId).toBe(5);
      session.send(publishPacket(topic, 'once', 2, 5, true));
      expect((await session.next('pubrec')).messageId).toBe(5);
      session.send({ cmd: 'pubrel', messageId: 5 });
      expect((await session.next('pubcomp')).messageId).toBe(5);
      // A new message with the same identifier, after PUBCOMP.
      session.send(publishPacket(topic, 'again', 2, 5));
      expect((await session.next('pubrec')).messageId).toBe(5);
      session.send({ cmd: 'pubrel', messageId: 5 });
      expect((await session.next('pubcomp')).messageId).toBe(5);
      await flushWith(sub, topic, 'end');
      expect(payloadsOn(sub.received, topic)).toEqual(['once', 'again', 'end']);
    });

    it('[MQTT-4.3.3-2] [MQTT-3.6.4-1] a PUBREL for an identifier never received still gets its PUBCOMP', async () => {
      const { session } = await raws.connect(pubUrl());
      session.send({ cmd: 'pubrel', messageId: 4321 });
      expect((await session.next('pubcomp')).messageId).toBe(4321);
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
    });

    it('[MQTT-4.6.0-2] [MQTT-4.6.0-3] acknowledgements leave in the order of the PUBLISH packets, across topics and QoS', async () => {
      const base = uniqueName();
      const { session } = await raws.connect(pubUrl());
      const expected: Array<[string, number]> = [];
      for (let i = 1; i <= 60; i++) {
        const qos = i % 2 === 0 ? 1 : 2;
        // Different first levels: different queues (and shards, where there are several).
        session.send(publishPacket(`${base}-${i % 7}/t`, `m${i}`, qos, i));
        expected.push([qos === 1 ? 'puback' : 'pubrec', i]);
      }
      await eventually(() => expect(session.packets.length).toBe(61), WAIT);
      expect(session.packets.slice(1).map((p) => [p.cmd, 'messageId' in p ? p.messageId : 0])).toEqual(
        expected,
      );
    });
  });

  describe('outbound QoS flows', () => {
    it('[MQTT-4.3.2-1] [MQTT-2.3.1-2] [MQTT-2.3.1-4] QoS 1 messages go out with DUP 0 and distinct non-zero identifiers while unacknowledged', async () => {
      const topic = `${uniqueName()}/out-qos1`;
      const session = await rawSubscriber(topic, 1);
      const pub = await clients.connect(pubUrl());
      for (let i = 0; i < 20; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
      await eventually(() => expect(session.all<IPublishPacket>('publish')).toHaveLength(20), WAIT);
      const publishes = session.all<IPublishPacket>('publish');
      expect(publishes.map(payloadOf)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      expect(publishes.every((p) => p.qos === 1 && !p.dup && !p.retain)).toBe(true);
      const ids = publishes.map((p) => p.messageId ?? 0);
      expect(new Set(ids).size).toBe(20);
      expect(ids.every((i) => i > 0 && i <= 65535)).toBe(true);
      for (const i of ids) session.send({ cmd: 'puback', messageId: i });
    });

    it('[MQTT-4.3.3-1] QoS 2 to a subscriber: PUBLISH, PUBREC → PUBREL with the same identifier, PUBCOMP; no PUBLISH resent', async () => {
      const topic = `${uniqueName()}/out-qos2`;
      const session = await rawSubscriber(topic, 2);
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'exactly once', { qos: 2 });
      const publish = await session.next<IPublishPacket>('publish');
      expect([publish.qos, publish.dup, payloadOf(publish)]).toEqual([2, false, 'exactly once']);
      const packetId = publish.messageId ?? 0;
      session.send({ cmd: 'pubrec', messageId: packetId });
      expect((await session.next('pubrel')).messageId).toBe(packetId);
      // A PUBREC sent again (the PUBREL may have been lost) is answered with PUBREL again.
      session.send({ cmd: 'pubrec', messageId: packetId });
      expect((await session.next('pubrel')).messageId).toBe(packetId);
      session.send({ cmd: 'pubcomp', messageId: packetId });
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
      expect(session.all('publish')).toHaveLength(1);
    });

    it('[MQTT-4.6.0-4] PUBRELs leave in the order their PUBRECs arrived', async () => {
      const topic = `${uniqueName()}/pubrel-order`;
      const session = await rawSubscriber(topic, 2);
      const pub = await clients.connect(pubUrl());
      for (let i = 0; i < 5; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 2 });
      await eventually(() => expect(session.all<IPublishPacket>('publish')).toHaveLength(5), WAIT);
      const ids = session.all<IPublishPacket>('publish').map((p) => p.messageId ?? 0);
      const order = [ids[3]!, ids[0]!, ids[4]!, ids[1]!, ids[2]!];
      for (const packetId of order) session.send({ cmd: 'pubrec', messageId: packetId });
      await eventually(() => expect(session.all('pubrel')).toHaveLength(5), WAIT);
      expect(session.all('pubrel').map((p) => ('messageId' in p ? p.messageId : 0))).toEqual(order);
      for (const packetId of order) session.send({ cmd: 'pubcomp', messageId: packetId });
    });

    it('[MQTT-3.3.1-3] the DUP flag of an incoming PUBLISH is not passed on to subscribers', async () => {
      const topic = `${uniqueName()}/dup`;
      const session = await rawSubscriber(topic, 2);
      const { session: publisher } = await raws.connect(pubUrl());
      publisher.send(publishPacket(topic, 'sent with DUP', 1, 9, true));
      await publisher.next('puback');
      publisher.send(publishPacket(topic, 'QoS 2 sent with DUP', 2, 10, true));
      await publisher.next('pubrec');
      const first = await session.next<IPublishPacket>('publish');
      session.send({ cmd: 'puback', messageId: first.messageId ?? 0 });
      const second = await session.next<IPublishPacket>('publish');
      expect([
        [payloadOf(first), first.dup],
        [payloadOf(second), second.dup],
      ]).toEqual([
        ['sent with DUP', false],
        ['QoS 2 sent with DUP', false],
      ]);
    });
  });

  describe('retained messages', () => {
    it('[MQTT-3.3.1-7] a retained QoS 0 message replaces the retained message of its topic', async () => {
      const topic = `${uniqueName()}/retain-q0`;
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'qos1 retained', { qos: 1, retain: true });
      await pub.client.publishAsync(topic, 'qos0 retained', { qos: 0, retain: true });
      // Acknowledged after the QoS 0 one was appended: same connection, same first level, same shard.
      await pub.client.publishAsync(`${topic}/sync`, 'x', { qos: 1 });
      const late = await subscriber(topic, 2);
      await flushWith(late, topic, 'live');
      expect(summary(late.received)).toEqual([
        [topic, 'qos0 retained', 0, true],
        [topic, 'live', 1, false],
      ]);
    });

    it('[MQTT-3.3.1-12] a PUBLISH without RETAIN neither stores nor removes the retained message', async () => {
      const topic = `${uniqueName()}/retain-0`;
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'kept', { qos: 1, retain: true });
      await pub.client.publishAsync(topic, 'not retained', { qos: 1, retain: false });
      await pub.client.publishAsync(topic, '', { qos: 1, retain: false }); // empty, but not retained
      const late = await subscriber(topic, 1);
      await flushWith(late, topic, 'live');
      expect(summary(late.received)).toEqual([
        [topic, 'kept', 1, true],
        [topic, 'live', 1, false],
      ]);
    });

    it('[MQTT-3.3.1-5] [MQTT-3.8.4-6] a retained message keeps its QoS: delivered at min(its QoS, granted QoS)', async () => {
      const base = uniqueName();
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(`${base}/q1`, 'one', { qos: 1, retain: true });
      await pub.client.publishAsync(`${base}/q2`, 'two', { qos: 2, retain: true });
      const atTwo = await subscriber(`${base}/+`, 2);
      const atOne = await subscriber(`${base}/+`, 1);
      const sorted = (c: TestClient) => summary(c.received).sort();
      await eventually(
        () =>
          expect(sorted(atTwo)).toEqual([
            [`${base}/q1`, 'one', 1, true],
            [`${base}/q2`, 'two', 2, true],
          ]),
        WAIT,
      );
      await eventually(
        () =>
          expect(sorted(atOne)).toEqual([
            [`${base}/q1`, 'one', 1, true],
            [`${base}/q2`, 'two', 1, true],
          ]),
        WAIT,
      );
    });

    it('[MQTT-4.7.2-1] retained messages on $ topics are not sent to # or +/… subscriptions, only to filters naming $', async () => {
      const name = uniqueName();
      const dollar = `$${name}/state`;
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(dollar, 'dollar retained', { qos: 1, retain: true });
      await pub.client.publishAsync(`${name}/state`, 'plain retained', { qos: 1, retain: true });
      const explicit = await subscriber(`$${name}/+`, 1);
      await eventually(
        () => expect(summary(explicit.received)).toEqual([[dollar, 'dollar retained', 1, true]]),
        WAIT,
      );
      const wildcard = await clients.connect(subUrl());
      await wildcard.client.subscribeAsync(['+/state', `${name}/#`], { qos: 1 });
      await flushWith(wildcard, `${name}/state`, 'live');
      expect(wildcard.received.map((m) => m.topic).filter((t) => t.startsWith('$'))).toEqual([]);
      expect(payloadsOn(wildcard.received, `${name}/state`)).toContain('plain retained');
    });

    it('[MQTT-3.8.4-3] subscribing again to the same filter resends the retained message and keeps the flow: nothing lost or repeated', async () => {
      const topic = `${uniqueName()}/resubscribe`;
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'retained', { qos: 1, retain: true });
      const sub = await subscriber(topic, 1);
      await eventually(() => expect(summary(sub.received)).toEqual([[topic, 'retained', 1, true]]), WAIT);
      const live = Array.from({ length: 40 }, (_, i) => `live-${i}`);
      const publishing = (async () => {
        for (const payload of live) await pub.client.publishAsync(topic, payload, { qos: 1 });
      })();
      await eventually(() => expect(payloadsOn(sub.received, topic).length).toBeGreaterThan(5), WAIT);
      expect((await sub.client.subscribeAsync(topic, { qos: 2 })).map((g) => g.qos)).toEqual([2]);
      await publishing;
      await eventually(
        () => expect(sub.received.filter((m) => !m.retain).map((m) => m.payload.toString())).toEqual(live),
        WAIT,
      );
      // The retained message came twice, with RETAIN set: on each SUBSCRIBE.
      expect(sub.received.filter((m) => m.retain).map((m) => m.payload.toString())).toEqual([
        'retained',
        'retained',
      ]);
    });
  });

  describe('subscriptions', () => {
    it('[MQTT-3.8.4-4] [MQTT-3.8.4-5] a SUBSCRIBE naming a filter twice acts as two SUBSCRIBEs: two codes, the last QoS holds', async () => {
      const topic = `${uniqueName()}/twice`;
      const session = (await raws.connect(subUrl())).session;
      session.send({
        cmd: 'subscribe',
        messageId: 3,
        subscriptions: [
          { topic, qos: 0 },
          { topic, qos: 2 },
        ],
      });
      expect((await session.next<ISubackPacket>('suback')).granted).toEqual([0, 2]);
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'q2', { qos: 2 });
      const publish = await session.next<IPublishPacket>('publish');
      expect([payloadOf(publish), publish.qos]).toEqual(['q2', 2]);
      session.send({ cmd: 'pubrec', messageId: publish.messageId ?? 0 });
      await session.next('pubrel');
      session.send({ cmd: 'pubcomp', messageId: publish.messageId ?? 0 });
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
      expect(session.all('publish')).toHaveLength(1); // one subscription, one copy
    });

    it('[MQTT-3.3.5-1] overlapping subscriptions at QoS 0, 1 and 2: a copy at QoS 2, at most one per subscription', async () => {
      const base = uniqueName();
      const session = (await raws.connect(subUrl())).session;
      session.send({
        cmd: 'subscribe',
        messageId: 4,
        subscriptions: [
          { topic: `${base}/#`, qos: 0 },
          { topic: `${base}/+/c`, qos: 1 },
          { topic: `${base}/b/c`, qos: 2 },
        ],
      });
      expect((await session.next<ISubackPacket>('suback')).granted).toEqual([0, 1, 2]);
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(`${base}/b/c`, 'overlap', { qos: 2 });
      await eventually(
        () => expect(session.all<IPublishPacket>('publish').map((p) => p.qos)).toContain(2),
        WAIT,
      );
      const copies = session.all<IPublishPacket>('publish');
      for (const p of copies) {
        if (p.qos === 1) session.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
        if (p.qos === 2) session.send({ cmd: 'pubrec', messageId: p.messageId ?? 0 });
      }
      await pub.client.publishAsync(`${base}/b/c`, 'end', { qos: 0 }); // every filter's queue gets it after
      await eventually(
        () =>
          expect(session.all<IPublishPacket>('publish').filter((p) => payloadOf(p) === 'end')).toHaveLength(
            3,
          ),
        WAIT,
      );
      const overlap = session.all<IPublishPacket>('publish').filter((p) => payloadOf(p) === 'overlap');
      expect(overlap.length).toBeLessThanOrEqual(3);
      expect(Math.max(...overlap.map((p) => p.qos))).toBe(2);
      expect(new Set(overlap.map((p) => p.qos)).size).toBe(overlap.length); // one per subscription
    });

    it('[MQTT-3.10.4-1] [MQTT-3.10.4-5] [MQTT-3.10.4-6] UNSUBSCRIBE compares filters character by character; one UNSUBACK for all', async () => {
      const base = uniqueName();
      const sub = await clients.connect(subUrl());
      await sub.client.subscribeAsync([`${base}/a`, `${base}/+`], { qos: 1 });
      // mqtt.js sends the three filters in one UNSUBSCRIBE.
      await sub.client.unsubscribeAsync([`${base}/#`, `${base}/+`, `${base}/nothing`]);
      // `${base}/a` is still subscribed (neither `#` nor `+` removed it); `${base}/+` is gone.
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(`${base}/b`, 'only via +', { qos: 1 });
      await new Promise((r) => setTimeout(r, 300)); // a bounded wait proving an absence, then a marker
      await flushWith(sub, `${base}/a`, 'via a');
      expect(sub.received.map((m) => [m.topic, m.payload.toString()])).toEqual([[`${base}/a`, 'via a']]);
    });

    it('[MQTT-3.10.4-4] [MQTT-3.10.4-6] the UNSUBACK of a raw multi-filter UNSUBSCRIBE carries its packet identifier', async () => {
      const { session } = await raws.connect(subUrl());
      const base = uniqueName();
      session.send({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [
          { topic: `${base}/x`, qos: 1 },
          { topic: `${base}/y`, qos: 1 },
        ],
      });
      await session.next('suback');
      session.write(rawFrame(0xa2, [0x12, 0x34, ...str(`${base}/x`), ...str(`${base}/y`), ...str('z')]));
      const unsuback = await session.next<IUnsubackPacket>('unsuback');
      expect(unsuback.messageId).toBe(0x1234);
      session.write([0xc0, 0x00]);
      await session.next('pingresp');
      expect(session.all('unsuback')).toHaveLength(1);
    });

    it('[MQTT-3.10.4-2] [MQTT-3.10.4-3] after UNSUBSCRIBE no new message is sent, and a QoS 2 delivery in flight completes', async () => {
      const base = uniqueName();
      const topic = `${base}/t`;
      const session = await rawSubscriber(topic, 2);
      session.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: `${base}/marker`, qos: 1 }] });
      await session.next('suback');
      const pub = await clients.connect(pubUrl());
      await pub.client.publishAsync(topic, 'in flight', { qos: 2 });
      const publish = await session.next<IPublishPacket>('publish');
      session.send({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: [topic] });
      await session.next('unsuback');
      // The delivery started before UNSUBSCRIBE completes.
      session.send({ cmd: 'pubrec', messageId: publish.messageId ?? 0 });
      expect((await session.next('pubrel')).messageId).toBe(publish.messageId);
      session.send({ cmd: 'pubcomp', messageId: publish.messageId ?? 0 });
      // Nothing new on the unsubscribed filter: a message after it, then a marker on the other filter.
      await pub.client.publishAsync(topic, 'after unsubscribe', { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      await pub.client.publishAsync(`${base}/marker`, 'marker', { qos: 0 });
      await eventually(
        () => expect(session.all<IPublishPacket>('publish').map(payloadOf)).toContain('marker'),
        WAIT,
      );
      expect(session.all<IPublishPacket>('publish').map(payloadOf)).toEqual(['in flight', 'marker']);
    });
  });

  describe('ordering', () => {
    it('[MQTT-4.6.0-5] [MQTT-4.6.0-6] messages of one publisher reach each subscriber in publish order, per topic and QoS', async () => {
      const base = uniqueName();
      const topic = `${base}/ordered`;
      const exact = await subscriber(topic, 2);
      const wildcard = await subscriber(`${base}/#`, 2);
      const atOne = await subscriber(topic, 1);
      const pub = await clients.connect(pubUrl());
      const sent: Array<{ payload: string; qos: 0 | 1 | 2 }> = [];
      const pending: Array<Promise<unknown>> = [];
      // Pipelined: no waiting for acknowledgements between messages.
      for (let i = 0; i < 150; i++) {
        const qos = (i % 3) as 0 | 1 | 2;
        const payload = `q${qos}-${i}`;
        sent.push({ payload, qos });
        pending.push(pub.client.publishAsync(topic, payload, { qos }));
      }
      await Promise.all(pending);
      for (const sub of [exact, wildcard, atOne]) {
        await eventually(() => expect(payloadsOn(sub.received, topic)).toHaveLength(150), WAIT);
        for (const qos of [0, 1, 2] as const) {
          const published = sent.filter((m) => m.qos === qos).map((m) => m.payload);
          expect(
            sub.received
              .filter((m) => m.payload.toString().startsWith(`q${qos}-`))
              .map((m) => m.payload.toString()),
          ).toEqual(published);
        }
      }
    });

    it('[MQTT-4.6.0-6] a mosquitto_pub stream (third-party client) keeps its order at the subscriber', async () => {
      const topic = `${uniqueName()}/mosquitto-order`;
      const sub = await subscriber(topic, 1);
      const url = new URL(pubUrl());
      const lines = Array.from({ length: 50 }, (_, i) => `line-${i}`);
      const { spawn } = await import('node:child_process');
      const child = spawn(
        'mosquitto_pub',
        ['-h', url.hostname, '-p', url.port, '-V', 'mqttv311', '-t', topic, '-q', '1', '-l'],
        { stdio: ['pipe', 'ignore', 'pipe'] },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.stdin.end(`${lines.join('\n')}\n`);
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      clearTimeout(timer);
      expect(code).toBe(0);
      await eventually(() => expect(payloadsOn(sub.received, topic)).toEqual(lines), WAIT);
    });
  });
});
