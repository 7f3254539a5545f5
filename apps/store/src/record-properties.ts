import type { MessageProperties } from './state';

/**
 * What a commitlog record carries in its opaque `properties` bytes: the publisher's client id (MQTT 5
 * No Local, auditing) and the MQTT 5 PUBLISH properties. A message with neither is stored with zero
 * property bytes, so MQTT 3.1.1 traffic without a client id pays nothing.
 *
 * Layout (all integers big-endian):
 *
 *   u8  version (1)
 *   u8  flags: 0x01 publisher id, 0x02 properties, 0x04 payload is UTF-8, 0x08 expiry set
 *   [u16 length + UTF-8]                   publisher client id        (flag 0x01)
 *   [u32 message expiry interval seconds]                              (flag 0x08)
 *   [u16 length + UTF-8]                   content type               (flag 0x02, then all below)
 *   [u16 length + UTF-8]                   response topic
 *   [u16 length + bytes]                   correlation data
 *   [u32 count, then count × (u16 length + UTF-8 key, u16 length + UTF-8 value)]  user properties
 *
 * MQTT limits every one of these strings and binaries to 65,535 bytes, hence u16 lengths.
 */
export interface RecordMeta {
  publisherClientId: string;
  properties: MessageProperties | undefined;
}

const VERSION = 1;
const HAS_PUBLISHER = 0x01;
const HAS_PROPERTIES = 0x02;
const PAYLOAD_UTF8 = 0x04;
const HAS_EXPIRY = 0x08;
const EMPTY = Buffer.alloc(0);

function hasProperties(p: MessageProperties | undefined | null): p is MessageProperties {
  if (!p) return false;
  return Boolean(
    p.contentType ||
    p.responseTopic ||
    (p.correlationData && p.correlationData.length > 0) ||
    (p.userProperties && p.userProperties.length > 0) ||
    p.payloadFormatIndicator ||
    p.messageExpiryIntervalSeconds !== undefined,
  );
}

export function encodeRecordMeta(
  publisherClientId: string,
  properties: MessageProperties | undefined | null,
): Buffer {
  const withProps = hasProperties(properties);
  if (!withProps) return publisherOnly(publisherClientId);
  const parts: Buffer[] = [];
  let flags = 0;
  if (publisherClientId !== '') {
    flags |= HAS_PUBLISHER;
    parts.push(str16(publisherClientId));
  }
  if (withProps) {
    const p = properties;
    if (p.payloadFormatIndicator) flags |= PAYLOAD_UTF8;
    if (p.messageExpiryIntervalSeconds !== undefined) {
      flags |= HAS_EXPIRY;
      const b = Buffer.allocUnsafe(4);
      b.writeUInt32BE(p.messageExpiryIntervalSeconds >>> 0);
      parts.push(b);
    }
    flags |= HAS_PROPERTIES;
    parts.push(str16(p.contentType ?? ''), str16(p.responseTopic ?? ''), bin16(p.correlationData ?? EMPTY));
    const users = p.userProperties ?? [];
    const count = Buffer.allocUnsafe(4);
    count.writeUInt32BE(users.length);
    parts.push(count);
    for (const u of users) parts.push(str16(u.key), str16(u.value));
  }
  return Buffer.concat([Buffer.from([VERSION, flags]), ...parts]);
}

export class RecordMetaError extends Error {
  readonly code = 'STORE_RECORD_META_CORRUPT';
}

export function decodeRecordMeta(buf: Buffer): RecordMeta {
  if (buf.length === 0) return { publisherClientId: '', properties: undefined };
  if (buf[0] !== VERSION) throw new RecordMetaError(`unknown record properties version ${buf[0]}`);
  const flags = buf[1] ?? 0;
  let at = 2;
  const readStr = (): string => {
    const len = buf.readUInt16BE(at);
    const s = buf.toString('utf8', at + 2, at + 2 + len);
    at += 2 + len;
    return s;
  };
  let publisherClientId = '';
  if (flags & HAS_PUBLISHER) publisherClientId = readStr();
  let properties: MessageProperties | undefined;
  let expiry: number | undefined;
  if (flags & HAS_EXPIRY) {
    expiry = buf.readUInt32BE(at);
    at += 4;
  }
  if (flags & HAS_PROPERTIES) {
    const contentType = readStr();
    const responseTopic = readStr();
    const cdLen = buf.readUInt16BE(at);
    const correlationData = Buffer.from(buf.subarray(at + 2, at + 2 + cdLen));
    at += 2 + cdLen;
    const count = buf.readUInt32BE(at);
    at += 4;
    const userProperties: Array<{ key: string; value: string }> = [];
    for (let i = 0; i < count; i++) userProperties.push({ key: readStr(), value: readStr() });
    properties = {
      payloadFormatIndicator: (flags & PAYLOAD_UTF8) !== 0,
      ...(expiry === undefined ? {} : { messageExpiryIntervalSeconds: expiry }),
      contentType,
      responseTopic,
      correlationData,
      userProperties,
    };
  }
  if (at !== buf.length) throw new RecordMetaError(`record properties: ${buf.length - at} trailing bytes`);
  return { publisherClientId, properties };
}

/** The bytes of the last publisher-only meta: a batch usually comes from one publisher. */
let lastPublisher = '';
let lastPublisherMeta: Buffer = EMPTY;

/**
 * Meta with a publisher id and no properties, in one allocation; consecutive calls for the same
 * publisher share the bytes (record properties are never written to once encoded).
 */
function publisherOnly(publisherClientId: string): Buffer {
  if (publisherClientId === '') return EMPTY;
  if (publisherClientId === lastPublisher) return lastPublisherMeta;
  const length = Buffer.byteLength(publisherClientId, 'utf8');
  if (length > 0xffff) throw new RangeError(`property of ${length} bytes exceeds 65535`);
  const b = Buffer.allocUnsafe(4 + length);
  b[0] = VERSION;
  b[1] = HAS_PUBLISHER;
  b.writeUInt16BE(length, 2);
  b.write(publisherClientId, 4, 'utf8');
  lastPublisher = publisherClientId;
  lastPublisherMeta = b;
  return b;
}

function str16(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return bin16(body);
}

function bin16(body: Uint8Array): Buffer {
  if (body.length > 0xffff) throw new RangeError(`property of ${body.length} bytes exceeds 65535`);
  const b = Buffer.allocUnsafe(2 + body.length);
  b.writeUInt16BE(body.length, 0);
  b.set(body, 2);
  return b;
}
