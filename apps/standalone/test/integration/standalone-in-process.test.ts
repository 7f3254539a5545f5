import { createGatewayMetrics, loadGatewayConfig } from '@starling/gateway';
import { createLogger, createRegistry } from '@starling/observability';
import { loadStoreConfig } from '@starling/store';
import type { ArrivalEvent } from '@starling/event-bus';
import { eventually, makeTempDir } from '@starling/test-harness';
import { startStandalone } from '../../src';

describe('standalone in one process', () => {
  it('announces arrivals on the in-process event bus, as NATS would in the multi-process topology', async () => {
    const dir = makeTempDir();
    const env = {
      STORE_DATA_DIR: dir.path,
      STORE_GRPC_HOST: '127.0.0.1',
      STORE_GRPC_PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_MQTT_PORT: '0',
      GATEWAY_WS_PORT: '-1',
      LOG_LEVEL: 'silent',
    };
    const standalone = await startStandalone({
      store: loadStoreConfig(env).config,
      gateway: loadGatewayConfig(env).config,
      gatewayMetrics: createGatewayMetrics(createRegistry({ service: 't', defaultMetrics: false })),
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
