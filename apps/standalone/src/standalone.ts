import type { Logger } from '@starling/observability';
import { startStoreServer, type StoreConfig, type StoreMetrics, type StoreServer } from '@starling/store';

export interface StandaloneOptions {
  store: StoreConfig;
  logger: Logger;
  storeMetrics?: StoreMetrics;
}

export interface Standalone {
  readonly store: StoreServer;
  isReady(): boolean;
  /** Closes the services in reverse order of their dependencies (gateway, notifier, then store). */
  close(): Promise<void>;
}

/**
 * Starling in one process: the embedded default for a laptop or an edge box. Today it runs the store
 * (commitlog, queue indexes, state, gRPC produce/consume); the notifier and the gateway join it, with an
 * in-process event bus instead of NATS, as their issues land.
 */
export async function startStandalone(options: StandaloneOptions): Promise<Standalone> {
  const store = await startStoreServer({
    config: options.store,
    logger: options.logger,
    ...(options.storeMetrics ? { metrics: options.storeMetrics } : {}),
  });
  return {
    store,
    isReady: () => store.isReady(),
    close: () => store.close(),
  };
}
