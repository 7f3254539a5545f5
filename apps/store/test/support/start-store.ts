import { createLogger, createRegistry } from '@starling/observability';
import { makeTempDir, type TempDir } from '@starling/test-harness';
import {
  createStoreMetrics,
  loadStoreConfig,
  startStoreServer,
  type StoreConfig,
  type StoreServer,
} from '../../src';
import { connectStore } from './grpc-clients';
import type { Registry } from 'prom-client';

export interface TestStore {
  server: StoreServer;
  clients: ReturnType<typeof connectStore>;
  address: string;
  dir: TempDir;
  registry: Registry;
  config: StoreConfig;
  /** Closes clients and server; keeps the data dir (for restart tests) unless `removeData`. */
  stop(options?: { removeData?: boolean }): Promise<void>;
  /** Closes cleanly and opens again on the same data dir (and a new port). */
  restart(): Promise<TestStore>;
}

/** An in-process store on port 0 with a private temp data dir. */
export async function startTestStore(
  env: Record<string, string> = {},
  dir: TempDir = makeTempDir(),
): Promise<TestStore> {
  const { config } = loadStoreConfig({
    STORE_DATA_DIR: dir.path,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger({ service: 'store', level: config.logLevel });
  const registry = createRegistry({ service: 'store', defaultMetrics: false });
  const server = await startStoreServer({ config, logger, metrics: createStoreMetrics(registry) });
  const address = `127.0.0.1:${server.grpcPort}`;
  const clients = connectStore(address);
  const handle: TestStore = {
    server,
    clients,
    address,
    dir,
    registry,
    config,
    async stop(options = {}) {
      clients.close();
      await server.close();
      if (options.removeData) dir.remove();
    },
    async restart() {
      await handle.stop();
      return startTestStore(env, dir);
    },
  };
  return handle;
}
