import {
  arrivalEventCodec,
  healthServiceDefinition,
  loadGrpcObject,
  loadPackageDefinition,
  messagingServiceDefinition,
  storeServiceDefinition,
  takeoverReplyCodec,
  takeoverRequestCodec,
  QueueKind,
} from '../../src';

describe('loading proto/', () => {
  test('parses once and shares the result', () => {
    expect(loadPackageDefinition()).toBe(loadPackageDefinition());
    expect(loadGrpcObject()).toBe(loadGrpcObject());
  });

  test('StoreService offers every flow of the design', () => {
    expect(Object.keys(storeServiceDefinition()).sort()).toEqual([
      'AppendMessages',
      'AppendStream',
      'CloseSession',
      'CommitOffsets',
      'DeleteSession',
      'FetchOffsets',
      'GetSession',
      'GetShardInfo',
      'ListRetained',
      'MatchRetained',
      'OpenSession',
      'PullMessages',
      'RegisterFilter',
      'RenewOwnerLease',
      'UnregisterFilter',
      'UpdateSession',
      'WatchArrivals',
    ]);
    const watch = storeServiceDefinition().WatchArrivals;
    expect(watch.path).toBe('/starling.store.v1.StoreService/WatchArrivals');
    expect({ requestStream: watch.requestStream, responseStream: watch.responseStream }).toEqual({
      requestStream: false,
      responseStream: true,
    });
  });

  test('MessagingService and Health are loaded under their own packages', () => {
    expect(Object.keys(messagingServiceDefinition()).sort()).toEqual([
      'CommitConsumerOffsets',
      'ConsumeMessages',
      'FetchConsumerOffsets',
      'ProduceMessages',
    ]);
    expect(healthServiceDefinition().Check.path).toBe('/grpc.health.v1.Health/Check');
    expect(healthServiceDefinition().Watch.responseStream).toBe(true);
  });

  test('a message decodes with the documented loader options', () => {
    const definition = storeServiceDefinition().PullMessages;
    const bytes = definition.responseSerialize({
      messages: [{ offset: 2 ** 40 + 7, position: 123, topic: 'a/b', payload: Buffer.from('hi') }],
      endOffset: 2 ** 40 + 8,
    });
    const decoded = definition.responseDeserialize(bytes);
    const message = decoded.messages[0]!;
    // longs: Number (exact beyond 32 bits); bytes: Buffer; defaults: absent scalars read as zero values,
    // absent messages as null; proto3 `optional` fields stay undefined when absent.
    expect(message.offset).toBe(2 ** 40 + 7);
    expect(Buffer.isBuffer(message.payload)).toBe(true);
    expect(message.payload.toString()).toBe('hi');
    expect(message.qos).toBe(0);
    expect(message.properties).toBeNull();
    expect(decoded.lowOffset).toBe(0);
    expect(decoded.endOffset).toBe(2 ** 40 + 8);
    expect(decoded.resetToLowOffset).toBe(false);
  });

  test('proto3 optional fields distinguish absent from zero', () => {
    const definition = storeServiceDefinition().AppendMessages;
    const decoded = definition.requestDeserialize(
      definition.requestSerialize({
        messages: [
          { topic: 'a', properties: {} },
          { topic: 'b', properties: { messageExpiryIntervalSeconds: 0 } },
        ],
      }),
    );
    expect(decoded.messages[0]!.properties!.messageExpiryIntervalSeconds).toBeUndefined();
    expect(decoded.messages[1]!.properties!.messageExpiryIntervalSeconds).toBe(0);
  });
});

describe('NATS event codecs', () => {
  test('ArrivalEvent round-trips with enum names and uint64 as number', () => {
    const bytes = arrivalEventCodec.encode({
      queue: { kind: QueueKind.QUEUE_KIND_FILTER, name: 'devices/+/cmd' },
      endOffset: 2 ** 45 + 1,
      shard: 3,
      storeTimestampMs: 1_700_000_000_123,
    });
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(arrivalEventCodec.decode(bytes)).toEqual({
      queue: { kind: 'QUEUE_KIND_FILTER', name: 'devices/+/cmd' },
      endOffset: 2 ** 45 + 1,
      shard: 3,
      storeTimestampMs: 1_700_000_000_123,
    });
  });

  test('decode accepts a plain Uint8Array view, as NATS hands payloads over', () => {
    const encoded = arrivalEventCodec.encode({
      queue: { kind: 'QUEUE_KIND_TOPIC', name: 'telemetry' },
      endOffset: 9,
    });
    const backing = new Uint8Array(encoded.length + 4);
    backing.set(encoded, 2);
    const view = backing.subarray(2, 2 + encoded.length);
    expect(arrivalEventCodec.decode(view)).toMatchObject({
      queue: { kind: 'QUEUE_KIND_TOPIC', name: 'telemetry' },
      endOffset: 9,
    });
  });

  test('takeover request and reply round-trip', () => {
    const request = { clientId: 'dev-42', newOwner: 'gateway-1', epoch: 7 };
    expect(takeoverRequestCodec.decode(takeoverRequestCodec.encode(request))).toEqual(request);
    expect(takeoverReplyCodec.decode(takeoverReplyCodec.encode({ closed: true, lastEpoch: 6 }))).toEqual({
      closed: true,
      lastEpoch: 6,
    });
    expect(takeoverReplyCodec.decode(Buffer.alloc(0))).toEqual({ closed: false, lastEpoch: 0 });
  });

  test('decoding bytes that are not an encoding throws', () => {
    expect(() => arrivalEventCodec.decode(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow();
  });
});
