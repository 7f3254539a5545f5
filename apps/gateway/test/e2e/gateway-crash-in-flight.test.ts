import type { IPublishPacket, IPubrelPacket, ISubackPacket, Packet } from 'mqtt-packet';
import { createStoreClient, type SessionOutput } from '@starling/proto';
import { eventually, uniqueName } from '@starling/test-harness';
import { clientTracker, payloadsOn, SHAPE_START_TIMEOUT_MS } from '../support/e2e';
import { unary } from '../support/grpc';
import { rawTracker, type RawSession, payloadOf, flow } from '../support/raw-session';
import { startMultiProcessShape, type MultiProcessShape } from '../support/system-shapes';

const WAIT = { timeoutMs: 15_000 };

/**
 * A gateway SIGKILLed in the middle of QoS flows (ADR 0014): the in-flight state of its persistent sessions was
 * committed to the store with their offsets, so the client, back on the other gateway, continues exactly —
 * the PUBREL again, unacknowledged messages again with their packet identifiers and DUP set, an inbound QoS 2
 * message sent again before PUBREL stored once [MQTT-4.4.0-1] [MQTT-4.3.3-2]. No park and no handover: the
 * killed gateway answers nothing. Real processes: nats-server, store, notifier, two gateways.
 */
describe('gateway crash mid-flow (multi-process: SIGKILL the gateway; the session resumes from the store)', () => {
  let shape: MultiProcessShape;
  let store: ReturnType<typeof createStoreClient>;
  const raws = rawTracker();
  const clients = clientTracker();

  beforeAll(async () => {
    shape = await startMultiProcessShape({ gateways: 2 });
    store = createStoreClient(shape.storeAddress);
  }, SHAPE_START_TIMEOUT_MS);
  afterEach(async () => {
    raws.destroyAll();
    await clients.endAll();
  });
  afterAll(async () => {
    store?.close();
    await shape?.stop();
  }, 30_000);

  const session = async (clientId: string): Promise<SessionOutput> => {
    const r = await unary(store, store.GetSession, { clientId });
    if (r.session === null) throw new Error(`no session ${clientId}`);
    return r.session;
  };

  /** SIGKILLs gateway 0, the one the session is on; it starts again for the next test (a new incarnation). */
  let crashed = false;
  async function crashGateway(): Promise<void> {
    crashed = true;
    await shape.gateways[0]!.kill('SIGKILL');
  }
  afterEach(async () => {
    if (crashed) await shape.restartGateway(0);
    crashed = false;
  }, 30_000);

  async function connectRaw(url: string, clientId: string): Promise<[RawSession, boolean]> {
    const { session: raw, connack } = await raws.connect(url, { clientId, clean: false });
    return [raw, connack.sessionPresent];
  }

  async function subscribeRaw(raw: RawSession, topic: string, qos: 1 | 2): Promise<void> {
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] });
    expect((await raw.next<ISubackPacket>('suback')).granted).toEqual([qos]);
  }

  async function publish(topic: string, payload: string, qos: 1 | 2): Promise<void> {
    const publisher = await clients.connect(shape.mqttUrl(1));
    await publisher.client.publishAsync(topic, payload, { qos });
    await publisher.end();
  }

  /** The store's count of one gRPC method served, from its /metrics. */
  async function storeCalls(method: string): Promise<number> {
    const opsPort = shape.stores[0]!.ready['ops']!;
    const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n'))
      if (line.startsWith('starling_store_grpc_requests_total{') && line.includes(`method="${method}"`))
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    return total;
  }

  it('the QoS 1 hot path gains no store write per message: a persistent subscriber costs one CommitOffsets per commit interval (ADR 0014)', async () => {
    const topic = `${uniqueName()}/hot`;
    const subscriber = await clients.connect(shape.mqttUrl(0), { clientId: uniqueName(), clean: false });
    await subscriber.client.subscribeAsync(topic, { qos: 1 });
    const publisher = await clients.connect(shape.mqttUrl(1));
    const count = 2_000;
    const commitsBefore = await storeCalls('CommitOffsets');
    const startedAt = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) => publisher.client.publishAsync(topic, `m${i}`, { qos: 1 })),
    );
    await eventually(() => expect(payloadsOn(subscriber.received, topic)).toHaveLength(count), WAIT);
    const elapsedMs = Date.now() - startedAt;
    // The last acknowledgements are committed within an interval (100 ms by default).
    await eventually(async () => {
      expect((await session(subscriber.client.options.clientId!)).subscriptions[0]?.committedOffset).toBe(
        count,
      );
    }, WAIT);
    const commits = (await storeCalls('CommitOffsets')) - commitsBefore;
    console.log(
      `${count} QoS 1 messages to a persistent subscriber in ${elapsedMs} ms: ${commits} CommitOffsets ` +
        `(${(commits / count).toFixed(3)} per message, ${((commits * 1000) / Math.max(1, elapsedMs)).toFixed(1)}/s)`,
    );
    // At most one commit per 100 ms interval, plus the last one after the interval.
    expect(commits).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 3);
    expect(commits / count).toBeLessThan(0.1);
  });

  it('[MQTT-4.4.0-1] [MQTT-4.3.3-1] QoS 2 with PUBREC sent and PUBCOMP pending: the PUBREL with the same identifier arrives from the other gateway, and the message is not sent again', async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/pubrel`;
    const [first] = await connectRaw(shape.mqttUrl(0), clientId);
    await subscribeRaw(first, topic, 2);
    await publish(topic, 'exactly once', 2);
    const sent = await first.next<IPublishPacket>('publish', () => true, WAIT.timeoutMs);
    first.send({ cmd: 'pubrec', messageId: sent.messageId });
    expect((await first.next<IPubrelPacket>('pubrel')).messageId).toBe(sent.messageId);
    // The commit that follows PUBREC (batched, GATEWAY_OFFSET_COMMIT_INTERVAL) holds the PUBREL.
    await eventually(async () => {
      expect((await session(clientId)).subscriptions[0]?.inFlight).toEqual([
        expect.objectContaining({ packetId: sent.messageId, qos: 2, pubrelSent: true }),
      ]);
    }, WAIT);

    await crashGateway();
    const [second, present] = await connectRaw(shape.mqttUrl(1), clientId);
    expect(present).toBe(true);
    const pubrel = await second.next<IPubrelPacket>('pubrel', () => true, WAIT.timeoutMs);
    expect(pubrel.messageId).toBe(sent.messageId);
    second.send({ cmd: 'pubcomp', messageId: sent.messageId });
    // Flows on: a new message, never sent before (DUP 0); the completed one is not sent again.
    await publish(topic, 'next', 2);
    const next = await second.next<IPublishPacket>('publish', () => true, WAIT.timeoutMs);
    expect([payloadOf(next), next.dup]).toEqual(['next', false]);
    expect(flow(second.packets)).toEqual([
      ['pubrel', '', sent.messageId, false],
      ['publish', 'next', next.messageId, false],
    ]);
    // PUBCOMP completed it in the store too.
    second.send({ cmd: 'pubrec', messageId: next.messageId });
    await second.next('pubrel');
    second.send({ cmd: 'pubcomp', messageId: next.messageId });
    await eventually(async () => {
      expect((await session(clientId)).subscriptions[0]?.inFlight).toEqual([]);
    }, WAIT);
  });

  it('[MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.6.0-1] unacknowledged QoS 1 messages come back from the other gateway with their packet identifiers and DUP 1, in order; the acknowledged one does not', async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/qos1`;
    const [first] = await connectRaw(shape.mqttUrl(0), clientId);
    await subscribeRaw(first, topic, 1);
    for (const payload of ['m1', 'm2', 'm3']) await publish(topic, payload, 1);
    await eventually(() => expect(first.all('publish')).toHaveLength(3), WAIT);
    const [m1, m2, m3] = first.all<IPublishPacket>('publish');
    first.send({ cmd: 'puback', messageId: m2!.messageId }); // out of order: m1 and m3 stay unacknowledged
    await eventually(async () => {
      const inFlight = (await session(clientId)).subscriptions[0]?.inFlight ?? [];
      expect(inFlight.map((m) => m.packetId)).toEqual([m1!.messageId, m3!.messageId]);
    }, WAIT);

    await crashGateway();
    const [second, present] = await connectRaw(shape.mqttUrl(1), clientId);
    expect(present).toBe(true);
    await eventually(() => expect(second.all('publish')).toHaveLength(2), WAIT);
    await publish(topic, 'm4', 1);
    await eventually(() => expect(second.all('publish')).toHaveLength(3), WAIT);
    const m4 = second.all<IPublishPacket>('publish')[2]!;
    expect(flow(second.packets)).toEqual([
      ['publish', 'm1', m1!.messageId, true],
      ['publish', 'm3', m3!.messageId, true],
      ['publish', 'm4', m4.messageId, false],
    ]);
    expect([m1!.messageId, m3!.messageId]).not.toContain(m4.messageId);
  });

  it('[MQTT-4.3.3-2] an inbound QoS 2 PUBLISH sent again after the crash, before PUBREL, is stored once; an identifier the client reuses (DUP 0) is a new message', async () => {
    const clientId = uniqueName();
    const topic = `${uniqueName()}/inbound`;
    const watcher = await clients.connect(shape.mqttUrl(1));
    await watcher.client.subscribeAsync(topic, { qos: 2 });
    const qos2 = (messageId: number, payload: string, dup: boolean) => ({
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from(payload),
      qos: 2 as const,
      messageId,
      dup,
      retain: false,
    });
    const [first] = await connectRaw(shape.mqttUrl(0), clientId);
    first.send(qos2(7, 'seven', false));
    first.send(qos2(8, 'eight', false));
    await first.next('pubrec');
    await first.next('pubrec');
    await eventually(async () => {
      expect([...(await session(clientId)).inboundQos2Ids].sort()).toEqual([7, 8]);
    }, WAIT);

    await crashGateway();
    const [second] = await connectRaw(shape.mqttUrl(1), clientId);
    // Id 7: PUBREC was lost with the gateway, the client sends the PUBLISH again — acknowledged, not stored.
    second.send(qos2(7, 'seven', true));
    expect((await second.next<Packet & { messageId: number }>('pubrec')).messageId).toBe(7);
    second.send({ cmd: 'pubrel', messageId: 7 });
    await second.next('pubcomp');
    // Id 8: released before the crash as far as the client knows; used again for a new message (DUP 0).
    second.send(qos2(8, 'eight again', false));
    await second.next('pubrec');
    second.send({ cmd: 'pubrel', messageId: 8 });
    await second.next('pubcomp');
    await publish(topic, 'end', 1);
    await eventually(() => expect(payloadsOn(watcher.received, topic)).toContain('end'), WAIT);
    expect(payloadsOn(watcher.received, topic)).toEqual(['seven', 'eight', 'eight again', 'end']);
    await eventually(async () => {
      expect((await session(clientId)).inboundQos2Ids).toEqual([]);
    }, WAIT);
  });
});
