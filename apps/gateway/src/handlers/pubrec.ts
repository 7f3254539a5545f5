import type { IPubrecPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';

/**
 * PUBREC for an outbound QoS 2 message: the delivery answers PUBREL [MQTT-4.3.3-1]. Identifier 0 is never
 * sent [MQTT-2.3.1-1], so acknowledging it is a protocol violation [MQTT-2.3.1-6].
 */
export function handlePubrec(connection: MqttConnection, state: SessionState, packet: IPubrecPacket): void {
  const packetId = packet.messageId ?? 0;
  if (packetId === 0) return connection.protocolError('packet-id-zero', 'protocol-error');
  state.delivery?.onPubrec(packetId);
}
