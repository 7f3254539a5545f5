import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  healthServiceDefinition,
  messagingServiceDefinition,
  storeServiceDefinition,
  type QueueMessageOutput,
} from '@starling/proto';
import type { Logger } from '@starling/observability';
import type { StoreConfig } from './config';
import type { StoreMetrics } from './metrics';
import { Store } from './store';
import { createHealthService } from './grpc/health';
import { createStoreServiceHandlers } from './grpc/store-service';
import { createMessagingServiceHandlers } from './grpc/messaging-service';
import { createInProcessStoreClient, type InProcessStoreClient } from './grpc/in-process-client';
import { createHomeSessionLookup } from './grpc/home-session-lookup';
import { APPEND_STREAM_MAX_BATCHES } from './grpc/append-stream';
import { messageToWire } from './grpc/convert';
import { bindWithReceiveWindows } from './grpc/receive-windows';
import { OwnerLeases } from './owner-leases';

export interface StoreServerOptions {
  config: StoreConfig;
  logger: Logger;
  metrics?: StoreMetrics;
  /** Batches of one AppendStream worked on at once (default APPEND_STREAM_MAX_BATCHES; tests lower it). */
  appendStreamMaxBatches?: number;
}

export interface StoreServer {
  readonly store: Store;
  /** The bound gRPC port (the kernel's choice when the config said 0). */
  readonly grpcPort: number;
  /** Ready to serve: recovery finished and not shutting down. */
  isReady(): boolean;
  /**
   * A StoreService client for a gateway in this process (standalone): the same handlers as over gRPC, called
   * directly. Close it like a gRPC client; it answers UNAVAILABLE once the server stops serving.
   */
  inProcessClient(): InProcessStoreClient;
  /**
   * For a gateway in this process: every later dispatch batch's messages of a queue, in the form a
   * PullMessages answer carries them (ADR 0019). Returns the unsubscribe function.
   */
  watchQueue(
    queue: { readonly kind: 'topic' | 'filter'; readonly name: string },
    listener: (messages: readonly QueueMessageOutput[], endOffset: number) => void,
  ): () => void;
  /** Stops accepting calls, ends watch streams, drains calls in flight, then closes the store cleanly. */
  close(): Promise<void>;
}

const SERVICES = ['starling.store.v1.StoreService', 'starling.messaging.v1.MessagingService'];

/** Opens (and recovers) the store, then serves it over gRPC. */
export async function startStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const { config, logger, metrics } = options;
  // Other shards are asked about their sessions only to sweep the holds of ended ones (Store.sweepSessionHolds).
  const homeSessions =
    config.shardCount > 1 && config.shardAddresses.length === config.shardCount
      ? createHomeSessionLookup(config.shardAddresses, config.shardIndex)
      : undefined;
  if (config.shardCount > 1 && homeSessions === undefined) {
    logger.warn(
      'STORE_SHARD_ADDRESSES is not set: filter holds of sessions that end while no gateway holds them are not swept',
    );
  }
  let store: Store;
  // Set right after the store opens; a will appended before that is not one of a lapse.
  const lapses: { leases?: OwnerLeases } = {};
  try {
    store = await Store.open({
      ...config,
      logger,
      ...(metrics ? { metrics } : {}),
      onWillAppended: (clientId: string) => lapses.leases?.willAppended(clientId),
      ...(homeSessions
        ? { homeSessionFilters: (shard: number, id: string) => homeSessions.sessionFilters(shard, id) }
        : {}),
    });
  } catch (err) {
    homeSessions?.close();
    throw err;
  }

  const leases = OwnerLeases.start({
    state: store.state,
    logger: logger.child({ component: 'owner-leases' }),
    metrics: metrics?.ownerLeases,
    publishDueWills: () => store.runHousekeeping(),
  });
  lapses.leases = leases;

  let serving = false;
  const context = { logger: logger.child({ component: 'grpc' }), metrics, isServing: () => serving };
  const limits = {
    pullMaxMessages: config.pullMaxMessages,
    pullMaxBytes: config.pullMaxBytes,
    pullMaxWaitMs: config.pullMaxWaitMs,
    retainedMatchLimit: config.retainedMatchLimit,
    appendStreamMaxBatches: options.appendStreamMaxBatches ?? APPEND_STREAM_MAX_BATCHES,
  };
  const streams = new Set<{ end(): void }>();
  const health = createHealthService(SERVICES);
  const server = new Server({
    // Appends carry up to maxBatchMessages messages; allow the largest legal batch plus framing.
    'grpc.max_receive_message_length': Math.max(4 * 1024 * 1024, config.maxMessageBytes * 4 + 1024 * 1024),
    'grpc.max_send_message_length': Math.max(
      4 * 1024 * 1024,
      config.pullMaxBytes + config.maxMessageBytes * 2,
    ),
  });
  const storeHandlers = createStoreServiceHandlers(store, context, limits, streams, leases);
  server.addService(storeServiceDefinition(), storeHandlers);
  server.addService(messagingServiceDefinition(), createMessagingServiceHandlers(store, context, limits));
  server.addService(healthServiceDefinition(), health.handlers);

  let grpcPort: number;
  try {
    grpcPort = await bindWithReceiveWindows(
      () =>
        new Promise<number>((resolve, reject) => {
          server.bindAsync(
            `${config.grpcHost}:${config.grpcPort}`,
            ServerCredentials.createInsecure(),
            (err, port) => (err ? reject(err) : resolve(port)),
          );
        }),
    );
  } catch (err) {
    await leases.close();
    await store.close();
    homeSessions?.close();
    throw err;
  }
  serving = true;
  health.setServing(true);

  let closing: Promise<void> | undefined;
  return {
    store,
    grpcPort,
    isReady: () => serving,
    inProcessClient: () => createInProcessStoreClient(storeServiceDefinition(), storeHandlers),
    watchQueue: (queue, listener) =>
      store.watchQueue({ kind: queue.kind, name: queue.name }, (messages, endOffset) =>
        // The shape PullMessages answers with in this process (see in-process-client.ts: UNCOPIED).
        listener(messages.map(messageToWire), endOffset),
      ),
    close() {
      closing ??= (async () => {
        serving = false;
        health.setServing(false);
        for (const s of streams) s.end();
        health.close();
        await new Promise<void>((resolve) => {
          // Calls in flight (appends waiting for fsync) finish; long polls were woken by store.close below.
          // A watcher that stopped reading keeps its stream (and tryShutdown) open: after 5 s, cut every
          // connection and go on closing, whether or not grpc-js still calls the tryShutdown callback.
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 5_000);
          force.unref();
          store.hub.wakeAll();
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await leases.close();
        await store.close();
        homeSessions?.close();
        logger.info('store closed cleanly');
      })();
      return closing;
    },
  };
}
