// The whole system, both shapes, for end-to-end tests and the benchmark. Only the gateway's public surface
// is used (`src/index.ts`): startGateway, loadGatewayConfig, createStoreAccess, createGatewayMetrics.
import { createInProcessEventBus, createInProcessHub, type EventBus } from '@starling/event-bus';
import { createNotifier, type Notifier } from '@starling/notifier';
import { createLogger, createRegistry } from '@starling/observability';
import {
  makeTempDir,
  startNatsServer,
  startServiceProcess,
  type NatsServerHandle,
  type ProcessHandle,
  type ServicePorts,
  type TempDir,
} from '@starling/test-harness';
import {
  createGatewayMetrics,
  createStoreAccess,
  loadGatewayConfig,
  startGateway,
  type Gateway,
  type GatewayMetrics,
} from '../../src';
import { startInProcessShards, type InProcessStore } from './in-process-store';

/** What an end-to-end test needs from either shape. */
export interface SystemShape {
  readonly kind: 'standalone' | 'multi-process';
  readonly gatewayCount: number;
  /** `mqtt://127.0.0.1:<port>` of gateway i. */
  mqttUrl(i?: number): string;
  /** `ws://127.0.0.1:<port>/mqtt` of gateway i. */
  wsUrl(i?: number): string;
  /** The first store shard's gRPC address (all of them in `storeAddresses`). */
  readonly storeAddress: string;
  readonly storeAddresses: readonly string[];
  /**
   * Stops gateway i (gracefully: SIGTERM for a process, `close()` in-process) and starts it again with the
   * same configuration and gateway id. Its ports change: read `mqttUrl(i)` again afterwards.
   */
  restartGateway(i?: number): Promise<void>;
  /** Stops everything, gateways first. Idempotent. */
  stop(): Promise<void>;
}

export interface ShapeOptions {
  /** Gateways in front of the store (default 1). */
  gateways?: number;
  /** Store shards (default 1). */
  storeShards?: number;
  /** Extra GATEWAY_* variables (anonymous access is on by default). */
  gatewayEnv?: Record<string, string>;
  /** Extra STORE_* variables. */
  storeEnv?: Record<string, string>;
  /** LOG_LEVEL of every service (default 'silent' in-process, 'info' for processes: the harness reads it). */
  logLevel?: string;
}

export interface StandaloneShape extends SystemShape {
  readonly kind: 'standalone';
  readonly gateways: readonly Gateway[];
  readonly gatewayMetrics: readonly GatewayMetrics[];
  readonly stores: readonly InProcessStore[];
  readonly notifier: Notifier;
}

export interface MultiProcessShape extends SystemShape {
  readonly kind: 'multi-process';
  readonly nats: NatsServerHandle;
  readonly stores: ReadonlyArray<ProcessHandle<ServicePorts>>;
  readonly notifier: ProcessHandle<ServicePorts>;
  readonly gateways: ReadonlyArray<ProcessHandle<ServicePorts>>;
  /** Ops port (/metrics, /healthz, /readyz) of gateway i. */
  opsPort(i?: number): number;
  /**
   * Stops store shard i with `signal` (default SIGKILL: a crash), then starts it again on the same data
   * directory and the same gRPC port (the gateways and the notifier keep their addresses).
   */
  restartStore(i?: number, options?: { signal?: NodeJS.Signals }): Promise<void>;
}

function gatewayEnv(
  i: number,
  storeAddresses: readonly string[],
  options: ShapeOptions,
  logLevel: string,
): Record<string, string> {
  return {
    LOG_LEVEL: logLevel,
    GATEWAY_ID: `gw-${i}-${process.pid}`,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_MQTT_PORT: '0',
    GATEWAY_WS_PORT: '0',
    GATEWAY_OPS_PORT: '0',
    GATEWAY_STORE_ADDRESSES: storeAddresses.join(','),
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    GATEWAY_DRAIN: '0ms',
    ...options.gatewayEnv,
  };
}

/** URLs of gateway i, read when asked: a restarted gateway has new ports. */
function urls(ports: () => ReadonlyArray<{ mqtt: number; ws: number }>) {
  const at = (i: number) => {
    const all = ports();
    const p = all[i];
    if (p === undefined) throw new Error(`no gateway ${i} (there are ${all.length})`);
    return p;
  };
  return {
    mqttUrl: (i = 0) => `mqtt://127.0.0.1:${at(i).mqtt}`,
    wsUrl: (i = 0) => `ws://127.0.0.1:${at(i).ws}/mqtt`,
  };
}

/** Closes in order, once; every step runs even when an earlier one fails, the first failure is rethrown. */
function stopOnce(steps: Array<() => unknown>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      let first: unknown;
      for (const step of steps) {
        try {
          await step();
        } catch (e) {
          first ??= e;
        }
      }
      if (first !== undefined)
        throw first instanceof Error ? first : new Error('stop failed', { cause: first });
    })();
    return stopping;
  };
}

/**
 * Standalone: store shard(s), notifier and gateway(s) in THIS process, arrival events on an in-process
 * event bus. Each service gets its own bus on one shared hub, as each process gets its own NATS connection.
 */
export async function startStandaloneShape(options: ShapeOptions = {}): Promise<StandaloneShape> {
  const logLevel = options.logLevel ?? 'silent';
  const gatewayCount = options.gateways ?? 1;
  const stores = await startInProcessShards(options.storeShards ?? 1, {
    env: { LOG_LEVEL: logLevel, ...options.storeEnv },
  });
  const storeAddresses = stores.map((s) => s.address);
  const hub = createInProcessHub();
  const buses: EventBus[] = [];
  const newBus = (): EventBus => {
    const bus = createInProcessEventBus(hub);
    buses.push(bus);
    return bus;
  };
  const logger = createLogger({ service: 'gateway', level: logLevel as 'silent' });
  const notifier = createNotifier({
    // As apps/standalone does: arrivals straight from each store's dispatch, not over WatchArrivals on loopback.
    stores: [],
    localStores: stores.map(({ server }) => ({
      shard: server.store.shardIndex,
      watch: (listener) => server.store.watchArrivals(listener, false),
    })),
    bus: newBus(),
    logger: logger.child({ service: 'notifier' }),
    coalesceWindowMs: 2,
  });
  notifier.start();

  const gateways: Gateway[] = [];
  const gatewayMetrics: GatewayMetrics[] = [];
  const stop = stopOnce([
    () => Promise.all(gateways.map((g) => g.close())),
    () => notifier.close(),
    () => Promise.all(buses.map((b) => b.close())),
    () => Promise.all(stores.map((s) => s.stop())),
  ]);
  const startOne = async (i: number): Promise<void> => {
    const { config } = loadGatewayConfig(gatewayEnv(i, storeAddresses, options, logLevel));
    const metrics = createGatewayMetrics(createRegistry({ service: 'gateway', defaultMetrics: false }));
    const gatewayLogger = logger.child({ gatewayId: config.gatewayId });
    const store = createStoreAccess({
      addresses: config.storeAddresses,
      // As apps/standalone does: the gateway calls the stores in this process directly.
      clients: stores.map((s) => s.server.inProcessClient()),
      localQueues: stores.map((s) => s.server),
      gatewayId: config.gatewayId,
      logger: gatewayLogger.child({ component: 'store-access' }),
      metrics,
      appendMaxBatchMessages: config.appendMaxBatchMessages,
      filterLeaseMs: config.filterLeaseMs,
      ownerLeaseMs: config.ownerLeaseMs,
    });
    try {
      gateways[i] = await startGateway({ config, logger: gatewayLogger, metrics, store, bus: newBus() });
    } catch (e) {
      await store.close();
      throw e;
    }
    gatewayMetrics[i] = metrics;
  };
  try {
    for (let i = 0; i < gatewayCount; i++) await startOne(i);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  const restartGateway = async (i = 0): Promise<void> => {
    const gateway = gateways[i];
    if (gateway === undefined) throw new Error(`no gateway ${i} (there are ${gateways.length})`);
    await gateway.close(); // closes its store access and delivery engine too
    await startOne(i);
  };
  return {
    kind: 'standalone',
    gatewayCount,
    ...urls(() => gateways.map((g) => g.ports)),
    storeAddress: storeAddresses[0]!,
    storeAddresses,
    gateways,
    gatewayMetrics,
    stores,
    notifier,
    restartGateway,
    stop,
  };
}

/**
 * The product's topology: a real nats-server, store shard process(es), a notifier process and N gateway
 * processes (`apps/<service>/dist/main.js`: build first). Everything binds 127.0.0.1, port 0.
 */
export async function startMultiProcessShape(options: ShapeOptions = {}): Promise<MultiProcessShape> {
  const logLevel = options.logLevel ?? 'info'; // the harness waits for the 'listening' info line
  const gatewayCount = options.gateways ?? 1;
  const shardCount = options.storeShards ?? 1;
  const dirs: TempDir[] = [];
  const stores: Array<ProcessHandle<ServicePorts>> = [];
  const gateways: Array<ProcessHandle<ServicePorts>> = [];
  let notifier: ProcessHandle<ServicePorts> | undefined;
  let nats: NatsServerHandle | undefined;
  const stop = stopOnce([
    () => Promise.all(gateways.map((g) => g.stop())),
    () => notifier?.stop(),
    () => Promise.all(stores.map((s) => s.stop())),
    () => nats?.stop(),
    () => dirs.forEach((d) => d.remove()),
  ]);
  try {
    nats = await startNatsServer();
    const storeEnvs: Array<Record<string, string>> = [];
    await Promise.all(
      Array.from({ length: shardCount }, async (_, i) => {
        const dir = makeTempDir(`e2e-store-${i}`);
        dirs.push(dir);
        const env: Record<string, string> = {
          LOG_LEVEL: logLevel,
          STORE_DATA_DIR: dir.path,
          STORE_GRPC_HOST: '127.0.0.1',
          STORE_GRPC_PORT: '0',
          STORE_OPS_PORT: '0',
          STORE_SHARD_COUNT: String(shardCount),
          STORE_SHARD_INDEX: String(i),
          ...options.storeEnv,
        };
        const store = await startServiceProcess('store', { env });
        stores[i] = store;
        // A restart must come back where the gateways and the notifier look for it.
        storeEnvs[i] = { ...env, STORE_GRPC_PORT: String(portOf(store, 'grpc')) };
      }),
    );
    const storeAddresses = stores.map((s) => `127.0.0.1:${portOf(s, 'grpc')}`);
    const natsUrl = nats.url;
    notifier = await startServiceProcess('notifier', {
      env: {
        LOG_LEVEL: logLevel,
        NATS_URL: natsUrl,
        NOTIFIER_STORE_ADDRESSES: storeAddresses.join(','),
        NOTIFIER_OPS_PORT: '0',
      },
    });
    const startGatewayProcess = async (i: number): Promise<void> => {
      gateways[i] = await startServiceProcess('gateway', {
        env: { ...gatewayEnv(i, storeAddresses, options, logLevel), NATS_URL: natsUrl },
      });
    };
    await Promise.all(Array.from({ length: gatewayCount }, (_, i) => startGatewayProcess(i)));
    const restartGateway = async (i = 0): Promise<void> => {
      const gateway = gateways[i];
      if (gateway === undefined) throw new Error(`no gateway ${i} (there are ${gateways.length})`);
      await gateway.stop();
      await startGatewayProcess(i);
    };
    const restartStore = async (i = 0, restart: { signal?: NodeJS.Signals } = {}): Promise<void> => {
      const store = stores[i];
      if (store === undefined) throw new Error(`no store shard ${i} (there are ${stores.length})`);
      await store.kill(restart.signal ?? 'SIGKILL');
      stores[i] = await startServiceProcess('store', { env: storeEnvs[i] });
    };
    return {
      kind: 'multi-process',
      gatewayCount,
      ...urls(() => gateways.map((g) => ({ mqtt: portOf(g, 'mqtt'), ws: portOf(g, 'ws') }))),
      storeAddress: storeAddresses[0]!,
      storeAddresses,
      nats,
      stores,
      notifier,
      gateways,
      opsPort: (i = 0) => portOf(gateways[i]!, 'ops'),
      restartGateway,
      restartStore,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

function portOf(handle: ProcessHandle<ServicePorts>, name: string): number {
  const port = handle.ready[name];
  if (port === undefined)
    throw new Error(`the process did not report a ${name} port: ${JSON.stringify(handle.ready)}`);
  return port;
}
