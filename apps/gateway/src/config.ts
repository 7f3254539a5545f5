import { hostname } from 'node:os';
import { loadConfig, type Env, type EnvReader } from '@starling/config';
import { LOG_LEVELS } from '@starling/observability';

export interface GatewayLimits {
  /** Largest MQTT packet accepted (remaining length + header); bigger closes the connection. */
  maxPacketBytes: number;
  maxTopicBytes: number;
  maxTopicLevels: number;
  /** Unacknowledged QoS 1/2 messages per session (MQTT 5: Receive Maximum). */
  maxInflight: number;
  /** Bytes waiting in a session's socket buffer before its deliveries pause. */
  maxQueuedBytes: number;
  maxConnections: number;
  connectTimeoutMs: number;
  maxKeepAliveSeconds: number;
  maxSubscriptionsPerSession: number;
  /** PUBLISH packets a second per connection before the gateway stops reading it for a while; 0: no limit. */
  maxPublishRate: number;
  /** Publishes a connection may send at once, above the rate, after a quiet spell. */
  publishBurst: number;
}

/** MQTT over TLS (`mqtts`, 8883 in the image): off unless `GATEWAY_TLS_PORT` is set. */
export interface GatewayTlsConfig {
  /** 0 … 65535 (0: the kernel chooses, for tests); -1 turns TLS off. */
  port: number;
  /** PEM certificate chain (server certificate first); required when `port` is on. */
  certFile: string;
  /** PEM private key of the certificate; required when `port` is on. */
  keyFile: string;
  /** PEM CA bundle; when set, clients must present a certificate it signed. Empty: no client certificates. */
  caFile: string;
  /**
   * `cn`: a TLS client's verified certificate names its user (its subject CN), with no password; `none`: the
   * certificate only proves the client may open the connection, and CONNECT authenticates as over TCP.
   */
  identity: 'none' | 'cn';
}

export interface GatewayConfig {
  logLevel: (typeof LOG_LEVELS)[number];
  gatewayId: string;
  host: string;
  mqttPort: number;
  /** 0 … 65535; -1 turns WebSocket off. */
  wsPort: number;
  wsPath: string;
  tls: GatewayTlsConfig;
  opsPort: number;
  storeAddresses: string[];
  natsUrl: string;
  allowAnonymous: boolean;
  /** File of `username:scrypt$salt$hash` lines; empty: no password users. */
  authFile: string;
  /** ACL file (see acl.ts); empty: no topic authorization, every connected client may use every topic. */
  aclFile: string;
  /** A PUBLISH the ACL refuses: acknowledged and dropped (MQTT 3.1.1 allows either), or the connection closed. */
  aclDeniedPublish: 'acknowledge' | 'disconnect';
  /** How often the ACL and password files are read again (a change applies without a restart); 0: never. */
  reloadIntervalMs: number;
  offlineQos0: boolean;
  sessionExpiryMaxSeconds: number;
  offsetCommitIntervalMs: number;
  catchUpIntervalMs: number;
  filterLeaseMs: number;
  /** Lease of this gateway as session owner on each store shard; renewed every third of it (ADR 0013). */
  ownerLeaseMs: number;
  appendMaxBatchMessages: number;
  pullMaxMessages: number;
  pullMaxBytes: number;
  drainMs: number;
  limits: GatewayLimits;
}

/** Every `GATEWAY_*` variable (plus shared `NATS_URL`, `LOG_LEVEL`); the Helm values use the same names. */
export function loadGatewayConfig(env: Env): { config: GatewayConfig; unknownVariables: string[] } {
  return loadConfig(
    env,
    (e) => ({
      logLevel: e.oneOf('LOG_LEVEL', LOG_LEVELS, { default: 'info' }),
      gatewayId: e.string('GATEWAY_ID', { default: hostname() }),
      host: e.string('GATEWAY_HOST', { default: '0.0.0.0' }),
      mqttPort: e.port('GATEWAY_MQTT_PORT', { default: 1883 }),
      wsPort: e.int('GATEWAY_WS_PORT', { default: 8083, min: -1, max: 65535 }),
      wsPath: e.string('GATEWAY_WS_PATH', { default: '/mqtt' }),
      tls: readTlsConfig(e),
      opsPort: e.port('GATEWAY_OPS_PORT', { default: 9403 }),
      storeAddresses: e.list('GATEWAY_STORE_ADDRESSES', { default: ['127.0.0.1:7400'] }),
      natsUrl: e.url('NATS_URL', { default: 'nats://127.0.0.1:4222', schemes: ['nats', 'tls'] }),
      // No default credentials anywhere: anonymous access must be asked for.
      allowAnonymous: e.boolean('GATEWAY_ALLOW_ANONYMOUS', { default: false }),
      authFile: e.string('GATEWAY_AUTH_FILE', { default: '' }),
      aclFile: e.string('GATEWAY_ACL_FILE', { default: '' }),
      aclDeniedPublish: e.oneOf('GATEWAY_ACL_DENIED_PUBLISH', ['acknowledge', 'disconnect'] as const, {
        default: 'acknowledge',
      }),
      reloadIntervalMs: e.durationMs('GATEWAY_RELOAD_INTERVAL', { default: '10s', min: 0 }),
      offlineQos0: e.boolean('GATEWAY_OFFLINE_QOS0', { default: true }),
      sessionExpiryMaxSeconds: e.int('GATEWAY_SESSION_EXPIRY_MAX_SECONDS', {
        default: 7 * 86_400,
        min: 0,
        max: 0xffffffff,
      }),
      offsetCommitIntervalMs: e.durationMs('GATEWAY_OFFSET_COMMIT_INTERVAL', { default: '100ms', min: 1 }),
      catchUpIntervalMs: e.durationMs('GATEWAY_CATCH_UP_INTERVAL', { default: '1s', min: 10 }),
      filterLeaseMs: e.durationMs('GATEWAY_FILTER_LEASE', { default: '60s', min: 1_000 }),
      // After a crash, the store disconnects this gateway's sessions and publishes their wills one lease after
      // the last renewal. Shorter: wills sooner; too short: a long GC pause or store restart releases live
      // sessions (their clients are disconnected and reconnect). At most 10 min (the store's cap).
      ownerLeaseMs: e.durationMs('GATEWAY_OWNER_LEASE', { default: '30s', min: 1_000, max: 600_000 }),
      appendMaxBatchMessages: e.int('GATEWAY_APPEND_MAX_BATCH', { default: 1000, min: 1, max: 10_000 }),
      pullMaxMessages: e.int('GATEWAY_PULL_MAX_MESSAGES', { default: 500, min: 1, max: 10_000 }),
      pullMaxBytes: e.bytes('GATEWAY_PULL_MAX_BYTES', { default: '2MiB', min: 1024 }),
      drainMs: e.durationMs('GATEWAY_DRAIN', { default: '10s', min: 0 }),
      limits: {
        maxPacketBytes: e.bytes('GATEWAY_MAX_PACKET_BYTES', { default: '1MiB', min: 1024, max: 268_435_455 }),
        maxTopicBytes: e.int('GATEWAY_MAX_TOPIC_BYTES', { default: 1024, min: 1, max: 65_535 }),
        maxTopicLevels: e.int('GATEWAY_MAX_TOPIC_LEVELS', { default: 32, min: 1, max: 1024 }),
        // Outbound QoS 1/2 messages awaiting acknowledgement per session. Large enough that one subscriber of many
        // publishers is not bound by its round trip (ADR 0007); costs an entry per message actually in flight.
        maxInflight: e.int('GATEWAY_MAX_INFLIGHT', { default: 1024, min: 1, max: 65_535 }),
        maxQueuedBytes: e.bytes('GATEWAY_MAX_QUEUED_BYTES', { default: '1MiB', min: 1024 }),
        maxConnections: e.int('GATEWAY_MAX_CONNECTIONS', { default: 100_000, min: 1 }),
        connectTimeoutMs: e.durationMs('GATEWAY_CONNECT_TIMEOUT', { default: '10s', min: 100 }),
        maxKeepAliveSeconds: e.int('GATEWAY_MAX_KEEP_ALIVE_SECONDS', {
          default: 65_535,
          min: 0,
          max: 65_535,
        }),
        maxSubscriptionsPerSession: e.int('GATEWAY_MAX_SUBSCRIPTIONS', { default: 100, min: 1 }),
        maxPublishRate: e.int('GATEWAY_MAX_PUBLISH_RATE', { default: 0, min: 0 }),
        publishBurst: e.int('GATEWAY_PUBLISH_BURST', { default: 100, min: 1 }),
      },
    }),
    { prefixes: ['GATEWAY_'] },
  );
}

/** The certificate and key are required (`is required`, naming the variable) only when the TLS port is on. */
function readTlsConfig(e: EnvReader): GatewayTlsConfig {
  const port = e.int('GATEWAY_TLS_PORT', { default: -1, min: -1, max: 65535 });
  const on = port >= 0;
  const identity = e.oneOf('GATEWAY_TLS_IDENTITY', ['none', 'cn'] as const, { default: 'none' });
  return {
    port,
    certFile: on ? e.string('GATEWAY_TLS_CERT_FILE') : (e.optionalString('GATEWAY_TLS_CERT_FILE') ?? ''),
    keyFile: on ? e.string('GATEWAY_TLS_KEY_FILE') : (e.optionalString('GATEWAY_TLS_KEY_FILE') ?? ''),
    // Certificates name users only when they are verified: `cn` requires the CA.
    caFile:
      identity === 'cn' ? e.string('GATEWAY_TLS_CA_FILE') : (e.optionalString('GATEWAY_TLS_CA_FILE') ?? ''),
    identity,
  };
}
