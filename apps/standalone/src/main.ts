// Starling standalone: the only file that reads the environment, opens ports and handles signals.
import { loadConfig, loadConfigOrExit } from '@starling/config';
import { createGatewayMetrics, loadGatewayConfig, readAclRules } from '@starling/gateway';
import {
  createLogger,
  createRegistry,
  disableAllocationSitePretenuring,
  onShutdownSignal,
  startOpsServer,
} from '@starling/observability';
import { createNotifierMetrics } from '@starling/notifier';
import { createStoreMetrics, loadStoreConfig } from '@starling/store';
import { startStandalone } from './standalone';

/**
 * Standalone defaults differ from a Kubernetes deployment's: data under ./data, and every listener on loopback.
 * Anonymous MQTT is allowed here because nothing outside this machine can reach 127.0.0.1; exposing the
 * gateway (GATEWAY_HOST=0.0.0.0) keeps that setting only if it is given explicitly.
 */
function standaloneEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const host = env['GATEWAY_HOST'] ?? '127.0.0.1';
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  return {
    STORE_DATA_DIR: './data',
    STORE_GRPC_HOST: '127.0.0.1',
    GATEWAY_HOST: host,
    GATEWAY_ID: 'standalone',
    ...(loopback ? { GATEWAY_ALLOW_ANONYMOUS: 'true' } : {}),
    ...env,
  };
}

async function main(): Promise<void> {
  disableAllocationSitePretenuring(); // ADR 0024: a burst must not leave GC pauses behind it
  const env = standaloneEnv(process.env);
  const { opsPort, store, gateway } = loadConfigOrExit('starling', () => ({
    opsPort: loadConfig(env, (e) => e.port('STANDALONE_OPS_PORT', { default: 9400 })).config,
    store: loadStoreConfig(env),
    gateway: loadGatewayConfig(env),
  }));
  // A bad ACL file is a configuration error (exit 2) before anything starts (the gateway reads it again).
  loadConfigOrExit('starling', () => readAclRules(gateway.config.aclFile));
  const logger = createLogger({ service: 'standalone', level: store.config.logLevel });
  const unknownVariables = [...store.unknownVariables, ...gateway.unknownVariables];
  if (unknownVariables.length > 0) logger.warn({ unknownVariables }, 'unknown variables ignored');
  if (gateway.config.allowAnonymous) {
    logger.warn(
      { host: gateway.config.host },
      'anonymous MQTT clients are allowed (GATEWAY_ALLOW_ANONYMOUS)',
    );
  }
  const registry = createRegistry({ service: 'standalone' });
  // Bound once every service has started; until then the process is alive but not ready.
  let isReady = (): boolean => false;
  const ops = await startOpsServer({
    port: opsPort,
    registry,
    logger,
    readiness: [{ name: 'services', check: () => isReady() }],
  });
  const standalone = await startStandalone({
    store: store.config,
    gateway: gateway.config,
    logger,
    storeMetrics: createStoreMetrics(registry),
    notifierMetrics: createNotifierMetrics(registry),
    gatewayMetrics: createGatewayMetrics(registry),
  });
  isReady = () => standalone.isReady();
  onShutdownSignal(logger, [{ close: () => ops.markNotReady() }, standalone, ops]);
  logger.info(
    {
      ports: {
        mqtt: standalone.gateway.ports.mqtt,
        ws: standalone.gateway.ports.ws,
        // -1 when MQTT over TLS is off (GATEWAY_TLS_PORT unset).
        mqtts: standalone.gateway.ports.mqtts,
        grpc: standalone.store.grpcPort,
        ops: ops.port,
      },
      dataDir: store.config.dataDir,
    },
    'listening',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `starling: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
