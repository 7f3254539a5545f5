import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  AppendStreamClient,
  createStoreClient,
  type AppendStreamResponseOutput,
  type StoreServiceClient,
} from '@starling/proto';
import { eventually } from '@starling/test-harness';
import { appendMessage as msg, call, codeOf } from '../support/grpc-clients';
import { rmSync } from 'node:fs';
import { createLogger, createRegistry } from '@starling/observability';
import { createStoreMetrics, loadStoreConfig, startStoreServer } from '../../src';
import { startTestStore, type TestStore } from '../support/start-store';

/** Every response of one raw AppendStream call, and how it ended. */
function openRaw(client: StoreServiceClient) {
  const stream = client.AppendStream();
  const responses: AppendStreamResponseOutput[] = [];
  stream.on('data', (r: AppendStreamResponseOutput) => responses.push(r));
  const ended = new Promise<{ code: number; details: string; reason: string }>((resolve) => {
    stream.on('error', (err: ServiceError) =>
      resolve({
        code: err.code,
        details: err.details,
        reason: String(err.metadata?.get('starling-reason')[0] ?? ''),
      }),
    );
    stream.on('status', (s: { code: number; details: string }) => {
      if (s.code === 0) resolve({ code: s.code, details: s.details, reason: '' }); // OK
    });
  });
  return { stream, responses, ended };
}

describe('store over real gRPC: AppendStream', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore();
  });
  afterEach(async () => {
    await s.stop({ removeData: true });
  });

  const endPosition = () => s.server.store.commitlog.endPosition;
  const pullTopic = (name: string) =>
    call(s.clients.store, s.clients.store.pullMessages, {
      queue: { kind: 'QUEUE_KIND_TOPIC', name },
      fromOffset: 0,
    });
  const metric = (name: string) => s.registry.getSingleMetricAsString(name);

  it('answers every batch with its id and positions, appends in request order, then ends OK on half-close', async () => {
    const raw = openRaw(s.clients.store);
    raw.stream.write({ batchId: 7, messages: [msg('t/a', '1'), msg('t/b', '2')] });
    raw.stream.write({ batchId: 3, messages: [msg('t/c', '3')] });
    raw.stream.write({ batchId: 900_000_000_000, messages: [msg('u/d', '4')] });
    raw.stream.end();
    expect(await raw.ended).toEqual({ code: status.OK, details: 'OK', reason: '' });
    const byId = new Map(raw.responses.map((r) => [r.batchId, r]));
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([3, 7, 900_000_000_000]);
    const [a, b] = byId.get(7)!.positions;
    const [c] = byId.get(3)!.positions;
    const [d] = byId.get(900_000_000_000)!.positions;
    expect(a).toBe(0);
    expect(b!).toBeGreaterThan(a!);
    expect(c!).toBeGreaterThan(b!);
    expect(d!).toBeGreaterThan(c!);
    for (const r of raw.responses) expect([r.code, r.shard, r.details, r.reason]).toEqual([0, 0, '', '']);
    const t = await pullTopic('t');
    expect(t.messages.map((m) => m.payload.toString())).toEqual(['1', '2', '3']);
    expect(t.messages.map((m) => m.position)).toEqual([a, b, c]);
    expect(await metric('starling_store_grpc_requests_total')).toMatch(
      /method="AppendStream",code="OK"[^}]*} 3/,
    );
  });

  it('stops reading a stream at its batch limit, resumes as answers go out, and answers every batch', async () => {
    // A store of its own: fsync=sync (appends wait for the disk, so batches pile up) and a limit of 8 batches.
    const { config } = loadStoreConfig({
      STORE_DATA_DIR: s.dir.path + '-limited',
      STORE_GRPC_HOST: '127.0.0.1',
      STORE_GRPC_PORT: '0',
      STORE_OPS_PORT: '0',
      STORE_FSYNC: 'sync',
      LOG_LEVEL: 'silent',
    });
    const registry = createRegistry({ service: 'store', defaultMetrics: false });
    const limited = await startStoreServer({
      config,
      logger: createLogger({ service: 'store', level: 'silent' }),
      metrics: createStoreMetrics(registry),
      appendStreamMaxBatches: 8,
    });
    const client = createStoreClient(`127.0.0.1:${limited.grpcPort}`);
    try {
      const raw = openRaw(client);
      const count = 300;
      for (let i = 0; i < count; i++)
        raw.stream.write({ batchId: i + 1, messages: [msg(`many/${i}`, String(i))] });
      raw.stream.end();
      expect((await raw.ended).code).toBe(status.OK);
      expect(raw.responses.map((r) => r.batchId).sort((a, b) => a - b)).toEqual(
        Array.from({ length: count }, (_, i) => i + 1),
      );
      const positions = [...raw.responses].sort((a, b) => a.batchId - b.batchId).map((r) => r.positions[0]!);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(count);
      const pauses = (await registry.getSingleMetric('starling_store_append_stream_pauses_total')?.get())
        ?.values[0];
      expect(pauses?.value).toBeGreaterThan(0);
    } finally {
      client.close();
      await limited.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a wildcard in a topic name', [msg('a/+/b', 'x')], status.INVALID_ARGUMENT, 'invalid-topic'],
    ['an empty batch', [], status.INVALID_ARGUMENT, 'empty-batch'],
    ['QoS 3', [msg('a/b', 'x', { qos: 3 })], status.INVALID_ARGUMENT, 'invalid-qos'],
  ])(
    'answers a batch holding %s with its status, writes nothing of it, and goes on',
    async (_name, messages, code, reason) => {
      const raw = openRaw(s.clients.store);
      raw.stream.write({ batchId: 1, messages });
      await eventually(() => expect(raw.responses).toHaveLength(1));
      expect(raw.responses[0]).toMatchObject({ batchId: 1, code, reason, positions: [] });
      expect(raw.responses[0]!.details).not.toBe('');
      expect(endPosition()).toBe(0);
      raw.stream.write({ batchId: 2, messages: [msg('ok/1', 'fine')] });
      raw.stream.end();
      expect((await raw.ended).code).toBe(status.OK);
      expect(raw.responses[1]).toMatchObject({ batchId: 2, code: 0, positions: [0] });
      expect(await metric('starling_store_requests_rejected_total')).toMatch(
        new RegExp(`reason="${reason}"} 1`),
      );
      expect(await metric('starling_store_grpc_requests_total')).toMatch(
        /method="AppendStream",code="INVALID_ARGUMENT"[^}]*} 1/,
      );
    },
  );

  it('refuses an oversized message with RESOURCE_EXHAUSTED on the batch, not the stream', async () => {
    const client = new AppendStreamClient(s.clients.store, 5_000);
    const big = Buffer.alloc(s.config.maxMessageBytes + 1);
    const e = await codeOf(client.append([{ topic: 'a/b', payload: big, qos: 1 }]));
    expect(e).toMatchObject({ code: status.RESOURCE_EXHAUSTED, reason: 'message-too-large' });
    expect(endPosition()).toBe(0);
    expect((await client.append([msg('a/b', 'small')])).positions).toEqual([0]);
    await client.close();
  });

  it('ends the stream INVALID_ARGUMENT on bytes it cannot read, after answering the batches before them', async () => {
    const raw = new Client(s.address, credentials.createInsecure());
    try {
      const stream = raw.makeBidiStreamRequest(
        '/starling.store.v1.StoreService/AppendStream',
        (b: Buffer) => b,
        (b: Buffer) => b,
      );
      const answers: Buffer[] = [];
      stream.on('data', (b: Buffer) => answers.push(b));
      const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
      // batch_id 5, one message { topic "a/b", payload "x" }; then a message whose length runs past the end.
      stream.write(Buffer.from('0a080a03612f6212017810' + '05', 'hex'));
      stream.write(Buffer.from('0a0512', 'hex'));
      stream.write(Buffer.from('0a080a03612f6212017910' + '06', 'hex'));
      const err = await ended;
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toBe('AppendStreamRequest: messages: length 5 runs past the end of its message');
      expect(err.metadata.get('starling-reason')).toEqual(['malformed-request']);
      expect(answers).toHaveLength(1);
      const t = await pullTopic('a');
      expect(t.messages.map((m) => m.payload.toString())).toEqual(['x']);
    } finally {
      raw.close();
    }
  });

  it('answers what it received and ends UNAVAILABLE at shutdown; a client reconnects to the next store', async () => {
    const client = new AppendStreamClient(s.clients.store, 5_000);
    const first = client.append([msg('s/0', '0')]);
    await first; // the stream is open
    const sent = [
      first,
      ...Array.from({ length: 49 }, (_, i) => client.append([msg(`s/${i + 1}`, String(i + 1))])),
    ];
    const closing = s.server.close();
    const settled = await Promise.allSettled(sent);
    await closing;
    // Every batch is answered: appended (it was received before shutdown) or refused UNAVAILABLE, never lost
    // silently; and every acknowledged one is in the commitlog after a restart.
    const acked = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    for (const r of settled) {
      if (r.status === 'rejected') expect((r.reason as ServiceError).code).toBe(status.UNAVAILABLE);
    }
    expect(acked.length).toBeGreaterThan(0);
    s.clients.close();
    s = await startTestStore({}, s.dir);
    const again = new AppendStreamClient(createStoreClient(s.address), 5_000);
    const t = await pullTopic('s');
    expect(t.messages.map((m) => Number(m.payload.toString()))).toEqual(expect.arrayContaining(acked));
    expect((await again.append([msg('s/after', 'x')])).positions).toHaveLength(1);
    await again.close();
  });
});
