import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { BusSubscription, EventBus } from '@starling/event-bus';
import type { Logger } from '@starling/observability';
import { AccessControl, FULL_ACCESS, parseAclFile, readAclFile } from './acl';
import { createAuthenticator, parseAuthFile, readAuthFile } from './auth';
import { watchFile, type FileWatch } from './file-reload';
import type { GatewayConfig } from './config';
import { MqttConnection } from './connection';
import { createDeliveryEngine } from './delivery';
import type { HandlerContext } from './handlers/context';
import { createPacketHandler } from './handlers';
import { serveTakeover } from './handlers/takeover';
import type { GatewayMetrics } from './metrics';
import { LocalSessions } from './session/local-sessions';
import { shardOfClient } from './store-access/sharding';
import { startTcpTransport, type AcceptedConnection, type TransportServer } from './transports/tcp';
import { readTlsCredentials, startTlsTransport, type TlsCredentials } from './transports/tls';
import { startWebSocketTransport } from './transports/websocket';
import type { CloseReason, DeliveryEngine, StoreAccess, Transport } from './types';

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly store: StoreAccess;
  readonly bus: EventBus;
  /** Defaults to the gateway's own delivery engine over `store` and `bus`. */
  readonly delivery?: DeliveryEngine;
  /** The files of `config.tls`, read already (`readTlsCredentials`); read here when absent and TLS is on. */
  readonly tlsCredentials?: TlsCredentials;
}

export interface Gateway {
  /** Bound ports (the kernel's choice for 0); `ws` and `mqtts` are -1 when WebSocket or TLS is off. */
  readonly ports: { readonly mqtt: number; readonly ws: number; readonly mqtts: number };
  /** Listening and not draining. */
  isReady(): boolean;
  readonly connectionCount: number;
  /** Connected sessions on this gateway (CONNACK sent, not closed). */
  readonly sessionCount: number;
  /**
   * Drain (SIGTERM): stop accepting, disconnect clients in batches spread over `drainMs`, stop delivery,
   * close the store access. Idempotent.
   */
  close(): Promise<void>;
}

/** How long a CONNECT waits for the session it takes over on this gateway to be released. */
const TAKEOVER_WAIT_MS = 2_000;
/** Batches a drain is split into (clients reconnect elsewhere without a thundering herd). */
const DRAIN_BATCHES = 10;
/** Bound on waiting for closed sessions to reach the store during shutdown. */
const TEARDOWN_WAIT_MS = 5_000;

/** Starts the MQTT gateway: TCP, WebSocket and TLS listeners, connections, handlers, delivery. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, metrics, store, bus } = options;
  const logger = options.logger;
  const authFile = await readAuthFile(config.authFile);
  const users = authFile.users;
  metrics.passwordUsers.set(users.size);
  const aclFile = readAclFile(config.aclFile);
  const acl = aclFile === undefined ? undefined : new AccessControl(aclFile.rules);
  if (aclFile !== undefined) {
    metrics.aclRules.set(aclFile.rules.length);
    logger.info({ rules: aclFile.rules.length, file: config.aclFile }, 'topic authorization on');
  }
  const tlsCredentials = options.tlsCredentials ?? readTlsCredentials(config.tls);
  if (!config.allowAnonymous && users.size === 0) {
    logger.warn('no password users and anonymous access off: every CONNECT will be refused');
  }
  const delivery =
    options.delivery ??
    createDeliveryEngine({
      store,
      bus,
      logger,
      metrics,
      limits: config.limits,
      offlineQos0: config.offlineQos0,
      offsetCommitIntervalMs: config.offsetCommitIntervalMs,
      catchUpIntervalMs: config.catchUpIntervalMs,
      pullMaxMessages: config.pullMaxMessages,
      pullMaxBytes: config.pullMaxBytes,
      filterLeaseMs: config.filterLeaseMs,
    });
  const sessions = new LocalSessions();
  const ctx: HandlerContext = {
    gatewayId: config.gatewayId,
    logger,
    metrics,
    store,
    bus,
    config,
    delivery,
    sessions,
    auth: createAuthenticator({ allowAnonymous: config.allowAnonymous, users }),
    acl,
    topicLimits: { maxTopicBytes: config.limits.maxTopicBytes, maxLevels: config.limits.maxTopicLevels },
    takeoverWaitMs: TAKEOVER_WAIT_MS,
  };
  const handler = createPacketHandler(ctx);
  // A shard let this gateway's owner lease lapse: it disconnected the sessions homed there and published their
  // wills. Their connections here must not go on as if nothing happened; the clients reconnect (ADR 0013).
  store.onOwnerLapsed((shard) => {
    for (const connection of sessions.connections()) {
      if (shardOfClient(connection.clientId, store.shardCount) === shard)
        connection.close('session-released');
    }
  });
  const connections = new Set<MqttConnection>();
  // Changed ACL and password files apply without a restart, which would disconnect every client (ADR 0026).
  const watches: FileWatch[] = [];
  if (config.reloadIntervalMs > 0 && acl !== undefined && aclFile !== undefined) {
    watches.push(
      watchFile({
        file: 'acl',
        path: config.aclFile,
        intervalMs: config.reloadIntervalMs,
        initialText: aclFile.text,
        logger,
        metrics,
        parse: parseAclFile,
        apply: (rules) => {
          acl.replace(rules);
          metrics.aclRules.set(rules.length);
          const outcome = reauthorize(ctx, connections);
          logger.info({ rules: rules.length, ...outcome }, 'ACL file applied');
        },
      }),
    );
  }
  if (config.reloadIntervalMs > 0 && config.authFile !== '') {
    watches.push(
      watchFile({
        file: 'passwords',
        path: config.authFile,
        intervalMs: config.reloadIntervalMs,
        initialText: authFile.text,
        logger,
        metrics,
        parse: parseAuthFile,
        apply: (next) => {
          ctx.auth.replaceUsers(next);
          metrics.passwordUsers.set(next.size);
          // A user taken out of the file is shut out now, not at its next CONNECT. A changed password is not:
          // the client proved the old one, and needs the new one to connect again. Users named by their
          // certificate are not in this file.
          let closed = 0;
          for (const connection of connections) {
            const user = connection.certificateUser === undefined ? connection.user : undefined;
            if (user !== undefined && !next.has(user) && !connection.closed) {
              connection.close('not-authorized');
              closed++;
            }
          }
          logger.info({ users: next.size, closed }, 'password file applied');
        },
      }),
    );
  }
  const connectionLogger = logger.child({ component: 'connection' });
  let nextId = 1;
  let accepting = true;
  // One limits object and one handler for every connection (not a copy and two closures per connection).
  const limits = {
    maxPacketBytes: config.limits.maxPacketBytes,
    connectTimeoutMs: config.limits.connectTimeoutMs,
    maxQueuedBytes: config.limits.maxQueuedBytes,
  };
  const connectionHandler = {
    onPacket: (c: MqttConnection, packet: Packet) => handler.onPacket(c, packet),
    onClose: (c: MqttConnection, reason: CloseReason) => {
      connections.delete(c);
      handler.onClose(c, reason);
    },
  };

  const accept = (
    socket: Duplex,
    transport: Transport,
    remoteAddress: string,
    certificateName?: string,
  ): AcceptedConnection | undefined => {
    if (!accepting || connections.size >= config.limits.maxConnections) {
      // Over the limit (or draining): closed at once, before a byte is read.
      metrics.connectionsClosed.inc({ reason: accepting ? 'connection-limit' : 'server-shutting-down' });
      socket.destroy();
      return undefined;
    }
    const connection = new MqttConnection({
      id: nextId++,
      transport,
      socket,
      remoteAddress,
      limits,
      logger: connectionLogger,
      metrics,
      handler: connectionHandler,
      ...(certificateName !== undefined && config.tls.identity === 'cn'
        ? { certificateUser: certificateName }
        : {}),
    });
    connections.add(connection);
    return connection;
  };

  let takeover: BusSubscription | undefined;
  const listeners: TransportServer[] = [];
  let ws: TransportServer | undefined;
  let mqtts: TransportServer | undefined;
  try {
    takeover = serveTakeover(ctx);
    const tcp = await startTcpTransport({ host: config.host, port: config.mqttPort, accept });
    listeners.push(tcp);
    if (config.wsPort >= 0) {
      ws = await startWebSocketTransport({
        host: config.host,
        port: config.wsPort,
        path: config.wsPath,
        // A WebSocket message holds at least one whole packet, often a few.
        maxPayloadBytes: config.limits.maxPacketBytes * 2 + 1024,
        accept,
      });
      listeners.push(ws);
    }
    if (tlsCredentials !== undefined) {
      mqtts = await startTlsTransport({
        host: config.host,
        port: config.tls.port,
        credentials: tlsCredentials,
        handshakeTimeoutMs: config.limits.connectTimeoutMs,
        accept,
        // Only that socket is gone; nothing was accepted, so it is counted like a refused connection.
        onHandshakeError: (err) => {
          metrics.connectionsClosed.inc({ reason: 'tls-handshake-failed' });
          if (logger.isLevelEnabled('debug')) logger.debug({ err: err.message }, 'tls handshake failed');
        },
      });
      listeners.push(mqtts);
    }
  } catch (err) {
    takeover?.unsubscribe();
    for (const watch of watches) watch.close();
    await Promise.all(listeners.map((l) => l.close()));
    if (options.delivery === undefined) await delivery.close();
    throw err;
  }
  const ports = { mqtt: listeners[0]!.port, ws: ws?.port ?? -1, mqtts: mqtts?.port ?? -1 };

  let closing: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    accepting = false;
    for (const watch of watches) watch.close();
    await Promise.all(listeners.map((l) => l.close()));
    takeover?.unsubscribe();
    const open = [...connections];
    logger.info({ connections: open.length, drainMs: config.drainMs }, 'draining');
    const teardowns: Array<Promise<void>> = [];
    const batchSize = Math.max(1, Math.ceil(open.length / DRAIN_BATCHES));
    // Every batch, the first one included, follows a pause: batch k goes at k/10 of the window, so readiness
    // (turned off by the caller before close()) is seen failing before the first client is disconnected, and
    // the last batch goes at the end of the window.
    const pauseMs = config.drainMs / DRAIN_BATCHES;
    for (let i = 0; i < open.length; i += batchSize) {
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      for (const connection of open.slice(i, i + batchSize)) {
        connection.close('server-shutting-down');
        if (connection.session !== undefined) teardowns.push(connection.session.teardown);
      }
    }
    // Sessions tell the store they are over (offsets committed, clean ones discarded) before it goes.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(teardowns),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, TEARDOWN_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    await delivery.close();
    await store.close();
    logger.info('gateway closed');
  };

  logger.info({ ports }, 'gateway started');
  return {
    ports,
    isReady: () => accepting,
    get connectionCount() {
      return connections.size;
    },
    get sessionCount() {
      return sessions.size;
    },
    close() {
      closing ??= drain();
      return closing;
    },
  };
}

/**
 * New rules for the clients already connected: each gets its view again; subscriptions no rule covers any
 * more are stopped and removed (from the store too, for a persistent session), as an UNSUBSCRIBE would; a will
 * the client may no longer publish is dropped, here and in the store. MQTT 3.1.1 cannot tell the client.
 */
function reauthorize(
  ctx: HandlerContext,
  connections: ReadonlySet<MqttConnection>,
): { connections: number; revokedSubscriptions: number; droppedWills: number } {
  let revokedSubscriptions = 0;
  let droppedWills = 0;
  let count = 0;
  for (const connection of connections) {
    if (!connection.authorized || connection.closed) continue;
    count++;
    connection.access =
      ctx.acl?.forClient({ user: connection.user, clientId: connection.clientId }) ?? FULL_ACCESS;
    const state = connection.session;
    if (state === undefined) continue;
    const revoked = state.delivery?.filters().filter((f) => !connection.access.canSubscribe(f)) ?? [];
    if (revoked.length > 0) {
      revokedSubscriptions += revoked.length;
      ctx.metrics.authorizationDenials.inc({ action: 'revoked-subscription' }, revoked.length);
      connection.logger.info({ filters: revoked }, 'subscriptions the ACL no longer allows stopped');
      state.delivery!.unsubscribe(revoked).catch((err: unknown) => {
        connection.logger.warn({ err }, 'stopping revoked subscriptions failed');
      });
    }
    if (state.will !== undefined && !connection.access.canPublish(state.will.topic)) {
      droppedWills++;
      state.will = undefined;
      ctx.metrics.authorizationDenials.inc({ action: 'will' });
      // The store keeps a copy to publish should this gateway die (ADR 0013).
      ctx.store
        .updateSession({ clientId: state.clientId, epoch: state.epoch, will: null })
        .catch((err: unknown) => {
          connection.logger.warn({ err }, 'dropping the stored will failed');
        });
    }
  }
  return { connections: count, revokedSubscriptions, droppedWills };
}
