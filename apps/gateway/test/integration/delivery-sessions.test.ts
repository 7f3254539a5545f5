import { createStoreClient, type FetchOffsetsResponseOutput } from '@starling/proto';
import type { IPublishPacket } from 'mqtt-packet';
import { eventually, startDeliveryHarness, type DeliveryHarness } from './delivery-harness';

/** The committed offset of a session's filter queue, read from the store (FetchOffsets). */
async function committedOffset(
  h: DeliveryHarness,
  clientId: string,
  filter: string,
): Promise<number | undefined> {
  const client = createStoreClient(h.store.address);
  try {
    const response = await new Promise<FetchOffsetsResponseOutput>((resolve, reject) =>
      client.FetchOffsets(
        {
          consumer: { kind: 'CONSUMER_KIND_SESSION', id: clientId },
          queues: [{ kind: 'QUEUE_KIND_FILTER', name: filter }],
        },
        (err, r) => (err || !r ? reject(err ?? new Error('no response')) : resolve(r)),
      ),
    );
    return response.offsets[0]?.offset;
  } finally {
    client.close();
  }
}

const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe('delivery of persistent sessions (offsets, reconnect, takeover)', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    h = await startDeliveryHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('commits offsets never past an unacknowledged message; a reconnect resumes there with DUP [MQTT-4.4.0-1]', async () => {
    const filter = 'offsets/t';
    const first = await h.persistent('offsets-client');
    expect(await h.subscribe(first.delivery, filter, 1)).toBe(1);
    for (let i = 0; i < 5; i++) await h.publish(filter, `m${i}`, 1);
    await eventually(() => first.connection.publishes().length === 5);
    const sent = first.connection.publishes();
    expect(sent.every((p) => !p.dup)).toBe(true);
    // PUBACK m0, m1 and m3; m2 and m4 stay in flight.
    for (const i of [0, 1, 3]) first.delivery.onPuback(sent[i]!.messageId!);
    await eventually(async () => (await committedOffset(h, 'offsets-client', filter)) === 2);
    await settle(100); // more commit intervals pass: still never past m2
    expect(await committedOffset(h, 'offsets-client', filter)).toBe(2);
    await first.delivery.stop();
    expect(await committedOffset(h, 'offsets-client', filter)).toBe(2);

    // Messages published while offline wait in the queue.
    await h.publish(filter, 'offline', 1);
    const second = await h.persistent('offsets-client');
    expect(second.spec.subscriptions.map((s) => s.filter)).toEqual([filter]);
    await eventually(() => second.connection.publishes().length === 4);
    // From the committed offset: m2 … m4 were (or may have been) sent before, so DUP=1. So is `offline`: it is
    // below the queue's end at resume, and the gateway cannot know whether it went out (conservative rule).
    expect(second.connection.publishes().map((p) => [p.payload.toString(), p.dup])).toEqual([
      ['m2', true],
      ['m3', true],
      ['m4', true],
      ['offline', true],
    ]);
    await h.publish(filter, 'live', 1);
    await eventually(() => second.connection.publishes().length === 5);
    expect(second.connection.publishes()[4]).toMatchObject({ dup: false, qos: 1 });
    const acked = second.connection.publishes().map((p) => p.messageId!);
    for (const id of acked) second.delivery.onPuback(id);
    // m0 … m4, offline and live are offsets 0 … 6: everything acknowledged, the next offset to read is 7.
    await eventually(async () => (await committedOffset(h, 'offsets-client', filter)) === 7);
    await second.delivery.stop();
  });

  it('QoS 2 counts as acknowledged at PUBREC for offsets', async () => {
    const filter = 'qos2offsets/t';
    const s = await h.persistent('qos2-offsets');
    await h.subscribe(s.delivery, filter, 2);
    await h.publish(filter, 'x', 2);
    await eventually(() => s.connection.publishes().length === 1);
    s.delivery.onPubrec(s.connection.publishes()[0]!.messageId!);
    await eventually(async () => (await committedOffset(h, 'qos2-offsets', filter)) === 1);
    await s.delivery.stop();
  });

  it('a stale epoch on commit means taken over: delivery stops and the connection closes', async () => {
    const filter = 'takeover/t';
    const old = await h.persistent('takeover-client');
    await h.subscribe(old.delivery, filter, 1);
    // Another connection opens the session: new epoch, the old one is fenced.
    await h.access.openSession({
      clientId: 'takeover-client',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    await h.publish(filter, 'a', 1);
    await eventually(() => old.connection.publishes().length === 1);
    old.delivery.onPuback(old.connection.publishes()[0]!.messageId!);
    await eventually(() => old.connection.closedWith === 'taken-over');
    await h.publish(filter, 'b', 1);
    await settle(100);
    expect(old.connection.publishes()).toHaveLength(1);
    await old.delivery.stop();
  });
});

describe('offline QoS 0 off (GATEWAY_OFFLINE_QOS0=false)', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    h = await startDeliveryHarness({ engine: { offlineQos0: false } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('skips QoS 0 messages queued while offline, delivers the rest and everything live', async () => {
    const filter = 'offline0/t';
    const first = await h.persistent('offline0');
    await h.subscribe(first.delivery, filter, 1);
    await first.delivery.stop();
    await h.publish(filter, 'q0-a', 0);
    await h.publish(filter, 'q1-b', 1);
    await h.publish(filter, 'q0-c', 0);
    const dropped = await h.count('messagesDropped', { reason: 'offline-qos0' });
    const second = await h.persistent('offline0');
    await eventually(() => second.connection.publishes().length === 1);
    await h.publish(filter, 'q0-live', 0);
    await eventually(() => second.connection.publishes().length === 2);
    expect(second.connection.payloads()).toEqual(['q1-b', 'q0-live']);
    expect(await h.count('messagesDropped', { reason: 'offline-qos0' })).toBe(dropped + 2);
    const acked: IPublishPacket[] = second.connection.publishes().filter((p) => p.qos === 1);
    for (const p of acked) second.delivery.onPuback(p.messageId!);
    await second.delivery.stop();
  });
});

describe('retention moves a resumed cursor forward', () => {
  let h: DeliveryHarness;
  beforeAll(async () => {
    h = await startDeliveryHarness({
      storeEnv: {
        STORE_SEGMENT_BYTES: '65536',
        STORE_RETENTION_MAX_BYTES: '65536',
        STORE_RETENTION_CHECK_INTERVAL: '20ms',
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('skips what retention deleted, counts it, and delivers the rest in order', async () => {
    const filter = 'retention/t';
    const first = await h.persistent('retention-client');
    await h.subscribe(first.delivery, filter, 0);
    await first.delivery.stop();
    const payload = 'x'.repeat(1024);
    for (let i = 0; i < 300; i++) await h.publish(filter, `${i}:${payload}`, 0);
    const topicQueue = { shard: 0, kind: 'topic' as const, name: 'retention' };
    await eventually(async () => (await h.access.pull(topicQueue, 0, 1, 1 << 20)).lowOffset > 0);
    const before = await h.count('messagesDropped', { reason: 'retention' });
    const second = await h.persistent('retention-client');
    await eventually(async () => (await h.count('messagesDropped', { reason: 'retention' })) > before);
    const dropped = (await h.count('messagesDropped', { reason: 'retention' })) - before;
    await eventually(() => second.connection.publishes().length === 300 - dropped);
    const indexes = second.connection.payloads().map((p) => Number(p.split(':')[0]));
    expect(indexes).toEqual(Array.from({ length: 300 - dropped }, (_, i) => i + dropped));
    await second.delivery.stop();
  });
});
