import { createInProcessEventBus, type EventBus } from '@starling/event-bus';
import {
  createStoreAccess,
  startGateway,
  type Gateway,
  type GatewayConfig,
  type GatewayMetrics,
} from '@starling/gateway';
import type { Logger } from '@starling/observability';
import { createNotifier, type Notifier, type NotifierMetrics } from '@starling/notifier';
import { startStoreServer, type StoreConfig, type StoreMetrics, type StoreServer } from '@starling/store';

export interface StandaloneOptions {
  store: StoreConfig;
  gateway: GatewayConfig;
  logger: Logger;
  gatewayMetrics: GatewayMetrics;
  storeMetrics?: StoreMetrics;
  notifierMetrics?: NotifierMetrics;
  /** See NOTIFIER_COALESCE_WINDOW. */
  coalesceWindowMs?: number;
}

export interface Standalone {
  readonly store: StoreServer;
  readonly notifier: Notifier;
  readonly gateway: Gateway;
  /** The in-process event bus standing in for NATS. */
  readonly bus: EventBus;
  isReady(): boolean;
  /** Closes in reverse order of dependency: gateway (drains clients), notifier, bus, store. */
  close(): Promise<void>;
}

/**
 * Starling in one process: the embedded default for a laptop or an edge box. Each service runs as in the
 * multi-process topology, except that arrival events travel on an in-process event bus instead of NATS and the
 * gateway calls the store's StoreService handlers directly (`inProcessClient()`: no HTTP/2, no protobuf copy of
 * appends and pulls; ADR 0007). The notifier takes the store's arrivals as it dispatches (no WatchArrivals stream
 * on loopback), and the store's gRPC port serves other clients (CLI, services) as in any deployment.
 */
export async function startStandalone(options: StandaloneOptions): Promise<Standalone> {
  const { logger } = options;
  const store = await startStoreServer({
    config: options.store,
    logger,
    ...(options.storeMetrics ? { metrics: options.storeMetrics } : {}),
  });
  const storeAddress = `127.0.0.1:${store.grpcPort}`;
  const bus = createInProcessEventBus();
  const notifier = createNotifier({
    stores: [],
    // Straight from the store's dispatch: no WatchArrivals stream on loopback in one process.
    localStores: [
      { shard: store.store.shardIndex, watch: (listener) => store.store.watchArrivals(listener, false) },
    ],
    bus,
    logger,
    coalesceWindowMs: options.coalesceWindowMs ?? 2,
    ...(options.notifierMetrics ? { metrics: options.notifierMetrics } : {}),
  });
  notifier.start();
  const gatewayConfig = { ...options.gateway, storeAddresses: [storeAddress] };
  const gateway = await startGateway({
    config: gatewayConfig,
    logger,
    metrics: options.gatewayMetrics,
    store: createStoreAccess({
      addresses: gatewayConfig.storeAddresses,
      clients: [store.inProcessClient()],
      // Readers take what the store just dispatched without pulling it (ADR 0019).
      localQueues: [store],
      gatewayId: gatewayConfig.gatewayId,
      logger: logger.child({ component: 'store-access' }),
      metrics: options.gatewayMetrics,
      appendMaxBatchMessages: gatewayConfig.appendMaxBatchMessages,
      filterLeaseMs: gatewayConfig.filterLeaseMs,
      ownerLeaseMs: gatewayConfig.ownerLeaseMs,
    }),
    bus,
  });
  return {
    store,
    notifier,
    gateway,
    bus,
    isReady: () => store.isReady() && notifier.isReady() && gateway.isReady(),
    async close() {
      await gateway.close();
      await notifier.close();
      await bus.close();
      await store.close();
    },
  };
}
