import { eventually, uniqueName } from '@starling/test-harness';
import { connectClient, type TestClient } from '../support/mqtt-clients';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';

// Real processes (apps/*/dist/main.js: build first) and a real nats-server.
describe('smoke: multi-process (nats-server, store, notifier, two gateways)', () => {
  let shape: MultiProcessShape;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    shape = await startMultiProcessShape({ gateways: 2 });
  }, 60_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(async () => {
    await shape?.stop();
  }, 30_000);

  it('a QoS 1 message published on one gateway reaches a subscriber on the other', async () => {
    const topic = `smoke/${uniqueName()}`;
    const sub = await connectClient(shape.mqttUrl(0), { clientId: `${uniqueName()}-sub` });
    clients.push(sub);
    expect((await sub.client.subscribeAsync(topic, { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    const pub = await connectClient(shape.mqttUrl(1), { clientId: `${uniqueName()}-pub` });
    clients.push(pub);
    await pub.client.publishAsync(topic, 'across', { qos: 1 });
    await eventually(
      () =>
        expect(sub.received.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
          [topic, 'across', 1],
        ]),
      { timeoutMs: 10_000 },
    );
  });

  it('connects over WebSocket too', async () => {
    const topic = `smoke/${uniqueName()}`;
    const sub = await connectClient(shape.wsUrl(1), { clientId: `${uniqueName()}-sub` });
    clients.push(sub);
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = await connectClient(shape.wsUrl(0), { clientId: `${uniqueName()}-pub` });
    clients.push(pub);
    await pub.client.publishAsync(topic, 'ws', { qos: 1 });
    await eventually(() => expect(sub.received.map((m) => m.payload.toString())).toEqual(['ws']), {
      timeoutMs: 10_000,
    });
  });
});
