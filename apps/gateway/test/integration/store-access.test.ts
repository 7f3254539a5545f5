import { createLogger, createRegistry } from '@starling/observability';
import { eventually } from '@starling/test-harness';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/metrics';
import {
  createStoreAccess,
  QueueNotFoundError,
  shardOfTopic,
  type StoreAccessHandle,
  type StoreAccessOptions,
} from '../../src/store-access';
import type { AppendRequest, ShardQueue } from '../../src/types';
import { startInProcessShards, startInProcessStore, type InProcessStore } from '../support/in-process-store';

const logger = createLogger({ service: 'gateway', level: 'silent' });

function message(topic: string, payload: string, publisherClientId = 'pub'): AppendRequest {
  return { topic, payload: Buffer.from(payload), qos: 1, retain: false, publisherClientId };
}

async function appendCalls(metrics: GatewayMetrics): Promise<{ calls: number; messages: number }> {
  const value = await metrics.appendBatchSize.get();
  const count = value.values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const sum = value.values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  return { calls: count, messages: sum };
}

describe('store access (one shard)', () => {
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
      ...overrides,
    });
    opened.push(a);
    return a;
  }

  beforeAll(async () => {
    store = await startInProcessStore({ housekeepingIntervalMs: 50 });
  });
  afterAll(async () => {
    await store.stop();
  });
  beforeEach(() => {
    metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
    access = open();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((a) => a.close()));
  });

  it('appends a message and pulls it back from the filter queue registered before', async () => {
    const reg = await access.registerFilter('t1/+/temp', 60_000);
    expect(reg.queues).toHaveLength(1);
    const start = reg.queues[0]!;
    const outcome = await access.append({ ...message('t1/dev/temp', 'hello'), retain: false });
    expect(outcome).toMatchObject({ status: 'ok', shard: 0 });
    const pulled = await access.pull(start.queue, start.endOffset, 10, 1 << 20);
    expect(pulled.messages).toHaveLength(1);
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
  });
});
