// The notifier process: the only file that reads the environment, opens ports and handles signals.
import { loadConfigOrExit } from '@starling/config';
import { connectNatsEventBusWithRetry, type NatsEventBus } from '@starling/event-bus';
import {
  createLogger,
  createRegistry,
  disableAllocationSitePretenuring,
  onShutdownSignal,
  startOpsServer,
} from '@starling/observability';
import { loadNotifierConfig } from './config';
import { createNotifierMetrics, sampleNotifierState } from './metrics';
import { startNotifier, type Notifier } from './notifier';

async function main(): Promise<void> {
  disableAllocationSitePretenuring(); // ADR 0024: a burst must not leave GC pauses behind it
  const { config, unknownVariables } = loadConfigOrExit('notifier', () => loadNotifierConfig(process.env));
  const logger = createLogger({ service: 'notifier', level: config.logLevel });
  if (unknownVariables.length > 0) logger.warn({ unknownVariables }, 'unknown NOTIFIER_ variables ignored');
  const registry = createRegistry({ service: 'notifier' });
  const metrics = createNotifierMetrics(registry);

  let bus: NatsEventBus | undefined = undefined;
  sampleNotifierState(metrics, { eventBus: () => bus });
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
  bus = await connectNatsEventBusWithRetry(
    {
      servers: config.natsUrl,
      name: `starling-notifier-${process.pid}`,
      logger: logger.child({ component: 'event-bus' }),
    },
    { minMs: config.reconnectMinMs, maxMs: config.reconnectMaxMs, stopped: () => stopping },
  );
  if (bus === undefined) return;

  notifier = startNotifier({
    stores: config.storeAddresses,
    bus,
    logger,
    metrics,
    coalesceWindowMs: config.coalesceWindowMs,
    replayEventsPerSecond: config.replayEventsPerSecond,
    replayBurstEvents: config.replayBurstEvents,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
  });
  logger.info(
    {
      ports: { ops: ops.port },
      stores: config.storeAddresses,
      coalesceWindowMs: config.coalesceWindowMs,
      replayEventsPerSecond: config.replayEventsPerSecond,
      replayBurstEvents: config.replayBurstEvents,
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
