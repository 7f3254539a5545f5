import { createLogger } from '@starling/observability';
import { loadStoreConfig } from '@starling/store';
import type { ArrivalEvent } from '@starling/event-bus';
import { eventually, makeTempDir } from '@starling/test-harness';
import { startStandalone } from '../../src';

describe('standalone in one process', () => {
  it('announces arrivals on the in-process event bus, as NATS would in the multi-process topology', async () => {
    const dir = makeTempDir();
    const { config } = loadStoreConfig({
      STORE_DATA_DIR: dir.path,
      STORE_GRPC_HOST: '127.0.0.1',
      STORE_GRPC_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const standalone = await startStandalone({
      store: config,
      logger: createLogger({ service: 't', level: 'silent' }),
    });
    try {
      await eventually(() => expect(standalone.isReady()).toBe(true));
      const events: ArrivalEvent[] = [];
      standalone.bus.subscribeArrivals({ kind: 'topic', name: 'greetings' }, (e) => events.push(e));
      const appended = await standalone.store.store.append([
        {
          topic: 'greetings/en',
          payload: Buffer.from('hi'),
          qos: 1,
          retain: false,
          timestampMs: 0,
          publisherClientId: '',
          properties: undefined,
        },
      ]);
      expect(appended.status).toBe('ok');
      await eventually(() =>
        expect(events.at(-1)).toMatchObject({
          queue: { kind: 'topic', name: 'greetings' },
          endOffset: 1,
          shard: 0,
        }),
      );
    } finally {
      await standalone.close();
      dir.remove();
    }
  });
});
