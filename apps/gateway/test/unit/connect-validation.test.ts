import type { IConnectPacket } from 'mqtt-packet';
import { CONNACK, validateConnect, type ConnectValidation } from '../../src/handlers/connect';
import { readConnectPreamble } from '../../src/transports/connect-preamble';
import type { ProtocolVersion } from '../../src/types';

const limits = { maxTopicBytes: 1024, maxLevels: 32 };

function connect(fields: Partial<IConnectPacket>): IConnectPacket {
  return { cmd: 'connect', clientId: 'device-1', clean: true, keepalive: 60, ...fields };
}

function validate(fields: Partial<IConnectPacket>, version: ProtocolVersion = 4): ConnectValidation {
  return validateConnect(connect(fields), version, limits, () => 'assigned-id');
}

describe('CONNECT validation', () => {
  test.each<
    [string, Partial<IConnectPacket>, ProtocolVersion, ConnectValidation['status'], number | undefined]
  >([
    ['a client id is accepted as given [MQTT-3.1.3-5]', {}, 4, 'ok', undefined],
    [
      'a long UTF-8 client id is accepted in 3.1.1 [MQTT-3.1.3-5]',
      { clientId: 'é'.repeat(100) },
      4,
      'ok',
      undefined,
    ],
    [
      'a zero-length client id with clean session gets one assigned [MQTT-3.1.3-6]',
      { clientId: '' },
      4,
      'ok',
      undefined,
    ],
    [
      'a zero-length client id without clean session is refused with 0x02 [MQTT-3.1.3-8]',
      { clientId: '', clean: false },
      4,
      'refuse',
      CONNACK.identifierRejected,
    ],
    [
      '3.1: a zero-length client id is refused with 0x02',
      { clientId: '' },
      3,
      'refuse',
      CONNACK.identifierRejected,
    ],
    ['3.1: a client id of 23 characters is accepted', { clientId: 'x'.repeat(23) }, 3, 'ok', undefined],
    [
      '3.1: a client id over 23 characters is refused with 0x02',
      { clientId: 'x'.repeat(24) },
      3,
      'refuse',
      CONNACK.identifierRejected,
    ],
    [
      'a password without a user name closes [MQTT-3.1.2-22]',
      { password: Buffer.from('secret') },
      4,
      'close',
      undefined,
    ],
    [
      'a user name and password are accepted [MQTT-3.1.2-19, -21]',
      { username: 'u', password: Buffer.from('p') },
      4,
      'ok',
      undefined,
    ],
    [
      'a will with QoS 3 closes [MQTT-3.1.2-14]',
      { will: { topic: 'a/b', payload: Buffer.from('x'), qos: 3 as 0, retain: false } },
      4,
      'close',
      undefined,
    ],
    [
      'a will topic with a wildcard closes [MQTT-3.1.2-9] [MQTT-4.7.1-1]',
      { will: { topic: 'a/#', payload: Buffer.from('x'), qos: 1, retain: false } },
      4,
      'close',
      undefined,
    ],
    [
      'an empty will topic closes [MQTT-4.7.3-1]',
      { will: { topic: '', payload: Buffer.from('x'), qos: 1, retain: false } },
      4,
      'close',
      undefined,
    ],
    [
      'a valid will is kept with its QoS and retain flag [MQTT-3.1.2-9, -16, -17]',
      { will: { topic: 'status/device-1', payload: Buffer.from('offline'), qos: 2, retain: true } },
      4,
      'ok',
      undefined,
    ],
  ])('%s', (_title, fields, version, status, returnCode) => {
    const result = validate(fields, version);
    expect(result.status).toBe(status);
    if (result.status === 'refuse') expect(result.returnCode).toBe(returnCode);
  });

  test('the assigned client id replaces the empty one [MQTT-3.1.3-6]', () => {
    const result = validate({ clientId: '' });
    expect(result).toMatchObject({ status: 'ok', clientId: 'assigned-id', assigned: true });
  });

  test('the will keeps QoS, retain and payload [MQTT-3.1.2-16, -17]', () => {
    const result = validate({ will: { topic: 't', payload: 'offline', qos: 1, retain: true } });
    expect(result.status === 'ok' && result.will).toEqual({
      topic: 't',
      payload: Buffer.from('offline'),
      qos: 1,
      retain: true,
      willDelayIntervalSeconds: 0,
    });
  });

  test('assigned client ids are unique [MQTT-3.1.3-6]', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const r = validateConnect(connect({ clientId: '' }), 4, limits);
      if (r.status === 'ok') ids.add(r.clientId);
    }
    expect(ids.size).toBe(1000);
  });
});

describe('CONNECT protocol name and level', () => {
  function frame(name: string, level: number): Buffer {
    const body = Buffer.concat([
      Buffer.from([0, name.length]),
      Buffer.from(name, 'latin1'),
      Buffer.from([level, 0x02, 0, 60, 0, 1, 0x61]),
    ]);
    return Buffer.concat([Buffer.from([0x10, body.length]), body]);
  }

  test.each([
    ['MQTT level 4 is 3.1.1', 'MQTT', 4, { status: 'ok', version: 4 }],
    ['MQIsdp level 3 is 3.1', 'MQIsdp', 3, { status: 'ok', version: 3 }],
    [
      'MQTT level 5 is unacceptable for now (CONNACK 0x01) [MQTT-3.1.2-2]',
      'MQTT',
      5,
      { status: 'unacceptable-protocol-level', level: 5 },
    ],
    [
      'MQTT level 3 is unacceptable (CONNACK 0x01) [MQTT-3.1.2-2]',
      'MQTT',
      3,
      { status: 'unacceptable-protocol-level', level: 3 },
    ],
    [
      'a bridge-mode level (0x84) is unacceptable [MQTT-3.1.2-2]',
      'MQTT',
      0x84,
      { status: 'unacceptable-protocol-level', level: 0x84 },
    ],
    [
      'another protocol name closes without CONNACK [MQTT-3.1.2-1]',
      'HTTP',
      4,
      { status: 'unknown-protocol-name' },
    ],
  ])('%s', (_title, name, level, expected) => {
    expect(readConnectPreamble(frame(name, level))).toEqual(expected);
  });

  test('a CONNECT too short to hold a level is malformed', () => {
    expect(readConnectPreamble(Buffer.from([0x10, 0x03, 0x00, 0x04, 0x4d]))).toEqual({ status: 'malformed' });
  });
});
