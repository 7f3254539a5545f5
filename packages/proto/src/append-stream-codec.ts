import {
  decodeBatch,
  decodePositionsResponse,
  encodeBatch,
  encodePositionsResponse,
  isPlainObject,
  type Fallback,
} from './append-messages-codec';
import type {
  AppendStreamRequest,
  AppendStreamRequestOutput,
  AppendStreamResponse,
  AppendStreamResponseOutput,
} from './types';
import {
  readLength,
  readString,
  readVarint32,
  readVarint64,
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
  let batchId = 0;
  let code = 0;
  let details = '';
  let reason = '';
  const { positions, shard } = decodePositionsResponse(buf, 'AppendStreamResponse', (tag, r, end) => {
    switch (tag) {
      case TAG_RESPONSE_BATCH_ID:
        batchId = readVarint64(r, end, false, 'batch_id');
        return true;
      case TAG_CODE:
        code = readVarint32(r, end, 'code');
        return true;
      case TAG_DETAILS:
        details = readText(r, end, 'details');
        return true;
      case TAG_REASON:
        reason = readText(r, end, 'reason');
        return true;
      default:
        return false;
    }
  });
  return { positions, shard, batchId, code, details, reason };
}

function readText(r: WireReader, end: number, what: string): string {
  const stop = readLength(r, end, what);
  const text = readString(r.buf, r.pos, stop, what);
  r.pos = stop;
  return text;
}

/** Encodes an AppendStreamResponse exactly as protobufjs would: by hand for a success, else `fallback`. */
export function encodeAppendStreamResponse(
  response: AppendStreamResponse,
  fallback: Fallback<AppendStreamResponse>,
): Buffer {
  if (!isPlainObject(response)) return fallback(response);
  const { positions, shard, batchId, code, details, reason } = response;
  if (code != null || details != null || reason != null) return fallback(response);
  return encodePositionsResponse(positions, shard, TAG_RESPONSE_BATCH_ID, batchId) ?? fallback(response);
}
