import type {
  AppendMessagesRequest,
  AppendMessagesRequestOutput,
  AppendMessagesResponse,
  AppendMessagesResponseOutput,
  Message,
  MessageOutput,
  MessageProperties,
  MessagePropertiesOutput,
} from './types';
import {
  ProtoDecodeError,
  int64Size,
  readLength,
  readString,
  readTag,
  readVarint32,
  readVarint64,
  skipField,
  utf8Size,
  varintSize,
  writeInt64,
  writeString,
  writeVarint,
  type WireReader,
} from './wire-format';

/**
 * Hand-written protobuf codecs for StoreService.AppendMessages, the store's hot call: a batch of hundreds of
 * messages costs protobufjs two objects per message and field on each side (Message instances, toObject or
 * fromObject copies, a writer op per field). These read and write the wire bytes directly, with the same results
 * as protobufjs under the loader options (`loaderOptions`):
 *
 * - decoding yields exactly the `…Output` objects protobufjs would (defaults filled in, int64 as number, payloads
 *   as Buffers that share the request's memory, as protobufjs' do); unknown fields are skipped, groups included;
 *   positions are read packed or not; a message field that occurs twice is merged (the spec's rule);
 * - encoding writes the same bytes as protobufjs for the same object: a field is written when it is not null or
 *   undefined, in field order, repeated scalars packed. Inputs outside the typed fast path (a base64 string for
 *   bytes, a Long or a string for an int64, a lone surrogate in a string, …) go to protobufjs (`fallback`);
 * - malformed bytes throw `ProtoDecodeError` naming the message and field. Where protobufjs is lax the decoder
 *   follows the spec instead: strings must be valid UTF-8, field number 0 is refused, a varint is at most 10 bytes.
 */

const EMPTY: Buffer = Buffer.alloc(0);

/** Field tags: (field number << 3) | wire type. */
const TAG_MESSAGES = 0x0a;
const TAG_TOPIC = 0x0a;
const TAG_PAYLOAD = 0x12;
const TAG_QOS = 0x18;
const TAG_RETAIN = 0x20;
const TAG_TIMESTAMP = 0x28;
const TAG_PUBLISHER = 0x32;
const TAG_PROPERTIES = 0x3a;
const TAG_PAYLOAD_FORMAT = 0x08;
const TAG_EXPIRY = 0x10;
const TAG_CONTENT_TYPE = 0x1a;
const TAG_RESPONSE_TOPIC = 0x22;
const TAG_CORRELATION = 0x2a;
const TAG_USER_PROPERTY = 0x32;
const TAG_KEY = 0x0a;
const TAG_VALUE = 0x12;
const TAG_POSITIONS_PACKED = 0x0a;
const TAG_POSITIONS = 0x08;
const TAG_SHARD = 0x10;

// ---- decoding --------------------------------------------------------------------------------------------

/** Decodes an AppendMessagesRequest. Throws `ProtoDecodeError` on bytes that are not one. */
export function decodeAppendMessagesRequest(buf: Buffer): AppendMessagesRequestOutput {
  return { messages: decodeBatch(buf, 'AppendMessagesRequest', undefined) };
}

/**
 * The messages of a request whose field 1 is `repeated Message` (AppendMessagesRequest, AppendStreamRequest).
 * Every other field is skipped, except that `other` is offered each one first and returns true when it read it.
 */
export function decodeBatch(
  buf: Buffer,
  name: string,
  other: ((tag: number, r: WireReader, end: number) => boolean) | undefined,
): MessageOutput[] {
  const r: WireReader = { buf, pos: 0 };
  const end = buf.length;
  const messages: MessageOutput[] = [];
  while (r.pos < end) {
    const tag = readTag(r, end, name);
    if (tag !== TAG_MESSAGES) {
      if (other === undefined || !other(tag, r, end)) skipField(r, end, tag, name);
      continue;
    }
    const index = messages.length;
    const stop = readLength(r, end, 'messages');
    try {
      messages.push(decodeMessage(r, stop));
    } catch (err) {
      if (err instanceof ProtoDecodeError) throw new ProtoDecodeError(`messages[${index}]: ${err.message}`);
      throw err;
    }
  }
  return messages;
}

function decodeMessage(r: WireReader, end: number): MessageOutput {
  const buf = r.buf;
  let topic = '';
  let payload = EMPTY;
  let qos = 0;
  let retain = false;
  let timestampMs = 0;
  let publisherClientId = '';
  let properties: MessagePropertiesOutput | null = null;
  while (r.pos < end) {
    const tag = readTag(r, end, 'Message');
    switch (tag) {
      case TAG_TOPIC: {
        const stop = readLength(r, end, 'topic');
        topic = readString(buf, r.pos, stop, 'topic');
        r.pos = stop;
        break;
      }
      case TAG_PAYLOAD: {
        const stop = readLength(r, end, 'payload');
        // Shares the request's memory, as protobufjs does: grpc-js hands each message its own buffer and does not
        // reuse it, and the commitlog copies the payload into its own before the append resolves.
        payload = stop === r.pos ? EMPTY : buf.subarray(r.pos, stop);
        r.pos = stop;
        break;
      }
      case TAG_QOS:
        qos = readVarint32(r, end, 'qos');
        break;
      case TAG_RETAIN:
        retain = readVarint32(r, end, 'retain') !== 0;
        break;
      case TAG_TIMESTAMP:
        timestampMs = readVarint64(r, end, true, 'timestamp_ms');
        break;
      case TAG_PUBLISHER: {
        const stop = readLength(r, end, 'publisher_client_id');
        publisherClientId = readString(buf, r.pos, stop, 'publisher_client_id');
        r.pos = stop;
        break;
      }
      case TAG_PROPERTIES: {
        const stop = readLength(r, end, 'properties');
        properties = decodeProperties(r, stop, properties);
        break;
      }
      default:
        skipField(r, end, tag, 'Message');
    }
  }
  return { topic, payload, qos, retain, timestampMs, publisherClientId, properties };
}

/** Decodes MessageProperties into `into` when the field occurred before (an embedded message merges). */
function decodeProperties(
  r: WireReader,
  end: number,
  into: MessagePropertiesOutput | null,
): MessagePropertiesOutput {
  const buf = r.buf;
  const p: MessagePropertiesOutput = into ?? {
    payloadFormatIndicator: false,
    contentType: '',
    responseTopic: '',
    correlationData: EMPTY,
    userProperties: [],
  };
  while (r.pos < end) {
    const tag = readTag(r, end, 'properties');
    switch (tag) {
      case TAG_PAYLOAD_FORMAT:
        p.payloadFormatIndicator = readVarint32(r, end, 'properties.payload_format_indicator') !== 0;
        break;
      case TAG_EXPIRY:
        p.messageExpiryIntervalSeconds = readVarint32(r, end, 'properties.message_expiry_interval_seconds');
        p._messageExpiryIntervalSeconds = 'messageExpiryIntervalSeconds';
        break;
      case TAG_CONTENT_TYPE: {
        const stop = readLength(r, end, 'properties.content_type');
        p.contentType = readString(buf, r.pos, stop, 'properties.content_type');
        r.pos = stop;
        break;
      }
      case TAG_RESPONSE_TOPIC: {
        const stop = readLength(r, end, 'properties.response_topic');
        p.responseTopic = readString(buf, r.pos, stop, 'properties.response_topic');
        r.pos = stop;
        break;
      }
      case TAG_CORRELATION: {
        const stop = readLength(r, end, 'properties.correlation_data');
        p.correlationData = stop === r.pos ? EMPTY : buf.subarray(r.pos, stop);
        r.pos = stop;
        break;
      }
      case TAG_USER_PROPERTY: {
        const stop = readLength(r, end, 'properties.user_properties');
        let key = '';
        let value = '';
        while (r.pos < stop) {
          const inner = readTag(r, stop, 'properties.user_properties');
          if (inner === TAG_KEY || inner === TAG_VALUE) {
            const s = readLength(r, stop, 'properties.user_properties');
            const text = readString(buf, r.pos, s, 'properties.user_properties');
            r.pos = s;
            if (inner === TAG_KEY) key = text;
            else value = text;
          } else skipField(r, stop, inner, 'properties.user_properties');
        }
        p.userProperties.push({ key, value });
        break;
      }
      default:
        skipField(r, end, tag, 'properties');
    }
  }
  return p;
}

/** Decodes an AppendMessagesResponse (positions packed or not). Throws `ProtoDecodeError` on bad bytes. */
export function decodeAppendMessagesResponse(buf: Buffer): AppendMessagesResponseOutput {
  return decodePositionsResponse(buf, 'AppendMessagesResponse', undefined);
}

/**
 * Fields 1 (`repeated uint64 positions`, packed or not) and 2 (`uint32 shard`) of an append response
 * (AppendMessagesResponse, AppendStreamResponse). Every other field is skipped, except that `other` is offered
 * each one first and returns true when it read it.
 */
export function decodePositionsResponse(
  buf: Buffer,
  name: string,
  other: ((tag: number, r: WireReader, end: number) => boolean) | undefined,
): AppendMessagesResponseOutput {
  const r: WireReader = { buf, pos: 0 };
  const end = buf.length;
  const positions: number[] = [];
  let shard = 0;
  while (r.pos < end) {
    const tag = readTag(r, end, name);
    switch (tag) {
      case TAG_POSITIONS_PACKED: {
        const stop = readLength(r, end, 'positions');
        while (r.pos < stop) positions.push(readVarint64(r, stop, false, 'positions'));
        break;
      }
      case TAG_POSITIONS:
        positions.push(readVarint64(r, end, false, 'positions'));
        break;
      case TAG_SHARD:
        shard = readVarint32(r, end, 'shard');
        break;
      default:
        if (other === undefined || !other(tag, r, end)) skipField(r, end, tag, name);
    }
  }
  return { positions, shard };
}

// ---- encoding --------------------------------------------------------------------------------------------

/** What protobufjs makes of a value the fast path does not take. */
export type Fallback<T> = (value: T) => Buffer;

/** Returned by a sizing pass: this input needs protobufjs. */
const SLOW = -1;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Field bytes of a length-delimited field of `size` bytes (tag, length, content). */
function delimited(size: number): number {
  return 1 + varintSize(size) + size;
}

/** Per message: [message size, topic size, publisher size, properties size] (-1: field absent). */
let scratch = new Float64Array(4 * 256);

/**
 * Encodes an AppendMessagesRequest exactly as protobufjs would; `fallback` (protobufjs) takes what the fast path
 * does not (see the module comment), and throws the errors protobufjs throws on bad input.
 */
export function encodeAppendMessagesRequest(
  request: AppendMessagesRequest,
  fallback: Fallback<AppendMessagesRequest>,
): Buffer {
  if (!isPlainObject(request)) return fallback(request);
  return encodeBatch(request.messages, 0, () => fallback(request));
}

/**
 * Field 1 (`repeated Message messages`) of `messages`, followed by `trailerSize` bytes left for the caller's
 * later fields (written from `buf.length - trailerSize`); `slow()` when an input is outside the fast path.
 */
export function encodeBatch(messages: unknown, trailerSize: number, slow: () => Buffer): Buffer {
  if (messages == null) return Buffer.alloc(trailerSize);
  if (!Array.isArray(messages)) return slow();
  const list: readonly Message[] = messages;
  const count = list.length;
  if (scratch.length < 4 * count) scratch = new Float64Array(4 * count);
  const sizes = scratch;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const size = sizeMessage(list[i], sizes, 4 * i);
    if (size === SLOW) return slow();
    total += delimited(size);
  }
  const buf = Buffer.allocUnsafe(total + trailerSize);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    buf[pos++] = TAG_MESSAGES;
    pos = writeVarint(buf, pos, sizes[4 * i]!);
    pos = writeMessage(buf, pos, list[i]!, sizes, 4 * i);
  }
  return buf;
}

function sizeMessage(m: unknown, sizes: Float64Array, at: number): number {
  if (!isPlainObject(m)) return SLOW;
  const { topic, payload, qos, retain, timestampMs, publisherClientId, properties } = m as Message;
  let size = 0;
  let topicSize = -1;
  let publisherSize = -1;
  let propertiesSize = -1;
  if (topic != null) {
    if (typeof topic !== 'string' || (topicSize = utf8Size(topic)) < 0) return SLOW;
    size += delimited(topicSize);
  }
  if (payload != null) {
    if (!isBytes(payload)) return SLOW;
    size += delimited(payload.length);
  }
  if (qos != null) {
    if (typeof qos !== 'number') return SLOW;
    size += 1 + varintSize(qos >>> 0);
  }
  if (retain != null) {
    if (typeof retain !== 'boolean') return SLOW;
    size += 2;
  }
  if (timestampMs != null) {
    if (typeof timestampMs !== 'number' || !Number.isSafeInteger(timestampMs)) return SLOW;
    size += 1 + int64Size(timestampMs);
  }
  if (publisherClientId != null) {
    if (typeof publisherClientId !== 'string' || (publisherSize = utf8Size(publisherClientId)) < 0)
      return SLOW;
    size += delimited(publisherSize);
  }
  if (properties != null) {
    propertiesSize = sizeProperties(properties);
    if (propertiesSize === SLOW) return SLOW;
    size += delimited(propertiesSize);
  }
  sizes[at] = size;
  sizes[at + 1] = topicSize;
  sizes[at + 2] = publisherSize;
  sizes[at + 3] = propertiesSize;
  return size;
}

function sizeProperties(p: unknown): number {
  if (!isPlainObject(p)) return SLOW;
  const {
    payloadFormatIndicator,
    messageExpiryIntervalSeconds,
    contentType,
    responseTopic,
    correlationData,
    userProperties,
  } = p as MessageProperties;
  let size = 0;
  if (payloadFormatIndicator != null) {
    if (typeof payloadFormatIndicator !== 'boolean') return SLOW;
    size += 2;
  }
  if (messageExpiryIntervalSeconds != null) {
    if (typeof messageExpiryIntervalSeconds !== 'number') return SLOW;
    size += 1 + varintSize(messageExpiryIntervalSeconds >>> 0);
  }
  for (const text of [contentType, responseTopic]) {
    if (text == null) continue;
    const n = typeof text === 'string' ? utf8Size(text) : SLOW;
    if (n < 0) return SLOW;
    size += delimited(n);
  }
  if (correlationData != null) {
    if (!isBytes(correlationData)) return SLOW;
    size += delimited(correlationData.length);
  }
  // protobufjs tests this one for truthiness, not null.
  if (userProperties) {
    if (!Array.isArray(userProperties)) return SLOW;
    for (const u of userProperties) {
      const n = sizeUserProperty(u);
      if (n === SLOW) return SLOW;
      size += delimited(n);
    }
  }
  return size;
}

function sizeUserProperty(u: unknown): number {
  if (!isPlainObject(u)) return SLOW;
  let size = 0;
  for (const text of [u.key, u.value]) {
    if (text == null) continue;
    const n = typeof text === 'string' ? utf8Size(text) : SLOW;
    if (n < 0) return SLOW;
    size += delimited(n);
  }
  return size;
}

function writeMessage(buf: Buffer, start: number, m: Message, sizes: Float64Array, at: number): number {
  let pos = start;
  const topicSize = sizes[at + 1]!;
  const publisherSize = sizes[at + 2]!;
  const propertiesSize = sizes[at + 3]!;
  if (topicSize >= 0) {
    buf[pos++] = TAG_TOPIC;
    pos = writeVarint(buf, pos, topicSize);
    pos = writeString(buf, pos, m.topic as string, topicSize);
  }
  if (m.payload != null) pos = writeBytes(buf, pos, TAG_PAYLOAD, m.payload as Uint8Array);
  if (m.qos != null) {
    buf[pos++] = TAG_QOS;
    pos = writeVarint(buf, pos, m.qos >>> 0);
  }
  if (m.retain != null) {
    buf[pos++] = TAG_RETAIN;
    buf[pos++] = m.retain ? 1 : 0;
  }
  if (m.timestampMs != null) {
    buf[pos++] = TAG_TIMESTAMP;
    pos = writeInt64(buf, pos, m.timestampMs as number);
  }
  if (publisherSize >= 0) {
    buf[pos++] = TAG_PUBLISHER;
    pos = writeVarint(buf, pos, publisherSize);
    pos = writeString(buf, pos, m.publisherClientId as string, publisherSize);
  }
  if (propertiesSize >= 0) {
    buf[pos++] = TAG_PROPERTIES;
    pos = writeVarint(buf, pos, propertiesSize);
    pos = writeProperties(buf, pos, m.properties as MessageProperties);
  }
  return pos;
}

function writeProperties(buf: Buffer, start: number, p: MessageProperties): number {
  let pos = start;
  if (p.payloadFormatIndicator != null) {
    buf[pos++] = TAG_PAYLOAD_FORMAT;
    buf[pos++] = p.payloadFormatIndicator ? 1 : 0;
  }
  if (p.messageExpiryIntervalSeconds != null) {
    buf[pos++] = TAG_EXPIRY;
    pos = writeVarint(buf, pos, p.messageExpiryIntervalSeconds >>> 0);
  }
  if (p.contentType != null) pos = writeText(buf, pos, TAG_CONTENT_TYPE, p.contentType);
  if (p.responseTopic != null) pos = writeText(buf, pos, TAG_RESPONSE_TOPIC, p.responseTopic);
  if (p.correlationData != null) pos = writeBytes(buf, pos, TAG_CORRELATION, p.correlationData as Uint8Array);
  if (p.userProperties) {
    for (const u of p.userProperties) {
      buf[pos++] = TAG_USER_PROPERTY;
      pos = writeVarint(buf, pos, sizeUserProperty(u));
      if (u.key != null) pos = writeText(buf, pos, TAG_KEY, u.key);
      if (u.value != null) pos = writeText(buf, pos, TAG_VALUE, u.value);
    }
  }
  return pos;
}

function writeText(buf: Buffer, start: number, tag: number, text: string): number {
  const size = utf8Size(text);
  buf[start] = tag;
  const pos = writeVarint(buf, start + 1, size);
  return writeString(buf, pos, text, size);
}

function writeBytes(buf: Buffer, start: number, tag: number, bytes: Uint8Array): number {
  buf[start] = tag;
  const pos = writeVarint(buf, start + 1, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Encodes an AppendMessagesResponse exactly as protobufjs would (positions packed); see the request encoder. */
export function encodeAppendMessagesResponse(
  response: AppendMessagesResponse,
  fallback: Fallback<AppendMessagesResponse>,
): Buffer {
  if (!isPlainObject(response)) return fallback(response);
  return encodePositionsResponse(response.positions, response.shard, 0, undefined) ?? fallback(response);
}

/**
 * Fields 1 (positions, packed) and 2 (shard) of an append response as protobufjs writes them, then, when
 * `trailerValue` is not null, a varint field with tag `trailerTag` (AppendStreamResponse's batch_id). Undefined
 * for a value outside the fast path (the caller hands the response to protobufjs).
 */
export function encodePositionsResponse(
  positions: unknown,
  shard: unknown,
  trailerTag: number,
  trailerValue: unknown,
): Buffer | undefined {
  let packed = 0;
  if (positions != null) {
    if (!Array.isArray(positions)) return undefined;
    for (const p of positions as unknown[]) {
      if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0) return undefined;
      packed += varintSize(p);
    }
  }
  if (shard != null && typeof shard !== 'number') return undefined;
  const shardValue = shard == null ? -1 : shard >>> 0;
  if (
    trailerValue != null &&
    (typeof trailerValue !== 'number' || !Number.isSafeInteger(trailerValue) || trailerValue < 0)
  ) {
    return undefined;
  }
  const size =
    (packed > 0 ? delimited(packed) : 0) +
    (shardValue >= 0 ? 1 + varintSize(shardValue) : 0) +
    (trailerValue != null ? 1 + varintSize(trailerValue) : 0);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  if (packed > 0) {
    buf[pos++] = TAG_POSITIONS_PACKED;
    pos = writeVarint(buf, pos, packed);
    for (const p of positions as number[]) pos = writeVarint(buf, pos, p);
  }
  if (shardValue >= 0) {
    buf[pos++] = TAG_SHARD;
    pos = writeVarint(buf, pos, shardValue);
  }
  if (trailerValue != null) {
    buf[pos++] = trailerTag;
    writeVarint(buf, pos, trailerValue);
  }
  return buf;
}
