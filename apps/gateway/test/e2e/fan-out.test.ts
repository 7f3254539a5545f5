import { eventually, uniqueName } from '@starling/test-harness';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { shapeCases, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import type { SystemShape } from '../support/system-shapes';

const SUBSCRIBERS = 1_000;
const BATCH = 100;

// One publish, a thousand real mqtt.js subscribers (spread over the gateways of the shape).
describe.each(shapeCases())('fan-out to 1,000 subscribers (%s)', (_shapeName, start) => {
  let shape: SystemShape;
  const subscribers: TestClient[] = [];

  beforeAll(async () => {
    shape = await start();
  }, SHAPE_START_TIMEOUT_MS);
  afterAll(async () => {
    for (let i = 0; i < subscribers.length; i += BATCH)
      await Promise.all(subscribers.slice(i, i + BATCH).map((s) => s.end().catch(() => undefined)));
    await shape?.stop();
  }, 60_000);

  it('[MQTT-3.3.5-1] one QoS 1 publish reaches every one of 1,000 subscribers, once', async () => {
    const topic = `${uniqueName()}/broadcast`;
    const t0 = Date.now();
    for (let i = 0; i < SUBSCRIBERS; i += BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(BATCH, SUBSCRIBERS - i) }, async (_, j) => {
          const n = i + j;
          const sub = await connectClient(shape.mqttUrl(n % shape.gatewayCount), {
            clientId: `${topic.split('/')[0]}-${n}`,
            keepalive: 60,
          });
          subscribers.push(sub);
          const granted = await sub.client.subscribeAsync(topic, { qos: 1 });
          if (granted[0]?.qos !== 1)
            throw new Error(`subscriber ${n} was granted ${JSON.stringify(granted)}`);
          return sub;
        }),
      );
      expect(batch).toHaveLength(Math.min(BATCH, SUBSCRIBERS - i));
    }
    expect(subscribers).toHaveLength(SUBSCRIBERS);
    console.info(
      `fan-out (${shape.kind}): ${SUBSCRIBERS} subscribers connected and subscribed in ${Date.now() - t0} ms`,
    );

    const pub = await connectClient(shape.mqttUrl(shape.gatewayCount - 1));
    try {
      const startedAt = Date.now();
      await pub.client.publishAsync(topic, 'to everyone', { qos: 1 });
      await eventually(
        () => {
          const missing = subscribers.filter((s) => s.received.length === 0).length;
          expect({ missing }).toEqual({ missing: 0 });
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      console.info(
        `fan-out (${shape.kind}): ${SUBSCRIBERS} subscribers reached in ${Date.now() - startedAt} ms`,
      );
      // A marker after it: nobody got a second copy.
      await pub.client.publishAsync(topic, 'marker', { qos: 1 });
      await eventually(() => expect(subscribers.filter((s) => s.received.length < 2).length).toBe(0), {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      const wrong = subscribers.filter(
        (s) =>
          s.received.length !== 2 ||
          s.received[0]?.payload.toString() !== 'to everyone' ||
          s.received[0]?.qos !== 1 ||
          s.received[0]?.topic !== topic,
      );
      expect(wrong.length).toBe(0);
    } finally {
      await pub.end();
    }
  }, 90_000);
});
