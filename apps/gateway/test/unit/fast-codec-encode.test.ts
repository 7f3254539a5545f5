import { generate, type Packet } from 'mqtt-packet';
import { encodePacket } from '../../src/transports/fast-codec';

const bytesOf = (encoded: Buffer | readonly [Buffer, Buffer]): Buffer =>
  Buffer.isBuffer(encoded) ? encoded : Buffer.concat([encoded[0], encoded[1]]);

// Everything a 3.1 / 3.1.1 server sends, encoded by hand, must be byte for byte what mqtt-packet makes.
const cases: Array<[string, Packet]> = [
  ['CONNACK accepted', { cmd: 'connack', returnCode: 0, sessionPresent: false }],
  ['CONNACK session present', { cmd: 'connack', returnCode: 0, sessionPresent: true }],
  ['CONNACK refused 0x05', { cmd: 'connack', returnCode: 5, sessionPresent: false }],
  ['PINGRESP', { cmd: 'pingresp' }],
  ['SUBACK one', { cmd: 'suback', messageId: 1, granted: [1] }],
  ['SUBACK mixed with a failure', { cmd: 'suback', messageId: 0xabcd, granted: [0, 1, 2, 0x80] }],
  ['SUBACK 200 filters (two-byte length)', { cmd: 'suback', messageId: 65535, granted: Array(200).fill(2) }],
  ['UNSUBACK', { cmd: 'unsuback', messageId: 258, granted: [] }],
  ['PUBACK', { cmd: 'puback', messageId: 7 }],
  ['PUBREC', { cmd: 'pubrec', messageId: 7 }],
  ['PUBREL', { cmd: 'pubrel', messageId: 300 }],
  ['PUBCOMP', { cmd: 'pubcomp', messageId: 65535 }],
  [
    'PUBLISH QoS 0',
    { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, dup: false, retain: false },
  ],
  [
    'PUBLISH QoS 1 retained, DUP',
    {
      cmd: 'publish',
      topic: 'ü/t',
      payload: Buffer.alloc(300, 7),
      qos: 1,
      messageId: 9,
      dup: true,
      retain: true,
    },
  ],
  [
    'PUBLISH QoS 2 empty payload',
    { cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 2, messageId: 2, dup: false, retain: true },
  ],
];

describe('encodePacket (3.1.1 and 3.1)', () => {
  it.each(cases)('%s: the same bytes as mqtt-packet', (_name, packet) => {
    for (const version of [3, 4] as const) {
      expect(bytesOf(encodePacket(packet, version)).toString('hex')).toBe(
        generate(packet, { protocolVersion: version }).toString('hex'),
      );
    }
  });
});
