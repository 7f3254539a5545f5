// The gateway process: the only file that reads the environment, opens ports and handles signals.
import { ConfigError } from '@starling/config';
import { connectNatsEventBus, type EventBus } from '@starling/event-bus';
import { createLogger, createRegistry, onShutdownSignal, startOpsServer } from '@starling/observability';
import { loadGatewayConfig } from './config';
import { startGateway, type Gateway } from './gateway';
import { createGatewayMetrics } from './metrics';
import { createStoreAccess } from './store-access';

/** Waits between first NATS connection attempts: the gateway may start before NATS does. */
const NATS_RETRY_MIN_MS = 250;
const NATS_RETRY_MAX_MS = 5_000;

async function main(): Promise<void> {
  let loaded: ReturnType<typeof loadGatewayConfig>;
  try {
    loaded = loadGatewayConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, unknownVariables } = loaded;
  const logger = createLogger({ service: 'gateway', level: config.logLevel });
  if (unknownVariables.length > 0) logger.warn({ unknownVariables }, 'unknown GATEWAY_ variables ignored');
  const registry = createRegistry({ service: 'gateway' });
  const metrics = createGatewayMetrics(registry);

  let bus: EventBus | undefined;
  let gateway: Gateway | undefined = undefined;
  let stopping = false;
  // Alive at once; ready once the listeners are up and NATS is connected.
  const ops = await startOpsServer({
    port: config.opsPort,
    registry,
    logger,
    readiness: [
      { name: 'listening', check: () => gateway?.isReady() ?? false },
      { name: 'nats', check: () => bus?.connected ?? false },
    ],
  });
  onShutdownSignal(logger, [
    {
      close: () => {
        stopping = true;
        ops.markNotReady();
      },
    },
    { close: () => gateway?.close() },
    { close: () => bus?.close() },
    ops,
  ]);

  for (let attempt = 0; bus === undefined && !stopping; attempt++) {
    try {
      bus = await connectNatsEventBus({
        servers: config.natsUrl,
        name: `starling-gateway-${config.gatewayId}`,
        logger: logger.child({ component: 'event-bus' }),
      });
    } catch (err) {
      const delayMs = Math.min(NATS_RETRY_MAX_MS, NATS_RETRY_MIN_MS * 2 ** Math.min(attempt, 10));
      logger.warn({ err, delayMs }, 'cannot connect to nats yet');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  if (bus === undefined) return;

  const store = createStoreAccess({
    addresses: config.storeAddresses,
    gatewayId: config.gatewayId,
    logger: logger.child({ component: 'store-access' }),
    metrics,
    appendMaxBatchMessages: config.appendMaxBatchMessages,
    filterLeaseMs: config.filterLeaseMs,
  });
  gateway = await startGateway({ config, logger, metrics, store, bus });
  logger.info({ ports: { mqtt: gateway.ports.mqtt, ws: gateway.ports.ws, ops: ops.port } }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
