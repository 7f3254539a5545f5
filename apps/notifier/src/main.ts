// The notifier process: the only file that reads the environment, opens ports and handles signals.
import { ConfigError } from '@starling/config';
import { connectNatsEventBus, type EventBus } from '@starling/event-bus';
import { createLogger, createRegistry, onShutdownSignal, startOpsServer } from '@starling/observability';
import { backoffDelayMs } from './backoff';
import { loadNotifierConfig } from './config';
import { createNotifierMetrics } from './metrics';
import { startNotifier, type Notifier } from './notifier';

async function main(): Promise<void> {
  let loaded: ReturnType<typeof loadNotifierConfig>;
  try {
    loaded = loadNotifierConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`notifier: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, unknownVariables } = loaded;
  const logger = createLogger({ service: 'notifier', level: config.logLevel });
  if (unknownVariables.length > 0) logger.warn({ unknownVariables }, 'unknown NOTIFIER_ variables ignored');
  const registry = createRegistry({ service: 'notifier' });
  const metrics = createNotifierMetrics(registry);

  let bus: EventBus | undefined;
  // Set once NATS is connected; the readiness check and shutdown read it before that.
  let notifier: Notifier | undefined = undefined;
  let stopping = false;
  // Alive at once (a NATS outage must never get the pod restarted); ready once every store stream and NATS are up.
  const ops = await startOpsServer({
    port: config.opsPort,
    registry,
    logger,
    readiness: [
      { name: 'nats', check: () => bus?.connected ?? false },
      { name: 'stores', check: () => notifier?.isReady() ?? false },
    ],
  });
  onShutdownSignal(logger, [
    {
      close: () => {
        stopping = true;
        ops.markNotReady();
      },
    },
    { close: () => notifier?.close() },
    { close: () => bus?.close() },
    ops,
  ]);

  // The first connection to NATS is retried like any later one: the notifier may start before NATS does.
  for (let attempt = 0; bus === undefined && !stopping; attempt++) {
    try {
      bus = await connectNatsEventBus({
        servers: config.natsUrl,
        name: `starling-notifier-${process.pid}`,
        logger: logger.child({ component: 'event-bus' }),
      });
    } catch (err) {
      const delayMs = backoffDelayMs(attempt, { minMs: config.reconnectMinMs, maxMs: config.reconnectMaxMs });
      logger.warn({ err, delayMs }, 'cannot connect to nats yet');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  if (bus === undefined) return;

  notifier = startNotifier({
    stores: config.storeAddresses,
    bus,
    logger,
    metrics,
    coalesceWindowMs: config.coalesceWindowMs,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
  });
  logger.info(
    {
      ports: { ops: ops.port },
      stores: config.storeAddresses,
      coalesceWindowMs: config.coalesceWindowMs,
    },
    'listening',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `notifier: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
