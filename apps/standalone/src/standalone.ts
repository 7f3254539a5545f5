import { createInProcessEventBus, type EventBus } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import { createNotifier, type Notifier, type NotifierMetrics } from '@starling/notifier';
import { startStoreServer, type StoreConfig, type StoreMetrics, type StoreServer } from '@starling/store';

export interface StandaloneOptions {
  store: StoreConfig;
  logger: Logger;
  storeMetrics?: StoreMetrics;
  notifierMetrics?: NotifierMetrics;
  /** See NOTIFIER_COALESCE_WINDOW. */
  coalesceWindowMs?: number;
}

export interface Standalone {
  readonly store: StoreServer;
  readonly notifier: Notifier;
  /** The in-process event bus standing in for NATS: the gateway subscribes to arrivals here. */
  readonly bus: EventBus;
  isReady(): boolean;
  /** Closes the services in reverse order of their dependencies (notifier, bus, then store). */
  close(): Promise<void>;
}

/**
 * Starling in one process: the embedded default for a laptop or an edge box. The store serves its gRPC API
 * on loopback; the notifier watches it exactly as in the multi-process topology, but publishes on an
 * in-process event bus instead of NATS. The gateway joins with its issue.
 */
export async function startStandalone(options: StandaloneOptions): Promise<Standalone> {
  const store = await startStoreServer({
    config: options.store,
    logger: options.logger,
    ...(options.storeMetrics ? { metrics: options.storeMetrics } : {}),
  });
  const bus = createInProcessEventBus();
  const notifier = createNotifier({
    stores: [`127.0.0.1:${store.grpcPort}`],
    bus,
    logger: options.logger,
    coalesceWindowMs: options.coalesceWindowMs ?? 2,
    ...(options.notifierMetrics ? { metrics: options.notifierMetrics } : {}),
  });
  notifier.start();
  return {
    store,
    notifier,
    bus,
    isReady: () => store.isReady() && notifier.isReady(),
    async close() {
      await notifier.close();
      await bus.close();
      await store.close();
    },
  };
}
