import type { IPubcompPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';

/**
 * PUBCOMP for an outbound QoS 2 message: the delivery is complete [MQTT-4.3.3-1]. Identifier 0 is never
 * sent [MQTT-2.3.1-1], so completing it is a protocol violation.
 */
export function handlePubcomp(connection: MqttConnection, state: SessionState, packet: IPubcompPacket): void {
  const packetId = packet.messageId ?? 0;
  if (packetId === 0) return connection.protocolError('packet-id-zero', 'protocol-error');
  state.delivery?.onPubcomp(packetId);
}
