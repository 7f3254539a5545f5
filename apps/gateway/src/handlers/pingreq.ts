import type { MqttConnection } from '../connection';

/** PINGREQ: answer PINGRESP [MQTT-3.12.4-1]. Receiving it already reset the keep-alive. */
export function handlePingreq(connection: MqttConnection): void {
  connection.send({ cmd: 'pingresp' });
}
