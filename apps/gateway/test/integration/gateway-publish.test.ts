import { type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import type mqttPacket from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import {
  RawClient,
  connectPacket,
  connectTcp,
  counterValue,
  startStack,
  type Stack,
} from '../support/gateway-stack';

// ---- tests -----------------------------------------------------------------------------------------------

/** Every message of a topic queue in the store (the first level names the queue). */
async function storedMessages(
  stack: Stack,
  topic: string,
): Promise<Array<{ topic: string; payload: string; qos: number }>> {
  await stack.store.store.dispatched();
  const outcome = await stack.store.store.pull({
    queue: { kind: 'topic', name: topic.split('/')[0]! },
    fromOffset: 0,
    maxMessages: 1000,
    maxBytes: 16 * 1024 * 1024,
    waitMs: 0,
  });
  if (outcome.status !== 'ok') return [];
  return outcome.messages
    .filter((m) => m.topic === topic)
    .map((m) => ({ topic: m.topic, payload: m.payload.toString(), qos: m.qos }));
}

function publishFrame(
  topic: Buffer | string,
  payload: string,
  qos: 0 | 1 | 2,
  messageId = 1,
  dup = false,
): Buffer {
  const topicBytes = Buffer.isBuffer(topic) ? topic : Buffer.from(topic, 'utf8');
  const body = Buffer.concat([
    Buffer.from([topicBytes.length >> 8, topicBytes.length & 0xff]),
    topicBytes,
    qos > 0 ? Buffer.from([messageId >> 8, messageId & 0xff]) : Buffer.alloc(0),
    Buffer.from(payload),
  ]);
  if (body.length > 127) throw new Error('test frames are short');
  return Buffer.concat([Buffer.from([0x30 | (dup ? 0x08 : 0) | (qos << 1), body.length]), body]);
}

async function connectedRaw(
  stack: Stack,
  fields: Partial<mqttPacket.IConnectPacket> = {},
): Promise<RawClient> {
  const raw = await RawClient.open(stack);
  raw.send(connectPacket(fields));
  const connack = (await raw.packet('connack')) as mqttPacket.IConnackPacket;
  expect(connack.returnCode).toBe(0);
  return raw;
}

describe('gateway PUBLISH', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  test.each([0, 1, 2] as const)(
    'QoS %i: the store has the message once the publish is acknowledged [MQTT-4.3]',
    async (qos) => {
      const topic = `pub${qos}/${uniqueName()}`;
      const client = await connectTcp(stack, { clientId: uniqueName() });
      await client.publishAsync(topic, `hello ${qos}`, { qos });
      // QoS 1/2: resolved on PUBACK / PUBCOMP, which the gateway sends only after the append is durable.
      const stored =
        qos === 0
          ? await eventually(async () => {
              const m = await storedMessages(stack, topic);
              if (m.length === 0) throw new Error('not stored yet');
              return m;
            })
          : await storedMessages(stack, topic);
      expect(stored).toEqual([{ topic, payload: `hello ${qos}`, qos }]);
    },
  );

  test('QoS 2: a duplicate PUBLISH before PUBREL is acknowledged again but not appended twice [MQTT-4.3.3-2]', async () => {
    const topic = `dup2/${uniqueName()}`;
    const raw = await connectedRaw(stack);
    raw.write(publishFrame(topic, 'once', 2, 7));
    await eventually(() => raw.packets.filter((p) => p.cmd === 'pubrec').length === 1);
    raw.write(publishFrame(topic, 'once', 2, 7, true));
    await eventually(() => raw.packets.filter((p) => p.cmd === 'pubrec').length === 2);
    raw.send({ cmd: 'pubrel', messageId: 7 });
    const pubcomp = (await raw.packet('pubcomp')) as mqttPacket.IPubcompPacket;
    expect(pubcomp.messageId).toBe(7);
    expect(await storedMessages(stack, topic)).toHaveLength(1);
    // After PUBREL the identifier is free again: a new message with it is a new message.
    raw.write(publishFrame(topic, 'twice', 2, 7));
    await eventually(() => raw.packets.filter((p) => p.cmd === 'pubrec').length === 3);
    expect(await storedMessages(stack, topic)).toHaveLength(2);
  });

  test('acknowledgements keep the order of the PUBLISH packets [MQTT-4.6.0-2, -3]', async () => {
    const raw = await connectedRaw(stack);
    const frames: Buffer[] = [];
    for (let id = 1; id <= 20; id++)
      frames.push(publishFrame(`order${id % 4}/${uniqueName()}`, `m${id}`, ((id % 2) + 1) as 1 | 2, id));
    raw.write(Buffer.concat(frames));
    const acks = (): Packet[] => raw.packets.filter((p) => p.cmd === 'puback' || p.cmd === 'pubrec');
    await eventually(() => acks().length === 20);
    expect(acks().map((p) => p.messageId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('PUBREL for an unknown packet identifier still gets PUBCOMP [MQTT-3.6.4-1]', async () => {
    const raw = await connectedRaw(stack);
    raw.send({ cmd: 'pubrel', messageId: 4242 });
    expect(((await raw.packet('pubcomp')) as mqttPacket.IPubcompPacket).messageId).toBe(4242);
  });

  test('a topic name with a wildcard closes the connection [MQTT-3.3.2-2]', async () => {
    const raw = await connectedRaw(stack);
    raw.write(publishFrame('a/+/b', 'x', 1));
    await raw.closedByServer();
    expect(raw.packets.filter((p) => p.cmd === 'puback')).toHaveLength(0);
  });

  test('DUP set on a QoS 0 PUBLISH closes the connection [MQTT-3.3.1-2]', async () => {
    const raw = await connectedRaw(stack);
    raw.write(publishFrame('a/b', 'x', 0, 0, true));
    await raw.closedByServer();
  });

  test('QoS 3 closes the connection [MQTT-3.3.1-4]', async () => {
    const raw = await connectedRaw(stack);
    const frame = publishFrame('a/b', 'x', 1);
    frame[0] = 0x36;
    raw.write(frame);
    await raw.closedByServer();
  });

  test('SUBACK codes keep SUBSCRIBE order, 0x80 for an invalid filter [MQTT-3.9.3-1]', async () => {
    const raw = await connectedRaw(stack);
    raw.send({
      cmd: 'subscribe',
      messageId: 5,
      subscriptions: [
        { topic: `order/${uniqueName()}`, qos: 2 },
        { topic: 'bad/#/filter', qos: 1 },
        { topic: `order/${uniqueName()}/+`, qos: 0 },
      ],
    });
    const suback = (await raw.packet('suback')) as mqttPacket.ISubackPacket;
    expect(suback.messageId).toBe(5);
    expect(suback.granted).toEqual([2, 128, 0]);
  });

  test('subscribers receive what is published, at min(published, granted) QoS [MQTT-3.8.4-6]', async () => {
    const topic = `roundtrip/${uniqueName()}`;
    const sub = await connectTcp(stack, { clientId: uniqueName('sub') });
    const granted = await sub.subscribeAsync(topic, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const received = new Promise<{ payload: string; qos: number }>((resolve) =>
      sub.once('message', (_t, p, packet) => resolve({ payload: p.toString(), qos: packet.qos })),
    );
    const pub = await connectTcp(stack, { clientId: uniqueName('pub') });
    await pub.publishAsync(topic, 'delivered', { qos: 2 });
    expect(await received).toEqual({ payload: 'delivered', qos: 1 });
  });

  test('UNSUBACK answers UNSUBSCRIBE, also for a filter never subscribed [MQTT-3.10.4-4, -5]', async () => {
    const raw = await connectedRaw(stack);
    raw.send({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['never/subscribed'] });
    expect(((await raw.packet('unsuback')) as mqttPacket.IUnsubackPacket).messageId).toBe(9);
  });

  test('a SUBSCRIBE without filters closes the connection [MQTT-3.8.3-3]', async () => {
    const raw = await connectedRaw(stack);
    raw.write([0x82, 0x02, 0x00, 0x01]);
    await raw.closedByServer();
  });
});

describe('gateway malformed input', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ GATEWAY_MAX_PACKET_BYTES: '64KiB' });
  });
  afterAll(async () => {
    await stack.close();
  });

  /** A client that keeps working while others misbehave. */
  async function bystander(): Promise<MqttClient> {
    return connectTcp(stack, { clientId: uniqueName('bystander') });
  }

  async function stillWorks(client: MqttClient): Promise<void> {
    const topic = `alive/${uniqueName()}`;
    await client.publishAsync(topic, 'ok', { qos: 1 });
    expect(client.connected).toBe(true);
    expect(await storedMessages(stack, topic)).toHaveLength(1);
  }

  test('random bytes close only that connection', async () => {
    const other = await bystander();
    for (let i = 0; i < 5; i++) {
      const raw = await RawClient.open(stack);
      const bytes = Buffer.alloc(256);
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(Math.random() * 256);
      bytes[0] = 0x10; // a CONNECT of 100 bytes of garbage
      bytes[1] = 100;
      raw.write(bytes);
      await raw.closedByServer();
    }
    await stillWorks(other);
  });

  test('an oversized remaining length closes the connection before the body arrives', async () => {
    const other = await bystander();
    const raw = await connectedRaw(stack);
    // PUBLISH announcing 200,000,000 bytes; only the fixed header is sent.
    raw.write([0x30, 0x80, 0xc2, 0xae, 0x5f]);
    await raw.closedByServer();
    expect(
      await counterValue(stack.metrics.protocolErrors, { reason: 'packet-too-large' }),
    ).toBeGreaterThanOrEqual(1);
    await stillWorks(other);
  });

  test('a fifth remaining-length byte closes the connection [MQTT-2.2.3]', async () => {
    const raw = await connectedRaw(stack);
    raw.write([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    await raw.closedByServer();
  });

  test('a topic name that is not well-formed UTF-8 closes the connection [MQTT-1.5.3-1]', async () => {
    const other = await bystander();
    const raw = await connectedRaw(stack);
    raw.write(publishFrame(Buffer.from([0x61, 0x2f, 0xc3, 0x28]), 'x', 1));
    await raw.closedByServer();
    expect(raw.packets.filter((p) => p.cmd === 'puback')).toHaveLength(0);
    await stillWorks(other);
  });

  test('a topic name holding U+0000 closes the connection [MQTT-1.5.3-2]', async () => {
    const raw = await connectedRaw(stack);
    raw.write(publishFrame(Buffer.from([0x61, 0x00, 0x62]), 'x', 1));
    await raw.closedByServer();
  });

  test('an encoded surrogate (ED A0 80) in a topic closes the connection [MQTT-1.5.3-1]', async () => {
    const raw = await connectedRaw(stack);
    raw.write(publishFrame(Buffer.from([0x61, 0xed, 0xa0, 0x80]), 'x', 1));
    await raw.closedByServer();
  });

  test('a packet split across many TCP segments is reassembled', async () => {
    const raw = await connectedRaw(stack);
    const topic = `split/${uniqueName()}`;
    const frame = publishFrame(topic, 'pieces', 1, 3);
    for (const byte of frame) {
      raw.write([byte]);
      await new Promise((r) => setImmediate(r));
    }
    expect(((await raw.packet('puback')) as mqttPacket.IPubackPacket).messageId).toBe(3);
    expect(await storedMessages(stack, topic)).toHaveLength(1);
  });

  test('a server-to-client packet from a client closes the connection [MQTT-4.8.0-1]', async () => {
    const raw = await connectedRaw(stack);
    raw.write([0x20, 0x02, 0x00, 0x00]); // CONNACK
    await raw.closedByServer();
  });
});

describe('gateway publish rate (GATEWAY_MAX_PUBLISH_RATE)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ GATEWAY_MAX_PUBLISH_RATE: '50', GATEWAY_PUBLISH_BURST: '10' });
  });
  afterAll(async () => {
    await stack.close();
  });

  test('a client over its rate is slowed down, loses nothing, and does not hold up the others', async () => {
    const topic = `rate${uniqueName()}/m`;
    const fast = await connectTcp(stack, { clientId: uniqueName('fast') });
    const started = Date.now();
    let acknowledged = 0;
    // 110 QoS 1 publishes at once: 10 go with the burst, 100 at 50/s, about two seconds.
    const all = Promise.all(
      Array.from({ length: 110 }, (_, i) =>
        fast.publishAsync(topic, String(i), { qos: 1 }).then(() => {
          acknowledged++;
        }),
      ),
    );
    await eventually(() => expect(acknowledged).toBeGreaterThanOrEqual(15));
    // Another client's publish is acknowledged while the throttled one still waits for most of its own.
    const other = await connectTcp(stack, { clientId: uniqueName('other') });
    await other.publishAsync(`${topic}/other`, 'x', { qos: 1 });
    expect(acknowledged).toBeLessThan(110);
    await all;
    // The limit holds: 100 publishes past the burst take at least about two seconds at 50/s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(
      (await storedMessages(stack, topic)).filter((m) => m.topic === topic).map((m) => m.payload),
    ).toEqual(Array.from({ length: 110 }, (_, i) => String(i)));
    expect(await counterValue(stack.metrics.publishesThrottled, {})).toBeGreaterThanOrEqual(95);
  });
});
