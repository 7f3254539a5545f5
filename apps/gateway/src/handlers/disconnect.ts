import type { MqttConnection } from '../connection';
import type { SessionState } from '../session/session-state';

/**
 * DISCONNECT: discard the will without publishing it [MQTT-3.14.4-3], [MQTT-3.1.2-10], and close the
 * connection [MQTT-3.14.4-1]. Reserved header flags are checked by the parser [MQTT-3.14.1-1].
 */
export function handleDisconnect(connection: MqttConnection, state: SessionState): void {
  state.will = undefined;
  connection.close('client-disconnect');
}
