/** Protobuf wire bytes for the codec tests: varints, unknown fields, and top-level field splitting. */

export function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** An unknown field of a random wire type, as another version of the contract could add (field 9000+). */
export function unknownField(random: () => number): Buffer {
  const field = 9000 + Math.floor(random() * 1000);
  const tag = (wireType: number): number[] => varint(field * 8 + wireType);
  switch (Math.floor(random() * 5)) {
    case 0:
      return Buffer.from([...tag(0), ...varint(Math.floor(random() * 2 ** 40))]);
    case 1:
      return Buffer.from([...tag(1), 1, 2, 3, 4, 5, 6, 7, 8]);
    case 2:
      return Buffer.from([...tag(2), 3, 0xff, 0xfe, 0xfd]);
    case 3:
      return Buffer.from([...tag(5), 1, 2, 3, 4]);
    default:
      // A group, with a varint and a nested group inside.
      return Buffer.from([...tag(3), 0x08, 0x96, 0x01, 0x13, 0x14, ...tag(4)]);
  }
}

/** Splits encoded bytes into their top-level fields (tag, length and value of each). */
export function fields(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let tag = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[pos++]!;
      tag += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const wireType = tag & 7;
    if (wireType === 0) while (buf[pos++]! >= 0x80);
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else {
      let length = 0;
      for (let shift = 0; ; shift += 7) {
        const b = buf[pos++]!;
        length += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      pos += length;
    }
    out.push(buf.subarray(start, pos));
  }
  return out;
}

/** Bytes of the length prefix of a length-delimited field whose tag is one byte. */
export function lengthPrefixBytes(field: Buffer): number {
  let n = 1;
  while (field[n]! >= 0x80) n++;
  return n;
}

/**
 * `encoded` (an AppendMessagesRequest, or an AppendStreamRequest: both carry their messages as field 1) with
 * unknown fields between its fields, inside every message and its properties too.
 */
export function appendRequestWithUnknownFields(encoded: Buffer, random: () => number): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields(encoded)) {
    if (random() < 0.5) parts.push(unknownField(random));
    if (field[0] === 0x0a) {
      // A message: rebuild it with unknown fields of its own (and in its properties).
      const body = field.subarray(1 + lengthPrefixBytes(field));
      const inner: Buffer[] = [];
      for (const f of fields(body)) {
        if (random() < 0.3) inner.push(unknownField(random));
        if (f[0] === 0x3a && random() < 0.5) {
          const props = f.subarray(1 + lengthPrefixBytes(f));
          const extended = Buffer.concat([unknownField(random), props, unknownField(random)]);
          inner.push(Buffer.from([0x3a, ...varint(extended.length)]), extended);
        } else inner.push(f);
      }
      const rebuilt = Buffer.concat(inner);
      parts.push(Buffer.from([0x0a, ...varint(rebuilt.length)]), rebuilt);
    } else parts.push(field);
  }
  if (random() < 0.5) parts.push(unknownField(random));
  return Buffer.concat(parts);
}
