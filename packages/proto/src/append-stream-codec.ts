import { decodeBatch, encodeBatch, isPlainObject, type Fallback } from './append-messages-codec';
import type {
  AppendStreamRequest,
  AppendStreamRequestOutput,
  AppendStreamResponse,
  AppendStreamResponseOutput,
} from './types';
import {
  readLength,
  readString,
  readTag,
  readVarint32,
  readVarint64,
  skipField,
  varintSize,
  writeVarint,
  type WireReader,
} from './wire-format';

/**
 * Hand-written codecs for StoreService.AppendStream, the gateway's append path (one stream, one request per
 * batch). A request is an AppendMessagesRequest plus `batch_id` (field 2), so the batch goes through the same
 * codec as AppendMessages (append-messages-codec.ts), with the same rules: the same bytes as protobufjs, the
 * same `…Output` objects, `ProtoDecodeError` on malformed bytes. A response is written by hand when it is a
 * success (positions, shard, batch id) and by protobufjs when it carries a refusal, which is rare.
 */

const TAG_BATCH_ID = 0x10;
const TAG_POSITIONS_PACKED = 0x0a;
const TAG_POSITIONS = 0x08;
const TAG_SHARD = 0x10;
const TAG_RESPONSE_BATCH_ID = 0x18;
const TAG_CODE = 0x20;
const TAG_DETAILS = 0x2a;
const TAG_REASON = 0x32;

/** Decodes an AppendStreamRequest. Throws `ProtoDecodeError` on bytes that are not one. */
export function decodeAppendStreamRequest(buf: Buffer): AppendStreamRequestOutput {
  let batchId = 0;
  const messages = decodeBatch(buf, 'AppendStreamRequest', (tag, r, end) => {
    if (tag !== TAG_BATCH_ID) return false;
    batchId = readVarint64(r, end, false, 'batch_id');
    return true;
  });
  return { messages, batchId };
}

/** Encodes an AppendStreamRequest exactly as protobufjs would (`fallback` takes what the fast path does not). */
export function encodeAppendStreamRequest(
  request: AppendStreamRequest,
  fallback: Fallback<AppendStreamRequest>,
): Buffer {
  if (!isPlainObject(request)) return fallback(request);
  const { batchId } = request;
  if (batchId != null && (typeof batchId !== 'number' || !Number.isSafeInteger(batchId) || batchId < 0)) {
    return fallback(request);
  }
  const trailer = batchId == null ? 0 : 1 + varintSize(batchId);
  let slow = false;
  const buf = encodeBatch(request.messages, trailer, () => {
    slow = true;
    return fallback(request);
  });
  if (batchId != null && !slow) {
    const at = buf.length - trailer;
    buf[at] = TAG_BATCH_ID;
    writeVarint(buf, at + 1, batchId);
  }
  return buf;
}

/** Decodes an AppendStreamResponse. Throws `ProtoDecodeError` on bytes that are not one. */
export function decodeAppendStreamResponse(buf: Buffer): AppendStreamResponseOutput {
  const r: WireReader = { buf, pos: 0 };
  const end = buf.length;
  const positions: number[] = [];
  let shard = 0;
  let batchId = 0;
  let code = 0;
  let details = '';
  let reason = '';
  while (r.pos < end) {
    const tag = readTag(r, end, 'AppendStreamResponse');
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
      case TAG_RESPONSE_BATCH_ID:
        batchId = readVarint64(r, end, false, 'batch_id');
        break;
      case TAG_CODE:
        code = readVarint32(r, end, 'code');
        break;
      case TAG_DETAILS: {
        const stop = readLength(r, end, 'details');
        details = readString(buf, r.pos, stop, 'details');
        r.pos = stop;
        break;
      }
      case TAG_REASON: {
        const stop = readLength(r, end, 'reason');
        reason = readString(buf, r.pos, stop, 'reason');
        r.pos = stop;
        break;
      }
      default:
        skipField(r, end, tag, 'AppendStreamResponse');
    }
  }
  return { positions, shard, batchId, code, details, reason };
}

const isWireInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Encodes an AppendStreamResponse exactly as protobufjs would: by hand for a success, else `fallback`. */
export function encodeAppendStreamResponse(
  response: AppendStreamResponse,
  fallback: Fallback<AppendStreamResponse>,
): Buffer {
  if (!isPlainObject(response)) return fallback(response);
  const { positions, shard, batchId, code, details, reason } = response;
  if (code != null || details != null || reason != null) return fallback(response);
  if (
    shard != null &&
    (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard > 0xffffffff)
  ) {
    return fallback(response);
  }
  if (batchId != null && !isWireInteger(batchId)) return fallback(response);
  let packed = 0;
  if (positions != null) {
    if (!Array.isArray(positions)) return fallback(response);
    for (const p of positions) {
      if (!isWireInteger(p)) return fallback(response);
      packed += varintSize(p);
    }
  }
  const size =
    (packed > 0 ? 1 + varintSize(packed) + packed : 0) +
    (shard != null ? 1 + varintSize(shard) : 0) +
    (batchId != null ? 1 + varintSize(batchId) : 0);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  if (packed > 0) {
    buf[pos++] = TAG_POSITIONS_PACKED;
    pos = writeVarint(buf, pos, packed);
    for (const p of positions as number[]) pos = writeVarint(buf, pos, p);
  }
  if (shard != null) {
    buf[pos++] = TAG_SHARD;
    pos = writeVarint(buf, pos, shard);
  }
  if (batchId != null) {
    buf[pos++] = TAG_RESPONSE_BATCH_ID;
    writeVarint(buf, pos, batchId);
  }
  return buf;
}
