import type { ProtocolVersion } from '../types';
import { fixedHeaderBytes } from './packet-framer';

/**
 * The protocol name and level of a CONNECT frame, read before mqtt-packet parses it: an unsupported level
 * must still be answered with CONNACK 0x01 [MQTT-3.1.2-2], which the parser cannot do (it rejects the
 * packet). Supported: 'MQTT' level 4 (3.1.1) and 'MQIsdp' level 3 (3.1).
 */
export type ConnectPreamble =
  | { readonly status: 'ok'; readonly version: ProtocolVersion }
  /** Not an MQTT protocol name: the server may close at once [MQTT-3.1.2-1]. */
  | { readonly status: 'unknown-protocol-name' }
  /** A known name with a level this server does not speak: CONNACK 0x01, then close [MQTT-3.1.2-2]. */
  | { readonly status: 'unacceptable-protocol-level'; readonly level: number }
  | { readonly status: 'malformed' };

export function readConnectPreamble(frame: Buffer): ConnectPreamble {
  const pos = fixedHeaderBytes(frame);
  if (pos + 2 > frame.length) return { status: 'malformed' };
  const nameLength = frame.readUInt16BE(pos);
  const levelAt = pos + 2 + nameLength;
  if (levelAt >= frame.length) return { status: 'malformed' };
  const name = frame.toString('latin1', pos + 2, levelAt);
  const level = frame[levelAt]!;
  if (name === 'MQTT') {
    return level === 4 ? { status: 'ok', version: 4 } : { status: 'unacceptable-protocol-level', level };
  }
  if (name === 'MQIsdp') {
    return level === 3 ? { status: 'ok', version: 3 } : { status: 'unacceptable-protocol-level', level };
  }
  return { status: 'unknown-protocol-name' };
}
