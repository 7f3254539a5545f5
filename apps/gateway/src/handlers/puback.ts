import type { IPubackPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';

/**
 * PUBACK for an outbound QoS 1 message: the message is acknowledged [MQTT-4.3.2-1]. Identifier 0 is never
 * sent [MQTT-2.3.1-1], so acknowledging it is a protocol violation [MQTT-2.3.1-6].
 */
export function handlePuback(connection: MqttConnection, state: SessionState, packet: IPubackPacket): void {
  const packetId = packet.messageId ?? 0;
  if (packetId === 0) return connection.protocolError('packet-id-zero', 'protocol-error');
  state.delivery?.onPuback(packetId);
}
