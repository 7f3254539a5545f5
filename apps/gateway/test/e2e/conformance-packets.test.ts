import type {
  IPubackPacket,
  IPubcompPacket,
  IPubrecPacket,
  ISubackPacket,
  IUnsubackPacket,
} from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { payloadsOn, shapeCases } from '../support/e2e';
import { id, rawFrame, str, type RawSession } from '../support/raw-session';
import { shapeSuite } from '../support/shape-suite';

// MQTT 3.1.1 conformance, packet level (docs/conformance/mqtt-3.1.1.md): fixed-header flags, reserved packet
// types, packet identifiers, empty payloads and topic rules, each checked over a raw socket against both system
// shapes. A bad packet must close the connection without an answer to it [MQTT-4.8.0-1]; a good one right
// before it must still be answered.
const WAIT = { timeoutMs: 10_000 };

describe.each(shapeCases())('MQTT 3.1.1 conformance: packets (%s)', (_shapeName, start) => {
  const suite = shapeSuite(start);
  const { raws, clients } = suite;

  async function connected(): Promise<RawSession> {
    return (await raws.connect(suite.shape.mqttUrl(0))).session;
  }

  /** Sends a PINGREQ and waits for its PINGRESP: the connection is open and every earlier packet was handled. */
  async function expectOpen(session: RawSession): Promise<void> {
    session.write([0xc0, 0x00]);
    await session.next('pingresp');
    expect(session.isClosed()).toBe(false);
  }

  /** `bytes` closes the connection, and nothing answers it (only a PINGRESP sent before may be there). */
  async function expectRefused(bytes: Buffer): Promise<void> {
    const session = await connected();
    await expectOpen(session);
    const before = session.packets.length;
    session.write(bytes);
    await session.closedByServer();
    expect(session.packets.slice(before).map((p) => p.cmd)).toEqual([]);
  }

  describe('fixed header flags [MQTT-2.2.2-1] [MQTT-2.2.2-2]', () => {
    const badFlags: Array<[string, Buffer]> = [
      ['PUBACK with flags 0001', rawFrame(0x41, id(1))],
      ['PUBREC with flags 1000', rawFrame(0x58, id(1))],
      ['[MQTT-3.6.1-1] PUBREL with flags 0000', rawFrame(0x60, id(1))],
      ['[MQTT-3.6.1-1] PUBREL with flags 0011', rawFrame(0x63, id(1))],
      ['PUBCOMP with flags 0010', rawFrame(0x72, id(1))],
      ['[MQTT-3.8.1-1] SUBSCRIBE with flags 0000', rawFrame(0x80, [...id(1), ...str('a/b'), 0])],
      ['[MQTT-3.8.1-1] SUBSCRIBE with flags 1010 (DUP)', rawFrame(0x8a, [...id(1), ...str('a/b'), 0])],
      ['[MQTT-3.10.1-1] UNSUBSCRIBE with flags 0000', rawFrame(0xa0, [...id(1), ...str('a/b')])],
      ['[MQTT-3.10.1-1] UNSUBSCRIBE with flags 0011', rawFrame(0xa3, [...id(1), ...str('a/b')])],
      ['PINGREQ with flags 0001', Buffer.from([0xc1, 0x00])],
      ['[MQTT-3.14.1-1] DISCONNECT with flags 0100', Buffer.from([0xe4, 0x00])],
    ];
    it.each(badFlags)('%s closes the connection unanswered', async (_title, bytes) => {
      await expectRefused(bytes);
    });

    it('PUBREL, SUBSCRIBE and UNSUBSCRIBE with flags 0010 are answered [MQTT-3.6.1-1] [MQTT-3.8.1-1] [MQTT-3.10.1-1]', async () => {
      const session = await connected();
      session.write(rawFrame(0x62, id(7)));
      expect((await session.next<IPubcompPacket>('pubcomp')).messageId).toBe(7);
      session.write(rawFrame(0x82, [...id(8), ...str(`${uniqueName()}/a`), 1]));
      const suback = await session.next<ISubackPacket>('suback');
      expect({ id: suback.messageId, granted: suback.granted }).toEqual({ id: 8, granted: [1] });
      session.write(rawFrame(0xa2, [...id(9), ...str('no/such/filter')]));
      expect((await session.next<IUnsubackPacket>('unsuback')).messageId).toBe(9);
      await expectOpen(session);
    });
  });

  describe('packet types [MQTT-4.8.0-1]', () => {
    const badTypes: Array<[string, Buffer]> = [
      ['reserved type 0', Buffer.from([0x00, 0x00])],
      ['reserved type 15 (AUTH of MQTT 5, reserved in 3.1.1)', Buffer.from([0xf0, 0x00])],
      ['CONNACK (server to client only)', Buffer.from([0x20, 0x02, 0x00, 0x00])],
      ['SUBACK (server to client only)', rawFrame(0x90, [...id(1), 0])],
      ['UNSUBACK (server to client only)', rawFrame(0xb0, id(1))],
      ['PINGRESP (server to client only)', Buffer.from([0xd0, 0x00])],
    ];
    it.each(badTypes)('%s closes the connection unanswered', async (_title, bytes) => {
      await expectRefused(bytes);
    });
  });

  describe('packet identifiers [MQTT-2.3.1-1]', () => {
    const zeroIds: Array<[string, Buffer]> = [
      ['PUBLISH QoS 1 with packet identifier 0', rawFrame(0x32, [...str('a/b'), 0, 0, 0x78])],
      ['PUBLISH QoS 2 with packet identifier 0', rawFrame(0x34, [...str('a/b'), 0, 0, 0x78])],
      ['SUBSCRIBE with packet identifier 0', rawFrame(0x82, [0, 0, ...str('a/b'), 1])],
      ['UNSUBSCRIBE with packet identifier 0', rawFrame(0xa2, [0, 0, ...str('a/b')])],
      ['[MQTT-2.3.1-6] PUBACK with packet identifier 0', rawFrame(0x40, [0, 0])],
      ['[MQTT-2.3.1-6] PUBREC with packet identifier 0', rawFrame(0x50, [0, 0])],
      ['[MQTT-2.3.1-6] PUBREL with packet identifier 0', rawFrame(0x62, [0, 0])],
      ['PUBCOMP with packet identifier 0', rawFrame(0x70, [0, 0])],
    ];
    it.each(zeroIds)('%s closes the connection unanswered', async (_title, bytes) => {
      await expectRefused(bytes);
    });

    it('[MQTT-2.3.1-6] [MQTT-2.3.1-7] acknowledgements carry the packet identifier of their packet', async () => {
      const session = await connected();
      const topic = `${uniqueName()}/ids`;
      session.send({ cmd: 'subscribe', messageId: 65535, subscriptions: [{ topic, qos: 2 }] });
      expect((await session.next<ISubackPacket>('suback')).messageId).toBe(65535);
      session.send({
        cmd: 'publish',
        topic,
        payload: 'a',
        qos: 1,
        messageId: 300,
        retain: false,
        dup: false,
      });
      expect((await session.next<IPubackPacket>('puback')).messageId).toBe(300);
      session.send({ cmd: 'publish', topic, payload: 'b', qos: 2, messageId: 1, retain: false, dup: false });
      expect((await session.next<IPubrecPacket>('pubrec')).messageId).toBe(1);
      session.send({ cmd: 'pubrel', messageId: 1 });
      expect((await session.next<IPubcompPacket>('pubcomp')).messageId).toBe(1);
      session.send({ cmd: 'unsubscribe', messageId: 4242, unsubscriptions: [topic] });
      expect((await session.next<IUnsubackPacket>('unsuback')).messageId).toBe(4242);
    });
  });

  describe('payloads', () => {
    it('[MQTT-3.8.3-3] a SUBSCRIBE without a topic filter closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0x82, id(3)));
    });

    it('[MQTT-3.10.3-2] an UNSUBSCRIBE without a topic filter closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0xa2, id(3)));
    });

    it('[MQTT-3.8.3-4] a SUBSCRIBE requesting QoS 3 closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0x82, [...id(3), ...str('a/b'), 3]));
    });

    it('[MQTT-3.8.3-4] a SUBSCRIBE with a reserved bit set in the requested QoS byte closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0x82, [...id(3), ...str('a/b'), 0x05]));
    });

    it('[MQTT-3.8.3-1] [MQTT-1.5.3-1] an UNSUBSCRIBE filter that is not UTF-8 closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0xa2, [...id(3), ...str(Buffer.from([0x61, 0xc3, 0x28]))]));
    });

    it('[MQTT-1.5.3-2] U+0000 in an UNSUBSCRIBE filter closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0xa2, [...id(3), ...str(Buffer.from([0x61, 0x00]))]));
    });
  });

  describe('topic names and filters', () => {
    it('[MQTT-4.7.3-1] a PUBLISH with a zero-length topic name closes the connection unanswered', async () => {
      await expectRefused(rawFrame(0x32, [...str(''), ...id(5), 0x78]));
    });

    it.each(['a/+', '#', 'a/#', '+'])(
      '[MQTT-3.3.2-2] [MQTT-4.7.1-1] a PUBLISH to the topic name %s closes the connection unanswered',
      async (topic) => {
        await expectRefused(rawFrame(0x32, [...str(topic), ...id(5), 0x78]));
      },
    );

    it('[MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.3-1] [MQTT-3.9.3-1] invalid filters get 0x80 in their place, the valid ones their QoS', async () => {
      const session = await connected();
      const base = uniqueName();
      session.send({
        cmd: 'subscribe',
        messageId: 11,
        subscriptions: [
          { topic: `${base}/ok/#`, qos: 2 },
          { topic: `${base}/#/x`, qos: 1 },
          { topic: `${base}/a#`, qos: 1 },
          { topic: `${base}/+/ok`, qos: 1 },
          { topic: `${base}/a+`, qos: 1 },
          { topic: `${base}/+a/b`, qos: 0 },
          { topic: '', qos: 0 },
          { topic: '+', qos: 0 },
        ],
      });
      const suback = await session.next<ISubackPacket>('suback');
      expect({ id: suback.messageId, granted: suback.granted }).toEqual({
        id: 11,
        granted: [2, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 0],
      });
      // [MQTT-3.9.3-2] only 0, 1, 2 and 0x80 are used.
      expect(suback.granted.every((g) => [0, 1, 2, 0x80].includes(g as number))).toBe(true);
      await expectOpen(session);
    });

    it('[MQTT-1.5.3-3] a leading U+FEFF is part of the topic: not stripped, not matched without it', async () => {
      const base = uniqueName();
      const withBom = `\uFEFF${base}/t`;
      const plain = await clients.connect(suite.shape.mqttUrl(0));
      await plain.client.subscribeAsync(`${base}/t`, { qos: 1 });
      const bom = await clients.connect(suite.shape.mqttUrl(0));
      await bom.client.subscribeAsync(withBom, { qos: 1 });
      const pub = await clients.connect(suite.shape.mqttUrl(suite.shape.gatewayCount - 1));
      await pub.client.publishAsync(withBom, 'with-bom', { qos: 1 });
      await pub.client.publishAsync(`${base}/t`, 'plain', { qos: 1 });
      await pub.client.publishAsync(withBom, 'end', { qos: 1 });
      // Each subscriber reads one queue in publish order: once the last message meant for it is there, any
      // wrongly matched earlier one would be there too.
      await eventually(() => expect(payloadsOn(plain.received, `${base}/t`)).toEqual(['plain']), WAIT);
      await eventually(() => expect(payloadsOn(bom.received, withBom)).toEqual(['with-bom', 'end']), WAIT);
      expect(plain.received.map((m) => m.payload.toString())).toEqual(['plain']);
      expect(bom.received.map((m) => m.topic)).toEqual([withBom, withBom]);
      expect(Buffer.from(bom.received[0]!.topic, 'utf8').subarray(0, 3)).toEqual(
        Buffer.from([0xef, 0xbb, 0xbf]),
      );
    });

    it('[MQTT-4.7.3-4] topics are matched without normalization: case, trailing slash, Unicode forms', async () => {
      const base = uniqueName();
      const composed = `${base}/caf\u00e9`; // é as one code point
      const decomposed = `${base}/cafe\u0301`; // e + combining acute accent
      const sub = await clients.connect(suite.shape.mqttUrl(0));
      await sub.client.subscribeAsync(composed, { qos: 1 });
      await sub.client.subscribeAsync(`${base}/x`, { qos: 1 });
      const pub = await clients.connect(suite.shape.mqttUrl(suite.shape.gatewayCount - 1));
      for (const topic of [decomposed, `${base}/X`, `${base}/x/`, `${base.toUpperCase()}/x`])
        await pub.client.publishAsync(topic, topic, { qos: 1 });
      await pub.client.publishAsync(composed, 'composed', { qos: 1 });
      await pub.client.publishAsync(`${base}/x`, 'x', { qos: 1 });
      // Each filter reads its own queue in publish order: a wrong match would arrive before these two.
      await eventually(
        () =>
          expect(sub.received.map((m) => [m.topic, m.payload.toString()]).sort()).toEqual(
            [
              [composed, 'composed'],
              [`${base}/x`, 'x'],
            ].sort(),
          ),
        WAIT,
      );
    });
  });
});
