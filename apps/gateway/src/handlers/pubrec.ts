import type { IPubrecPacket } from 'mqtt-packet';
import type { SessionState } from '../session/session-state';

/** PUBREC for an outbound QoS 2 message: the delivery answers PUBREL [MQTT-4.3.3-1]. */
export function handlePubrec(state: SessionState, packet: IPubrecPacket): void {
  state.delivery?.onPubrec(packet.messageId ?? 0);
}
