import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every gateway metric: `starling_gateway_<noun>_<unit>[_total]`. Labels are bounded: transport (tcp, ws),
 * protocol (3.1, 3.1.1, 5.0), packet type, QoS, reason words — never a client id or a topic.
 */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  return {
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
    }),
    packetsOut: new Counter({
      name: 'starling_gateway_packets_sent_total',
      help: 'MQTT control packets sent, by type.',
      labelNames: ['type'] as const,
      registers,
    }),
    bytesIn: new Counter({
      name: 'starling_gateway_received_bytes_total',
      help: 'Bytes received from clients, by transport.',
      labelNames: ['transport'] as const,
      registers,
    }),
    bytesOut: new Counter({
      name: 'starling_gateway_sent_bytes_total',
      help: 'Bytes sent to clients, by transport.',
      labelNames: ['transport'] as const,
      registers,
    }),
    messagesIn: new Counter({
      name: 'starling_gateway_messages_received_total',
      help: 'PUBLISH messages received from clients and acknowledged by the store, by QoS.',
      labelNames: ['qos'] as const,
      registers,
    }),
    messagesOut: new Counter({
      name: 'starling_gateway_messages_delivered_total',
      help: 'PUBLISH messages sent to subscribers, by delivered QoS.',
      labelNames: ['qos'] as const,
      registers,
    }),
    messagesDropped: new Counter({
      name: 'starling_gateway_messages_dropped_total',
      help: 'Messages not delivered or not accepted, by reason (offline-qos0, expired, rejected, …).',
      labelNames: ['reason'] as const,
      registers,
    }),
    publishAckLatency: new Histogram({
      name: 'starling_gateway_publish_ack_latency_seconds',
      help: 'From a PUBLISH received to its PUBACK/PUBREC sent (store durability included).',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    deliveryLatency: new Histogram({
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
    appendBatchSize: new Histogram({
      name: 'starling_gateway_append_batch_messages',
      help: 'Messages per AppendMessages call (publishes batched per shard).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
