import type { ISubscribePacket } from 'mqtt-packet';
import { validateTopicFilter } from '@starling/mqtt-topic';
import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';
import type { QoS } from '../types';
import type { HandlerContext } from './context';

/** SUBACK return code for a refused filter [MQTT-3.9.3]. */
export const SUBACK_FAILURE = 0x80;

/**
 * SUBSCRIBE: valid filters go to the delivery (stored or registered, reading from the queue's end); then
 * SUBACK with the same packet identifier [MQTT-3.8.4-2] and one return code per filter, in order
 * [MQTT-3.8.4-5], [MQTT-3.9.3-1]; then the retained messages, after the SUBACK [MQTT-3.8.4-4]. An invalid
 * filter, or one the ACL does not let this client read, gets 0x80 without failing the others. A SUBSCRIBE
 * without filters [MQTT-3.8.3-3] or with packet identifier 0 [MQTT-2.3.1-1] closes the connection here;
 * reserved header flags [MQTT-3.8.1-1], reserved bits or a requested QoS of 3 [MQTT-3.8.3-4] are refused by
 * the parser (close).
 */
export async function handleSubscribe(
  ctx: HandlerContext,
  connection: MqttConnection,
  state: SessionState,
  packet: ISubscribePacket,
): Promise<void> {
  // mqtt-packet parses a SUBSCRIBE holding only a packet identifier as one without filters.
  if (packet.subscriptions.length === 0) {
    connection.protocolError('subscribe-without-filters', 'protocol-error');
    return;
  }
  if (packet.messageId === undefined || packet.messageId === 0) {
    connection.protocolError('packet-id-zero', 'protocol-error');
    return;
  }
  const requests: Array<{ filter: string; qos: QoS }> = [];
  const codes: Array<number | undefined> = [];
  for (const subscription of packet.subscriptions) {
    const check = validateTopicFilter(subscription.topic, ctx.topicLimits);
    if (check.ok && !connection.access.canSubscribe(subscription.topic)) {
      ctx.metrics.authorizationDenials.inc({ action: 'subscribe' });
      if (ctx.logger.isLevelEnabled('debug')) {
        connection.logger.debug({ filter: subscription.topic }, 'subscription not authorized');
      }
      codes.push(SUBACK_FAILURE);
    } else if (check.ok) {
      requests.push({ filter: subscription.topic, qos: subscription.qos });
      codes.push(undefined);
    } else {
      codes.push(SUBACK_FAILURE);
    }
  }
  let afterSuback: (() => void) | undefined;
  if (requests.length > 0) {
    const delivery = state.delivery;
    if (delivery === undefined) {
      for (let i = 0; i < codes.length; i++) codes[i] ??= SUBACK_FAILURE;
    } else {
      let result: Awaited<ReturnType<typeof delivery.subscribe>>;
      try {
        result = await delivery.subscribe(requests);
      } catch (err) {
        connection.logger.warn({ err }, 'subscribe failed');
        result = { granted: requests.map(() => 'failure' as const), afterSuback: () => undefined };
      }
      afterSuback = result.afterSuback;
      // A filter named again later in the packet: the later request replaces the subscription, and the earlier
      // one is answered as its own SUBSCRIBE would have been, with the QoS it asked for [MQTT-3.8.4-4].
      const lastIndex = new Map(requests.map((r, index) => [r.filter, index]));
      let next = 0;
      for (let i = 0; i < codes.length; i++) {
        if (codes[i] !== undefined) continue;
        const index = next++;
        const request = requests[index]!;
        const granted = result.granted[index];
        // [MQTT-3.8.4-6] the granted QoS may be lower than requested; 0x80 marks a failure.
        if (granted === undefined || granted === 'failure') codes[i] = SUBACK_FAILURE;
        else codes[i] = lastIndex.get(request.filter) === index ? granted : request.qos;
      }
    }
  }
  if (connection.closed) return;
  connection.send({
    cmd: 'suback',
    messageId: packet.messageId,
    granted: codes.map((c) => c ?? SUBACK_FAILURE),
  });
  afterSuback?.();
}
