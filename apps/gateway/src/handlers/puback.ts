import type { IPubackPacket } from 'mqtt-packet';
import type { SessionState } from '../session/session-state';

/** PUBACK for an outbound QoS 1 message: the message is acknowledged [MQTT-4.3.2-1]. */
export function handlePuback(state: SessionState, packet: IPubackPacket): void {
  state.delivery?.onPuback(packet.messageId ?? 0);
}
