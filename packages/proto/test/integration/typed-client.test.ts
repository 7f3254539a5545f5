// Exercises the loader and the typed clients against a real grpc-js server on an ephemeral port. The
// handlers are trivial fakes: this tests the contracts' plumbing, not the store.
import * as grpc from '@grpc/grpc-js';
import {
  createHealthClient,
  createStoreClient,
  healthServiceDefinition,
  storeServiceDefinition,
  type AppendMessagesRequestOutput,
  type AppendMessagesResponseOutput,
  type HealthHandlers,
  type StoreServiceClient,
  type StoreServiceHandlers,
  type WatchArrivalsResponseOutput,
} from '../../src';

async function startServer(
  configure: (server: grpc.Server) => void,
): Promise<{ address: string; close(): void }> {
  const server = new grpc.Server();
  configure(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error === null ? resolve(boundPort) : reject(error),
    );
  });
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

function appendMessages(
  client: StoreServiceClient,
  request: Parameters<StoreServiceClient['appendMessages']>[0],
) {
  return new Promise<AppendMessagesResponseOutput>((resolve, reject) => {
    client.appendMessages(request, { deadline: Date.now() + 5_000 }, (error, response) =>
      error === null && response !== undefined
        ? resolve(response)
        : reject(error ?? new Error('no response')),
    );
  });
}

describe('typed clients against a real grpc-js server', () => {
  let address: string;
  let client: StoreServiceClient;
  let closeServer: () => void = () => undefined;
  const received: AppendMessagesRequestOutput[] = [];

  beforeAll(async () => {
    // Only the RPCs under test are implemented; grpc-js answers the rest with UNIMPLEMENTED.
    const handlers: Pick<StoreServiceHandlers, 'AppendMessages' | 'WatchArrivals'> = {
      AppendMessages(call, callback) {
        received.push(call.request);
        const positions = call.request.messages.map((_, index) => 2 ** 40 + index * 100);
        callback(null, { positions, shard: 2 });
      },
      WatchArrivals(call) {
        if (call.request.replayEndOffsets) {
          call.write({
            arrivals: [{ queue: { kind: 'QUEUE_KIND_TOPIC', name: 'telemetry' }, endOffset: 5, shard: 2 }],
          });
        }
        call.write({
          arrivals: [{ queue: { kind: 'QUEUE_KIND_FILTER', name: '+/status' }, endOffset: 6, shard: 2 }],
        });
        call.end();
      },
    };
    const healthHandlers: HealthHandlers = {
      Check(call, callback) {
        callback(null, { status: call.request.service === '' ? 'SERVING' : 'SERVICE_UNKNOWN' });
      },
      Watch(call) {
        call.end();
      },
    };
    const server = await startServer((s) => {
      s.addService(storeServiceDefinition(), handlers);
      s.addService(healthServiceDefinition(), healthHandlers);
    });
    closeServer = server.close;
    address = server.address;
    client = createStoreClient(address);
  });
  afterAll(() => {
    client.close();
    closeServer();
  });

  test('AppendMessages carries payload, properties and uint64 positions both ways', async () => {
    const response = await appendMessages(client, {
      messages: [
        {
          topic: 'telemetry/dev42/temp',
          payload: Buffer.from('21.5'),
          qos: 1,
          retain: true,
          publisherClientId: 'dev42',
          properties: { contentType: 'text/plain', userProperties: [{ key: 'unit', value: 'C' }] },
        },
        { topic: 'telemetry/dev43/temp', payload: Buffer.from('19.0') },
      ],
    });

    expect(response).toEqual({ positions: [2 ** 40, 2 ** 40 + 100], shard: 2 });
    const request = received.at(-1)!;
    expect(request.messages[0]).toMatchObject({
      topic: 'telemetry/dev42/temp',
      qos: 1,
      retain: true,
      timestampMs: 0,
      publisherClientId: 'dev42',
      properties: { contentType: 'text/plain', userProperties: [{ key: 'unit', value: 'C' }] },
    });
    expect(request.messages[0]!.payload.toString()).toBe('21.5');
    expect(request.messages[1]!.properties).toBeNull();
  });

  test('WatchArrivals streams batches, replaying end offsets first when asked', async () => {
    const batches: WatchArrivalsResponseOutput[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.watchArrivals({ replayEndOffsets: true });
      stream.on('data', (batch: WatchArrivalsResponseOutput) => batches.push(batch));
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    expect(
      batches.map((batch) => batch.arrivals.map((a) => [a.queue?.kind, a.queue?.name, a.endOffset])),
    ).toEqual([[['QUEUE_KIND_TOPIC', 'telemetry', 5]], [['QUEUE_KIND_FILTER', '+/status', 6]]]);
  });

  test('an RPC the server does not implement fails with UNIMPLEMENTED', async () => {
    const error = await new Promise<grpc.ServiceError | null>((resolve) => {
      client.getShardInfo({}, (err) => resolve(err));
    });
    expect(error?.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  test('the Health client reports the server as serving', async () => {
    const health = createHealthClient(address);
    try {
      const response = await new Promise((resolve, reject) => {
        health.check({ service: '' }, (error, value) => (error === null ? resolve(value) : reject(error)));
      });
      expect(response).toEqual({ status: 'SERVING' });
    } finally {
      health.close();
    }
  });
});
