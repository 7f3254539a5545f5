import { Client, credentials, status } from '@grpc/grpc-js';
import type { WatchArrivalsResponseOutput } from '@starling/proto';
import { eventually } from '@starling/test-harness';
import { appendMessage, call, codeOf } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

const msg = appendMessage;

describe('store over real gRPC: append, dispatch, pull', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore();
  });
  afterEach(async () => {
    await s.stop({ removeData: true });
  });

  const append = (messages: ReturnType<typeof msg>[]) =>
    call(s.clients.store, s.clients.store.appendMessages, { messages });
  const pull = (
    kind: 'QUEUE_KIND_TOPIC' | 'QUEUE_KIND_FILTER' | 'QUEUE_KIND_UNSPECIFIED',
    name: string,
    fromOffset = 0,
    extra = {},
  ) =>
    call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind, name },
      fromOffset,
      ...extra,
    });

  it('appends a batch and returns one position per message, in order', async () => {
    const res = await append([
      msg('telemetry/dev1/temp', 'a'),
      msg('telemetry/dev2/temp', 'bb'),
      msg('cmd/x', 'c'),
    ]);
    expect(res.positions).toHaveLength(3);
    expect(res.positions[0]).toBe(0);
    expect(res.positions[1]).toBeGreaterThan(res.positions[0]!);
    expect(res.positions[2]).toBeGreaterThan(res.positions[1]!);
    expect(res.shard).toBe(0);
  });

  it('dispatches each message into its first-level topic queue, in order, with every field kept', async () => {
    await append([
      msg('telemetry/dev1/temp', 'one', {
        publisherClientId: 'dev1',
        retain: false,
        properties: {
          contentType: 'text/plain',
          responseTopic: 'replies/dev1',
          correlationData: Buffer.from([1, 2]),
          userProperties: [
            { key: 'k', value: 'v1' },
            { key: 'k', value: 'v2' },
          ],
          payloadFormatIndicator: true,
          messageExpiryIntervalSeconds: 60,
        },
      }),
      msg('telemetry/dev2/temp', 'two', { qos: 0 }),
      msg('other/x', 'elsewhere'),
    ]);
    const r = await eventually(async () => {
      const p = await pull('QUEUE_KIND_TOPIC', 'telemetry');
      expect(p.messages).toHaveLength(2);
      return p;
    });
    expect(r.lowOffset).toBe(0);
    expect(r.endOffset).toBe(2);
    expect(r.nextOffset).toBe(2);
    expect(r.messages.map((m) => [m.offset, m.topic, m.payload.toString(), m.qos])).toEqual([
      [0, 'telemetry/dev1/temp', 'one', 1],
      [1, 'telemetry/dev2/temp', 'two', 0],
    ]);
    const first = r.messages[0]!;
    expect(first.publisherClientId).toBe('dev1');
    expect(first.properties).toMatchObject({
      contentType: 'text/plain',
      responseTopic: 'replies/dev1',
      payloadFormatIndicator: true,
      messageExpiryIntervalSeconds: 60,
      userProperties: [
        { key: 'k', value: 'v1' },
        { key: 'k', value: 'v2' },
      ],
    });
    expect(Buffer.from(first.properties!.correlationData)).toEqual(Buffer.from([1, 2]));
    expect(r.messages[1]!.properties).toBeNull();
    expect(first.timestampMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a registered filter receives only what is published after it, from its end offset', async () => {
    await append([msg('devices/1/cmd', 'before')]);
    const reg = await call(s.clients.store, s.clients.store.registerFilter, {
      filter: 'devices/+/cmd',
      holderId: 'gw-1',
    });
    expect(reg).toMatchObject({
      created: true,
      endOffset: 0,
      queue: { kind: 'QUEUE_KIND_FILTER', name: 'devices/+/cmd' },
    });
    await append([
      msg('devices/1/cmd', 'after-1'),
      msg('devices/2/status', 'no'),
      msg('devices/2/cmd', 'after-2'),
    ]);
    const r = await eventually(async () => {
      const p = await pull('QUEUE_KIND_FILTER', 'devices/+/cmd');
      expect(p.messages).toHaveLength(2);
      return p;
    });
    expect(r.messages.map((m) => m.payload.toString())).toEqual(['after-1', 'after-2']);
    // The same message is stored once: both queues point at one commitlog position.
    const topicQueue = await pull('QUEUE_KIND_TOPIC', 'devices');
    const positions = new Set(topicQueue.messages.map((m) => m.position));
    for (const m of r.messages) expect(positions.has(m.position)).toBe(true);
  });

  it('while dispatch lags, a subscription starts after every message acknowledged before it, and its retained lookup sees them', async () => {
    const store = s.server.store;
    const input = (topic: string, payload: string) => ({
      topic,
      payload: Buffer.from(payload),
      qos: 1,
      retain: false,
      timestampMs: 0,
      publisherClientId: 'p',
      properties: undefined,
    });
    // A large dispatch (40 × 500 records into a topic queue and 8 filter queues each) keeps the index
    // busy; the next append is acknowledged, and the filter registered, while that dispatch is in flight.
    for (const f of ['#', '+/#', 'bulk/#', '+/+/+', 'bulk/+/+', '+/+/#', 'bulk/+/#', '+/+/+/#']) {
      expect((await store.registerFilter(f, 'h', 0)).status).toBe('ok');
    }
    // 'lag/+' is already held by another subscriber and has one message in its queue.
    expect((await store.registerFilter('lag/+', 'other', 0)).status).toBe('ok');
    expect((await store.append([input('lag/0', 'earlier')])).status).toBe('ok');
    const session = await call(s.clients.store, s.clients.store.openSession, {
      clientId: 'lagging-device',
      ownerId: 'gw',
      cleanStart: true,
      sessionExpiryIntervalSeconds: 3600,
    });
    const bulk = Array.from({ length: 40 }, (_, b) =>
      Array.from({ length: 500 }, (_, i) => input(`bulk/${b}/${i}`, 'x')),
    );
    const bulkOutcomes = await Promise.all(bulk.map((batch) => store.append(batch)));
    expect(bulkOutcomes.map((o) => o.status)).toEqual(bulk.map(() => 'ok'));
    expect((await store.append([{ ...input('lag/1', 'before'), retain: true }])).status).toBe('ok');
    // Three subscriptions start now: a new filter, a second holder of an existing one, a persistent session's.
    const [reg, shared, updated] = await Promise.all([
      store.registerFilter('lag/#', 'h', 0),
      store.registerFilter('lag/+', 'h', 0),
      call(s.clients.store, s.clients.store.updateSession, {
        clientId: 'lagging-device',
        epoch: session.epoch,
        addSubscriptions: [{ filter: 'lag/1', qos: 1 }],
      }),
    ]);
    if (reg.status !== 'ok' || shared.status !== 'ok') throw new Error(`${reg.status}, ${shared.status}`);
    expect(reg.endOffset).toBe(0);
    const sessionStart = updated.session!.subscriptions[0]!.committedOffset!;
    // What the new subscriber gets instead: the retained message, acknowledged before it subscribed.
    const retained = await call(s.clients.store, s.clients.store.matchRetained, { filter: 'lag/#' });
    expect(retained.messages.map((m) => m.payload.toString())).toEqual(['before']);
    expect((await store.append([input('lag/1', 'after')])).status).toBe('ok');
    await store.dispatched();
    const payloadsFrom = async (filter: string, offset: number) =>
      (await pull('QUEUE_KIND_FILTER', filter, offset)).messages.map((m) => m.payload.toString());
    expect({
      new: await payloadsFrom('lag/#', reg.endOffset),
      shared: await payloadsFrom('lag/+', shared.endOffset),
      session: await payloadsFrom('lag/1', sessionStart),
    }).toEqual({ new: ['after'], shared: ['after'], session: ['after'] });
    // Services reading the topic queue still get every one.
    const topic = await pull('QUEUE_KIND_TOPIC', 'lag');
    expect(topic.messages.map((m) => m.payload.toString())).toEqual(['earlier', 'before', 'after']);
  });

  it('dispatches into exact, + and # filters, the parent level, and keeps $ topics from wildcard-first filters', async () => {
    const filters = ['a/b', 'a/+', 'a/#', '#', '+/b', '$SYS/#'];
    for (const f of filters) {
      await call(s.clients.store, s.clients.store.registerFilter, { filter: f, holderId: 'h' });
    }
    await append([msg('a/b', '1'), msg('a', '2'), msg('$SYS/load', '3'), msg('x/b', '4')]);
    await s.server.store.dispatched();
    const contents: Record<string, string[]> = {};
    for (const f of filters) {
      contents[f] = (await pull('QUEUE_KIND_FILTER', f)).messages.map((m) => m.payload.toString());
    }
    expect(contents).toEqual({
      'a/b': ['1'],
      'a/+': ['1'],
      'a/#': ['1', '2'], // a/# matches its parent "a" [MQTT-4.7.1-2]
      '#': ['1', '2', '4'], // a wildcard-first filter never matches a $ topic [MQTT-4.7.2-1]
      '+/b': ['1', '4'],
      '$SYS/#': ['3'],
    });
  });

  it('honours message and byte limits on a pull, returning at least one message', async () => {
    await append(Array.from({ length: 10 }, (_, i) => msg('t/x', `payload-${i}`)));
    await s.server.store.dispatched();
    const byCount = await pull('QUEUE_KIND_TOPIC', 't', 2, { maxMessages: 3 });
    expect(byCount.messages.map((m) => m.offset)).toEqual([2, 3, 4]);
    expect(byCount.nextOffset).toBe(5);
    const byBytes = await pull('QUEUE_KIND_TOPIC', 't', 0, { maxBytes: 1 });
    expect(byBytes.messages).toHaveLength(1);
  });

  it('long-polls: a pull with wait_ms returns as soon as a message is dispatched', async () => {
    const started = Date.now();
    const pending = pull('QUEUE_KIND_TOPIC', 'late', 0, { waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await append([msg('late/x', 'hello')]);
    const r = await pending;
    expect(r.messages.map((m) => m.payload.toString())).toEqual(['hello']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('honours the deadline: a long poll answers (empty) before the caller gives up', async () => {
    const r = await call(
      s.clients.store,
      s.clients.store.pullMessages,
      { queue: { kind: 'QUEUE_KIND_TOPIC', name: 'quiet' }, fromOffset: 0, waitMs: 30_000 },
      { deadlineMs: 400 },
    );
    expect(r.messages).toEqual([]);
  });

  it('streams arrivals after each dispatch, and replays end offsets on request', async () => {
    const received: WatchArrivalsResponseOutput[] = [];
    const stream = s.clients.store.watchArrivals({ replayEndOffsets: false });
    stream.on('data', (d: WatchArrivalsResponseOutput) => received.push(d));
    stream.on('error', () => undefined);
    await eventually(() => expect(s.server.store.hub.watcherCount).toBe(1));
    await append([msg('sensors/1', 'a'), msg('sensors/2', 'b')]);
    await eventually(() => {
      const last = received.flatMap((r) => r.arrivals).filter((a) => a.queue?.name === 'sensors');
      expect(last[last.length - 1]?.endOffset).toBe(2);
    });
    stream.cancel();

    const replayed: WatchArrivalsResponseOutput[] = [];
    const again = s.clients.store.watchArrivals({ replayEndOffsets: true });
    again.on('data', (d: WatchArrivalsResponseOutput) => replayed.push(d));
    again.on('error', () => undefined);
    await eventually(() => {
      const a = replayed.flatMap((r) => r.arrivals).find((x) => x.queue?.name === 'sensors');
      expect(a).toMatchObject({ endOffset: 2, shard: 0, queue: { kind: 'QUEUE_KIND_TOPIC' } });
    });
    again.cancel();
  });

  it('a watch sends its headers once registered, before any arrival', async () => {
    const stream = s.clients.store.watchArrivals({ replayEndOffsets: false });
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    let headers = false;
    stream.on('metadata', () => (headers = true));
    await eventually(() => expect(headers).toBe(true));
    expect(s.server.store.hub.watcherCount).toBe(1);
    stream.cancel();
  });

  it('a replay-only watch sends the end offsets, then ends with OK and no later dispatch', async () => {
    await append([msg('replay-a/1', 'a'), msg('replay-b', 'b'), msg('replay-b', 'c')]);
    // The snapshot holds what is dispatched (in the index); a live watch gets anything after it.
    await s.server.store.dispatched();
    const received: WatchArrivalsResponseOutput[] = [];
    const stream = s.clients.store.watchArrivals({ replayEndOffsets: true, replayOnly: true });
    stream.on('data', (d: WatchArrivalsResponseOutput) => received.push(d));
    const code = await new Promise<number>((resolve) => {
      stream.on('error', (err: { code: number }) => resolve(err.code));
      stream.on('status', (st: { code: number }) => resolve(st.code));
    });
    expect(code).toBe(status.OK);
    const ends = new Map(received.flatMap((r) => r.arrivals).map((a) => [a.queue?.name, a.endOffset]));
    expect(ends.get('replay-a')).toBe(1);
    expect(ends.get('replay-b')).toBe(2);
    expect(s.server.store.hub.watcherCount).toBe(0);
  });

  describe('bad input: a precise status, and nothing written', () => {
    const endPosition = () => s.server.store.commitlog.endPosition;

    it.each([
      ['a wildcard in a topic name', [msg('a/+/b', 'x')], status.INVALID_ARGUMENT, 'invalid-topic'],
      ['an empty topic', [msg('', 'x')], status.INVALID_ARGUMENT, 'invalid-topic'],
      ['QoS 3', [msg('a/b', 'x', { qos: 3 })], status.INVALID_ARGUMENT, 'invalid-qos'],
      ['an empty batch', [], status.INVALID_ARGUMENT, 'empty-batch'],
      [
        'one bad message among good ones',
        [msg('ok/1', 'x'), msg('bad/#', 'y')],
        status.INVALID_ARGUMENT,
        'invalid-topic',
      ],
    ])('rejects %s', async (_name, messages, code, reason) => {
      const before = endPosition();
      const e = await codeOf(append(messages));
      expect(e.code).toBe(code);
      expect(e.reason).toBe(reason);
      expect(endPosition()).toBe(before);
    });

    it.each([
      ['a truncated message', '0a0512', 'messages: length 5 runs past the end of its message'],
      ['a topic that is not UTF-8', '0a040a02c328', 'messages[0]: topic: not valid UTF-8'],
      ['a field of wire type 7', '0a040a01610f', 'messages[0]: Message: field 1 has invalid wire type 7'],
    ])(
      'rejects AppendMessages bytes holding %s: INVALID_ARGUMENT, nothing written',
      async (_name, hex, details) => {
        const before = endPosition();
        // Raw bytes on the method's path: a client whose encoder is broken, or that is not a Starling one.
        const raw = new Client(s.address, credentials.createInsecure());
        try {
          const e = await codeOf(
            new Promise((resolve, reject) =>
              raw.makeUnaryRequest(
                '/starling.store.v1.StoreService/AppendMessages',
                (b: Buffer) => b,
                (b: Buffer) => b,
                Buffer.from(hex, 'hex'),
                (err, res) => (err ? reject(err) : resolve(res)),
              ),
            ),
          );
          expect(e).toEqual({
            code: status.INVALID_ARGUMENT,
            reason: 'malformed-request',
            details: `AppendMessagesRequest: ${details}`,
          });
          expect(endPosition()).toBe(before);
        } finally {
          raw.close();
        }
      },
    );

    it('rejects an oversized message with RESOURCE_EXHAUSTED and counts it', async () => {
      const before = endPosition();
      const big = Buffer.alloc(s.config.maxMessageBytes + 1);
      const e = await codeOf(append([{ topic: 'a/b', payload: big, qos: 1 }]));
      expect(e.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(e.details).toMatch(/over the limit/);
      expect(endPosition()).toBe(before);
      expect(await s.registry.getSingleMetricAsString('starling_store_requests_rejected_total')).toMatch(
        /reason="message-too-large"} 1/,
      );
    });

    it('answers NOT_FOUND for a filter queue nobody registered', async () => {
      const e = await codeOf(pull('QUEUE_KIND_FILTER', 'never/registered'));
      expect(e.code).toBe(status.NOT_FOUND);
    });

    it('answers OUT_OF_RANGE for an offset past the end of a queue', async () => {
      await append([msg('q/1', 'x')]);
      await s.server.store.dispatched();
      const e = await codeOf(pull('QUEUE_KIND_TOPIC', 'q', 5));
      expect(e.code).toBe(status.OUT_OF_RANGE);
      expect(e.details).toMatch(/end offset 1/);
    });

    it('rejects a queue reference without a kind, and a topic queue named like a topic', async () => {
      expect((await codeOf(pull('QUEUE_KIND_UNSPECIFIED', 'x'))).code).toBe(status.INVALID_ARGUMENT);
      expect((await codeOf(pull('QUEUE_KIND_TOPIC', 'a/b'))).code).toBe(status.INVALID_ARGUMENT);
    });

    it('rejects an invalid filter registration', async () => {
      const e = await codeOf(
        call(s.clients.store, s.clients.store.registerFilter, { filter: 'a/#/b', holderId: 'h' }),
      );
      expect(e.code).toBe(status.INVALID_ARGUMENT);
    });
  });

  it('serves gRPC health as SERVING once recovered', async () => {
    const r = await call(s.clients.health, s.clients.health.check, {
      service: 'starling.store.v1.StoreService',
    });
    expect(r.status).toBe('SERVING');
  });
});
