import { keepAliveTimeoutMs, publishesWill } from '../../src/connection';
import { selectSubprotocol } from '../../src/transports/websocket';
import type { CloseReason } from '../../src/types';

describe('keep-alive', () => {
  test.each([
    [0, 0],
    [1, 1_500],
    [10, 15_000],
    [60, 90_000],
    [65_535, 98_302_500],
  ])('keep alive %is closes after %ims without a packet [MQTT-3.1.2-24]', (seconds, ms) => {
    expect(keepAliveTimeoutMs(seconds)).toBe(ms);
  });
});

describe('will on close', () => {
  test.each<[CloseReason, boolean]>([
    ['client-disconnect', false],
    ['socket-closed', true],
    ['keep-alive-timeout', true],
    ['protocol-error', true],
    ['malformed-packet', true],
    ['packet-too-large', true],
    ['taken-over', true],
    ['server-shutting-down', false],
    ['not-authorized', false],
    ['connect-timeout', false],
  ])('%s publishes the will: %s [MQTT-3.1.2-8, -10]', (reason, expected) => {
    expect(publishesWill(reason)).toBe(expected);
  });
});

describe('WebSocket subprotocol', () => {
  test.each<[string[], string | false]>([
    [['mqtt'], 'mqtt'],
    [['mqttv3.1'], 'mqttv3.1'],
    [['mqttv3.1', 'mqtt'], 'mqttv3.1'],
    [['chat', 'mqtt'], 'mqtt'],
    [['chat'], false],
  ])('offered %j → %s [MQTT-6.0.0-3]', (offered, expected) => {
    expect(selectSubprotocol(new Set(offered))).toBe(expected);
  });
});
