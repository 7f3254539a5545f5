// Starling standalone: the only file that reads the environment, opens ports and handles signals.
import { ConfigError, loadConfig } from '@starling/config';
import { createLogger, createRegistry, onShutdownSignal, startOpsServer } from '@starling/observability';
import { createNotifierMetrics } from '@starling/notifier';
import { createStoreMetrics, loadStoreConfig } from '@starling/store';
import { startStandalone } from './standalone';

/** Standalone defaults differ from a store pod's: data under ./data, services on loopback only. */
const STANDALONE_DEFAULTS = {
  STORE_DATA_DIR: './data',
  STORE_GRPC_HOST: '127.0.0.1',
};

async function main(): Promise<void> {
  const env = { ...STANDALONE_DEFAULTS, ...process.env };
  let opsPort: number;
  let store: ReturnType<typeof loadStoreConfig>;
  try {
    opsPort = loadConfig(env, (e) => e.port('STANDALONE_OPS_PORT', { default: 9400 })).config;
    store = loadStoreConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`starling: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: 'standalone', level: store.config.logLevel });
  if (store.unknownVariables.length > 0) {
    logger.warn({ unknownVariables: store.unknownVariables }, 'unknown STORE_ variables ignored');
  }
  const registry = createRegistry({ service: 'standalone' });
  // Bound once the service has recovered; until then the process is alive but not ready.
  let isReady = (): boolean => false;
  const ops = await startOpsServer({
    port: opsPort,
    registry,
    logger,
    readiness: [{ name: 'services', check: () => isReady() }],
  });
  const standalone = await startStandalone({
    store: store.config,
    logger,
    storeMetrics: createStoreMetrics(registry),
    notifierMetrics: createNotifierMetrics(registry),
  });
  isReady = () => standalone.isReady();
  onShutdownSignal(logger, [{ close: () => ops.markNotReady() }, standalone, ops]);
  logger.info(
    { ports: { grpc: standalone.store.grpcPort, ops: ops.port }, dataDir: store.config.dataDir },
    'listening',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `starling: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
