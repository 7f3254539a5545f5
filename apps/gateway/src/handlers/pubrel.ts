import type { IPubrelPacket } from 'mqtt-packet';
import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';
import { enqueueAck } from './publish';

/**
 * PUBREL (inbound QoS 2, step 2): forget the packet identifier and answer PUBCOMP with the same identifier
 * [MQTT-4.3.3-2], [MQTT-3.6.4-1] — also for an identifier not known (the PUBCOMP may have been lost).
 * Reserved header flags 0010 are checked by the parser [MQTT-3.6.1-1]; identifier 0 belongs to no PUBLISH
 * [MQTT-2.3.1-1] and closes the connection.
 */
export function handlePubrel(connection: MqttConnection, state: SessionState, packet: IPubrelPacket): void {
  const packetId = packet.messageId ?? 0;
  if (packetId === 0) return connection.protocolError('packet-id-zero', 'protocol-error');
  // After the PUBREC of that identifier (acknowledgements stay in order).
  void enqueueAck(state, connection, undefined, () => {
    const known = state.inboundQos2.get(packetId);
    if (known === true || known === 'restored') {
      state.inboundQos2.delete(packetId);
      state.delivery?.inboundQos2Changed();
    }
    connection.send({ cmd: 'pubcomp', messageId: packetId });
  });
}
