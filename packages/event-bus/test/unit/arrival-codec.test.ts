import { ArrivalEventInvalidError, decodeArrivalEvent, encodeArrivalEvent } from '../../src/arrival-codec';
import type { ArrivalEvent } from '../../src/event-bus';
import { awkwardNames } from '../fixtures/awkward-names';

const golden: ArrivalEvent = {
  queue: { kind: 'filter', name: 'a/+' },
  shard: 3,
  endOffset: 0x0102030405,
  timestampMs: 1_700_000_000_000,
};
// starling.events.v1.ArrivalEvent, field by field (tag = field number << 3 | wire type):
const goldenBytes = Buffer.from(
  '0a07' + // 1 queue: length-delimited, 7 bytes
    '0802' + //   1 kind: varint 2 = QUEUE_KIND_FILTER
    '1203' +
    Buffer.from('a/+').toString('hex') + //   2 name: 3 bytes
    '10' +
    '85888c9010' + // 2 end_offset: varint 0x0102030405
    '1803' + // 3 shard: varint 3
    '20' +
    '80d095ffbc31', // 4 store_timestamp_ms: varint 1700000000000
  'hex',
);

describe('arrival codec (starling.events.v1.ArrivalEvent)', () => {
  it('encodes the protobuf contract byte for byte, and decodes it back', () => {
    expect(Buffer.from(encodeArrivalEvent(golden)).toString('hex')).toBe(goldenBytes.toString('hex'));
    expect(decodeArrivalEvent(goldenBytes)).toEqual(golden);
  });

  it.each(awkwardNames.map((name) => [JSON.stringify(name).slice(0, 40), name]))(
    'round-trips the name %s',
    (_label, name) => {
      const event: ArrivalEvent = { queue: { kind: 'topic', name }, shard: 0, endOffset: 0, timestampMs: 0 };
      expect(decodeArrivalEvent(encodeArrivalEvent(event))).toEqual(event);
    },
  );

  it('round-trips the extremes of every number', () => {
    const event: ArrivalEvent = {
      queue: { kind: 'topic', name: 't' },
      shard: 0xffff_ffff,
      endOffset: Number.MAX_SAFE_INTEGER,
      timestampMs: Number.MIN_SAFE_INTEGER,
    };
    expect(decodeArrivalEvent(encodeArrivalEvent(event))).toEqual(event);
  });

  it.each([
    ['a negative shard', { shard: -1 }],
    ['a shard above uint32', { shard: 2 ** 32 }],
    ['a fractional end offset', { endOffset: 1.5 }],
    ['a negative end offset', { endOffset: -1 }],
    ['an end offset above 2^53 - 1', { endOffset: 2 ** 53 }],
    ['a NaN timestamp', { timestampMs: NaN }],
    ['an unknown kind', { queue: { kind: 'other', name: 'x' } }],
  ])('refuses to encode %s', (_label, patch) => {
    const event = { ...golden, ...patch } as ArrivalEvent;
    expect(() => encodeArrivalEvent(event)).toThrow(ArrivalEventInvalidError);
  });

  it('drops payloads it cannot read instead of throwing', () => {
    expect(decodeArrivalEvent(goldenBytes.subarray(0, 5))).toBeUndefined(); // truncated inside the queue
    expect(decodeArrivalEvent(Buffer.from('0a020803', 'hex'))).toBeUndefined(); // kind 3: unknown
    expect(decodeArrivalEvent(Buffer.from('1001', 'hex'))).toBeUndefined(); // no queue at all
    expect(decodeArrivalEvent(Buffer.from('0a0408011200' + '10ffffffffffffffff01', 'hex'))).toBeUndefined(); // 2^64-1
  });

  it('survives random bytes', () => {
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.alloc(Math.floor(Math.random() * 40));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(Math.random() * 256);
      expect(() => decodeArrivalEvent(bytes)).not.toThrow();
    }
  });
});
