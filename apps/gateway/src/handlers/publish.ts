import { performance } from 'node:perf_hooks';
import type { IPublishPacket } from 'mqtt-packet';
import { validateTopicName } from '@starling/mqtt-topic';
import type { MqttConnection } from '../connection';
import { AckQueue } from '../session/ack-queue';
import type { SessionState } from '../session/session-state';
import type { AppendOutcome, QoS } from '../types';
import type { HandlerContext } from './context';

/**
 * Inbound PUBLISH: validate → append → acknowledge once the store has it.
 *   QoS 0: append, no acknowledgement [MQTT-4.3.1].
 *   QoS 1: append, then PUBACK [MQTT-4.3.2-2].
 *   QoS 2: a packet identifier already received and not yet released is only acknowledged again (PUBREC),
 *          never appended twice; otherwise append, remember the identifier, PUBREC [MQTT-4.3.3-2].
 * Acknowledgements leave in the order the PUBLISH packets arrived [MQTT-4.6.0-2, -3], whatever shard
 * each message went to. 'unavailable' is not acknowledged and closes the connection (a transient error: the
 * client sends it again on reconnecting); 'rejected' closes.
 *
 * A topic the ACL does not let this client publish to is never appended. MQTT 3.1.1 cannot say so: the server
 * either acknowledges it as usual or closes the connection [MQTT-3.3.5-2]; GATEWAY_ACL_DENIED_PUBLISH chooses.
 */

const QOS_LABELS = ['0', '1', '2'] as const;

/** Publishes awaiting their acknowledgement before this connection stops being read. */
const MAX_PENDING_ACKS = 1_000;

export function handlePublish(
  ctx: HandlerContext,
  connection: MqttConnection,
  state: SessionState,
  packet: IPublishPacket,
): void | Promise<void> {
  // Over its publish rate: this packet waits for its token, and the packets behind it (the connection reads no
  // further meanwhile), so the client slows down and nothing is dropped.
  const delayMs = state.publishRate?.takeOnCredit(performance.now()) ?? 0;
  if (delayMs > 0) {
    ctx.metrics.publishesThrottled.inc();
    return new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() =>
      connection.closed ? undefined : publishNow(ctx, connection, state, packet),
    );
  }
  return publishNow(ctx, connection, state, packet);
}

function publishNow(
  ctx: HandlerContext,
  connection: MqttConnection,
  state: SessionState,
  packet: IPublishPacket,
): void | Promise<void> {
  const qos = packet.qos;
  // [MQTT-3.3.1-4] QoS 3 is refused by the parser (malformed → close).
  // [MQTT-3.3.1-2] DUP must be 0 for QoS 0.
  if (qos === 0 && packet.dup) {
    connection.protocolError('dup-on-qos0', 'protocol-error');
    return;
  }
  // [MQTT-3.3.2-2] no wildcards in a topic name; [MQTT-4.7.3-1] not empty; limits. A bad topic name closes
  // the connection (3.1.1 has no negative PUBACK).
  const topicCheck = validateTopicName(packet.topic, ctx.topicLimits);
  if (!topicCheck.ok) {
    connection.protocolError(`topic-${topicCheck.reason}`, 'protocol-error');
    return;
  }
  const receivedAt = process.hrtime.bigint();
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload;
  const append = (): Promise<AppendOutcome> =>
    ctx.store
      .append({ topic: packet.topic, payload, qos, retain: packet.retain, publisherClientId: state.clientId })
      .catch((err: unknown) => ({ status: 'unavailable', message: String(err) }) as const);

  const packetId = qos === 0 ? 0 : (packet.messageId ?? 0);
  if (qos !== 0 && packetId === 0) {
    // [MQTT-2.3.1-1] a QoS 1 or 2 PUBLISH carries a non-zero packet identifier.
    connection.protocolError('packet-id-zero', 'protocol-error');
    return;
  }
  if (!connection.access.canPublish(packet.topic))
    return refuse(ctx, connection, state, packet.topic, qos, packetId);
  if (qos === 0) {
    void append().then((outcome) => settleWithoutAck(ctx, connection, outcome, qos));
    return;
  }
  let appended: Promise<AppendOutcome>;
  if (qos === 2) {
    let known = state.inboundQos2.get(packetId);
    if (known === true || (known === 'restored' && packet.dup)) {
      // Stored already, PUBREL not yet received: acknowledge again, do not append [MQTT-4.3.3-2].
      return enqueueAck(state, connection, undefined, () => {
        connection.send({ cmd: 'pubrec', messageId: packetId });
      });
    }
    // Restored from the store and sent with DUP 0: the client reuses a released identifier (see InboundQos2).
    if (known === 'restored') known = undefined;
    appended = known ?? append();
    if (known === undefined) {
      state.inboundQos2.set(packetId, appended);
      void appended.then((outcome) => {
        // Only a stored message is remembered; after a failure the client's retry appends again.
        if (state.inboundQos2.get(packetId) !== appended) return;
        if (outcome.status === 'ok') {
          state.inboundQos2.set(packetId, true);
          // Committed with the session's offsets: a crash of this gateway does not forget it (ADR 0014).
          state.delivery?.inboundQos2Changed();
        } else state.inboundQos2.delete(packetId);
      });
    }
  } else {
    appended = append();
  }
  return enqueueAck(state, connection, appended, (outcome) => {
    if (connection.closed || outcome === undefined) return;
    switch (outcome.status) {
      case 'ok':
        connection.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId });
        ctx.metrics.hot.messagesIn.inc(QOS_LABELS[qos]);
        ctx.metrics.publishAckLatency.observe(Number(process.hrtime.bigint() - receivedAt) / 1e9);
        return;
      case 'unavailable':
        // A transient error closes the connection [MQTT-4.8.0-2]: the client, with no acknowledgement, sends
        // the message again when it reconnects [MQTT-4.4.0-1] (left open, it would wait for it forever).
        ctx.metrics.messagesDropped.inc({ reason: 'store-unavailable' });
        connection.logger.info({ reason: outcome.message }, 'publish not stored, closing');
        connection.close('store-unavailable');
        return;
      case 'rejected':
        ctx.metrics.messagesDropped.inc({ reason: 'rejected' });
        connection.logger.info({ reason: outcome.reason }, 'publish rejected by the store');
        connection.close('protocol-error');
        return;
    }
  });
}

/** A PUBLISH the ACL refuses: dropped, then acknowledged as if stored, or the connection closed. */
function refuse(
  ctx: HandlerContext,
  connection: MqttConnection,
  state: SessionState,
  topic: string,
  qos: QoS,
  packetId: number,
): void | Promise<void> {
  ctx.metrics.authorizationDenials.inc({ action: 'publish' });
  if (ctx.logger.isLevelEnabled('debug'))
    connection.logger.debug({ topic }, 'publish not authorized, dropped');
  if (ctx.config.aclDeniedPublish === 'disconnect') {
    connection.logger.info('publish not authorized, closing');
    connection.close('not-authorized');
    return;
  }
  // QoS 2: PUBREC now; the PUBREL of an identifier not remembered is answered PUBCOMP all the same.
  if (qos !== 0) {
    return enqueueAck(state, connection, undefined, () => {
      connection.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId });
    });
  }
}

function settleWithoutAck(
  ctx: HandlerContext,
  connection: MqttConnection,
  outcome: AppendOutcome,
  qos: QoS,
): void {
  switch (outcome.status) {
    case 'ok':
      ctx.metrics.hot.messagesIn.inc(QOS_LABELS[qos]);
      return;
    case 'unavailable':
      // At most once: the message is lost, and the transient error closes the connection [MQTT-4.8.0-2].
      ctx.metrics.messagesDropped.inc({ reason: 'store-unavailable' });
      if (!connection.closed) connection.close('store-unavailable');
      return;
    case 'rejected':
      ctx.metrics.messagesDropped.inc({ reason: 'rejected' });
      connection.logger.info({ reason: outcome.reason }, 'publish rejected by the store');
      connection.close('protocol-error');
      return;
  }
}

/**
 * Sends an acknowledgement after every earlier one of this connection, once `appended` (if any) settled.
 * Returns a promise (holding the next packet back) only when too many are pending: back-pressure on a
 * client that outruns the store.
 */
export function enqueueAck(
  state: SessionState,
  connection: MqttConnection,
  appended: Promise<AppendOutcome> | undefined,
  send: (outcome: AppendOutcome | undefined) => void,
): void | Promise<void> {
  state.ackQueue ??= new AckQueue(MAX_PENDING_ACKS, (err) => {
    connection.logger.error({ err }, 'acknowledgement failed');
    connection.close('protocol-error');
  });
  return state.ackQueue.push(appended, send);
}
