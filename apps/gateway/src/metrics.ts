import type { EventBusStats } from '@starling/event-bus';
import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram, mirroredCounter } from '@starling/observability';

/** One label value's share of a counter, counted as a plain number (see CounterCells). */
export class CounterCell {
  pending = 0;

  inc(by = 1): void {
    this.pending += by;
  }
}

/**
 * The per-packet counters (packets, bytes, messages by one label): prom-client hashes and validates the labels of
 * every `inc`, a cost paid several times per message. Hot paths count into a cell per label value instead (a
 * number add; callers keep the cell when the value is fixed), and the cells are added to the counter whenever it
 * is read (`collect`, which prom-client runs before every scrape or `get()`), so what is exported is the same.
 */
export class CounterCells<L extends string> {
  private readonly cells = new Map<string, CounterCell>();

  constructor(
    private readonly counter: () => Counter<L>,
    private readonly label: L,
  ) {}

  cell(value: string): CounterCell {
    let cell = this.cells.get(value);
    if (cell === undefined) {
      cell = new CounterCell();
      this.cells.set(value, cell);
    }
    return cell;
  }

  inc(value: string, by = 1): void {
    this.cell(value).pending += by;
  }

  /** Adds what the cells counted to the counter (its collect hook). */
  flush(): void {
    const counter = this.counter();
    for (const [value, cell] of this.cells) {
      if (cell.pending === 0) continue;
      counter.inc({ [this.label]: value } as Partial<Record<L, string>>, cell.pending);
      cell.pending = 0;
    }
  }
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * State sampled at scrape time rather than counted as it happens. `main.ts` and the delivery engine fill these in
 * once the thing they read exists; until then the gauges read 0.
 */
export interface GatewayMetricSources {
  /** What `/readyz` answers: listeners up, NATS connected, not shutting down. */
  ready: () => boolean;
  /** The event bus, once connected for the first time. */
  eventBus: () => { readonly connected: boolean; stats(): EventBusStats } | undefined;
  /** Unacknowledged outbound QoS 1/2 messages over every session of this gateway. */
  inflightMessages: () => number;
}

/**
 * Every gateway metric: `starling_gateway_<noun>_<unit>[_total]`. Labels are bounded: transport (tcp, ws),
 * protocol (3.1, 3.1.1, 5.0), packet type, QoS, reason words — never a client id or a topic.
 */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  const sources: GatewayMetricSources = {
    ready: () => false,
    eventBus: () => undefined,
    inflightMessages: () => 0,
  };
  // The counters are read lazily: they are made just below.
  const cells: HotCounters = {
    packetsIn: new CounterCells(() => metrics.packetsIn, 'type'),
    packetsOut: new CounterCells(() => metrics.packetsOut, 'type'),
    bytesIn: new CounterCells(() => metrics.bytesIn, 'transport'),
    bytesOut: new CounterCells(() => metrics.bytesOut, 'transport'),
    messagesIn: new CounterCells(() => metrics.messagesIn, 'qos'),
    messagesOut: new CounterCells(() => metrics.messagesOut, 'qos'),
  };
  const metrics = {
    ready: new Gauge({
      name: 'starling_gateway_ready',
      help: '1 while /readyz answers 200 (listeners up, NATS connected, not draining), else 0.',
      registers,
      collect() {
        this.set(sources.ready() ? 1 : 0);
      },
    }),
    natsConnected: new Gauge({
      name: 'starling_gateway_nats_connected',
      help: '1 while the event bus is connected to NATS, else 0.',
      registers,
      collect() {
        this.set(sources.eventBus()?.connected === true ? 1 : 0);
      },
    }),
    natsDisconnects: mirroredCounter({
      name: 'starling_gateway_nats_disconnects_total',
      help: 'Times the event bus lost its NATS connection.',
      registers,
      read: () => sources.eventBus()?.stats().disconnects,
    }),
    natsReconnects: mirroredCounter({
      name: 'starling_gateway_nats_reconnects_total',
      help: 'Times the event bus got its NATS connection back.',
      registers,
      read: () => sources.eventBus()?.stats().reconnects,
    }),
    inflightMessages: new Gauge({
      name: 'starling_gateway_inflight_messages',
      help: 'Outbound QoS 1/2 messages sent and not yet acknowledged, over every session.',
      registers,
      collect() {
        this.set(sources.inflightMessages());
      },
    }),
    sessionInflightLimit: new Gauge({
      name: 'starling_gateway_session_inflight_limit_messages',
      help: 'Outbound QoS 1/2 window per session (GATEWAY_MAX_INFLIGHT).',
      registers,
    }),
    messagesRedelivered: new Counter({
      name: 'starling_gateway_messages_redelivered_total',
      help: 'QoS 1/2 messages sent again with DUP=1 (unacknowledged before a reconnect or takeover).',
      registers,
    }),
    connections: new Gauge({
      name: 'starling_gateway_connections',
      help: 'Open client connections, by transport and protocol version (unknown until CONNECT).',
      labelNames: ['transport', 'protocol'] as const,
      registers,
    }),
    connectionsAccepted: new Counter({
      name: 'starling_gateway_connections_accepted_total',
      help: 'Connections accepted (after CONNACK 0), by transport and protocol version.',
      labelNames: ['transport', 'protocol'] as const,
      registers,
    }),
    connectionsClosed: new Counter({
      name: 'starling_gateway_connections_closed_total',
      help: 'Connections closed, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    packetsIn: new Counter({
      name: 'starling_gateway_packets_received_total',
      help: 'MQTT control packets received, by type.',
      labelNames: ['type'] as const,
      registers,
      collect() {
        cells.packetsIn.flush();
      },
    }),
    packetsOut: new Counter({
      name: 'starling_gateway_packets_sent_total',
      help: 'MQTT control packets sent, by type.',
      labelNames: ['type'] as const,
      registers,
      collect() {
        cells.packetsOut.flush();
      },
    }),
    bytesIn: new Counter({
      name: 'starling_gateway_received_bytes_total',
      help: 'Bytes received from clients, by transport.',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        cells.bytesIn.flush();
      },
    }),
    bytesOut: new Counter({
      name: 'starling_gateway_sent_bytes_total',
      help: 'Bytes sent to clients, by transport.',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        cells.bytesOut.flush();
      },
    }),
    messagesIn: new Counter({
      name: 'starling_gateway_messages_received_total',
      help: 'PUBLISH messages received from clients and acknowledged by the store, by QoS.',
      labelNames: ['qos'] as const,
      registers,
      collect() {
        cells.messagesIn.flush();
      },
    }),
    messagesOut: new Counter({
      name: 'starling_gateway_messages_delivered_total',
      help: 'PUBLISH messages sent to subscribers, by delivered QoS.',
      labelNames: ['qos'] as const,
      registers,
      collect() {
        cells.messagesOut.flush();
      },
    }),
    messagesDropped: new Counter({
      name: 'starling_gateway_messages_dropped_total',
      help: 'Messages not delivered or not accepted, by reason (offline-qos0, expired, rejected, …).',
      labelNames: ['reason'] as const,
      registers,
    }),
    publishAckLatency: new FastHistogram({
      name: 'starling_gateway_publish_ack_latency_seconds',
      help: 'From a PUBLISH received to its PUBACK/PUBREC sent (store durability included).',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    deliveryLatency: new FastHistogram({
      name: 'starling_gateway_delivery_latency_seconds',
      help: 'From a message timestamp (store receipt) to its PUBLISH written to a subscriber.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    sessionsOnline: new Gauge({
      name: 'starling_gateway_sessions_online',
      help: 'Sessions connected to this gateway.',
      registers,
    }),
    sessionsPersistentOnline: new Gauge({
      name: 'starling_gateway_sessions_persistent_online',
      help: 'Connected sessions that persist after disconnect (the offline ones live in the store).',
      registers,
    }),
    ownerLeaseRenewalFailures: new Counter({
      name: 'starling_gateway_owner_lease_renewal_failures_total',
      help: 'Owner lease renewals a store shard did not answer (ADR 0013); a lease of them in a row releases sessions.',
      registers,
    }),
    ownerLeaseLapses: new Counter({
      name: 'starling_gateway_owner_lease_lapses_total',
      help: "Times a store shard answered that this gateway's owner lease had lapsed: its sessions there were closed.",
      registers,
    }),
    takeovers: new Counter({
      name: 'starling_gateway_takeovers_total',
      help: 'Sessions taken over by a new connection with the same client id, by where the old one was.',
      labelNames: ['where'] as const,
      registers,
    }),
    protocolErrors: new Counter({
      name: 'starling_gateway_protocol_errors_total',
      help: 'Connections closed or refused for protocol violations, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    authFailures: new Counter({
      name: 'starling_gateway_auth_failures_total',
      help: 'CONNECTs refused by authentication or authorization, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    authorizationDenials: new Counter({
      name: 'starling_gateway_authorization_denials_total',
      help: 'What the ACL refused, by action (publish, subscribe, will, resumed-subscription, revoked-subscription).',
      labelNames: ['action'] as const,
      registers,
    }),
    fileReloads: new Counter({
      name: 'starling_gateway_file_reloads_total',
      help: 'Changes of the ACL and password files seen, by file and outcome (applied; invalid or unreadable: what was in force stays).',
      labelNames: ['file', 'outcome'] as const,
      registers,
    }),
    publishesThrottled: new Counter({
      name: 'starling_gateway_publishes_throttled_total',
      help: 'PUBLISH packets held back because their connection was over GATEWAY_MAX_PUBLISH_RATE.',
      registers,
    }),
    aclRules: new Gauge({
      name: 'starling_gateway_acl_rules',
      help: 'Rules of the ACL in force (absent without GATEWAY_ACL_FILE).',
      registers,
    }),
    fileStale: new Gauge({
      name: 'starling_gateway_file_stale',
      help: '1 while the file holds a change that could not be read or parsed (what was before stays in force), else 0.',
      labelNames: ['file'] as const,
      registers,
    }),
    passwordUsers: new Gauge({
      name: 'starling_gateway_password_users',
      help: 'Users of the password file in force (GATEWAY_AUTH_FILE).',
      registers,
    }),
    queueReaders: new Gauge({
      name: 'starling_gateway_queue_readers',
      help: 'Queues this gateway reads (one reader per queue, shared by its sessions).',
      registers,
    }),
    pulls: new Counter({
      name: 'starling_gateway_pulls_total',
      help: 'Pulls from the store, by trigger (event, catch-up, resume).',
      labelNames: ['trigger'] as const,
      registers,
    }),
    pushedMessages: new Counter({
      name: 'starling_gateway_pushed_messages_total',
      help:
        'Messages queue readers received straight from the dispatch of a store in this process (standalone), ' +
        'without a pull (ADR 0019).',
      registers,
    }),
    queueRestarts: new Counter({
      name: 'starling_gateway_queue_restarts_total',
      help:
        'Queue readers restarted at the end of a queue created anew: a filter registration of this gateway had ' +
        'lapsed (the store away longer than the lease), so messages dispatched meanwhile were not queued for it.',
      registers,
    }),
    appendBatchSize: new FastHistogram({
      name: 'starling_gateway_append_batch_messages',
      help: 'Messages per append batch (publishes batched per shard and event-loop turn).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
  };
  const all = { ...metrics, hot: cells };
  sourcesOf.set(all, sources);
  return all;
}

/** Cells of the counters incremented per packet or per message (see CounterCells). */
export interface HotCounters {
  readonly packetsIn: CounterCells<'type'>;
  readonly packetsOut: CounterCells<'type'>;
  readonly bytesIn: CounterCells<'transport'>;
  readonly bytesOut: CounterCells<'transport'>;
  readonly messagesIn: CounterCells<'qos'>;
  readonly messagesOut: CounterCells<'qos'>;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** The scrape-time sources of each metrics object (kept off it, so that it holds metrics only). */
const sourcesOf = new WeakMap<object, GatewayMetricSources>();

/** Points the scrape-time gauges of `metrics` at the state they report. */
export function sampleGatewayState(metrics: GatewayMetrics, sources: Partial<GatewayMetricSources>): void {
  const current = sourcesOf.get(metrics);
  if (current !== undefined) Object.assign(current, sources);
}
