import { createMessagingClient } from '@starling/proto';
import type { ConsumedMessageOutput } from '@starling/proto';
import { eventually, uniqueName } from '@starling/test-harness';
import { clientTracker, shapeCases, summary, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { unary } from '../support/grpc';
import { mosquittoPub } from '../support/mosquitto';
import type { SystemShape } from '../support/system-shapes';

// One path for both kinds of client: what a backend produces over gRPC (starling.messaging.v1) reaches MQTT
// devices, and what devices publish is read by backend consumer groups from the first-level topic queue.
describe.each(shapeCases())('the unified path, MQTT ⇄ gRPC (%s)', (_shapeName, start) => {
  let shape: SystemShape;
  let messaging: ReturnType<typeof createMessagingClient>;
  const clients = clientTracker();

  beforeAll(async () => {
    shape = await start();
    messaging = createMessagingClient(shape.storeAddress);
  }, SHAPE_START_TIMEOUT_MS);
  afterEach(() => clients.endAll());
  afterAll(async () => {
    messaging?.close();
    await shape?.stop();
  }, 30_000);

  it('a message produced with ProduceMessages reaches MQTT subscribers on every gateway, retained too', async () => {
    const first = uniqueName();
    const subs = await Promise.all(
      Array.from({ length: shape.gatewayCount }, async (_, i) => {
        const sub = await clients.connect(shape.mqttUrl(i));
        await sub.client.subscribeAsync(`${first}/devices/+/cmd`, { qos: 1 });
        return sub;
      }),
    );
    const produced = await unary(messaging, messaging.produceMessages, {
      producerId: 'e2e-backend',
      messages: [
        { topic: `${first}/devices/1/cmd`, payload: Buffer.from('reboot'), qos: 1 },
        { topic: `${first}/devices/2/cmd`, payload: Buffer.from('at-most-once'), qos: 0 },
        { topic: `${first}/devices/3/cmd`, payload: Buffer.from('exactly-once'), qos: 2, retain: true },
        { topic: `${first}/devices/4/other`, payload: Buffer.from('not subscribed'), qos: 1 },
      ],
    });
    expect(produced.positions).toHaveLength(4);
    for (const sub of subs) {
      await eventually(
        () =>
          expect(summary(sub.received).sort()).toEqual(
            [
              [`${first}/devices/1/cmd`, 'reboot', 1, false],
              [`${first}/devices/2/cmd`, 'at-most-once', 0, false],
              [`${first}/devices/3/cmd`, 'exactly-once', 1, false], // min(2, granted 1)
            ].sort(),
          ),
        { timeoutMs: 10_000 },
      );
    }
    // `retain` made it the retained message of its topic.
    const late = await clients.connect(shape.mqttUrl(shape.gatewayCount - 1));
    await late.client.subscribeAsync(`${first}/devices/3/cmd`, { qos: 2 });
    await eventually(
      () => expect(summary(late.received)).toEqual([[`${first}/devices/3/cmd`, 'exactly-once', 2, true]]),
      { timeoutMs: 10_000 },
    );
  });

  it('MQTT publishes (mqtt.js and mosquitto_pub) are read by a gRPC consumer group from the first-level topic queue', async () => {
    const first = uniqueName();
    const clientId = `${first}-device`;
    const pub = await clients.connect(shape.mqttUrl(0), { clientId });
    await pub.client.publishAsync(`${first}/a`, 'one', { qos: 1 });
    await pub.client.publishAsync(`${first}/b/c`, 'two', { qos: 2, retain: true });
    await pub.client.publishAsync(first, 'three', { qos: 1 });
    const mosquitto = await mosquittoPub(shape.mqttUrl(shape.gatewayCount - 1), {
      topic: `${first}/d`,
      message: 'four',
      qos: 1,
      clientId: `${first}-mosquitto`,
    });
    expect(mosquitto.code).toBe(0);
    // Not the queue of another first level.
    await pub.client.publishAsync(`${first}x/a`, 'elsewhere', { qos: 1 });

    const group = uniqueName('e2e-group');
    const consumed: ConsumedMessageOutput[] = [];
    await eventually(
      async () => {
        const res = await unary(messaging, messaging.consumeMessages, {
          group,
          topic: first,
          start: 'START_POSITION_EARLIEST',
          fromOffset: consumed.length,
          maxMessages: 100,
          waitMs: 500,
        });
        consumed.push(...res.messages);
        expect(consumed.length).toBeGreaterThanOrEqual(4);
      },
      { timeoutMs: 10_000 },
    );
    expect(
      consumed.map((m) => [m.offset, m.topic, m.payload.toString(), m.qos, m.retain, m.publisherId]),
    ).toEqual([
      [0, `${first}/a`, 'one', 1, false, clientId],
      [1, `${first}/b/c`, 'two', 2, true, clientId],
      [2, first, 'three', 1, false, clientId],
      [3, `${first}/d`, 'four', 1, false, `${first}-mosquitto`],
    ]);
    // Reading committed nothing; a commit moves the group, and it then reads nothing more.
    await unary(messaging, messaging.commitConsumerOffsets, {
      group,
      offsets: [{ topic: first, offset: 4 }],
    });
    const after = await unary(messaging, messaging.consumeMessages, {
      group,
      topic: first,
      start: 'START_POSITION_EARLIEST',
      waitMs: 0,
    });
    expect({
      messages: after.messages.length,
      nextOffset: after.nextOffset,
      endOffset: after.endOffset,
    }).toEqual({
      messages: 0,
      nextOffset: 4,
      endOffset: 4,
    });
  });
});
