import { status, type ServiceError } from '@grpc/grpc-js';
import { createLogger, createRegistry } from '@starling/observability';
import { createStoreClient, type RegisterFilterResponseOutput } from '@starling/proto';
import { eventually } from '@starling/test-harness';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/metrics';
import {
  createStoreAccess,
  QueueNotFoundError,
  shardOfClient,
  shardOfTopic,
  StoreUnavailableError,
  type StoreAccessHandle,
  type StoreAccessOptions,
} from '../../src/store-access';
import type { AppendRequest, ShardQueue } from '../../src/types';
import { startInProcessShards, startInProcessStore, type InProcessStore } from '../support/in-process-store';

const logger = createLogger({ service: 'gateway', level: 'silent' });

function message(topic: string, payload: string | Buffer, extra: Partial<AppendRequest> = {}): AppendRequest {
  return {
    topic,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    qos: 1,
    retain: false,
    publisherClientId: 'pub',
    ...extra,
  };
}

/** AppendMessages calls made and messages they carried, from the appendBatchSize histogram. */
async function appendCalls(metrics: GatewayMetrics): Promise<{ calls: number; messages: number }> {
  const { values } = await metrics.appendBatchSize.get();
  const calls = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const messages = values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  return { calls, messages };
}

async function pullTopics(access: StoreAccessHandle, queue: ShardQueue, from: number): Promise<string[]> {
  const r = await access.pull(queue, from, 100, 1 << 20);
  return r.messages.map((m) => m.topic);
}

/**
 * The store acknowledges an append once it is durable and dispatches it to its queues (and the retained
 * set) just after: a read right after the acknowledgement may not see it yet.
 */
async function expectTopics(
  access: StoreAccessHandle,
  queue: ShardQueue,
  from: number,
  topics: string[],
): Promise<void> {
  await eventually(async () => expect(await pullTopics(access, queue, from)).toEqual(topics));
}

/** A first level whose topics live on `shard` (of `count`). */
function levelOn(shard: number, count: number, prefix: string): string {
  for (let i = 0; i < 1000; i++) {
    if (shardOfTopic(`${prefix}${i}`, count) === shard) return `${prefix}${i}`;
  }
  throw new Error(`no level for shard ${shard}`);
}

/** A client id whose session lives on `shard` (of `count`). */
function clientOn(shard: number, count: number, prefix: string): string {
  for (let i = 0; i < 1000; i++) {
    if (shardOfClient(`${prefix}${i}`, count) === shard) return `${prefix}${i}`;
  }
  throw new Error(`no client id for shard ${shard}`);
}

function newMetrics(): GatewayMetrics {
  return createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
}

/** Both ways a gateway reaches a store: gRPC, and standalone's direct calls into the store's handlers. */
const TRANSPORTS = ['grpc', 'in-process'] as const;
type Transport = (typeof TRANSPORTS)[number];

function clientsFor(transport: Transport, stores: readonly InProcessStore[]): Partial<StoreAccessOptions> {
  return transport === 'in-process' ? { clients: stores.map((s) => s.server.inProcessClient()) } : {};
}

describe.each(TRANSPORTS)('store access (one shard, %s)', (transport) => {
  let store: InProcessStore;
  let access: StoreAccessHandle;
  let metrics: GatewayMetrics;
  const opened: StoreAccessHandle[] = [];

  function open(overrides: Partial<StoreAccessOptions> = {}): StoreAccessHandle {
    const a = createStoreAccess({
      addresses: [store.address],
      gatewayId: 'gw-1',
      logger,
      metrics,
      appendMaxBatchMessages: 1000,
      filterLeaseMs: 60_000,
      ...clientsFor(transport, [store]),
      ...overrides,
    });
    opened.push(a);
    return a;
  }

  beforeAll(async () => {
    // A small message limit lets a test send a message only the store refuses; housekeeping checks
    // leases every 50 ms so a lapsed lease shows quickly.
    store = await startInProcessStore({
      env: { STORE_MAX_MESSAGE_BYTES: '4096' },
      housekeepingIntervalMs: 50,
    });
  });
  afterAll(async () => {
    await store.stop();
  });
  beforeEach(() => {
    metrics = newMetrics();
    access = open();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((a) => a.close()));
  });

  it('appends a message and pulls it back from a filter queue registered before', async () => {
    const reg = await access.registerFilter('t1/+/temp', 60_000);
    expect(reg.queues).toHaveLength(1);
    const start = reg.queues[0]!;
    expect(start.queue).toEqual({ shard: 0, kind: 'filter', name: 't1/+/temp' });
    const outcome = await access.append(message('t1/dev/temp', 'hello'));
    expect(outcome).toMatchObject({ status: 'ok', shard: 0 });
    const pulled = await eventually(async () => {
      const r = await access.pull(start.queue, start.endOffset, 10, 1 << 20);
      expect(r.messages).toHaveLength(1);
      return r;
    });
    expect(pulled.messages[0]).toMatchObject({
      offset: start.endOffset,
      topic: 't1/dev/temp',
      qos: 1,
      retain: false,
      publisherClientId: 'pub',
      properties: undefined,
    });
    expect(pulled.messages[0]!.payload.toString()).toBe('hello');
    expect(pulled.nextOffset).toBe(start.endOffset + 1);
    expect(pulled.endOffset).toBe(start.endOffset + 1);
  });

  it('keeps MQTT 5 properties through append and pull', async () => {
    const reg = await access.registerFilter('props/x', 60_000);
    const properties = {
      payloadFormatIndicator: true,
      messageExpiryIntervalSeconds: 30,
      contentType: 'text/plain',
      responseTopic: 'props/reply',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
    };
    await access.append(message('props/x', 'p', { properties }));
    await eventually(async () => {
      const pulled = await access.pull(reg.queues[0]!.queue, reg.queues[0]!.endOffset, 10, 1 << 20);
      expect(pulled.messages[0]?.properties).toEqual(properties);
    });
  });

  it('batches the appends of one event-loop turn into one AppendMessages call, each with its own position', async () => {
    const reg = await access.registerFilter('batch/#', 60_000);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => access.append(message(`batch/${i}`, `m${i}`))),
    );
    const positions = outcomes.map((o) => (o.status === 'ok' ? o.position : -1));
    expect(positions.every((p) => p >= 0)).toBe(true);
    // Request order is append order.
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(positions).size).toBe(50);
    expect(await appendCalls(metrics)).toEqual({ calls: 1, messages: 50 });
    await expectTopics(
      access,
      reg.queues[0]!.queue,
      reg.queues[0]!.endOffset,
      Array.from({ length: 50 }, (_, i) => `batch/${i}`),
    );
  });

  it('sends batches over one AppendStream on gRPC, and as AppendMessages calls in process', async () => {
    const requests = async (method: string): Promise<number> => {
      const m = await store.registry.getSingleMetric('starling_store_grpc_requests_total')?.get();
      return (m?.values ?? [])
        .filter((v) => v.labels['method'] === method && v.labels['code'] === 'OK')
        .reduce((sum, v) => sum + v.value, 0);
    };
    const before = { stream: await requests('AppendStream'), unary: await requests('AppendMessages') };
    for (let turn = 0; turn < 3; turn++) {
      const outcomes = await Promise.all([0, 1].map((i) => access.append(message(`via/${turn}/${i}`, 'x'))));
      expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok']);
    }
    const after = { stream: await requests('AppendStream'), unary: await requests('AppendMessages') };
    expect({ stream: after.stream - before.stream, unary: after.unary - before.unary }).toEqual(
      transport === 'grpc' ? { stream: 3, unary: 0 } : { stream: 0, unary: 3 },
    );
  });

  it('splits a turn at appendMaxBatchMessages, with several batches in flight', async () => {
    const small = open({ appendMaxBatchMessages: 10 });
    const outcomes = await Promise.all(
      Array.from({ length: 35 }, (_, i) => small.append(message(`split/${i}`, 'x'))),
    );
    expect(outcomes.every((o) => o.status === 'ok')).toBe(true);
    expect(await appendCalls(metrics)).toEqual({ calls: 4, messages: 35 });
  });

  it('refuses an invalid topic before it joins a batch: the others of the turn are appended', async () => {
    const outcomes = await Promise.all([
      access.append(message('good/1', 'a')),
      access.append(message('bad/+', 'b')),
      access.append(message('good/2', 'c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'rejected', 'ok']);
    expect(outcomes[1]).toMatchObject({ reason: 'invalid-topic' });
    expect(await appendCalls(metrics)).toEqual({ calls: 1, messages: 2 });
  });

  it('a message the store refuses does not fail the others of its batch (all-or-nothing at the store)', async () => {
    const reg = await access.registerFilter('mixed/#', 60_000);
    const outcomes = await Promise.all([
      access.append(message('mixed/1', Buffer.alloc(100))),
      access.append(message('mixed/2', Buffer.alloc(8192))), // over STORE_MAX_MESSAGE_BYTES
      access.append(message('mixed/3', Buffer.alloc(100))),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'rejected', 'ok']);
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: 'message-too-large' });
    // One refused batch of 3, then each message on its own.
    expect(await appendCalls(metrics)).toEqual({ calls: 4, messages: 6 });
    await expectTopics(access, reg.queues[0]!.queue, reg.queues[0]!.endOffset, ['mixed/1', 'mixed/3']);
  });

  it('refuses a payload over maxMessageBytes up front when the limit is configured', async () => {
    const limited = open({ maxMessageBytes: 1024 });
    expect(await limited.append(message('big/1', Buffer.alloc(2048)))).toMatchObject({
      status: 'rejected',
      reason: 'message-too-large',
    });
    expect(await appendCalls(metrics)).toEqual({ calls: 0, messages: 0 });
  });

  it('answers unavailable (never throws) when the store cannot be reached, and throws StoreUnavailableError elsewhere', async () => {
    const dead = await startInProcessStore();
    const address = dead.address;
    await dead.stop();
    const down = open({
      addresses: [address],
      ...clientsFor(transport, [dead]),
      deadlines: { appendMs: 300, callMs: 300, pullMs: 300 },
    });
    expect(await down.append(message('x/1', 'a'))).toMatchObject({ status: 'unavailable' });
    const err = await down.matchRetained('x/#').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain((err as StoreUnavailableError).grpcCode);
  });

  it('pull of a filter that is not registered throws QueueNotFoundError', async () => {
    const err = await access
      .pull({ shard: 0, kind: 'filter', name: 'never/registered' }, 0, 10, 1024)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueNotFoundError);
  });

  it('reads a first-level topic queue', async () => {
    await access.append(message('level/a', '1'));
    await expectTopics(access, { shard: 0, kind: 'topic', name: 'level' }, 0, ['level/a']);
  });

  it('opens a new session, subscribes, and resumes it at the committed offset', async () => {
    const opened1 = await access.openSession({
      clientId: 'persist-1',
      cleanStart: true,
      sessionExpiryIntervalSeconds: 3600,
    });
    expect(opened1).toMatchObject({ sessionPresent: false, previousOwnerId: '', subscriptions: [] });
    const upd = await access.updateSession({
      clientId: 'persist-1',
      epoch: opened1.epoch,
      add: [{ filter: 'p1/#', qos: 1 }],
    });
    if (upd.status !== 'ok') throw new Error('stale');
    expect(upd.added).toEqual([
      { filter: 'p1/#', queues: [{ queue: { shard: 0, kind: 'filter', name: 'p1/#' }, endOffset: 0 }] },
    ]);
    await Promise.all([access.append(message('p1/a', '1')), access.append(message('p1/b', '2'))]);
    const queue = upd.added[0]!.queues[0]!.queue;
    expect(await access.commitOffsets('persist-1', opened1.epoch, [{ queue, offset: 1 }])).toEqual({
      status: 'ok',
    });
    expect(
      await access.closeSession({
        clientId: 'persist-1',
        epoch: opened1.epoch,
        discard: false,
        publishWill: false,
      }),
    ).toEqual({ status: 'ok' });

    const opened2 = await access.openSession({
      clientId: 'persist-1',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 3600,
    });
    expect(opened2.sessionPresent).toBe(true);
    expect(opened2.epoch).toBeGreaterThan(opened1.epoch);
    expect(opened2.previousOwnerId).toBe(''); // it was disconnected: nobody to take over from
    expect(opened2.subscriptions).toEqual([{ filter: 'p1/#', qos: 1, committedOffsets: new Map([[0, 1]]) }]);
    await expectTopics(access, queue, 1, ['p1/b']);
  });

  it('a takeover names the previous owner and fences it: stale epoch on every write [MQTT-3.1.4-2]', async () => {
    const other = open({ gatewayId: 'gw-2' });
    const first = await access.openSession({
      clientId: 'taken',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    const second = await other.openSession({
      clientId: 'taken',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    expect(second.previousOwnerId).toBe(access.ownerId); // gw-1 and its incarnation (ADR 0013)
    expect(access.ownerId).toMatch(/^gw-1~[0-9a-f]{12}$/);
    expect(second.sessionPresent).toBe(true);
    const queue: ShardQueue = { shard: 0, kind: 'filter', name: 'taken/#' };
    expect(
      await access.updateSession({
        clientId: 'taken',
        epoch: first.epoch,
        add: [{ filter: 'taken/#', qos: 0 }],
      }),
    ).toEqual({ status: 'stale-epoch' });
    expect(await access.commitOffsets('taken', first.epoch, [{ queue, offset: 0 }])).toEqual({
      status: 'stale-epoch',
    });
    expect(
      await access.closeSession({ clientId: 'taken', epoch: first.epoch, discard: true, publishWill: true }),
    ).toEqual({ status: 'stale-epoch' });
    expect(
      await other.closeSession({ clientId: 'taken', epoch: second.epoch, discard: true, publishWill: false }),
    ).toEqual({ status: 'ok' });
  });

  it('stores and clears the will with the session', async () => {
    const s = await access.openSession({
      clientId: 'willy',
      cleanStart: true,
      sessionExpiryIntervalSeconds: 0,
    });
    const reg = await access.registerFilter('wills/willy', 60_000);
    const will = {
      topic: 'wills/willy',
      payload: Buffer.from('gone'),
      qos: 1 as const,
      retain: false,
      willDelayIntervalSeconds: 0,
    };
    expect(await access.updateSession({ clientId: 'willy', epoch: s.epoch, will })).toEqual({
      status: 'ok',
      added: [],
    });
    await access.closeSession({ clientId: 'willy', epoch: s.epoch, discard: true, publishWill: true });
    const start = reg.queues[0]!;
    await expectTopics(access, start.queue, start.endOffset, ['wills/willy']);
  });

  it('renews a clean-session filter lease: it stays registered well past the lease', async () => {
    const leased = open({ filterLeaseMs: 300 });
    const ours = await leased.registerFilter('lease/ours', 300);
    // A control registration with the same lease and nobody renewing it.
    const raw = createStoreClient(store.address);
    try {
      await new Promise<RegisterFilterResponseOutput>((resolve, reject) =>
        raw.RegisterFilter({ filter: 'lease/control', holderId: 'nobody', leaseMs: 300 }, (err, res) =>
          err ? reject(err) : resolve(res!),
        ),
      );
      const control: ShardQueue = { shard: 0, kind: 'filter', name: 'lease/control' };
      // Once the control's lease has lapsed, ours (registered before it) is past its lease too.
      await eventually(
        async () =>
          expect(await access.pull(control, 0, 1, 1024).catch((e: unknown) => e)).toBeInstanceOf(
            QueueNotFoundError,
          ),
        { timeoutMs: 5_000 },
      );
      await expect(leased.pull(ours.queues[0]!.queue, 0, 1, 1024)).resolves.toMatchObject({ messages: [] });
      await leased.append(message('lease/ours', 'still here'));
      await expectTopics(leased, ours.queues[0]!.queue, 0, ['lease/ours']);
    } finally {
      raw.close();
    }
  });

  it('shares one registration per filter among local clean sessions (reference-counted)', async () => {
    const a = await access.registerFilter('shared/f', 60_000);
    await access.append(message('shared/f', '1'));
    // The store acknowledges an append once it is durable; dispatch into the filter's queue follows.
    await expectTopics(access, a.queues[0]!.queue, a.queues[0]!.endOffset, ['shared/f']);
    const b = await access.registerFilter('shared/f', 60_000);
    // The second user starts at the queue's end now, not at the first user's start.
    expect(b.queues[0]!.endOffset).toBe(a.queues[0]!.endOffset + 1);
    expect(access.filterRefs('shared/f')).toBe(2);
    await access.unregisterFilter('shared/f');
    expect(access.filterRefs('shared/f')).toBe(1);
    await expect(access.pull(a.queues[0]!.queue, 0, 10, 1024)).resolves.toBeDefined();
    await access.unregisterFilter('shared/f');
    expect(access.filterRefs('shared/f')).toBe(0);
    await expect(access.pull(a.queues[0]!.queue, 0, 10, 1024)).rejects.toBeInstanceOf(QueueNotFoundError);
  });

  it('unregister racing a register keeps the filter registered', async () => {
    await access.registerFilter('race/f', 60_000);
    const [, again] = await Promise.all([
      access.unregisterFilter('race/f'),
      access.registerFilter('race/f', 60_000),
    ]);
    expect(access.filterRefs('race/f')).toBe(1);
    await expect(access.pull(again.queues[0]!.queue, 0, 10, 1024)).resolves.toBeDefined();
  });

  it('matches retained messages in topic order', async () => {
    await Promise.all([
      access.append(message('ret/b', 'B', { retain: true })),
      access.append(message('ret/a', 'A', { retain: true })),
      access.append(message('ret/c', 'C', { retain: false })),
    ]);
    await eventually(async () => {
      const retained = await access.matchRetained('ret/#');
      expect(retained.map((r) => [r.topic, r.payload.toString(), r.qos])).toEqual([
        ['ret/a', 'A', 1],
        ['ret/b', 'B', 1],
      ]);
    });
  });

  it('close() answers pending appends, then refuses new ones', async () => {
    const closing = open();
    const pending = closing.append(message('close/1', 'x'));
    await closing.close();
    expect(await pending).toMatchObject({ status: 'ok' });
    expect(await closing.append(message('close/2', 'x'))).toMatchObject({ status: 'unavailable' });
  });
});

describe.each(TRANSPORTS)('store access (two shards, %s)', (transport) => {
  let shards: InProcessStore[];
  let access: StoreAccessHandle;
  let metrics: GatewayMetrics;

  beforeAll(async () => {
    shards = await startInProcessShards(2);
  });
  afterAll(async () => {
    await Promise.all(shards.map((s) => s.stop()));
  });
  beforeEach(() => {
    metrics = newMetrics();
    access = createStoreAccess({
      addresses: shards.map((s) => s.address),
      gatewayId: 'gw-1',
      logger,
      metrics,
      appendMaxBatchMessages: 1000,
      filterLeaseMs: 60_000,
      ...clientsFor(transport, shards),
    });
  });
  afterEach(async () => {
    await access.close();
  });

  it('routes a topic to the shard of its first level, one AppendMessages per shard per turn', async () => {
    const on0 = levelOn(0, 2, 'a');
    const on1 = levelOn(1, 2, 'b');
    const outcomes = await Promise.all([
      access.append(message(`${on0}/x`, '0')),
      access.append(message(`${on1}/x`, '1')),
      access.append(message(`${on0}/y`, '0')),
    ]);
    expect(outcomes.map((o) => (o.status === 'ok' ? o.shard : -1))).toEqual([0, 1, 0]);
    expect(await appendCalls(metrics)).toEqual({ calls: 2, messages: 3 });
    // The shard really holds it: its first-level topic queue has the messages (the other shard would
    // refuse the read as wrong-shard).
    await expectTopics(access, { shard: 0, kind: 'topic', name: on0 }, 0, [`${on0}/x`, `${on0}/y`]);
    await expectTopics(access, { shard: 1, kind: 'topic', name: on1 }, 0, [`${on1}/x`]);
    await expect(access.pull({ shard: 1, kind: 'topic', name: on0 }, 0, 10, 1024)).rejects.toMatchObject({
      grpcCode: status.FAILED_PRECONDITION,
    });
  });

  it('registers a literal-first filter on its shard only, a wildcard-first filter on every shard and reads both', async () => {
    const on0 = levelOn(0, 2, 'c');
    const on1 = levelOn(1, 2, 'd');
    const literal = await access.registerFilter(`${on1}/+`, 60_000);
    expect(literal.queues.map((q) => q.queue.shard)).toEqual([1]);
    const wildcard = await access.registerFilter('+/w', 60_000);
    expect(wildcard.queues.map((q) => q.queue.shard)).toEqual([0, 1]);
    await Promise.all([access.append(message(`${on0}/w`, '0')), access.append(message(`${on1}/w`, '1'))]);
    const [q0, q1] = wildcard.queues;
    await expectTopics(access, q0!.queue, q0!.endOffset, [`${on0}/w`]);
    await expectTopics(access, q1!.queue, q1!.endOffset, [`${on1}/w`]);
    await expectTopics(access, literal.queues[0]!.queue, literal.queues[0]!.endOffset, [`${on1}/w`]);
  });

  it('a persistent wildcard-first subscription reads every shard, resumes per shard and is released on discard', async () => {
    const on0 = levelOn(0, 2, 'e');
    const on1 = levelOn(1, 2, 'f');
    const clientId = clientOn(0, 2, 'sess');
    const s = await access.openSession({ clientId, cleanStart: true, sessionExpiryIntervalSeconds: 3600 });
    const upd = await access.updateSession({ clientId, epoch: s.epoch, add: [{ filter: '+/p', qos: 1 }] });
    if (upd.status !== 'ok') throw new Error('stale');
    const queues = upd.added[0]!.queues;
    expect(queues.map((q) => q.queue.shard)).toEqual([0, 1]);
    await Promise.all([access.append(message(`${on0}/p`, '0')), access.append(message(`${on1}/p`, '1'))]);
    await expectTopics(access, queues[1]!.queue, queues[1]!.endOffset, [`${on1}/p`]);
    // Offsets are committed to the shard holding each copy of the queue.
    expect(
      await access.commitOffsets(clientId, s.epoch, [
        { queue: queues[0]!.queue, offset: queues[0]!.endOffset + 1 },
        { queue: queues[1]!.queue, offset: queues[1]!.endOffset + 1 },
      ]),
    ).toEqual({ status: 'ok' });
    await access.closeSession({ clientId, epoch: s.epoch, discard: false, publishWill: false });
    const resumed = await access.openSession({
      clientId,
      cleanStart: false,
      sessionExpiryIntervalSeconds: 3600,
    });
    expect(resumed.subscriptions).toEqual([
      {
        filter: '+/p',
        qos: 1,
        committedOffsets: new Map([
          [0, queues[0]!.endOffset + 1],
          [1, queues[1]!.endOffset + 1],
        ]),
      },
    ]);
    await access.closeSession({ clientId, epoch: resumed.epoch, discard: true, publishWill: false });
    // The other shard's copy was held by the client id: discarding the session released it.
    await expect(access.pull(queues[1]!.queue, 0, 1, 1024)).rejects.toBeInstanceOf(QueueNotFoundError);
  });

  it('matches retained messages on every shard for a wildcard-first filter, merged in topic order', async () => {
    const on0 = levelOn(0, 2, 'g');
    const on1 = levelOn(1, 2, 'h');
    await Promise.all([
      access.append(message(`${on1}/r`, 'B', { retain: true })),
      access.append(message(`${on0}/r`, 'A', { retain: true })),
    ]);
    await eventually(async () => {
      const retained = await access.matchRetained('+/r');
      expect(retained.map((r) => r.topic)).toEqual([`${on0}/r`, `${on1}/r`].sort());
    });
  });
});

describe("the store's in-process client answers as its gRPC service does", () => {
  let store: InProcessStore;
  let grpc: ReturnType<typeof createStoreClient>;
  let direct: ReturnType<InProcessStore['server']['inProcessClient']>;

  beforeAll(async () => {
    store = await startInProcessStore({ env: { STORE_MAX_MESSAGE_BYTES: '4096' } });
    grpc = createStoreClient(store.address);
    direct = store.server.inProcessClient();
  });
  afterAll(async () => {
    grpc.close();
    direct.close();
    await store.stop();
  });

  /** One call through a client, its answer or its error as the gateway sees them (code, details, reason). */
  function call<Res>(
    invoke: (o: { deadline: number }, cb: (err: ServiceError | null, res?: Res) => void) => unknown,
  ): Promise<{ ok: Res } | { code: number; details: string; reason: unknown }> {
    return new Promise((resolve) => {
      invoke({ deadline: Date.now() + 5_000 }, (err, res) => {
        if (err)
          resolve({ code: err.code, details: err.details, reason: err.metadata.get('starling-reason')[0] });
        else resolve({ ok: res as Res });
      });
    });
  }

  it('same answers for appends, pulls, registrations and sessions; same status, details and reason for refusals', async () => {
    const filter = 'fidelity/+';
    const registered = await call<RegisterFilterResponseOutput>((o, cb) =>
      grpc.RegisterFilter({ filter, holderId: 'gw-x', leaseMs: 60_000 }, o, cb),
    );
    expect(registered).toMatchObject({ ok: { endOffset: 0 } });
    const messages = [
      {
        topic: 'fidelity/1',
        payload: Buffer.from('one'),
        qos: 1,
        retain: false,
        timestampMs: 0,
        publisherClientId: 'p',
        properties: null,
      },
      {
        topic: 'fidelity/2',
        payload: Buffer.from('two'),
        qos: 2,
        retain: false,
        timestampMs: 0,
        publisherClientId: 'p',
        properties: {
          payloadFormatIndicator: true,
          contentType: 'text/plain',
          responseTopic: 'r/1',
          correlationData: Buffer.from('c'),
          userProperties: [{ key: 'k', value: 'v' }],
        },
      },
    ];
    const viaGrpc = await call<{ positions: number[]; shard: number }>((o, cb) =>
      grpc.AppendMessages({ messages }, o, cb),
    );
    const viaDirect = await call<{ positions: number[]; shard: number }>((o, cb) =>
      direct.AppendMessages({ messages }, o, cb),
    );
    expect(Object.keys(viaDirect)).toEqual(['ok']);
    expect(Object.keys((viaDirect as { ok: object }).ok).sort()).toEqual(
      Object.keys((viaGrpc as { ok: object }).ok).sort(),
    );
    await store.server.store.dispatched();
    const pull = {
      queue: { kind: 'QUEUE_KIND_FILTER' as const, name: filter },
      fromOffset: 0,
      maxMessages: 10,
      maxBytes: 1 << 20,
      waitMs: 0,
    };
    const pulledGrpc = await call((o, cb) => grpc.PullMessages(pull, o, cb));
    const pulledDirect = await call((o, cb) => direct.PullMessages(pull, o, cb));
    expect(pulledDirect).toEqual(pulledGrpc);
    expect((pulledGrpc as { ok: { messages: unknown[] } }).ok.messages).toHaveLength(4);

    for (const [name, invoke] of [
      ['GetSession', (c: typeof grpc, o: object, cb: never) => c.GetSession({ clientId: 'nobody' }, o, cb)],
      ['MatchRetained', (c: typeof grpc, o: object, cb: never) => c.MatchRetained({ filter: '#' }, o, cb)],
      // Refusals: the same status code, details and starling-reason.
      ['empty append', (c: typeof grpc, o: object, cb: never) => c.AppendMessages({ messages: [] }, o, cb)],
      [
        'unknown filter',
        (c: typeof grpc, o: object, cb: never) =>
          c.PullMessages({ ...pull, queue: { kind: 'QUEUE_KIND_FILTER', name: 'not/registered' } }, o, cb),
      ],
      [
        'stale epoch',
        (c: typeof grpc, o: object, cb: never) =>
          c.CommitOffsets(
            { consumer: { kind: 'CONSUMER_KIND_SESSION', id: 'nobody' }, sessionEpoch: 99, offsets: [] },
            o,
            cb,
          ),
      ],
    ] as const) {
      const a = await call((o, cb) => invoke(grpc, o, cb as never));
      const b = await call((o, cb) => invoke(direct as typeof grpc, o, cb as never));
      expect({ name, answer: b }).toEqual({ name, answer: a });
    }
  });

  it('a closed in-process client answers UNAVAILABLE, as a shut-down channel does', async () => {
    const closed = store.server.inProcessClient();
    closed.close();
    const answer = await call((o, cb) => closed.GetSession({ clientId: 'x' }, o, cb));
    expect(answer).toMatchObject({ code: status.UNAVAILABLE });
  });
});
