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
});
