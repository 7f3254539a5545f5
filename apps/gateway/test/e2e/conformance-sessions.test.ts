import type { IConnackPacket, IPublishPacket, ISubackPacket } from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { payloadsOn, shapeCases } from '../support/e2e';
import { type RawSession, payloadOf, flow } from '../support/raw-session';
import { shapeSuite } from '../support/shape-suite';

const WAIT = { timeoutMs: 15_000 };

// MQTT 3.1.1 conformance of sessions (docs/conformance/mqtt-3.1.1.md): clean session, session present, what a
// persistent session keeps, and what it sends again when it reconnects — to the same gateway (which kept the
// in-flight state) and, in the multi-process shape, to the other gateway process (which asks for it).
describe.each(shapeCases())('MQTT 3.1.1 conformance: sessions (%s)', (shapeName, start) => {
  const suite = shapeSuite(start);
  const { raws, clients } = suite;
  const firstUrl = suite.firstUrl;
  const lastUrl = suite.lastUrl;

  async function connectRaw(url: string, clientId: string, clean: boolean): Promise<[RawSession, boolean]> {
    const session = await raws.open(url);
    session.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive: 30 });
    const connack = await session.next<IConnackPacket>('connack');
    expect(connack.returnCode).toBe(0);
    return [session, connack.sessionPresent];
  }

  async function subscribeRaw(session: RawSession, topic: string, qos: 0 | 1 | 2): Promise<void> {
    session.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] });
    expect((await session.next<ISubackPacket>('suback')).granted).toEqual([qos]);
  }

  async function publish(topic: string, payload: string, qos: 0 | 1 | 2): Promise<void> {
    const pub = await clients.connect(lastUrl());
    await pub.client.publishAsync(topic, payload, { qos });
    await pub.end();
  }

  /** Ends a raw connection without DISCONNECT and waits until the gateway has noticed. */
  async function drop(session: RawSession): Promise<void> {
    session.destroy();
    await eventually(() => expect(session.isClosed()).toBe(true), WAIT);
  }

  it('[MQTT-3.2.2-1] [MQTT-3.2.2-2] [MQTT-3.2.2-3] [MQTT-3.1.2-4] [MQTT-3.1.2-6] session present follows the stored session; clean session discards it', async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/session`;
    const marker = `${uniqueName()}/marker`;
    // New persistent session: session present 0 [MQTT-3.2.2-3].
    const first = await clients.connect(firstUrl(), { clientId, clean: false });
    expect(first.connack.sessionPresent).toBe(false);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.client.endAsync();
    await publish(topic, 'while offline', 1);
    // Resumed (on the other gateway when there is one): session present 1, the subscription and the queued
    // message are there [MQTT-3.2.2-2] [MQTT-3.1.2-4] [MQTT-3.1.2-5].
    const second = await clients.connect(lastUrl(), { clientId, clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    await eventually(() => expect(payloadsOn(second.received, topic)).toEqual(['while offline']), WAIT);
    await second.client.endAsync();
    // Clean session 1: session present 0 although a session was stored [MQTT-3.2.2-1]; it is discarded.
    const clean = await clients.connect(firstUrl(), { clientId, clean: true });
    expect(clean.connack.sessionPresent).toBe(false);
    await clean.client.endAsync();
    // Persistent again: a new session, without the old subscription [MQTT-3.1.2-6].
    const third = await clients.connect(lastUrl(), { clientId, clean: false });
    expect(third.connack.sessionPresent).toBe(false);
    await third.client.subscribeAsync(marker, { qos: 1 });
    await publish(topic, 'old subscription', 1);
    await new Promise((r) => setTimeout(r, 300)); // a bounded wait proving an absence, then a marker
    await publish(marker, 'marker', 1);
    await eventually(() => expect(payloadsOn(third.received, marker)).toEqual(['marker']), WAIT);
    expect(payloadsOn(third.received, topic)).toEqual([]);
  });

  it.each([
    ['the same gateway', 0],
    ['the last gateway (the other one, handed over, in the multi-process shape)', -1],
  ])(
    '[MQTT-4.4.0-1] [MQTT-4.6.0-1] [MQTT-4.3.3-1] [MQTT-3.3.1-1] [MQTT-3.3.1-3] back on %s: the PUBREL and the unacknowledged PUBLISH packets again, same identifiers, DUP set; new messages DUP clear; nothing acknowledged repeated',
    async (_where, gateway) => {
      const backUrl = () => (gateway === 0 ? firstUrl() : lastUrl());
      const clientId = uniqueName();
      const topic = `${uniqueName()}/resume`;
      const [first] = await connectRaw(firstUrl(), clientId, false);
      await subscribeRaw(first, topic, 2);
      const qosOf = (i: number): 1 | 2 => (i % 2 === 0 ? 1 : 2);
      for (let i = 0; i < 6; i++) await publish(topic, `m${i}`, qosOf(i));
      await eventually(() => expect(first.all<IPublishPacket>('publish')).toHaveLength(6), WAIT);
      const sent = first.all<IPublishPacket>('publish');
      expect(sent.map((p) => [payloadOf(p), p.qos, p.dup])).toEqual(
        Array.from({ length: 6 }, (_, i) => [`m${i}`, qosOf(i), false]),
      );
      const idOf = (i: number) => sent[i]!.messageId;
      first.send({ cmd: 'puback', messageId: idOf(0) }); // m0 acknowledged
      first.send({ cmd: 'pubrec', messageId: idOf(1) }); // m1: PUBREL follows, PUBCOMP never sent
      expect((await first.next('pubrel')).messageId).toBe(idOf(1));
      first.send({ cmd: 'puback', messageId: idOf(4) }); // m4 acknowledged; m2, m3, m5 not
      first.write([0xc0, 0x00]);
      await first.next('pingresp'); // the acknowledgements above were handled
      await drop(first);
      await publish(topic, 'm6', 1); // never sent before

      const [second, present] = await connectRaw(backUrl(), clientId, false);
      expect(present).toBe(true);
      await eventually(() => expect(second.all('publish')).toHaveLength(4), WAIT);
      expect(flow(second.packets)).toEqual([
        ['pubrel', '', idOf(1), false],
        ['publish', 'm2', idOf(2), true],
        ['publish', 'm3', idOf(3), true],
        ['publish', 'm5', idOf(5), true],
        ['publish', 'm6', expect.any(Number) as unknown as number, false],
      ]);
      // The flows complete on the new connection.
      second.send({ cmd: 'pubcomp', messageId: idOf(1) });
      for (const p of second.all<IPublishPacket>('publish')) {
        second.send({ cmd: p.qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId ?? 0 });
      }
      await eventually(() => expect(second.all('pubrel')).toHaveLength(3), WAIT); // m1 again, then m3, m5
      for (const p of second.all('pubrel').slice(1))
        second.send({ cmd: 'pubcomp', messageId: p.messageId ?? 0 });
      second.send({ cmd: 'disconnect' });
      await second.closedByServer();

      // Everything was acknowledged: the next connection gets only what is new.
      const [third] = await connectRaw(lastUrl(), clientId, false);
      await publish(topic, 'm7', 1);
      const next = await third.next<IPublishPacket>('publish');
      expect([payloadOf(next), next.dup]).toEqual(['m7', false]);
      third.write([0xc0, 0x00]);
      await third.next('pingresp');
      expect(flow(third.packets).map(([cmd, payload]) => `${cmd} ${payload}`)).toEqual(['publish m7']);
    },
    60_000,
  );

  it(`[MQTT-4.4.0-1] [MQTT-4.6.0-1] [MQTT-3.3.1-1] back on ${shapeName === 'multi-process' ? 'the other gateway' : 'the gateway'}: every unacknowledged QoS 1 and 2 message again, in order, with DUP`, async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/redeliver`;
    const [first] = await connectRaw(firstUrl(), clientId, false);
    await subscribeRaw(first, topic, 2);
    const payloads = Array.from({ length: 6 }, (_, i) => `m${i}`);
    for (const [i, payload] of payloads.entries()) await publish(topic, payload, i % 2 === 0 ? 1 : 2);
    await eventually(() => expect(first.all<IPublishPacket>('publish')).toHaveLength(6), WAIT);
    const ids = first.all<IPublishPacket>('publish').map((p) => p.messageId);
    await drop(first); // nothing acknowledged

    const [second, present] = await connectRaw(lastUrl(), clientId, false);
    expect(present).toBe(true);
    await eventually(() => expect(second.all<IPublishPacket>('publish')).toHaveLength(6), WAIT);
    expect(
      second.all<IPublishPacket>('publish').map((p) => [payloadOf(p), p.qos, p.dup, p.messageId]),
    ).toEqual(payloads.map((p, i) => [p, i % 2 === 0 ? 1 : 2, true, ids[i]]));
    for (const p of second.all<IPublishPacket>('publish'))
      second.send({ cmd: p.qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId ?? 0 });
    await eventually(() => expect(second.all('pubrel')).toHaveLength(3), WAIT);
  }, 60_000);

  it('[MQTT-3.1.2-7] retained messages outlive the session that published them', async () => {
    const topic = `${uniqueName()}/retained`;
    const publisher = await clients.connect(lastUrl(), { clean: true });
    await publisher.client.publishAsync(topic, 'kept', { qos: 1, retain: true });
    await publisher.client.endAsync(); // the clean session ends here
    const persistent = await clients.connect(lastUrl(), { clientId: uniqueName(), clean: false });
    await persistent.client.publishAsync(topic, 'kept too', { qos: 1, retain: true });
    await persistent.client.endAsync();
    await clients.connect(lastUrl(), { clientId: persistent.client.options.clientId, clean: true }); // discards it
    const late = await clients.connect(firstUrl());
    await late.client.subscribeAsync(topic, { qos: 1 });
    await eventually(
      () => expect(late.received.map((m) => [m.payload.toString(), m.retain])).toEqual([['kept too', true]]),
      WAIT,
    );
  });

  it(`[MQTT-3.3.1-3] [MQTT-3.1.2-5] messages queued while offline are sent with DUP clear (${shapeName === 'multi-process' ? 'resumed on the other gateway' : 'resumed on the gateway'})`, async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/offline`;
    const [first] = await connectRaw(firstUrl(), clientId, false);
    await subscribeRaw(first, topic, 2);
    first.send({ cmd: 'disconnect' });
    await first.closedByServer();
    await publish(topic, 'offline 1', 1);
    await publish(topic, 'offline 2', 2);
    const [second, present] = await connectRaw(lastUrl(), clientId, false);
    expect(present).toBe(true);
    await eventually(() => expect(second.all('publish')).toHaveLength(2), WAIT);
    expect(second.all<IPublishPacket>('publish').map((p) => [payloadOf(p), p.qos, p.dup])).toEqual([
      ['offline 1', 1, false],
      ['offline 2', 2, false],
    ]);
  });

  it('[MQTT-4.3.3-2] inbound QoS 2 across gateways: a PUBLISH resent before PUBREL is stored once; an identifier released elsewhere is new again back here', async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/inbound-qos2`;
    const watcher = await clients.connect(firstUrl());
    await watcher.client.subscribeAsync(topic, { qos: 2 });
    const qos2 = (payload: string) => ({
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from(payload),
      qos: 2 as const,
      messageId: 5,
      dup: false,
      retain: false,
    });
    // The first gateway: PUBLISH id 5, PUBREC, then the connection drops before PUBREL.
    const [first] = await connectRaw(firstUrl(), clientId, false);
    first.send(qos2('first'));
    await first.next('pubrec');
    await drop(first);
    // The last gateway: the flow of id 5 completes, and id 5 is used again for a new message.
    // The last gateway: the client resends the PUBLISH it has not seen released — stored once all the same,
    // the first gateway handed its identifiers over — then the flow of id 5 completes, and id 5 is used again.
    const [second] = await connectRaw(lastUrl(), clientId, false);
    second.send({ ...qos2('first'), dup: true });
    await second.next('pubrec');
    second.send({ cmd: 'pubrel', messageId: 5 });
    await second.next('pubcomp');
    second.send(qos2('second'));
    await second.next('pubrec');
    second.send({ cmd: 'pubrel', messageId: 5 });
    await second.next('pubcomp');
    await drop(second);
    // Back on the first gateway: id 5 is a new message again, whatever it remembered of the first flow.
    const [third] = await connectRaw(firstUrl(), clientId, false);
    third.send(qos2('third'));
    await third.next('pubrec');
    third.send({ cmd: 'pubrel', messageId: 5 });
    await third.next('pubcomp');
    await publish(topic, 'end', 1);
    await eventually(() => expect(payloadsOn(watcher.received, topic)).toContain('end'), WAIT);
    expect(payloadsOn(watcher.received, topic)).toEqual(['first', 'second', 'third', 'end']);
  });

  it.each([
    ['on the same gateway', 0],
    ['from the last gateway (the other one in the multi-process shape)', -1],
  ])(
    '[MQTT-3.1.4-2] [MQTT-4.4.0-1] a takeover %s resumes the in-flight messages with their identifiers',
    async (_where, gateway) => {
      const clientId = uniqueName();
      const topic = `${uniqueName()}/takeover`;
      const [first] = await connectRaw(firstUrl(), clientId, false);
      await subscribeRaw(first, topic, 1);
      await publish(topic, 'acknowledged', 1);
      first.send({ cmd: 'puback', messageId: (await first.next<IPublishPacket>('publish')).messageId });
      for (let i = 0; i < 3; i++) await publish(topic, `t${i}`, 1);
      await eventually(() => expect(first.all('publish')).toHaveLength(4), WAIT);
      const ids = first
        .all<IPublishPacket>('publish')
        .map((p) => p.messageId)
        .slice(1);
      // The old connection is still open: the new one takes the session over.
      const [second, present] = await connectRaw(gateway === 0 ? firstUrl() : lastUrl(), clientId, false);
      expect(present).toBe(true);
      await first.closedByServer();
      await eventually(() => expect(second.all('publish')).toHaveLength(3), WAIT);
      expect(second.all<IPublishPacket>('publish').map((p) => [payloadOf(p), p.messageId, p.dup])).toEqual([
        ['t0', ids[0], true],
        ['t1', ids[1], true],
        ['t2', ids[2], true],
      ]);
    },
  );
});
