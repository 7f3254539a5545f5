import { status } from '@grpc/grpc-js';
import { eventually } from '@starling/test-harness';
import { call, codeOf } from '../support/grpc-clients';
import { startTestStore, type TestStore } from '../support/start-store';

describe('sessions over gRPC: epochs, fencing, offsets, wills', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore();
  });
  afterEach(async () => {
    await s.stop({ removeData: true });
  });

  const open = (clientId: string, ownerId: string, cleanStart = false) =>
    call(s.clients.store, s.clients.store.openSession, {
      clientId,
      ownerId,
      cleanStart,
      sessionExpiryIntervalSeconds: 3600,
    });

  it('a subscription starts at the queue end; its offline messages are the queue after the committed offset', async () => {
    const first = await open('dev-1', 'gw-a', true);
    expect(first.sessionPresent).toBe(false);
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: [{ topic: 'cmd/dev-1', payload: Buffer.from('before-subscribe'), qos: 1 }],
    });
    const updated = await call(s.clients.store, s.clients.store.updateSession, {
      clientId: 'dev-1',
      epoch: first.epoch,
      addSubscriptions: [{ filter: 'cmd/dev-1', qos: 1 }],
    });
    expect(updated.session?.subscriptions).toMatchObject([
      { filter: 'cmd/dev-1', qos: 1, committedOffset: 0 },
    ]);
    await call(s.clients.store, s.clients.store.closeSession, {
      clientId: 'dev-1',
      epoch: first.epoch,
      disconnectedAtMs: Date.now(),
    });
    // Offline: two messages arrive.
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: [
        { topic: 'cmd/dev-1', payload: Buffer.from('offline-1'), qos: 1 },
        { topic: 'cmd/dev-1', payload: Buffer.from('offline-2'), qos: 1 },
      ],
    });
    await s.server.store.dispatched();
    const again = await open('dev-1', 'gw-b');
    expect(again.sessionPresent).toBe(true);
    expect(again.epoch).toBeGreaterThan(first.epoch);
    const offset = again.session!.subscriptions[0]!.committedOffset!;
    const r = await call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind: 'QUEUE_KIND_FILTER', name: 'cmd/dev-1' },
      fromOffset: offset,
    });
    expect(r.messages.map((m) => m.payload.toString())).toEqual(['offline-1', 'offline-2']);
    await call(s.clients.store, s.clients.store.commitOffsets, {
      consumer: { kind: 'CONSUMER_KIND_SESSION', id: 'dev-1' },
      sessionEpoch: again.epoch,
      offsets: [{ queue: { kind: 'QUEUE_KIND_FILTER', name: 'cmd/dev-1' }, offset: r.nextOffset }],
    });
    const got = await call(s.clients.store, s.clients.store.getSession, { clientId: 'dev-1' });
    expect(got.session?.subscriptions[0]?.committedOffset).toBe(2);
  });

  it('fences a stale owner: every write with an older epoch is FAILED_PRECONDITION and changes nothing', async () => {
    const old = await open('dev-2', 'gw-a');
    const current = await open('dev-2', 'gw-b');
    const stale = [
      call(s.clients.store, s.clients.store.updateSession, {
        clientId: 'dev-2',
        epoch: old.epoch,
        addSubscriptions: [{ filter: 'x/y', qos: 0 }],
      }),
      call(s.clients.store, s.clients.store.commitOffsets, {
        consumer: { kind: 'CONSUMER_KIND_SESSION', id: 'dev-2' },
        sessionEpoch: old.epoch,
        offsets: [{ queue: { kind: 'QUEUE_KIND_FILTER', name: 'x/y' }, offset: 5 }],
      }),
      call(s.clients.store, s.clients.store.closeSession, {
        clientId: 'dev-2',
        epoch: old.epoch,
        discard: true,
      }),
      call(s.clients.store, s.clients.store.deleteSession, { clientId: 'dev-2', epoch: old.epoch }),
    ];
    for (const p of stale) {
      const e = await codeOf(p);
      expect(e.code).toBe(status.FAILED_PRECONDITION);
      expect(e.reason).toBe('stale-epoch');
    }
    const got = await call(s.clients.store, s.clients.store.getSession, { clientId: 'dev-2' });
    expect(got).toMatchObject({
      found: true,
      session: { epoch: current.epoch, ownerId: 'gw-b', subscriptions: [] },
    });
    expect(s.server.store.state.filters.holderCount('x/y')).toBe(0);
  });

  it('publishes the will of an ungracefully closed session once, retained and from its client id', async () => {
    await call(s.clients.store, s.clients.store.registerFilter, { filter: 'wills/#', holderId: 'watcher' });
    const a = await open('dev-3', 'gw');
    await call(s.clients.store, s.clients.store.updateSession, {
      clientId: 'dev-3',
      epoch: a.epoch,
      updateWill: true,
      will: { topic: 'wills/dev-3', payload: Buffer.from('gone'), qos: 1, retain: true },
    });
    await call(s.clients.store, s.clients.store.closeSession, {
      clientId: 'dev-3',
      epoch: a.epoch,
      disconnectedAtMs: Date.now(),
      publishWill: true,
    });
    await s.server.store.runHousekeeping();
    await s.server.store.dispatched();
    const r = await eventually(async () => {
      const p = await call(s.clients.store, s.clients.store.pullMessages, {
        queue: { kind: 'QUEUE_KIND_FILTER', name: 'wills/#' },
        fromOffset: 0,
      });
      expect(p.messages).toHaveLength(1);
      return p;
    });
    expect(r.messages[0]).toMatchObject({ topic: 'wills/dev-3', publisherClientId: 'dev-3', retain: true });
    // Removed once appended: later rounds (and the timer's) do not publish it again.
    expect(s.server.store.state.sessions.pendingWill('dev-3')).toBeUndefined();
    await s.server.store.runHousekeeping();
    await s.server.store.runHousekeeping();
    await s.server.store.dispatched();
    const after = await call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind: 'QUEUE_KIND_FILTER', name: 'wills/#' },
      fromOffset: 0,
    });
    expect(after.messages).toHaveLength(1);
    const retained = await call(s.clients.store, s.clients.store.matchRetained, { filter: 'wills/+' });
    expect(retained.messages.map((m) => m.payload.toString())).toEqual(['gone']);
  });

  it('counts stored sessions, connected or not, in starling_store_sessions', async () => {
    await open('gauge-1', 'gw');
    const b = await open('gauge-2', 'gw');
    await call(s.clients.store, s.clients.store.closeSession, { clientId: 'gauge-2', epoch: b.epoch });
    await s.server.store.runHousekeeping();
    expect(await s.registry.getSingleMetricAsString('starling_store_sessions')).toMatch(
      /starling_store_sessions 2/,
    );
  });

  it('rejects sessions without a client id', async () => {
    expect((await codeOf(open('', 'gw'))).code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('messaging over gRPC: the unified path for backend services', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore();
  });
  afterEach(async () => {
    await s.stop({ removeData: true });
  });

  const consume = (req: object) => call(s.clients.messaging, s.clients.messaging.consumeMessages, req);

  it('a produced message reaches the subscription-filter queues devices read, as a device publish would', async () => {
    await call(s.clients.store, s.clients.store.registerFilter, { filter: 'devices/+/cmd', holderId: 'gw' });
    const produced = await call(s.clients.messaging, s.clients.messaging.produceMessages, {
      producerId: 'billing-service',
      messages: [
        {
          topic: 'devices/42/cmd',
          payload: Buffer.from('reboot'),
          qos: 1,
          contentType: 'text/plain',
          headers: [{ key: 'trace', value: 'abc' }],
        },
      ],
    });
    expect(produced.positions).toHaveLength(1);
    const r = await eventually(async () => {
      const p = await call(s.clients.store, s.clients.store.pullMessages, {
        queue: { kind: 'QUEUE_KIND_FILTER', name: 'devices/+/cmd' },
        fromOffset: 0,
      });
      expect(p.messages).toHaveLength(1);
      return p;
    });
    expect(r.messages[0]).toMatchObject({
      topic: 'devices/42/cmd',
      publisherClientId: 'billing-service',
      properties: { contentType: 'text/plain', userProperties: [{ key: 'trace', value: 'abc' }] },
    });
  });

  it('a consumer group reads a first-level topic from its committed offset (at-least-once)', async () => {
    await call(s.clients.store, s.clients.store.appendMessages, {
      messages: ['a', 'b', 'c'].map((p, i) => ({
        topic: `telemetry/dev${i}/temp`,
        payload: Buffer.from(p),
        qos: 1,
        publisherClientId: `dev${i}`,
      })),
    });
    await s.server.store.dispatched();
    // A new group starts at the end by default (LATEST) and at the low offset with EARLIEST.
    expect((await consume({ group: 'g', topic: 'telemetry' })).messages).toEqual([]);
    const first = await consume({
      group: 'g',
      topic: 'telemetry',
      start: 'START_POSITION_EARLIEST',
      maxMessages: 2,
    });
    expect(first.messages.map((m) => [m.offset, m.payload.toString(), m.publisherId])).toEqual([
      [0, 'a', 'dev0'],
      [1, 'b', 'dev1'],
    ]);
    expect(first).toMatchObject({ nextOffset: 2, lowOffset: 0, endOffset: 3 });
    // Reading does not commit: without a commit, the group reads the same messages again.
    const reread = await consume({ group: 'g', topic: 'telemetry', start: 'START_POSITION_EARLIEST' });
    expect(reread.messages[0]!.offset).toBe(0);
    await call(s.clients.messaging, s.clients.messaging.commitConsumerOffsets, {
      group: 'g',
      offsets: [{ topic: 'telemetry', offset: first.nextOffset }],
    });
    const next = await consume({ group: 'g', topic: 'telemetry' });
    expect(next.messages.map((m) => m.payload.toString())).toEqual(['c']);
    const fetched = await call(s.clients.messaging, s.clients.messaging.fetchConsumerOffsets, { group: 'g' });
    expect(fetched.offsets).toEqual([{ topic: 'telemetry', offset: 2 }]);
  });

  it('rejects a consume without a group, and a topic that is not a first level', async () => {
    expect((await codeOf(consume({ group: '', topic: 'telemetry' }))).code).toBe(status.INVALID_ARGUMENT);
    expect((await codeOf(consume({ group: 'g', topic: 'telemetry/x' }))).code).toBe(status.INVALID_ARGUMENT);
  });
});
