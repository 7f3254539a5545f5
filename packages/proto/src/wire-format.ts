import { isUtf8 } from 'node:buffer';

/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), as much of it as the hand-written
 * codecs need: varints, length-delimited fields, skipping unknown fields, UTF-8 strings. Decoding reads a Buffer
 * in place; every helper bounds-checks against the end of the field it is in and throws `ProtoDecodeError`.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;

/** Bytes that are not a valid encoding of the expected message. `message` says where and why. */
export class ProtoDecodeError extends Error {
  readonly code = 'PROTO_MALFORMED';
  override readonly name = 'ProtoDecodeError';
}

/** A cursor over `buf`: `pos` moves forward as fields are read. */
export interface WireReader {
  readonly buf: Buffer;
  pos: number;
}

/**
 * A varint's low 32 bits as an unsigned number (what protobuf's uint32, bool, enum and tag readers keep): up to 10
 * bytes are read, as a 64-bit varint may carry a uint32 field (the high bits are dropped, as by protobufjs).
 */
export function readVarint32(r: WireReader, end: number, what: string): number {
  const buf = r.buf;
  let pos = r.pos;
  let b = pos < end ? buf[pos++]! : truncated(what);
  let value = b & 0x7f;
  if (b >= 0x80) {
    b = pos < end ? buf[pos++]! : truncated(what);
    value |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      b = pos < end ? buf[pos++]! : truncated(what);
      value |= (b & 0x7f) << 14;
      if (b >= 0x80) {
        b = pos < end ? buf[pos++]! : truncated(what);
        value |= (b & 0x7f) << 21;
        if (b >= 0x80) {
          b = pos < end ? buf[pos++]! : truncated(what);
          value |= (b & 0x0f) << 28;
          // Bytes 6 to 10 only carry bits above 32.
          for (let n = 5; b >= 0x80; n++) {
            if (n === 10) throw new ProtoDecodeError(`${what}: varint longer than 10 bytes`);
            b = pos < end ? buf[pos++]! : truncated(what);
          }
        }
      }
    }
  }
  r.pos = pos;
  return value >>> 0;
}

/**
 * A 64-bit varint as a number: exact below 2^53, like protobufjs with `longs: Number` (which loses precision
 * above). `signed` reads int64 (two's complement), otherwise uint64.
 */
export function readVarint64(r: WireReader, end: number, signed: boolean, what: string): number {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let b = 0;
  let shift = 0;
  // Bytes 1-4 fill bits 0-27 of lo.
  for (; shift < 28; shift += 7) {
    b = pos < end ? buf[pos++]! : truncated(what);
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return finish64(r, pos, lo, hi, signed);
  }
  // Byte 5: 4 bits to lo, 3 to hi.
  b = pos < end ? buf[pos++]! : truncated(what);
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x7f) >> 4;
  if (b < 0x80) return finish64(r, pos, lo, hi, signed);
  // Bytes 6-10: 7 bits each to hi (the 10th carries only bit 63).
  for (shift = 3; shift < 32; shift += 7) {
    b = pos < end ? buf[pos++]! : truncated(what);
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) return finish64(r, pos, lo, hi, signed);
  }
  throw new ProtoDecodeError(`${what}: varint longer than 10 bytes`);
}

function finish64(r: WireReader, pos: number, lo: number, hi: number, signed: boolean): number {
  r.pos = pos;
  if (signed && hi < 0) {
    // Two's complement, as protobufjs' LongBits.toNumber(false).
    const nlo = (~lo + 1) >>> 0;
    let nhi = ~hi >>> 0;
    if (nlo === 0) nhi = (nhi + 1) >>> 0;
    return -(nlo + nhi * TWO_32);
  }
  return (lo >>> 0) + (hi >>> 0) * TWO_32;
}

/** A length prefix, checked against the end of the enclosing field: returns the end of the delimited bytes. */
export function readLength(r: WireReader, end: number, what: string): number {
  const length = readVarint32(r, end, what);
  const stop = r.pos + length;
  if (stop > end) {
    throw new ProtoDecodeError(`${what}: length ${length} runs past the end of its message`);
  }
  return stop;
}

/** Skips the value of an unknown field whose tag was just read (groups included, as the spec requires). */
export function skipField(r: WireReader, end: number, tag: number, what: string): void {
  const wireType = tag & 7;
  switch (wireType) {
    case WIRE_VARINT:
      readVarint32(r, end, what);
      return;
    case WIRE_I64:
      skipBytes(r, end, 8, what);
      return;
    case WIRE_LEN:
      r.pos = readLength(r, end, what);
      return;
    case WIRE_I32:
      skipBytes(r, end, 4, what);
      return;
    case WIRE_SGROUP: {
      const field = tag >>> 3;
      for (;;) {
        const inner = readTag(r, end, what);
        if ((inner & 7) === WIRE_EGROUP) {
          if (inner >>> 3 !== field) {
            throw new ProtoDecodeError(`${what}: group ${field} closed by end-group ${inner >>> 3}`);
          }
          return;
        }
        skipField(r, end, inner, what);
      }
    }
    case WIRE_EGROUP:
      throw new ProtoDecodeError(`${what}: end-group ${tag >>> 3} without a start-group`);
    default:
      throw new ProtoDecodeError(`${what}: field ${tag >>> 3} has invalid wire type ${wireType}`);
  }
}

/** A field tag; field number 0 is not a valid field (protoc rejects it too). */
export function readTag(r: WireReader, end: number, what: string): number {
  const tag = readVarint32(r, end, what);
  if (tag >>> 3 === 0) throw new ProtoDecodeError(`${what}: field number 0 at byte ${r.pos - 1}`);
  return tag;
}

function skipBytes(r: WireReader, end: number, count: number, what: string): void {
  if (r.pos + count > end) truncated(what);
  r.pos += count;
}

/**
 * The UTF-8 string in `buf[start, stop)`. proto3 requires `string` fields to be valid UTF-8: bytes that are not
 * are refused (protobufjs would decode them with U+FFFD replacements). ASCII, the common case, is checked in a
 * loop that costs less than the native validation call.
 */
export function readString(buf: Buffer, start: number, stop: number, what: string): string {
  if (start === stop) return '';
  for (let i = start; i < stop; i++) {
    if (buf[i]! >= 0x80) {
      if (!isUtf8(buf.subarray(start, stop))) throw new ProtoDecodeError(`${what}: not valid UTF-8`);
      return buf.toString('utf8', start, stop);
    }
  }
  return buf.toString('latin1', start, stop);
}

function truncated(what: string): never {
  throw new ProtoDecodeError(`${what}: truncated`);
}

/** Bytes of `value` as a varint (an unsigned integer below 2^53). */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  for (let v = Math.floor(value / 0x10000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes `value` (an unsigned integer below 2^53) as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = value;
  while (v >= 0x80000000) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes a safe integer as an int64 varint (negative numbers take 10 bytes, in two's complement). */
export function writeInt64(buf: Buffer, pos: number, value: number): number {
  if (value >= 0) return writeVarint(buf, pos, value);
  const magnitude = -value;
  let lo = magnitude >>> 0;
  let hi = ((magnitude - lo) / TWO_32) >>> 0;
  // Negate the 64-bit magnitude: invert and add one.
  lo = (~lo + 1) >>> 0;
  hi = ~hi >>> 0;
  if (lo === 0) hi = (hi + 1) >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[pos++] = (lo & 0x0f) | ((hi & 0x07) << 4) | 0x80;
  hi >>>= 3;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (hi & 0x7f) | 0x80;
    hi >>>= 7;
  }
  buf[pos++] = hi & 0x01;
  return pos;
}

export function int64Size(value: number): number {
  return value >= 0 ? varintSize(value) : 10;
}

/**
 * UTF-8 bytes of `s`, or -1 when it holds a lone surrogate (whose encoding differs between protobufjs' short-
 * and long-string writers, so the caller hands that request to protobufjs).
 */
export function utf8Size(s: string): number {
  const length = s.length;
  let size = length;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) size += 1;
    else if (c < 0xd800 || c > 0xdfff) size += 2;
    else if (c <= 0xdbff && i + 1 < length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 2; // two UTF-16 units, four bytes
      i++;
    } else return -1;
  }
  return size;
}

/** Writes `s`, whose UTF-8 size is `size`, at `pos`; returns the position after it. */
export function writeString(buf: Buffer, pos: number, s: string, size: number): number {
  if (size === s.length && size < 32) {
    for (let i = 0; i < size; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + size;
  }
  return pos + buf.write(s, pos, size, 'utf8');
}
