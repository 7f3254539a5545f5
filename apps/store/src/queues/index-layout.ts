// Byte layout of the queue index in LMDB. Every integer is big-endian so that
// LMDB's memcmp key order is numeric order: entries sort by queue, then offset.
// Offsets and positions are JS numbers (exact up to 2^53); they are stored as
// two u32 halves of a u64 so the on-disk format does not change if that limit
// is ever lifted.
import { createHash } from 'node:crypto';

import { type QueueKind, type QueueRef } from './queue-ref';

const TWO_32 = 4_294_967_296;

/** entries: key = queueId u32 | first offset u64 (12 bytes). */
export const ENTRY_KEY_BYTES = 12;
/**
 * entries: value = a block of consecutive entries from the key's offset on, each position u64 |
 * size u32 | timestampMs u64 (20 bytes). A batch writes one block per queue it touches.
 */
export const ENTRY_VALUE_BYTES = 20;
/**
 * Entries per block at most: 96 x 20 B = 1,920 B stays within one LMDB leaf node (no overflow
 * pages on 4 KiB pages), so a block is read and rewritten as cheaply as one small value.
 */
export const BLOCK_ENTRIES = 96;
/** lows: key = lowPosition u64 | queueId u32 (12 bytes), empty value. */
export const LOW_KEY_BYTES = 12;
/** meta: value = low u64 | high u64 | createdMs u64 | kind u8 | name utf8. */
export const META_HEADER_BYTES = 25;

/** Names longer than this (UTF-8 bytes) are keyed by a digest: LMDB keys are capped at 1978 bytes. */
const MAX_INLINE_NAME_BYTES = 1024;

export function writeU64(buffer: Buffer, value: number, at: number): void {
  buffer.writeUInt32BE(Math.floor(value / TWO_32), at);
  buffer.writeUInt32BE(value >>> 0, at + 4);
}

export function readU64(buffer: Uint8Array, at: number): number {
  const b = buffer;
  const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  return hi * TWO_32 + lo;
}

export function readU32(buffer: Uint8Array, at: number): number {
  const b = buffer;
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function writeEntryKey(target: Buffer, queueId: number, offset: number): Buffer {
  target.writeUInt32BE(queueId, 0);
  writeU64(target, offset, 4);
  return target;
}

/** Sorts before every entry key of `queueId` (a shorter key with the same prefix). */
export function queuePrefix(queueId: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeUInt32BE(queueId, 0);
  return key;
}

export function entryKey(queueId: number, offset: number): Buffer {
  return writeEntryKey(Buffer.allocUnsafe(ENTRY_KEY_BYTES), queueId, offset);
}

export function writeEntryValue(target: Buffer, position: number, size: number, timestampMs: number): Buffer {
  writeU64(target, position, 0);
  target.writeUInt32BE(size, 8);
  writeU64(target, timestampMs, 12);
  return target;
}

export function writeEntryValueAt(
  target: Buffer,
  at: number,
  position: number,
  size: number,
  timestampMs: number,
): void {
  writeU64(target, position, at);
  target.writeUInt32BE(size, at + 8);
  writeU64(target, timestampMs, at + 12);
}

export function writeLowKey(target: Buffer, lowPosition: number, queueId: number): Buffer {
  writeU64(target, lowPosition, 0);
  target.writeUInt32BE(queueId, 8);
  return target;
}

export function lowKey(lowPosition: number, queueId: number): Buffer {
  return writeLowKey(Buffer.allocUnsafe(LOW_KEY_BYTES), lowPosition, queueId);
}

const KIND_CODE: Record<QueueKind, number> = { topic: 1, filter: 2 };

export function kindFromCode(code: number | undefined): QueueKind {
  if (code === 1) return 'topic';
  if (code === 2) return 'filter';
  throw new Error(`unknown queue kind code ${String(code)}`);
}

export interface QueueMeta {
  low: number;
  high: number;
  createdMs: number;
  kind: QueueKind;
  name: string;
}

/** Encodes into `scratch` when it is large enough (putSync copies the bytes immediately). */
export function encodeMeta(scratch: Buffer, meta: QueueMeta): Buffer {
  const nameBytes = Buffer.byteLength(meta.name, 'utf8');
  const total = META_HEADER_BYTES + nameBytes;
  const target = total <= scratch.length ? scratch : Buffer.allocUnsafe(total);
  writeU64(target, meta.low, 0);
  writeU64(target, meta.high, 8);
  writeU64(target, meta.createdMs, 16);
  target[24] = KIND_CODE[meta.kind];
  target.write(meta.name, META_HEADER_BYTES, 'utf8');
  return target.subarray(0, total);
}

export function decodeMeta(value: Uint8Array): QueueMeta {
  return {
    low: readU64(value, 0),
    high: readU64(value, 8),
    createdMs: readU64(value, 16),
    kind: kindFromCode(value[24]),
    name: Buffer.from(
      value.buffer,
      value.byteOffset + META_HEADER_BYTES,
      value.length - META_HEADER_BYTES,
    ).toString('utf8'),
  };
}

/**
 * Key of the names database. A kind prefix keeps topic `a` and filter `a`
 * apart. Long names (MQTT allows 65,535 bytes) and names containing U+0000
 * (which ordered-binary string keys cannot hold) are keyed by a SHA-256
 * digest; the full name lives in the meta value and is compared on lookup.
 */
export function nameKey(queue: QueueRef): string {
  const kind = queue.kind === 'topic' ? 't' : 'f';
  const name = queue.name;
  // length * 3 bounds the UTF-8 size without encoding the common short name.
  const short =
    name.length * 3 <= MAX_INLINE_NAME_BYTES || Buffer.byteLength(name, 'utf8') <= MAX_INLINE_NAME_BYTES;
  if (short && !name.includes('\u0000')) return `${kind}:${name}`;
  // `th:` / `fh:` can never equal an inline `t:` / `f:` key.
  return `${kind}h:${createHash('sha256').update(name, 'utf8').digest('base64')}`;
}
