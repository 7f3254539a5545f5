import { prng } from '@starling/test-harness';
import { randomMessages } from '../support/random-messages';
import { appendRequestWithUnknownFields, fields, unknownField, varint } from '../support/wire-bytes';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import {
  decodeAppendStreamRequest,
  decodeAppendStreamResponse,
  encodeAppendStreamRequest,
  encodeAppendStreamResponse,
} from '../../src/append-stream-codec';
import { malformedRequestOf } from '../../src/hand-codecs';
import { loadPackageDefinition } from '../../src/load';
import { storeServiceDefinition } from '../../src/services';
import type {
  AppendStreamRequest,
  AppendStreamRequestOutput,
  AppendStreamResponse,
  AppendStreamResponseOutput,
} from '../../src/types';
import { ProtoDecodeError } from '../../src/wire-format';

/** protobufjs, as proto-loader configures it for every Starling process: the reference. */
function reference<Input, Output>(typeName: string): MessageTypeDefinition<Input, Output> {
  return loadPackageDefinition()[typeName] as unknown as MessageTypeDefinition<Input, Output>;
}
const requestType = reference<AppendStreamRequest, AppendStreamRequestOutput>(
  'starling.store.v1.AppendStreamRequest',
);
const responseType = reference<AppendStreamResponse, AppendStreamResponseOutput>(
  'starling.store.v1.AppendStreamResponse',
);
const pbRequest = (r: AppendStreamRequest): Buffer => requestType.serialize(r);
const pbResponse = (r: AppendStreamResponse): Buffer => responseType.serialize(r);

const refuseFallback = (what: string) => (): Buffer => {
  throw new Error(`${what}: the fast path refused a typed input`);
};

/** Encodes with `encode`, recording whether it called its fallback (protobufjs). */
function encodeRecording<T>(
  encode: (value: T, fallback: (v: T) => Buffer) => Buffer,
  value: T,
  pb: (v: T) => Buffer,
): { bytes: Buffer; fellBack: boolean } {
  let fellBack = false;
  const bytes = encode(value, (v) => {
    fellBack = true;
    return pb(v);
  });
  return { bytes, fellBack };
}

function randomInputs(random: () => number) {
  const { int, chance, text, bytes, uint64, message } = randomMessages(random);
  /** A request whose batch id is absent, 0, small or large (up to 2^53 - 1), its batch sometimes empty. */
  const request = (): AppendStreamRequest => {
    const r: AppendStreamRequest = {};
    if (chance(0.95)) {
      r.messages = Array.from({ length: chance(0.05) ? 0 : 1 + int(chance(0.1) ? 300 : 8) }, message);
    }
    if (chance(0.85)) r.batchId = uint64();
    return r;
  };
  /** A success response, as the store writes it (positions, shard, batch id; each sometimes absent). */
  const success = (): AppendStreamResponse => {
    const r: AppendStreamResponse = {};
    if (chance(0.9)) r.positions = Array.from({ length: int(chance(0.1) ? 600 : 10) }, uint64);
    if (chance(0.85)) r.shard = chance(0.5) ? int(4) : int(2 ** 32);
    if (chance(0.9)) r.batchId = uint64();
    return r;
  };
  /** A refusal: code, details and reason (each sometimes absent), the batch id, rarely positions or shard. */
  const refusal = (): AppendStreamResponse => {
    const r: AppendStreamResponse = { batchId: uint64() };
    const which = 1 + int(7);
    if (which & 1) r.code = chance(0.1) ? 0 : 1 + int(16);
    if (which & 2) r.details = text(80);
    if (which & 4) r.reason = chance(0.2) ? '' : text(20);
    if (chance(0.2)) r.shard = int(4);
    if (chance(0.1)) r.positions = [];
    return r;
  };
  return { int, chance, bytes, text, uint64, request, success, refusal };
}

/** `encoded` (a response) with unknown fields between its top-level fields. */
function responseWithUnknownFields(encoded: Buffer, random: () => number): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields(encoded)) {
    if (random() < 0.6) parts.push(unknownField(random));
    parts.push(field);
  }
  parts.push(unknownField(random));
  return Buffer.concat(parts);
}

// ---- A strict reader of the schema, to tell which bytes protobufjs and the codec must read alike ----------

/**
 * What a field must look like. protobufjs' generated decoders switch on the field number only, read a uint32
 * (tags and lengths too) as at most 5 bytes whatever follows, and replace an embedded message that occurs twice;
 * the codec skips a known field of another wire type, reads up to 10 varint bytes and merges embedded messages.
 * Bytes free of those three things must decode identically, or be refused with ProtoDecodeError.
 */
type FieldSpec = 'u32' | 'u64' | 'len' | 'packedU64' | { message: Schema; repeated: boolean };
type Schema = Readonly<Record<number, FieldSpec>>;

const userPropertySchema: Schema = { 1: 'len', 2: 'len' };
const propertiesSchema: Schema = {
  1: 'u32',
  2: 'u32',
  3: 'len',
  4: 'len',
  5: 'len',
  6: { message: userPropertySchema, repeated: true },
};
const messageSchema: Schema = {
  1: 'len',
  2: 'len',
  3: 'u32',
  4: 'u32',
  5: 'u64',
  6: 'len',
  7: { message: propertiesSchema, repeated: false },
};
const requestSchema: Schema = { 1: { message: messageSchema, repeated: true }, 2: 'u64' };
const responseSchema: Schema = { 1: 'packedU64', 2: 'u32', 3: 'u64', 4: 'u32', 5: 'len', 6: 'len' };

/** True when `buf[start, end)` reads as `schema` with none of the things protobufjs reads differently. */
function unambiguous(buf: Buffer, schema: Schema, start = 0, end = buf.length): boolean {
  let pos = start;
  /** Bytes of the varint at `pos` (moves past it), or 0 when it is truncated or longer than 10 bytes. */
  const varintBytes = (): number => {
    for (let n = 1; n <= 10 && pos < end; n++) if (buf[pos++]! < 0x80) return n;
    return 0;
  };
  const readU32 = (): number | undefined => {
    const at = pos;
    const n = varintBytes();
    if (n === 0 || n > 5) return undefined;
    let value = 0;
    for (let i = 0; i < n; i++) value += (buf[at + i]! & 0x7f) * 2 ** (7 * i);
    return value % 2 ** 32;
  };
  const seen = new Set<number>();
  const skip = (tag: number): boolean => {
    switch (tag & 7) {
      case 0:
        return varintBytes() > 0;
      case 1:
        pos += 8;
        return pos <= end;
      case 2: {
        const length = readU32();
        if (length === undefined) return false;
        pos += length;
        return pos <= end;
      }
      case 5:
        pos += 4;
        return pos <= end;
      case 3:
        for (;;) {
          const inner = readU32();
          if (inner === undefined || inner >>> 3 === 0) return false;
          if ((inner & 7) === 4) return inner >>> 3 === tag >>> 3;
          if (!skip(inner)) return false;
        }
      default:
        return false;
    }
  };
  while (pos < end) {
    const tag = readU32();
    if (tag === undefined || tag >>> 3 === 0) return false;
    const field = tag >>> 3;
    const wireType = tag & 7;
    const spec = schema[field];
    if (spec === undefined) {
      if (!skip(tag)) return false;
      continue;
    }
    if (spec === 'u32') {
      if (wireType !== 0 || readU32() === undefined) return false;
    } else if (spec === 'u64') {
      if (wireType !== 0 || varintBytes() === 0) return false;
    } else if (spec === 'len' || spec === 'packedU64') {
      if (wireType === 0 && spec === 'packedU64') {
        if (varintBytes() === 0) return false;
      } else if (wireType !== 2 || !skip(tag)) return false;
    } else {
      if (wireType !== 2) return false;
      if (!spec.repeated && seen.has(field)) return false;
      seen.add(field);
      const length = readU32();
      if (length === undefined || pos + length > end) return false;
      if (!unambiguous(buf, spec.message, pos, pos + length)) return false;
      pos += length;
    }
  }
  return pos === end;
}

/**
 * Decodes `bytes` with the codec and protobufjs: the codec must refuse them with ProtoDecodeError, or read what
 * protobufjs reads whenever the bytes are unambiguous. Returns whether the two were compared.
 */
function checkAgainstProtobufjs<T>(
  bytes: Buffer,
  decode: (b: Buffer) => T,
  pbDecode: (b: Buffer) => T,
  schema: Schema,
  label: string,
): boolean {
  let decoded: T;
  try {
    decoded = decode(bytes);
  } catch (err) {
    if (err instanceof ProtoDecodeError) return false;
    throw new Error(`${label}: threw ${String(err)} instead of ProtoDecodeError`);
  }
  if (!unambiguous(bytes, schema)) return false;
  let expected: T;
  try {
    expected = pbDecode(bytes);
  } catch (err) {
    throw new Error(
      `${label}: the codec accepted ${bytes.toString('hex')}, which protobufjs refuses (${String(err)})`,
    );
  }
  expect({ label, decoded }).toStrictEqual({ label, decoded: expected });
  return true;
}

/** A truncated copy and a few copies with 1 to 4 bytes overwritten, plus random bytes. */
function damaged(encoded: Buffer, random: () => number): Buffer[] {
  const int = (n: number): number => Math.floor(random() * n);
  const cases = [encoded.subarray(0, int(encoded.length + 1))];
  for (let k = 0; k < 6; k++) {
    const mutated = Buffer.from(encoded);
    for (let n = 1 + int(4); n > 0 && mutated.length > 0; n--) mutated[int(mutated.length)] = int(256);
    cases.push(mutated);
  }
  const noise = Buffer.alloc(int(200));
  for (let i = 0; i < noise.length; i++) noise[i] = int(256);
  cases.push(noise);
  return cases;
}

/**
 * Damages the encoding `encode(random)` makes for seeds 1..300 and checks every damaged copy with
 * checkAgainstProtobufjs; returns how many copies were compared, of how many.
 */
function checkDamaged<T>(
  encode: (random: () => number) => Buffer,
  decode: (b: Buffer) => T,
  pbDecode: (b: Buffer) => T,
  schema: Schema,
): { compared: number; total: number } {
  let compared = 0;
  let total = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const random = prng(seed);
    damaged(encode(random), random).forEach((bytes, k) => {
      total++;
      if (checkAgainstProtobufjs(bytes, decode, pbDecode, schema, `seed ${seed} case ${k}`)) compared++;
    });
  }
  return { compared, total };
}

describe('AppendStreamRequest codec', () => {
  const golden: AppendStreamRequest = {
    messages: [
      {
        topic: 'telemetry/dev42/temp',
        payload: Buffer.from('21.5'),
        qos: 1,
        retain: false,
        timestampMs: 1763760000000,
        publisherClientId: 'dev42',
        properties: null,
      },
    ],
    batchId: 300,
  };
  // The AppendMessagesRequest bytes of the same batch, then batch_id = 300 (field 2, varint ac 02).
  const goldenHex =
    '0a2e0a1474656c656d657472792f64657634322f74656d70120432312e3518012000288098a7c2aa3332056465763432' +
    '10ac02';

  it('writes the golden bytes, and reads them back as protobufjs does', () => {
    expect(pbRequest(golden).toString('hex')).toBe(goldenHex);
    expect(encodeAppendStreamRequest(golden, refuseFallback('golden')).toString('hex')).toBe(goldenHex);
    const bytes = Buffer.from(goldenHex, 'hex');
    const decoded = decodeAppendStreamRequest(bytes);
    expect(decoded).toStrictEqual(requestType.deserialize(bytes));
    expect(decoded.batchId).toBe(300);
    expect(decoded.messages).toHaveLength(1);
  });

  it.each([
    ['absent', {}, '', 0],
    ['0 (written, as protobufjs writes a set proto3 scalar)', { batchId: 0 }, '1000', 0],
    ['2^32', { batchId: 2 ** 32 }, '108080808010', 2 ** 32],
    ['2^53 - 1', { batchId: Number.MAX_SAFE_INTEGER }, '10ffffffffffffff0f', Number.MAX_SAFE_INTEGER],
  ])('encodes a batch id %s as protobufjs, with or without messages', (_name, id, idHex, readBack) => {
    for (const messages of [undefined, [], [{ topic: 'a', payload: Buffer.from('b') }]]) {
      const request: AppendStreamRequest = messages === undefined ? { ...id } : { messages, ...id };
      const encoded = encodeAppendStreamRequest(request, refuseFallback(JSON.stringify(id)));
      expect(encoded.toString('hex')).toBe(pbRequest(request).toString('hex'));
      expect(encoded.toString('hex').endsWith(idHex)).toBe(true);
      const decoded = decodeAppendStreamRequest(encoded);
      expect(decoded).toStrictEqual(requestType.deserialize(encoded));
      expect(decoded.batchId).toBe(readBack);
    }
  });

  it('encodes and decodes random requests byte for byte as protobufjs (600 cases)', () => {
    const ids = new Set<string>();
    for (let seed = 1; seed <= 600; seed++) {
      const request = randomInputs(prng(seed)).request();
      ids.add(request.batchId === undefined ? 'absent' : request.batchId === 0 ? 'zero' : 'set');
      const expected = pbRequest(request);
      const encoded = encodeAppendStreamRequest(request, refuseFallback(`seed ${seed}`));
      expect({ seed, hex: encoded.toString('hex') }).toEqual({ seed, hex: expected.toString('hex') });
      const decoded = decodeAppendStreamRequest(encoded);
      expect({ seed, decoded }).toStrictEqual({ seed, decoded: requestType.deserialize(encoded) });
      expect(decoded.batchId).toBe(request.batchId ?? 0);
    }
    expect([...ids].sort()).toEqual(['absent', 'set', 'zero']);
  });

  it('reads a batch id wherever it occurs, the last one winning, and skips unknown fields at any level', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const request = randomInputs(random).request();
      const encoded = pbRequest(request);
      const extended = appendRequestWithUnknownFields(encoded, random);
      expect({ seed, decoded: decodeAppendStreamRequest(extended) }).toStrictEqual({
        seed,
        decoded: requestType.deserialize(encoded),
      });
      // The batch id first, then again at the end: the last one counts (as in protobufjs).
      const twice = Buffer.concat([Buffer.from([0x10, 0x07]), encoded, Buffer.from([0x10, 0x2a])]);
      expect(decodeAppendStreamRequest(twice)).toStrictEqual(requestType.deserialize(twice));
      expect(decodeAppendStreamRequest(twice).batchId).toBe(42);
    }
  });

  it('hands to protobufjs what the fast path does not take, with the same bytes', () => {
    const message = { topic: 't', payload: Buffer.from('hi') };
    class Request {
      messages = [message];
      batchId = 3;
    }
    const inputs: unknown[] = [
      { messages: [message], batchId: '12345678901234567890' },
      { messages: [message], batchId: 2 ** 60 },
      { messages: [message], batchId: -1 },
      { messages: [message], batchId: 1.5 },
      // The batch is slow, the batch id fine: protobufjs writes the whole request, the id once.
      { messages: [{ topic: 't', payload: Buffer.from('hi').toString('base64') }], batchId: 9 },
      { messages: [{ topic: 't', timestampMs: '1763760000000' }], batchId: 2 ** 40 },
      { messages: [{ topic: 'a\ud800b' }], batchId: 0 },
      new Request(),
    ];
    for (const input of inputs) {
      const request = input as AppendStreamRequest;
      const { bytes, fellBack } = encodeRecording(encodeAppendStreamRequest, request, pbRequest);
      expect({ input, fellBack }).toEqual({ input, fellBack: true });
      expect({ input, hex: bytes.toString('hex') }).toEqual({
        input,
        hex: pbRequest(request).toString('hex'),
      });
    }
  });

  it.each([
    ['a truncated batch id', '1080', 'batch_id: truncated'],
    ['an 11-byte batch id', '10ffffffffffffffffffff01', 'batch_id: varint longer than 10 bytes'],
    ['a message past the end', '0a05120a0102', 'messages: length 5 runs past the end of its message'],
    ['invalid UTF-8 in a topic', '0a040a02c3281001', 'messages[0]: topic: not valid UTF-8'],
    ['wire type 6', '1600', 'AppendStreamRequest: field 2 has invalid wire type 6'],
    ['an end-group without a start', '14', 'AppendStreamRequest: end-group 2 without a start-group'],
    ['field number 0', '1001' + '0000', 'AppendStreamRequest: field number 0 at byte 2'],
  ])('refuses %s with a precise ProtoDecodeError', (_name, hex, message) => {
    const attempt = (): unknown => decodeAppendStreamRequest(Buffer.from(hex, 'hex'));
    expect(attempt).toThrow(ProtoDecodeError);
    expect(attempt).toThrow(message);
  });

  it('refuses truncated or mutated bytes with ProtoDecodeError, or reads them as protobufjs does', () => {
    const { compared, total } = checkDamaged(
      (random) => pbRequest(randomInputs(random).request()),
      decodeAppendStreamRequest,
      (b) => requestType.deserialize(b),
      requestSchema,
    );
    // Most damage lands in payloads, which both read alike: a large share must have been compared.
    expect(compared).toBeGreaterThan(total / 4);
  });
});

describe('AppendStreamResponse codec', () => {
  it('writes the golden bytes of a success, and reads them back', () => {
    const response = { positions: [0, 1000, 1], shard: 3, batchId: 300 };
    const hex = '0a0400e807011003' + '18ac02';
    expect(pbResponse(response).toString('hex')).toBe(hex);
    expect(encodeAppendStreamResponse(response, refuseFallback('golden')).toString('hex')).toBe(hex);
    expect(decodeAppendStreamResponse(Buffer.from(hex, 'hex'))).toStrictEqual({
      positions: [0, 1000, 1],
      shard: 3,
      batchId: 300,
      code: 0,
      details: '',
      reason: '',
    });
  });

  it('encodes success responses by hand as protobufjs, and decodes them packed or not (400 cases)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const response = randomInputs(prng(seed)).success();
      const expected = pbResponse(response);
      const encoded = encodeAppendStreamResponse(response, refuseFallback(`seed ${seed}`));
      expect({ seed, hex: encoded.toString('hex') }).toEqual({ seed, hex: expected.toString('hex') });
      const decoded = decodeAppendStreamResponse(encoded);
      expect({ seed, decoded }).toStrictEqual({ seed, decoded: responseType.deserialize(encoded) });
      expect(decoded).toStrictEqual({
        positions: response.positions ?? [],
        shard: response.shard ?? 0,
        batchId: response.batchId ?? 0,
        code: 0,
        details: '',
        reason: '',
      });
      // Unpacked: one field per position, which an encoder may also send.
      const unpacked = Buffer.concat([
        ...((response.positions ?? []) as number[]).map((p) => Buffer.from([0x08, ...varint(p)])),
        ...fields(encoded).filter((f) => f[0] !== 0x0a),
      ]);
      expect({ seed, decoded: decodeAppendStreamResponse(unpacked) }).toStrictEqual({ seed, decoded });
    }
  });

  it('hands every refusal (code, details or reason set) to protobufjs, and decodes it as protobufjs', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const response = randomInputs(prng(seed)).refusal();
      const { bytes, fellBack } = encodeRecording(encodeAppendStreamResponse, response, pbResponse);
      expect({ seed, fellBack }).toEqual({ seed, fellBack: true });
      expect({ seed, hex: bytes.toString('hex') }).toEqual({
        seed,
        hex: pbResponse(response).toString('hex'),
      });
      const decoded = decodeAppendStreamResponse(bytes);
      expect({ seed, decoded }).toStrictEqual({ seed, decoded: responseType.deserialize(bytes) });
      expect(decoded).toMatchObject({
        batchId: response.batchId,
        code: response.code ?? 0,
        details: response.details ?? '',
        reason: response.reason ?? '',
      });
    }
  });

  it('decodes a refusal as the store sends it', () => {
    const bytes = pbResponse({ batchId: 7, code: 3, details: 'bad topic ‘a/+’', reason: 'invalid-topic' });
    expect(decodeAppendStreamResponse(bytes)).toStrictEqual({
      positions: [],
      shard: 0,
      batchId: 7,
      code: 3,
      details: 'bad topic ‘a/+’',
      reason: 'invalid-topic',
    });
  });

  it('hands what the fast path does not take to protobufjs, with the same bytes', () => {
    class Response {
      positions = [1];
      batchId = 1;
    }
    const inputs: unknown[] = [
      { positions: ['5'], shard: 0, batchId: 1 },
      { positions: [2 ** 60], batchId: 1 },
      { positions: [-1], batchId: 1 },
      { positions: [1.5], batchId: 1 },
      { positions: [1], batchId: '99' },
      { positions: [1], batchId: -2 },
      { positions: [1, 2], shard: 1, batchId: 1, code: 0 },
      new Response(),
    ];
    for (const input of inputs) {
      const response = input as AppendStreamResponse;
      const { bytes, fellBack } = encodeRecording(encodeAppendStreamResponse, response, pbResponse);
      expect({ input, fellBack }).toEqual({ input, fellBack: true });
      expect({ input, hex: bytes.toString('hex') }).toEqual({
        input,
        hex: pbResponse(response).toString('hex'),
      });
    }
  });

  it('writes a shard outside uint32 as protobufjs does (the low 32 bits), by either path', () => {
    for (const shard of [-1, 2 ** 32, 2 ** 32 + 5, 2.5]) {
      const response: AppendStreamResponse = { positions: [1], shard, batchId: 1 };
      const { bytes } = encodeRecording(encodeAppendStreamResponse, response, pbResponse);
      expect({ shard, hex: bytes.toString('hex') }).toEqual({
        shard,
        hex: pbResponse(response).toString('hex'),
      });
    }
  });

  it('skips unknown fields of every wire type', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = prng(seed);
      const inputs = randomInputs(random);
      const encoded = pbResponse(inputs.chance(0.5) ? inputs.success() : inputs.refusal());
      const extended = responseWithUnknownFields(encoded, random);
      expect({ seed, decoded: decodeAppendStreamResponse(extended) }).toStrictEqual({
        seed,
        decoded: responseType.deserialize(encoded),
      });
    }
  });

  it.each([
    ['truncated positions', '0a0201', 'positions: length 2 runs past the end of its message'],
    ['a position cut by its packed length', '0a0180', 'positions: truncated'],
    ['a truncated batch id', '1880', 'batch_id: truncated'],
    ['invalid UTF-8 in details', '2a02c328', 'details: not valid UTF-8'],
    ['invalid UTF-8 in reason', '3201ff', 'reason: not valid UTF-8'],
    ['a truncated code', '20', 'code: truncated'],
    ['wire type 7', '1f', 'AppendStreamResponse: field 3 has invalid wire type 7'],
  ])('refuses %s with a precise ProtoDecodeError', (_name, hex, message) => {
    const attempt = (): unknown => decodeAppendStreamResponse(Buffer.from(hex, 'hex'));
    expect(attempt).toThrow(ProtoDecodeError);
    expect(attempt).toThrow(message);
  });

  it('refuses truncated or mutated bytes with ProtoDecodeError, or reads them as protobufjs does', () => {
    const { compared, total } = checkDamaged(
      (random) => {
        const inputs = randomInputs(random);
        return pbResponse(inputs.chance(0.5) ? inputs.success() : inputs.refusal());
      },
      decodeAppendStreamResponse,
      (b) => responseType.deserialize(b),
      responseSchema,
    );
    expect(compared).toBeGreaterThan(total / 4);
  });
});

describe('AppendStream in loadGrpcObject()', () => {
  const method = storeServiceDefinition().AppendStream;

  it('is a bidi stream at its path', () => {
    expect(method.path).toBe('/starling.store.v1.StoreService/AppendStream');
    expect({ requestStream: method.requestStream, responseStream: method.responseStream }).toEqual({
      requestStream: true,
      responseStream: true,
    });
  });

  it('serializes requests and responses with the same bytes as protobufjs, both ways', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const inputs = randomInputs(prng(seed));
      const request = inputs.request();
      const requestBytes = method.requestSerialize(request);
      expect(requestBytes.toString('hex')).toBe(pbRequest(request).toString('hex'));
      expect(method.requestDeserialize(requestBytes)).toStrictEqual(requestType.deserialize(requestBytes));
      for (const response of [inputs.success(), inputs.refusal()]) {
        const responseBytes = method.responseSerialize(response);
        expect(responseBytes.toString('hex')).toBe(pbResponse(response).toString('hex'));
        expect(method.responseDeserialize(responseBytes)).toStrictEqual(
          responseType.deserialize(responseBytes),
        );
      }
    }
  });

  it('uses the hand codecs: invalid UTF-8 is refused, where protobufjs would replace it', () => {
    const response = Buffer.from('2a02c328', 'hex');
    expect(responseType.deserialize(response).details).toBe('\ufffd(');
    expect(() => method.responseDeserialize(response)).toThrow(ProtoDecodeError);
  });

  it('marks a malformed request for the server handler instead of throwing', () => {
    const malformed = Buffer.from('0a040a02c3281005', 'hex'); // invalid UTF-8 in a topic, batch id 5
    const request = method.requestDeserialize(malformed);
    // An empty batch (which any handler refuses), batch id 0, and the reason under a symbol.
    expect({ messages: request.messages, batchId: request.batchId }).toStrictEqual({
      messages: [],
      batchId: 0,
    });
    const error = malformedRequestOf(request);
    expect(error).toBeInstanceOf(ProtoDecodeError);
    expect(error!.message).toBe('messages[0]: topic: not valid UTF-8');
    const truncated = method.requestDeserialize(Buffer.from('0a05120a0102', 'hex'));
    expect(malformedRequestOf(truncated)?.message).toBe(
      'messages: length 5 runs past the end of its message',
    );
    // A well-formed request carries no mark.
    expect(malformedRequestOf(method.requestDeserialize(pbRequest({ batchId: 1 })))).toBeUndefined();
  });
});
