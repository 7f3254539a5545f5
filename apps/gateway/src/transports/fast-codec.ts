import mqttPacket, { type Packet } from 'mqtt-packet';
import type { OutPacket, ProtocolVersion } from '../types';

/**
 * The hot packets of MQTT 3.1 / 3.1.1 (PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ in; PUBLISH and the
 * acknowledgements out) decoded and encoded directly from and to bytes, and every other packet through ONE
 * mqtt-packet parser shared by all connections.
 *
 * Why: mqtt-packet allocates a parser (an EventEmitter holding a BufferList Duplex stream) per connection and a
 * new BufferList per packet, and its generator an EventEmitter per packet: a few KB per idle connection and most
 * of the garbage of the publish path. The fast paths take only the well-formed common case; anything else (an
 * odd length, MQTT 5, a reserved flag) goes to mqtt-packet, so errors and edge cases behave exactly as before.
 *
 * Frames are whole packets (the framer guarantees it), so one parser can serve every connection: each parse
 * starts from a clean state, and a parser that failed is replaced.
 */

/** Offset of the variable header: the fixed header's length (1 type byte + 1..4 remaining-length bytes). */
function bodyStart(frame: Buffer): number {
  let i = 1;
  while (i < frame.length && i <= 4 && (frame[i]! & 0x80) !== 0) i += 1;
  return i + 1;
}

const ACK_TYPES: Record<number, 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'> = {
  4: 'puback',
  5: 'pubrec',
  6: 'pubrel',
  7: 'pubcomp',
};

/** Decodes the hot packets of 3.1 / 3.1.1; undefined when the frame is anything else (or unusual). */
function decodeFast(frame: Buffer, version: ProtocolVersion): Packet | undefined {
  if (version === 5) return undefined;
  const first = frame[0]!;
  const type = first >> 4;
  if (type === 3) {
    const qos = (first >> 1) & 3;
    if (qos === 3) return undefined;
    const start = bodyStart(frame);
    const length = frame.length - start;
    if (length < 2) return undefined;
    const topicLength = frame.readUInt16BE(start);
    let pos = start + 2 + topicLength;
    if (pos > frame.length || (qos > 0 && pos + 2 > frame.length)) return undefined;
    const topic = frame.toString('utf8', start + 2, pos);
    let messageId: number | undefined;
    if (qos > 0) {
      messageId = frame.readUInt16BE(pos);
      pos += 2;
    }
    const packet = {
      cmd: 'publish' as const,
      retain: (first & 1) !== 0,
      qos: qos as 0 | 1 | 2,
      dup: (first & 8) !== 0,
      length,
      topic,
      payload: frame.subarray(pos),
      ...(messageId !== undefined ? { messageId } : {}),
    };
    return packet;
  }
  if (type >= 4 && type <= 7) {
    // PUBREL has flags 0b0010 [MQTT-3.6.1-1]; the others 0 [MQTT-2.2.2-1].
    if ((first & 0x0f) !== (type === 6 ? 2 : 0) || frame.length !== 4 || frame[1] !== 2) return undefined;
    return {
      cmd: ACK_TYPES[type]!,
      retain: false,
      qos: type === 6 ? 1 : 0,
      dup: false,
      length: 2,
      topic: null,
      payload: null,
      messageId: frame.readUInt16BE(2),
    } as Packet;
  }
  if (type === 12 && first === 0xc0 && frame.length === 2 && frame[1] === 0) {
    return {
      cmd: 'pingreq',
      retain: false,
      qos: 0,
      dup: false,
      length: 0,
      topic: null,
      payload: null,
    } as Packet;
  }
  return undefined;
}

type MqttParser = ReturnType<typeof mqttPacket.parser>;

let shared: MqttParser | undefined;
let parsed: Packet | undefined;
let parseError: Error | undefined;

function sharedParser(): MqttParser {
  if (shared === undefined) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: Packet) => {
      parsed = packet;
    });
    parser.on('error', (err: Error) => {
      parseError = err;
    });
    shared = parser;
  }
  return shared;
}

export type Decoded = { readonly packet: Packet } | { readonly error: Error | undefined };

/** Decodes one whole frame read from a connection speaking `version` (4 until CONNECT is read). */
export function decodeFrame(frame: Buffer, version: ProtocolVersion): Decoded {
  const fast = decodeFast(frame, version);
  if (fast !== undefined) return { packet: fast };
  const parser = sharedParser();
  // The version is the connection's own (mqtt-packet takes it from a CONNECT it parses, too).
  (parser as unknown as { settings: { protocolVersion: number } }).settings = { protocolVersion: version };
  parsed = undefined;
  parseError = undefined;
  parser.parse(frame);
  const packet = parsed as Packet | undefined;
  const error = parseError as Error | undefined;
  parsed = undefined;
  parseError = undefined;
  const rest = parser as unknown as { _list: { length: number }; _stateCounter: number };
  if (error !== undefined || packet === undefined || rest._list.length > 0 || rest._stateCounter !== 0) {
    // A parser that failed (or holds a partial packet) is not reused by the next connection.
    shared = undefined;
  }
  return packet !== undefined && error === undefined ? { packet } : { error };
}

// ---- encoding -------------------------------------------------------------------------------------------------

/** Bytes of the remaining-length field for `n`. */
function varIntBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarInt(target: Buffer, at: number, n: number): number {
  let value = n;
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    target[at++] = byte;
  } while (value > 0);
  return at;
}

const ACK_CODES: Record<string, number> = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 };

/** SUBACK return codes of 3.1.1: a granted QoS or 0x80 (failure) [MQTT-3.9.3-2]. */
function isGrantedCode(code: unknown): boolean {
  return code === 0 || code === 1 || code === 2 || code === 0x80;
}

/**
 * Encodes a packet for a connection speaking `version`: every packet a 3.1 / 3.1.1 server sends by hand (as two
 * buffers for a PUBLISH: header + topic + id, then the payload itself, not copied), anything else with
 * mqtt-packet. Besides the speed, this keeps mqtt-packet's table of 65,536 two-byte Buffers (about 6 MB, made
 * on its first use) out of a gateway that only ever sends these. Throws when the packet cannot be encoded.
 */
export function encodePacket(
  packet: OutPacket,
  version: ProtocolVersion,
): Buffer | readonly [Buffer, Buffer] {
  if (version !== 5) {
    if (packet.cmd === 'publish' && typeof packet.topic === 'string' && Buffer.isBuffer(packet.payload)) {
      const qos = packet.qos ?? 0;
      const id = packet.messageId;
      if (qos === 0 || (typeof id === 'number' && id >= 0 && id <= 0xffff)) {
        const topicBytes = Buffer.byteLength(packet.topic);
        const payload = packet.payload;
        const length = 2 + topicBytes + (qos > 0 ? 2 : 0) + payload.length;
        const headerBytes = 1 + varIntBytes(length) + 2 + topicBytes + (qos > 0 ? 2 : 0);
        const head = Buffer.allocUnsafe(headerBytes);
        head[0] = 0x30 | (packet.dup === true ? 0x08 : 0) | (qos << 1) | (packet.retain === true ? 1 : 0);
        let at = writeVarInt(head, 1, length);
        head.writeUInt16BE(topicBytes, at);
        at += 2;
        at += head.write(packet.topic, at, 'utf8');
        if (qos > 0) head.writeUInt16BE(id!, at);
        return payload.length === 0 ? head : [head, payload];
      }
    } else if (packet.cmd === 'connack') {
      const code = packet.returnCode ?? 0;
      if (code >= 0 && code <= 0xff) return Buffer.from([0x20, 2, packet.sessionPresent ? 1 : 0, code]);
    } else if (packet.cmd === 'pingresp') {
      return Buffer.from([0xd0, 0]);
    } else if (packet.cmd === 'suback') {
      const id = packet.messageId;
      const granted = packet.granted;
      if (typeof id === 'number' && id > 0 && id <= 0xffff && granted.every(isGrantedCode)) {
        const length = 2 + granted.length;
        const bytes = Buffer.allocUnsafe(1 + varIntBytes(length) + length);
        bytes[0] = 0x90;
        let at = writeVarInt(bytes, 1, length);
        bytes.writeUInt16BE(id, at);
        at += 2;
        for (const code of granted) bytes[at++] = code as number;
        return bytes;
      }
    } else if (packet.cmd === 'unsuback') {
      const id = packet.messageId;
      if (typeof id === 'number' && id > 0 && id <= 0xffff) return Buffer.from([0xb0, 2, id >> 8, id & 0xff]);
    } else if (packet.cmd in ACK_CODES && 'messageId' in packet) {
      const id = packet.messageId;
      if (typeof id === 'number' && id >= 0 && id <= 0xffff) {
        const bytes = Buffer.allocUnsafe(4);
        bytes[0] = ACK_CODES[packet.cmd]!;
        bytes[1] = 2;
        bytes.writeUInt16BE(id, 2);
        return bytes;
      }
    }
  }
  return mqttPacket.generate(packet, { protocolVersion: version });
}
