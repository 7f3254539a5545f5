// The store process: the only file that reads the environment, opens ports and handles signals.
import { loadConfigOrExit } from '@starling/config';
import {
  createLogger,
  createRegistry,
  disableAllocationSitePretenuring,
  onShutdownSignal,
  startOpsServer,
} from '@starling/observability';
import { loadStoreConfig } from './config';
import { createStoreMetrics } from './metrics';
import { startStoreServer } from './store-server';
import { DataDirLockedError } from './data-dir-lock';

async function main(): Promise<void> {
  disableAllocationSitePretenuring(); // ADR 0024: a burst must not leave GC pauses behind it
  const { config, unknownVariables } = loadConfigOrExit('store', () => loadStoreConfig(process.env));
  const logger = createLogger({ service: 'store', level: config.logLevel });
  if (unknownVariables.length > 0) logger.warn({ unknownVariables }, 'unknown STORE_ variables ignored');
  const registry = createRegistry({ service: 'store' });
  const metrics = createStoreMetrics(registry);
  metrics.retentionMaxBytes.set(config.retentionMaxBytes);
  metrics.retentionMaxAge.set(config.retentionMaxAgeMs / 1000);

  // Bound once the service has recovered; until then the process is alive but not ready.
  let isReady = (): boolean => false;
  // Alive at once; ready only after recovery (a long replay must not get the pod restarted).
  const ops = await startOpsServer({
    port: config.opsPort,
    registry,
    logger,
    readiness: [{ name: 'recovered', check: () => isReady() }],
  });
  const server = await startStoreServer({ config, logger, metrics });
  isReady = () => server.isReady();
  onShutdownSignal(logger, [{ close: () => ops.markNotReady() }, server, ops]);
  logger.info(
    { ports: { grpc: server.grpcPort, ops: ops.port }, shard: config.shardIndex, fsync: config.fsync },
    'listening',
  );
}

main().catch((err: unknown) => {
  if (err instanceof DataDirLockedError) {
    // An expected refusal, not a bug: the message names the dir and its holder; a stack would only bury it.
    process.stderr.write(`store: failed to start: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `store: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
