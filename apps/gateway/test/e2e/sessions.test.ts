import { generate } from 'mqtt-packet';
import { eventually, uniqueName } from '@starling/test-harness';
import { clientTracker, payloadsOn, shapeCases, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { openRaw, parsePackets, type RawConnection } from '../support/raw-mqtt';
import type { SystemShape } from '../support/system-shapes';

// Persistent sessions live in the store, not in a gateway: they survive a gateway restart and move from one
// gateway to another with their subscriptions and undelivered messages.
describe.each(shapeCases())('persistent sessions (%s)', (shapeName, start) => {
  let shape: SystemShape;
  const clients = clientTracker();

  beforeAll(async () => {
    shape = await start();
  }, SHAPE_START_TIMEOUT_MS);
  const raws: RawConnection[] = [];
  afterEach(async () => {
    raws.splice(0).forEach((r) => r.destroy());
    await clients.endAll();
  });
  afterAll(() => shape?.stop(), 30_000);

  it('[MQTT-3.1.2-4] [MQTT-3.1.2-5] [MQTT-3.2.2-2] offline messages are queued across a gateway restart and delivered on resume', async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/queued`;
    const first = await clients.connect(shape.mqttUrl(0), { clientId, clean: false });
    expect(first.connack.sessionPresent).toBe(false);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.client.endAsync(); // DISCONNECT: the session stays
    // Published while the client is offline, through another gateway when there is one.
    const pub = await clients.connect(shape.mqttUrl(shape.gatewayCount - 1));
    const offline = Array.from({ length: 20 }, (_, i) => `offline-${i}`);
    for (const [i, payload] of offline.entries())
      await pub.client.publishAsync(topic, payload, { qos: i % 2 === 0 ? 1 : 2 });
    await pub.end();

    await shape.restartGateway(0);

    const resumed = await clients.connect(shape.mqttUrl(0), { clientId, clean: false });
    expect(resumed.connack.sessionPresent).toBe(true);
    // No SUBSCRIBE: the subscription is part of the session.
    await eventually(() => expect(payloadsOn(resumed.received, topic)).toEqual(offline), {
      timeoutMs: 15_000,
    });
    expect(resumed.received.every((m) => m.qos === 1)).toBe(true);
    // And it is live again.
    const live = await clients.connect(shape.mqttUrl(shape.gatewayCount - 1));
    await live.client.publishAsync(topic, 'live', { qos: 1 });
    await eventually(() => expect(payloadsOn(resumed.received, topic)).toEqual([...offline, 'live']), {
      timeoutMs: 10_000,
    });
  }, 60_000);

  it(`[MQTT-3.1.4-2] takeover (${shapeName === 'multi-process' ? 'gateway 0 → gateway 1, two processes' : 'on the one gateway'}): the first connection is closed, the session continues on the second`, async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/takeover`;
    // The first connection is a raw socket that never acknowledges what it receives: it stays in the session.
    const first = await openRaw(shape.mqttUrl(0));
    raws.push(first);
    first.write(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId,
        clean: false,
        keepalive: 0,
      }),
    );
    first.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 1 }] }));
    const firstPackets = () => parsePackets(first.received());
    await eventually(() => expect(firstPackets().map((p) => p.cmd)).toEqual(['connack', 'suback']), {
      timeoutMs: 10_000,
    });
    const unacked = () => firstPackets().flatMap((p) => (p.cmd === 'publish' ? [p.payload.toString()] : []));
    const pub = await clients.connect(shape.mqttUrl(shape.gatewayCount - 1));
    await pub.client.publishAsync(topic, 'm1', { qos: 1 });
    await eventually(() => expect(unacked()).toEqual(['m1']), { timeoutMs: 10_000 });
    // More messages while the first connection holds back: at most queued behind m1.
    await pub.client.publishAsync(topic, 'm2', { qos: 1 });
    await pub.client.publishAsync(topic, 'm3', { qos: 1 });

    const second = await clients.connect(shape.mqttUrl(shape.gatewayCount - 1), { clientId, clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    await eventually(() => expect(first.isClosed()).toBe(true), { timeoutMs: 10_000 });
    await pub.client.publishAsync(topic, 'm4', { qos: 1 });
    // Without a SUBSCRIBE: the unacknowledged m1 again, the queued m2, m3 and the new m4 (QoS 1: duplicates
    // are allowed, loss is not).
    await eventually(
      () => expect([...new Set(payloadsOn(second.received, topic))].sort()).toEqual(['m1', 'm2', 'm3', 'm4']),
      { timeoutMs: 10_000 },
    );
    const m1 = second.received.find((m) => m.payload.toString() === 'm1');
    expect(m1?.dup).toBe(true); // [MQTT-3.3.1-1] a re-delivery carries DUP
    expect(unacked()[0]).toBe('m1');
  }, 60_000);
});
