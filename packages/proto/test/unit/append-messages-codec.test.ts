import { prng } from '@starling/test-harness';
import { randomMessages } from '../support/random-messages';
import { appendRequestWithUnknownFields, fields, varint } from '../support/wire-bytes';
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import {
  decodeAppendMessagesRequest,
  decodeAppendMessagesResponse,
  encodeAppendMessagesRequest,
  encodeAppendMessagesResponse,
} from '../../src/append-messages-codec';
import { loadPackageDefinition } from '../../src/load';
import type { AppendMessagesRequest, AppendMessagesResponse } from '../../src/types';
import { ProtoDecodeError } from '../../src/wire-format';

/** protobufjs, as proto-loader configures it for every Starling process: the reference. */
function reference<Input, Output>(typeName: string): MessageTypeDefinition<Input, Output> {
  return loadPackageDefinition()[typeName] as unknown as MessageTypeDefinition<Input, Output>;
}
const requestType = reference<AppendMessagesRequest, unknown>('starling.store.v1.AppendMessagesRequest');
const responseType = reference<AppendMessagesResponse, unknown>('starling.store.v1.AppendMessagesResponse');
const pbRequest = (r: AppendMessagesRequest): Buffer => requestType.serialize(r);
const pbResponse = (r: AppendMessagesResponse): Buffer => responseType.serialize(r);

function randomInputs(random: () => number) {
  const { int, chance, bytes, message } = randomMessages(random);
  const request = (): AppendMessagesRequest => ({
    messages: Array.from({ length: chance(0.05) ? 0 : 1 + int(chance(0.1) ? 300 : 8) }, message),
  });
  return { int, chance, bytes, request };
}

describe('AppendMessagesRequest codec', () => {
  const golden: AppendMessagesRequest = {
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
      {
        topic: 'a/é',
        payload: Buffer.alloc(0),
        qos: 2,
        retain: true,
        timestampMs: -1,
        publisherClientId: '',
        properties: {
          payloadFormatIndicator: true,
          messageExpiryIntervalSeconds: 0,
          contentType: 'text/plain',
          responseTopic: 'r',
          correlationData: Buffer.from([1, 2]),
          userProperties: [{ key: 'k', value: 'v' }],
        },
      },
    ],
  };
  // protobufjs' bytes for `golden`, checked in: the codec must keep writing and reading exactly these.
  const goldenHex =
    '0a2e0a1474656c656d657472792f64657634322f74656d70120432312e3518012000288098a7c2aa33320564657634320a3a0a04612fc3' +
    'a912001802200128ffffffffffffffffff0132003a1f080110001a0a746578742f706c61696e2201722a02010232060a016b120176';

  it('writes the golden bytes, and reads them back as protobufjs does', () => {
    expect(pbRequest(golden).toString('hex')).toBe(goldenHex);
    expect(encodeAppendMessagesRequest(golden, pbRequest).toString('hex')).toBe(goldenHex);
    const bytes = Buffer.from(goldenHex, 'hex');
    expect(decodeAppendMessagesRequest(bytes)).toStrictEqual(requestType.deserialize(bytes));
  });

  it('encodes and decodes random requests byte for byte as protobufjs (600 cases)', () => {
    for (let seed = 1; seed <= 600; seed++) {
      const random = prng(seed);
      const request = randomInputs(random).request();
      const expected = pbRequest(request);
      const encoded = encodeAppendMessagesRequest(request, () => {
        throw new Error(`seed ${seed}: the fast path refused a typed request`);
      });
      expect({ seed, hex: encoded.toString('hex') }).toEqual({ seed, hex: expected.toString('hex') });
      expect(decodeAppendMessagesRequest(encoded)).toStrictEqual(requestType.deserialize(encoded));
    }
  });

  it('skips unknown fields of every wire type, groups included, at any level', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const encoded = pbRequest(randomInputs(random).request());
      const extended = appendRequestWithUnknownFields(encoded, random);
      expect({ seed, decoded: decodeAppendMessagesRequest(extended) }).toStrictEqual({
        seed,
        decoded: requestType.deserialize(encoded),
      });
    }
  });

  it('hands to protobufjs what the fast path does not take, with the same bytes', () => {
    const base64 = { messages: [{ topic: 't', payload: Buffer.from('hi').toString('base64') }] };
    const stringInt64 = { messages: [{ topic: 't', timestampMs: '1763760000000' }] };
    const loneSurrogate = { messages: [{ topic: 'a\ud800b' }] };
    const numbers = { messages: [{ topic: 't', payload: [1, 2, 3] as unknown as Buffer }] };
    for (const request of [base64, stringInt64, loneSurrogate, numbers] as AppendMessagesRequest[]) {
      let fellBack = false;
      const encoded = encodeAppendMessagesRequest(request, (r) => {
        fellBack = true;
        return pbRequest(r);
      });
      expect(fellBack).toBe(true);
      expect(encoded).toEqual(pbRequest(request));
    }
  });

  it('merges a properties field that occurs twice (the spec: embedded messages merge)', () => {
    const first = pbRequest({
      messages: [
        { topic: 't', properties: { contentType: 'a', userProperties: [{ key: 'k1', value: 'v1' }] } },
      ],
    });
    const second = Buffer.from([0x3a, 0x08, 0x32, 0x06, 0x0a, 0x02, 0x6b, 0x32, 0x12, 0x00]);
    const message = Buffer.concat([fields(first)[0]!.subarray(2), second]);
    const bytes = Buffer.concat([Buffer.from([0x0a, message.length]), message]);
    const decoded = decodeAppendMessagesRequest(bytes);
    expect(decoded.messages[0]!.properties).toMatchObject({
      contentType: 'a',
      userProperties: [
        { key: 'k1', value: 'v1' },
        { key: 'k2', value: '' },
      ],
    });
  });

  it.each([
    ['a truncated varint', '0a021880', 'messages[0]: qos: truncated'],
    [
      'a field past the end of its message',
      '0a021205',
      'messages[0]: payload: length 5 runs past the end of its message',
    ],
    ['a length past the end', '0a05120a0102', 'messages: length 5 runs past the end of its message'],
    ['invalid UTF-8 in a topic', '0a040a02c328', 'messages[0]: topic: not valid UTF-8'],
    [
      'invalid UTF-8 in a user property',
      '0a073a053203120180',
      'messages[0]: properties.user_properties: not valid UTF-8',
    ],
    ['field number 0', '0a020000', 'messages[0]: Message: field number 0 at byte 2'],
    ['wire type 6', '0e00', 'AppendMessagesRequest: field 1 has invalid wire type 6'],
    ['an end-group without a start', '0c', 'AppendMessagesRequest: end-group 1 without a start-group'],
    [
      'a group closed by another field',
      '0a041b08012c',
      'messages[0]: Message: group 3 closed by end-group 5',
    ],
    ['an 11-byte varint', '0a0c18ffffffffffffffffffff01', 'messages[0]: qos: varint longer than 10 bytes'],
  ])('refuses %s with a precise message', (_name, hex, message) => {
    const attempt = (): unknown => decodeAppendMessagesRequest(Buffer.from(hex, 'hex'));
    expect(attempt).toThrow(ProtoDecodeError);
    expect(attempt).toThrow(message);
  });

  it('never throws anything but ProtoDecodeError on truncated or mutated bytes', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const inputs = randomInputs(random);
      const encoded = pbRequest(inputs.request());
      const cases = [encoded.subarray(0, inputs.int(encoded.length + 1))];
      for (let k = 0; k < 5; k++) {
        const mutated = Buffer.from(encoded);
        for (let n = 1 + inputs.int(4); n > 0 && mutated.length > 0; n--)
          mutated[inputs.int(mutated.length)] = inputs.int(256);
        cases.push(mutated);
      }
      cases.push(inputs.bytes(200));
      for (const bytes of cases) {
        try {
          decodeAppendMessagesRequest(bytes);
        } catch (err) {
          if (!(err instanceof ProtoDecodeError)) throw new Error(`seed ${seed}: ${String(err)}`);
        }
      }
    }
  });
});

describe('AppendMessagesResponse codec', () => {
  it('encodes positions packed, as protobufjs, and decodes both forms', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { int, chance } = randomInputs(prng(seed));
      const response: AppendMessagesResponse = {
        positions: Array.from({ length: int(600) }, () =>
          chance(0.5) ? int(2 ** 31) : int(Number.MAX_SAFE_INTEGER),
        ),
      };
      if (chance(0.8)) response.shard = int(chance(0.5) ? 4 : 2 ** 32);
      const expected = pbResponse(response);
      const encoded = encodeAppendMessagesResponse(response, () => {
        throw new Error(`seed ${seed}: the fast path refused a typed response`);
      });
      expect({ seed, hex: encoded.toString('hex') }).toEqual({ seed, hex: expected.toString('hex') });
      expect(decodeAppendMessagesResponse(encoded)).toStrictEqual(responseType.deserialize(encoded));
      // Unpacked: one field per position, which an encoder may also send.
      const unpacked = Buffer.concat([
        ...(response.positions as number[]).map((p) => Buffer.from([0x08, ...varint(p)])),
        encoded.subarray(fields(encoded).find((f) => f[0] === 0x0a)?.length ?? 0),
      ]);
      expect(decodeAppendMessagesResponse(unpacked)).toStrictEqual(responseType.deserialize(encoded));
    }
  });

  it('writes the golden bytes', () => {
    const hex = '0a0400e807011003';
    expect(
      encodeAppendMessagesResponse({ positions: [0, 1000, 1], shard: 3 }, pbResponse).toString('hex'),
    ).toBe(hex);
    expect(pbResponse({ positions: [0, 1000, 1], shard: 3 }).toString('hex')).toBe(hex);
    expect(decodeAppendMessagesResponse(Buffer.from(hex, 'hex'))).toStrictEqual({
      positions: [0, 1000, 1],
      shard: 3,
    });
  });

  it('hands Long and string positions to protobufjs', () => {
    let fellBack = false;
    const response = { positions: ['5'], shard: 0 } as AppendMessagesResponse;
    const encoded = encodeAppendMessagesResponse(response, (r) => {
      fellBack = true;
      return pbResponse(r);
    });
    expect(fellBack).toBe(true);
    expect(encoded).toEqual(pbResponse(response));
  });
});
