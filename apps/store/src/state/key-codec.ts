import { createHash } from 'node:crypto';

// Binary LMDB keys for the state databases.
//
// Why not lmdb-js' default `ordered-binary` arrays: an array key joins its elements with the byte
// 0x1E, and MQTT allows U+001E inside client ids, topic names and filters (only U+0000 is
// forbidden [MQTT-4.7.3-2]), so ['a\u001eb'] and ['a', 'b'] would be the same key. And LMDB
// refuses keys longer than 1978 bytes, while a filter, topic or client id may take 65 535 bytes
// [MQTT-4.7.3-3]. So every string part is length-prefixed (unambiguous), and a part longer than
// STRING_PART_RAW_BYTES is replaced by its SHA-256 (bounded). The full strings always live in
// the values, so nothing is ever read back from a hashed key.

/** Longest UTF-8 string stored verbatim in a composite key; longer ones are hashed. */
export const STRING_PART_RAW_BYTES = 480;
const HASHED_MARKER = 0xffff; // a length no verbatim part can have

/** LMDB's maximum key size in lmdb-js (MDB_MAXKEYSIZE as built). */
export const MAX_KEY_BYTES = 1978;

/** A composite key part: `u16 length ‖ utf8`, or `0xFFFF ‖ sha256(utf8)` when long. */
export function stringPart(value: string): Buffer {
  const utf8 = Buffer.from(value, 'utf8');
  if (utf8.length <= STRING_PART_RAW_BYTES) {
    const part = Buffer.allocUnsafe(2 + utf8.length);
    part.writeUInt16BE(utf8.length, 0);
    utf8.copy(part, 2);
    return part;
  }
  const part = Buffer.allocUnsafe(2 + 32);
  part.writeUInt16BE(HASHED_MARKER, 0);
  createHash('sha256').update(utf8).digest().copy(part, 2);
  return part;
}

/** Where the {@link stringPart} starting at `offset` of `key` ends (the next part's offset). */
export function stringPartEnd(key: Uint8Array, offset: number): number {
  const length = (key[offset]! << 8) | key[offset + 1]!;
  return offset + 2 + (length === HASHED_MARKER ? 32 : length);
}

/** A one-byte tag (record kind, consumer kind, queue kind). */
export function tagPart(tag: number): Buffer {
  return Buffer.of(tag);
}

/**
 * A millisecond time as 8 bytes big-endian, so keys sort by time. Times are non-negative
 * integers below 2^53 (the store's epoch-milliseconds); anything else is a bug.
 */
export function timePart(timeMs: number): Buffer {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0) throw new RangeError(`not a time in ms: ${timeMs}`);
  const part = Buffer.allocUnsafe(8);
  part.writeUInt32BE(Math.floor(timeMs / 2 ** 32), 0);
  part.writeUInt32BE(timeMs % 2 ** 32, 4);
  return part;
}

/** Reads a {@link timePart} at `offset`. */
export function readTimePart(key: Uint8Array, offset = 0): number {
  const buffer = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return buffer.readUInt32BE(offset) * 2 ** 32 + buffer.readUInt32BE(offset + 4);
}

export function composeKey(...parts: readonly Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/**
 * The smallest key greater than every key that starts with `prefix` (exclusive range end), or
 * undefined when there is none (the prefix is all 0xFF bytes: scan to the end).
 */
export function prefixEnd(prefix: Uint8Array): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i]!;
    if (byte !== 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

// Retained messages are keyed by the topic itself so that LMDB's key order is topic order (UTF-8
// byte order) and a filter's literal prefix is a key range. A topic longer than
// RETAINED_TOPIC_RAW_BYTES is keyed by its first RETAINED_TOPIC_RAW_BYTES bytes followed by its
// SHA-256: such a key is longer than any verbatim key (no collision), it still sorts after every
// shorter topic it extends and at the right place among the others; only topics that share their
// first RETAINED_TOPIC_RAW_BYTES bytes are ordered by hash among themselves (match() re-sorts).

/** Longest topic (UTF-8 bytes) used verbatim as a retained key. */
export const RETAINED_TOPIC_RAW_BYTES = 1800;

export function retainedKey(topic: string): Buffer {
  const utf8 = Buffer.from(topic, 'utf8');
  if (utf8.length <= RETAINED_TOPIC_RAW_BYTES) return utf8;
  return Buffer.concat([
    utf8.subarray(0, RETAINED_TOPIC_RAW_BYTES),
    createHash('sha256').update(utf8).digest(),
  ]);
}

/** The key prefix under which every retained topic starting with `topicPrefix` lives. */
export function retainedPrefix(topicPrefix: string): Buffer {
  const utf8 = Buffer.from(topicPrefix, 'utf8');
  return utf8.length <= RETAINED_TOPIC_RAW_BYTES ? utf8 : utf8.subarray(0, RETAINED_TOPIC_RAW_BYTES);
}
