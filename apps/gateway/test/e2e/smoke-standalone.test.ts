import { eventually, uniqueName } from '@starling/test-harness';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { startStandaloneShape, type StandaloneShape } from '../support/system-shapes';

describe('smoke: standalone (store, notifier, gateway in one process, in-process event bus)', () => {
  let shape: StandaloneShape;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    shape = await startStandaloneShape();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(async () => {
    await shape.stop();
  });

  it.each([
    ['tcp', () => shape.mqttUrl(0)],
    ['ws', () => shape.wsUrl(0)],
  ])('connect, subscribe, publish QoS 1, receive (%s)', async (_transport, url) => {
    const topic = `smoke/${uniqueName()}`;
    const sub = await connectClient(url(), { clientId: `${uniqueName()}-sub` });
    clients.push(sub);
    const granted = await sub.client.subscribeAsync(topic, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const pub = await connectClient(url(), { clientId: `${uniqueName()}-pub` });
    clients.push(pub);
    await pub.client.publishAsync(topic, 'hello', { qos: 1 });
    await eventually(
      () =>
        expect(sub.received.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
          [topic, 'hello', 1],
        ]),
      { timeoutMs: 5_000 },
    );
  });

  it('delivers a live stream from what the store just dispatched, without pulling it (ADR 0019)', async () => {
    const metrics = shape.gatewayMetrics[0]!;
    const counter = async (name: 'pushedMessages' | 'pulls'): Promise<number> =>
      (await metrics[name].get()).values.reduce((sum, v) => sum + v.value, 0);
    const topic = `push/${uniqueName()}`;
    const sub = await connectClient(shape.mqttUrl(0), { clientId: `${uniqueName()}-sub` });
    clients.push(sub);
    await sub.client.subscribeAsync(`${topic}/+`, { qos: 1 });
    const pub = await connectClient(shape.mqttUrl(0), { clientId: `${uniqueName()}-pub` });
    clients.push(pub);
    const pushedBefore = await counter('pushedMessages');
    const pullsBefore = await counter('pulls');
    const count = 200;
    for (let i = 0; i < count; i++) await pub.client.publishAsync(`${topic}/${i % 7}`, String(i), { qos: 1 });
    await eventually(() => expect(sub.received).toHaveLength(count), { timeoutMs: 10_000 });
    expect(sub.received.map((m) => Number(m.payload.toString()))).toEqual([...Array(count).keys()]);
    expect(sub.received.every((m) => m.topic === `${topic}/${Number(m.payload.toString()) % 7}`)).toBe(true);
    // Each publish waits for its PUBACK, so each is a dispatch batch of its own: nearly every message is pushed.
    expect((await counter('pushedMessages')) - pushedBefore).toBeGreaterThanOrEqual(count * 0.9);
    expect((await counter('pulls')) - pullsBefore).toBeLessThan(count / 2);
  });
});
