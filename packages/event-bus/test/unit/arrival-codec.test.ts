import {
  ARRIVAL_HEADER_BYTES,
  ArrivalEventInvalidError,
  decodeArrivalEvent,
  encodeArrivalEvent,
} from '../../src/arrival-codec';
import type { ArrivalEvent } from '../../src/event-bus';
import { awkwardNames } from '../fixtures/awkward-names';

const golden: ArrivalEvent = {
  queue: { kind: 'filter', name: 'a/+' },
  shard: 3,
  endOffset: 0x0102030405,
  timestampMs: 1_700_000_000_000,
};
// version, kind, shard, end offset, timestamp, name
const goldenBytes = Buffer.from(
  '01' + '01' + '00000003' + '0000000102030405' + '0000018bcfe56800' + Buffer.from('a/+').toString('hex'),
  'hex',
);

describe('arrival codec', () => {
  it('encodes the documented layout byte for byte', () => {
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
    const mutate = (at: number, value: number): Buffer => {
      const copy = Buffer.from(goldenBytes);
      copy[at] = value;
      return copy;
    };
    expect(decodeArrivalEvent(goldenBytes.subarray(0, ARRIVAL_HEADER_BYTES - 1))).toBeUndefined();
    expect(decodeArrivalEvent(mutate(0, 2))).toBeUndefined(); // unknown version
    expect(decodeArrivalEvent(mutate(1, 2))).toBeUndefined(); // unknown kind
    expect(decodeArrivalEvent(mutate(6, 0xff))).toBeUndefined(); // end offset above 2^53 - 1
    expect(decodeArrivalEvent(Buffer.concat([goldenBytes, Buffer.from([0xc3])]))).toBeUndefined(); // bad UTF-8
    expect(decodeArrivalEvent(goldenBytes.subarray(0, ARRIVAL_HEADER_BYTES))).toEqual({
      ...golden,
      queue: { kind: 'filter', name: '' },
    });
  });

  it('survives random bytes', () => {
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.alloc(Math.floor(Math.random() * 40));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(Math.random() * 256);
      if (bytes.length > 0) bytes[0] = 1;
      expect(() => decodeArrivalEvent(bytes)).not.toThrow();
    }
  });
});
