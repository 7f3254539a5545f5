import { randomBytes } from 'node:crypto';
import { eventually, uniqueName } from '@starling/test-harness';
import { clientTracker, payloadsOn, shapeCases, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import type { TestClient } from '../support/mqtt-clients';
import {
  CONNACK_ACCEPTED,
  connectPacket,
  frame,
  mqttString,
  openRaw,
  type RawConnection,
} from '../support/raw-mqtt';
import type { SystemShape } from '../support/system-shapes';

/** More than GATEWAY_MAX_PACKET_BYTES (1 MiB): whatever frame header the random bytes spell, it ends in error. */
const RANDOM_BYTES = 1024 * 1024 + 64 * 1024;

// Hostile bytes on raw sockets: each case closes only its own connection while a bystander (mqtt.js) keeps
// publishing and receiving on the same gateway the whole time.
describe.each(shapeCases())('hostile input closes only that connection (%s)', (_shapeName, start) => {
  let shape: SystemShape;
  const clients = clientTracker();
  let bystander: TestClient;
  let bystanderTopic: string;
  let bystanderCloses = 0;
  let pumped = 0;
  let pump: NodeJS.Timeout | undefined;
  const raws: RawConnection[] = [];

  beforeAll(async () => {
    shape = await start();
    bystanderTopic = `${uniqueName('bystander')}/t`;
    const c = await clientTracker().connect(shape.mqttUrl(0), { keepalive: 30 });
    bystander = c;
    c.client.on('close', () => (bystanderCloses += 1));
    await c.client.subscribeAsync(bystanderTopic, { qos: 1 });
    // Keeps publishing through every test; each one checks that all of it came back.
    pump = setInterval(() => {
      pumped += 1;
      c.client.publish(bystanderTopic, `p${pumped}`, { qos: 1 });
    }, 20);
  }, SHAPE_START_TIMEOUT_MS);
  afterEach(async () => {
    raws.splice(0).forEach((r) => r.destroy());
    await clients.endAll();
  });
  afterAll(async () => {
    clearInterval(pump);
    await bystander?.end();
    await shape?.stop();
  }, 30_000);

  /** The bystander was never disconnected and has received everything it published so far. */
  async function expectBystanderUnharmed(): Promise<void> {
    pumped += 1;
    const upTo = pumped;
    await bystander.client.publishAsync(bystanderTopic, `p${upTo}`, { qos: 1 });
    await eventually(
      () => {
        const got = new Set(payloadsOn(bystander.received, bystanderTopic));
        const missing = Array.from({ length: upTo }, (_, i) => `p${i + 1}`).filter((p) => !got.has(p));
        expect(missing).toEqual([]);
      },
      { timeoutMs: 10_000 },
    );
    expect({ closes: bystanderCloses, connected: bystander.client.connected }).toEqual({
      closes: 0,
      connected: true,
    });
  }

  async function raw(): Promise<RawConnection> {
    const r = await openRaw(shape.mqttUrl(0));
    raws.push(r);
    return r;
  }

  /** A raw connection past CONNACK. keepalive 2 s: a frame left incomplete still ends in a close. */
  async function connected(): Promise<RawConnection> {
    const r = await raw();
    r.write(connectPacket(uniqueName(), 2));
    await eventually(() => expect(r.received()).toEqual(CONNACK_ACCEPTED), { timeoutMs: 5_000 });
    return r;
  }

  async function expectClosed(r: RawConnection): Promise<void> {
    await eventually(() => expect(r.isClosed()).toBe(true), { timeoutMs: 8_000 });
  }

  it.each([1, 2, 3])('[MQTT-3.1.0-1] [MQTT-4.8.0-1] random bytes instead of CONNECT (run %i)', async () => {
    const r = await raw();
    r.write(randomBytes(RANDOM_BYTES));
    await expectClosed(r);
    // Nothing but (at most) a refusing CONNACK came back.
    expect(r.received().length).toBeLessThanOrEqual(4);
    await expectBystanderUnharmed();
  });

  it.each([1, 2, 3])('[MQTT-4.8.0-1] random bytes after CONNECT (run %i)', async () => {
    const r = await connected();
    r.write(randomBytes(RANDOM_BYTES));
    await expectClosed(r);
    await expectBystanderUnharmed();
  });

  const malformed: Array<[string, () => Buffer, 'before' | 'after']> = [
    ['[MQTT-3.1.0-1] a PINGREQ before CONNECT', () => Buffer.from([0xc0, 0x00]), 'before'],
    [
      '[MQTT-3.1.2-1] a CONNECT with protocol name "MQTX"',
      () => {
        const good = connectPacket(uniqueName());
        return Buffer.from(good.toString('latin1').replace('MQTT', 'MQTX'), 'latin1');
      },
      'before',
    ],
    [
      '[MQTT-3.1.2-3] a CONNECT with the reserved flag set',
      () => {
        const good = connectPacket(uniqueName());
        good[9] = good[9]! | 0x01; // fixed header 2, name 6, level 1, then the flags byte
        return good;
      },
      'before',
    ],
    ['[MQTT-3.1.0-2] a second CONNECT', () => connectPacket(uniqueName()), 'after'],
    [
      '[MQTT-3.3.1-4] a PUBLISH with QoS 3',
      () => frame(0x36, Buffer.concat([mqttString(Buffer.from('a/b')), Buffer.from([0, 1, 0x78])])),
      'after',
    ],
    [
      '[MQTT-3.8.1-1] a SUBSCRIBE with reserved bits 0000',
      () =>
        frame(0x80, Buffer.concat([Buffer.from([0, 1]), mqttString(Buffer.from('a/#')), Buffer.from([1])])),
      'after',
    ],
    [
      '[MQTT-3.3.2-2] a PUBLISH to a topic name holding a wildcard',
      () => frame(0x30, Buffer.concat([mqttString(Buffer.from('a/+')), Buffer.from('x')])),
      'after',
    ],
    [
      '[MQTT-2.2.3] a remaining length with a fifth byte',
      () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
      'after',
    ],
    [
      'an oversized remaining length (256 MiB − 1 > GATEWAY_MAX_PACKET_BYTES), header only',
      () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]),
      'after',
    ],
    [
      'an oversized remaining length (1 MiB + 1), header and the first bytes only',
      () => Buffer.concat([Buffer.from([0x30, 0x81, 0x80, 0x40]), mqttString(Buffer.from('a/b'))]),
      'after',
    ],
    [
      '[MQTT-1.5.3-1] a PUBLISH topic that is not UTF-8 (0xC3 0x28)',
      () =>
        frame(
          0x32,
          Buffer.concat([
            mqttString(Buffer.from([0x61, 0x2f, 0xc3, 0x28])),
            Buffer.from([0, 1]),
            Buffer.from('x'),
          ]),
        ),
      'after',
    ],
    [
      '[MQTT-1.5.3-1] a PUBLISH topic holding a UTF-16 surrogate (0xED 0xA0 0x80)',
      () =>
        frame(
          0x30,
          Buffer.concat([mqttString(Buffer.from([0x61, 0x2f, 0xed, 0xa0, 0x80])), Buffer.from('x')]),
        ),
      'after',
    ],
    [
      '[MQTT-1.5.3-2] a PUBLISH topic holding U+0000',
      () => frame(0x30, Buffer.concat([mqttString(Buffer.from([0x61, 0x2f, 0x00, 0x62])), Buffer.from('x')])),
      'after',
    ],
    [
      '[MQTT-1.5.3-1] a SUBSCRIBE filter that is not UTF-8',
      () =>
        frame(
          0x82,
          Buffer.concat([Buffer.from([0, 2]), mqttString(Buffer.from([0x61, 0x2f, 0xff])), Buffer.from([1])]),
        ),
      'after',
    ],
  ];
  it.each(malformed)('%s closes the connection', async (_title, bytes, when) => {
    const r = when === 'before' ? await raw() : await connected();
    const before = r.received().length;
    r.write(bytes());
    await expectClosed(r);
    if (when === 'after') {
      // Nothing answered the bad packet (no SUBACK, PUBACK or CONNACK): the connection just closed.
      expect(r.received().length).toBe(before);
    }
    await expectBystanderUnharmed();
  });
});
