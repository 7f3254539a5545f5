import type { IPubcompPacket } from 'mqtt-packet';
import type { SessionState } from '../session/session-state';

/** PUBCOMP for an outbound QoS 2 message: the delivery is complete [MQTT-4.3.3-1]. */
export function handlePubcomp(state: SessionState, packet: IPubcompPacket): void {
  state.delivery?.onPubcomp(packet.messageId ?? 0);
}
