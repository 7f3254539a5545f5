import { fixedHeaderBytes } from './packet-framer';
import type { Packet } from 'mqtt-packet';

/**
 * MQTT strings must be well-formed UTF-8 [MQTT-1.5.3-1] without U+0000 [MQTT-1.5.3-2]; a packet holding
 * one that is not closes the connection. mqtt-packet decodes leniently (ill-formed bytes become U+FFFD),
 * so the decoded strings are checked cheaply first and, only when one holds U+FFFD, the raw bytes of the
 * frame are decoded again strictly (a genuine U+FFFD is legal).
 */
export type StringProblem = 'malformed-utf8' | 'null-character';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const REPLACEMENT = '\uFFFD';

export function checkPacketStrings(packet: Packet, frame: Buffer): StringProblem | undefined {
  const strings = stringsOf(packet);
  let suspicious = false;
  for (const s of strings) {
    if (s.includes('\u0000')) return 'null-character';
    if (s.includes(REPLACEMENT)) suspicious = true;
  }
  if (!suspicious) return undefined;
  for (const raw of rawStrings(packet, frame)) {
    try {
      strictUtf8.decode(raw);
    } catch {
      return 'malformed-utf8';
    }
  }
  return undefined;
}

function stringsOf(packet: Packet): string[] {
  if (packet.cmd === 'connect') {
    const out = [packet.clientId];
    if (packet.will) out.push(packet.will.topic);
    if (packet.username !== undefined) out.push(packet.username);
    return out;
  }
  if (packet.cmd === 'publish') return [packet.topic];
  if (packet.cmd === 'subscribe') return packet.subscriptions.map((s) => s.topic);
  if (packet.cmd === 'unsubscribe') return packet.unsubscriptions;
  return [];
}

/** The raw bytes of every UTF-8 string field of a 3.1 / 3.1.1 packet, read from its frame. */
function rawStrings(packet: Packet, frame: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = fixedHeaderBytes(frame);
  const read = (): Buffer | undefined => {
    if (pos + 2 > frame.length) return undefined;
    const length = frame.readUInt16BE(pos);
    const bytes = frame.subarray(pos + 2, pos + 2 + length);
    pos += 2 + length;
    return bytes;
  };
  if (packet.cmd === 'connect') {
    read(); // protocol name (checked against 'MQTT' / 'MQIsdp' already)
    const flags = frame[pos + 1] ?? 0;
    pos += 4; // level, flags, keep alive
    pushDefined(out, read()); // client identifier
    if ((flags & 0x04) !== 0) {
      pushDefined(out, read()); // will topic
      read(); // will message: binary data
    }
    if ((flags & 0x80) !== 0) pushDefined(out, read()); // user name
  } else if (packet.cmd === 'publish') {
    pushDefined(out, read());
  } else if (packet.cmd === 'subscribe' || packet.cmd === 'unsubscribe') {
    pos += 2; // packet identifier
    while (pos < frame.length) {
      const s = read();
      if (s === undefined) break;
      out.push(s);
      if (packet.cmd === 'subscribe') pos += 1; // requested QoS
    }
  }
  return out;
}

function pushDefined(out: Buffer[], value: Buffer | undefined): void {
  if (value !== undefined) out.push(value);
}
