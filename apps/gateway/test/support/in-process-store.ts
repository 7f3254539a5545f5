import { createLogger, createRegistry } from '@starling/observability';
import { createStoreMetrics, loadStoreConfig, startStoreServer, type StoreServer } from '@starling/store';
import { makeTempDir, type TempDir } from '@starling/test-harness';
import type { Registry } from 'prom-client';

export interface InProcessStore {
  readonly server: StoreServer;
  readonly address: string;
  readonly registry: Registry;
  readonly dir: TempDir;
  /** Closes the server and removes its data dir. */
  stop(): Promise<void>;
}

export interface InProcessStoreOptions {
  /** STORE_* variables on top of the test defaults (port 0, temp dir, silent logs). */
  env?: Record<string, string>;
  /** How often the store checks leases, expiry and wills (the store's default is 1 s). */
  housekeepingIntervalMs?: number;
  name?: string;
}

/** A store shard in this process on 127.0.0.1, port 0, with a private temp data dir. */
export async function startInProcessStore(options: InProcessStoreOptions = {}): Promise<InProcessStore> {
  const dir = makeTempDir(options.name ?? 'gateway-store');
  const { config } = loadStoreConfig({
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  // Store.open takes the config spread with its own options; housekeepingIntervalMs is one of them.
  const withHousekeeping =
    options.housekeepingIntervalMs === undefined
      ? config
      : Object.assign({}, config, { housekeepingIntervalMs: options.housekeepingIntervalMs });
  const logger = createLogger({ service: 'store', level: config.logLevel });
  const registry = createRegistry({ service: 'store', defaultMetrics: false });
  const server = await startStoreServer({
    config: withHousekeeping,
    logger,
    metrics: createStoreMetrics(registry),
  });
  return {
    server,
    address: `127.0.0.1:${server.grpcPort}`,
    registry,
    dir,
    async stop() {
      await server.close();
      dir.remove();
    },
  };
}

/** `count` store shards (STORE_SHARD_COUNT = count, STORE_SHARD_INDEX = i); shard i is element i. */
export async function startInProcessShards(
  count: number,
  options: InProcessStoreOptions = {},
): Promise<InProcessStore[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startInProcessStore({
        ...options,
        env: { ...options.env, STORE_SHARD_COUNT: String(count), STORE_SHARD_INDEX: String(i) },
      }),
    ),
  );
}
