import type { IUnsubscribePacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';

/**
 * UNSUBSCRIBE: the delivery stops reading the filters (and forgets them in the store for a persistent
 * session) [MQTT-3.10.4-1..3]; then UNSUBACK with the same packet identifier [MQTT-3.10.4-4], also when no
 * filter matched a subscription [MQTT-3.10.4-5]. An UNSUBSCRIBE without filters [MQTT-3.10.3-2] or with packet
 * identifier 0 [MQTT-2.3.1-1] closes the connection here; reserved header flags [MQTT-3.10.1-1] are refused by
 * the parser (close).
 */
export async function handleUnsubscribe(
  connection: MqttConnection,
  state: SessionState,
  packet: IUnsubscribePacket,
): Promise<void> {
  // mqtt-packet parses an UNSUBSCRIBE holding only a packet identifier as one without filters.
  if (packet.unsubscriptions.length === 0) {
    connection.protocolError('unsubscribe-without-filters', 'protocol-error');
    return;
  }
  if (packet.messageId === undefined || packet.messageId === 0) {
    connection.protocolError('packet-id-zero', 'protocol-error');
    return;
  }
  try {
    await state.delivery?.unsubscribe(packet.unsubscriptions);
  } catch (err) {
    // 3.1.1 has no negative UNSUBACK: close, and the client's retry on reconnect unsubscribes.
    connection.logger.warn({ err }, 'unsubscribe failed');
    connection.close('store-unavailable');
    return;
  }
  if (connection.closed) return;
  connection.send({ cmd: 'unsuback', messageId: packet.messageId, granted: [] });
}
