import { crc32c } from '@node-rs/crc32';

/**
 * The commitlog record frame. All integers are big-endian (network order, like Kafka's log).
 *
 * | offset    | size | field         | notes                                                          |
 * |-----------|------|---------------|----------------------------------------------------------------|
 * | 0         | 1    | magic         | format version; 0xA1 for v1 (never 0x00, so zero-fill is bad)  |
 * | 1         | 4    | totalLength   | uint32, whole frame in bytes, this header included             |
 * | 5         | 4    | crc           | uint32 CRC32C (Castagnoli) over bytes [9, totalLength)         |
 * | 9         | 8    | timestampMs   | uint64, ms since the Unix epoch (written as two uint32 halves) |
 * | 17        | 1    | flags         | bits 0-1 qos (0..2), bit 2 retain, bits 3-7 reserved (0)       |
 * | 18        | 2    | topicLength   | uint16, bytes of UTF-8 topic name (MQTT caps a topic at 65535) |
 * | 20        | t    | topic         | UTF-8                                                          |
 * | 20+t      | 4    | propsLength   | uint32                                                         |
 * | 24+t      | p    | properties    | opaque bytes (the store puts encoded MQTT 5 properties here)   |
 * | 24+t+p    | 4    | payloadLength | uint32                                                         |
 * | 28+t+p    | n    | payload       | opaque bytes                                                   |
 *
 * totalLength = 28 + t + p + n. The CRC covers everything after the CRC field, so a torn write,
 * a flipped bit or a stale length anywhere in the frame is caught; magic and totalLength are
 * checked structurally (a wrong length makes the inner lengths disagree or the CRC fail).
 */
export const RECORD_MAGIC_V1 = 0xa1;
/** Bytes of frame around the variable fields: magic, lengths, CRC, timestamp, flags. */
export const RECORD_OVERHEAD_BYTES = 28;
/** Offset of the first byte the CRC covers. */
export const RECORD_CRC_START = 9;
export const MAX_TOPIC_BYTES = 0xffff;

const FLAG_QOS_MASK = 0b0000_0011;
const FLAG_RETAIN = 0b0000_0100;
const FLAG_RESERVED_MASK = 0b1111_1000;
const TWO_POW_32 = 0x1_0000_0000;

export type Qos = 0 | 1 | 2;

/** What an appender hands to the commitlog. */
export interface RecordInput {
  /** Topic name (never a filter). */
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Encoded MQTT 5 properties, opaque to the commitlog. Empty when absent. */
  readonly properties?: Uint8Array;
  /** Defaults to the time of the append. */
  readonly timestampMs?: number;
  readonly qos?: Qos;
  readonly retain?: boolean;
}

/**
 * A decoded record. `payload` and `properties` are views into the buffer the record was decoded
 * from (no copy): treat them as read-only, and copy them if you keep them for long.
 */
export interface LogRecord {
  readonly timestampMs: number;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly topic: string;
  readonly properties: Buffer;
  readonly payload: Buffer;
}

export type DecodeResult =
  | { readonly status: 'ok'; readonly record: LogRecord; readonly size: number }
  | { readonly status: 'incomplete' }
  | { readonly status: 'corrupt'; readonly reason: string };

const EMPTY = Buffer.alloc(0);
const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });

/** Frame size of `input` given the UTF-8 byte length of its topic (callers often have it already). */
export function recordSize(input: RecordInput, topicBytes: number): number {
  return RECORD_OVERHEAD_BYTES + topicBytes + (input.properties?.length ?? 0) + input.payload.length;
}

/**
 * Encodes `input` into `target` at `offset` and returns the frame size. The caller sized the target
 * (see `recordSize`) and passes the topic's UTF-8 byte length so it is computed once per record.
 */
export function encodeRecordInto(
  target: Buffer,
  offset: number,
  input: RecordInput,
  topicBytes: number,
  defaultTimestampMs: number,
): number {
  if (topicBytes > MAX_TOPIC_BYTES)
    throw new RangeError(`topic is ${topicBytes} bytes, the frame allows ${MAX_TOPIC_BYTES}`);
  const properties = input.properties ?? EMPTY;
  const payload = input.payload;
  const size = RECORD_OVERHEAD_BYTES + topicBytes + properties.length + payload.length;
  const timestampMs = input.timestampMs ?? defaultTimestampMs;
  const qos = input.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`qos must be 0, 1 or 2, got ${String(qos)}`);

  if (offset < 0 || offset + size > target.length)
    throw new RangeError(`frame of ${size} bytes does not fit at ${offset}`);

  // Plain byte stores: the bounds were checked once above (this is the append hot path).
  target[offset] = RECORD_MAGIC_V1;
  putUInt32(target, offset + 1, size);
  // CRC at offset + 5 is written last, once the covered bytes are in place.
  putUInt32(target, offset + 9, Math.floor(timestampMs / TWO_POW_32));
  putUInt32(target, offset + 13, timestampMs >>> 0);
  target[offset + 17] = qos | (input.retain === true ? FLAG_RETAIN : 0);
  target[offset + 18] = topicBytes >>> 8;
  target[offset + 19] = topicBytes & 0xff;
  let at = offset + 20;
  if (topicBytes > 0) at += target.write(input.topic, at, topicBytes, 'utf8');
  putUInt32(target, at, properties.length);
  at += 4;
  if (properties.length > 0) {
    target.set(properties, at);
    at += properties.length;
  }
  putUInt32(target, at, payload.length);
  at += 4;
  if (payload.length > 0) target.set(payload, at);
  putUInt32(target, offset + 5, crc32c(target.subarray(offset + RECORD_CRC_START, offset + size)));
  return size;
}

function putUInt32(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
}

/** Encodes one record into a new buffer. The commitlog's append path uses `encodeRecordInto`. */
export function encodeRecord(input: RecordInput, defaultTimestampMs: number = Date.now()): Buffer {
  const topicBytes = Buffer.byteLength(input.topic, 'utf8');
  const target = Buffer.allocUnsafe(recordSize(input, topicBytes));
  encodeRecordInto(target, 0, input, topicBytes, defaultTimestampMs);
  return target;
}

export interface DecodeOptions {
  /** A length field above this is reported corrupt rather than incomplete (a torn length is often huge). */
  readonly maxRecordBytes?: number;
  /**
   * false skips the CRC check. Only for bytes that never left this process's memory since
   * `encodeRecordInto` checksummed them (the hot-tail cache); every read from a file verifies.
   * Structural checks (magic, lengths, flags) still run.
   */
  readonly verifyCrc?: boolean;
}

/**
 * Decodes the frame starting at `buf[offset]`. `incomplete` means the bytes end before the frame
 * does (at the end of a file: a torn tail); `corrupt` means the bytes can never be a valid frame.
 */
export function decodeRecord(buf: Buffer, offset: number, options?: DecodeOptions): DecodeResult {
  const available = buf.length - offset;
  if (available < 1) return INCOMPLETE;
  const magic = buf[offset];
  if (magic !== RECORD_MAGIC_V1) return corrupt(`bad magic 0x${(magic ?? 0).toString(16).padStart(2, '0')}`);
  if (available < RECORD_OVERHEAD_BYTES) return INCOMPLETE;
  const size = buf.readUInt32BE(offset + 1);
  if (size < RECORD_OVERHEAD_BYTES)
    return corrupt(`length ${size} below the ${RECORD_OVERHEAD_BYTES}-byte minimum`);
  if (options?.maxRecordBytes !== undefined && size > options.maxRecordBytes) {
    return corrupt(`length ${size} above maxRecordBytes ${options.maxRecordBytes}`);
  }
  if (available < size) return INCOMPLETE;
  const end = offset + size;
  if (options?.verifyCrc !== false) {
    const expectedCrc = buf.readUInt32BE(offset + 5);
    const actualCrc = crc32c(buf.subarray(offset + RECORD_CRC_START, end));
    if (actualCrc !== expectedCrc)
      return corrupt(`crc mismatch: stored ${hex32(expectedCrc)}, computed ${hex32(actualCrc)}`);
  }

  // The CRC matched (or the bytes are our own), so what follows only fails for a frame written by a buggy or
  // foreign encoder.
  const timestampMs = buf.readUInt32BE(offset + 9) * TWO_POW_32 + buf.readUInt32BE(offset + 13);
  const flags = buf[offset + 17] ?? 0;
  if ((flags & FLAG_RESERVED_MASK) !== 0) return corrupt(`reserved flag bits set: 0x${flags.toString(16)}`);
  const qos = flags & FLAG_QOS_MASK;
  if (qos === 3) return corrupt('qos 3 in flags');
  const topicBytes = buf.readUInt16BE(offset + 18);
  let at = offset + 20 + topicBytes;
  if (at + 4 > end) return corrupt('topic overruns the frame');
  const topic = buf.toString('utf8', offset + 20, at);
  const propsBytes = buf.readUInt32BE(at);
  at += 4;
  if (at + propsBytes + 4 > end) return corrupt('properties overrun the frame');
  const properties = buf.subarray(at, at + propsBytes);
  at += propsBytes;
  const payloadBytes = buf.readUInt32BE(at);
  at += 4;
  if (at + payloadBytes !== end) return corrupt('payload length disagrees with the frame length');
  const payload = buf.subarray(at, end);
  return {
    status: 'ok',
    size,
    record: { timestampMs, qos: qos as Qos, retain: (flags & FLAG_RETAIN) !== 0, topic, properties, payload },
  };
}

function corrupt(reason: string): DecodeResult {
  return { status: 'corrupt', reason };
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
