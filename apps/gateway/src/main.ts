// The gateway process: the only file that reads the environment, opens ports and handles signals.
import { loadConfigOrExit } from '@starling/config';
import { connectNatsEventBusWithRetry, type NatsEventBus } from '@starling/event-bus';
import {
  createLogger,
  createRegistry,
  disableAllocationSitePretenuring,
  onShutdownSignal,
  startOpsServer,
} from '@starling/observability';
import { readAclRules } from './acl';
import { loadGatewayConfig } from './config';
import { startGateway, type Gateway } from './gateway';
import { createGatewayMetrics, sampleGatewayState } from './metrics';
import { readTlsCredentials } from './transports/tls';
import { createStoreAccess } from './store-access';

/** Waits between first NATS connection attempts: the gateway may start before NATS does. */
const NATS_RETRY_MIN_MS = 250;
const NATS_RETRY_MAX_MS = 5_000;

async function main(): Promise<void> {
  disableAllocationSitePretenuring(); // ADR 0024: a burst must not leave GC pauses behind it
  // The TLS and ACL files are read here too: a bad one is a configuration error (exit 2) before anything starts.
  const { config, unknownVariables, tlsCredentials } = loadConfigOrExit('gateway', () => {
    const loaded = loadGatewayConfig(process.env);
    readAclRules(loaded.config.aclFile);
    return { ...loaded, tlsCredentials: readTlsCredentials(loaded.config.tls) };
  });
  const logger = createLogger({ service: 'gateway', level: config.logLevel });
  if (unknownVariables.length > 0) logger.warn({ unknownVariables }, 'unknown GATEWAY_ variables ignored');
  const registry = createRegistry({ service: 'gateway' });
  const metrics = createGatewayMetrics(registry);
  metrics.sessionInflightLimit.set(config.limits.maxInflight);

  let bus: NatsEventBus | undefined = undefined;
  let gateway: Gateway | undefined = undefined;
  let stopping = false;
  // Alive at once; ready once the listeners are up and NATS is connected.
  sampleGatewayState(metrics, {
    ready: () => !stopping && (gateway?.isReady() ?? false) && (bus?.connected ?? false),
    eventBus: () => bus,
  });
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

  // The gateway may start before NATS does: the first connection is retried until it succeeds or we stop.
  bus = await connectNatsEventBusWithRetry(
    {
      servers: config.natsUrl,
      name: `starling-gateway-${config.gatewayId}`,
      logger: logger.child({ component: 'event-bus' }),
    },
    { minMs: NATS_RETRY_MIN_MS, maxMs: NATS_RETRY_MAX_MS, stopped: () => stopping },
  );
  if (bus === undefined) return;

  const store = createStoreAccess({
    addresses: config.storeAddresses,
    gatewayId: config.gatewayId,
    logger: logger.child({ component: 'store-access' }),
    metrics,
    appendMaxBatchMessages: config.appendMaxBatchMessages,
    filterLeaseMs: config.filterLeaseMs,
    ownerLeaseMs: config.ownerLeaseMs,
  });
  gateway = await startGateway({ config, logger, metrics, store, bus, tlsCredentials });
  const { mqtt, ws, mqtts } = gateway.ports;
  logger.info({ ports: { mqtt, ws, mqtts, ops: ops.port } }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
