import { arrivalEventCodec } from '@starling/proto';
import {
  ArrivalEventInvalidError,
  copyArrivalEvent,
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

  describe('agrees with protobufjs on the published schema', () => {
    /** A deterministic spread of events: every kind, awkward names, numbers at their limits. */
    function* samples(): Generator<ArrivalEvent> {
      const numbers = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52 + 7];
      let i = 0;
      for (const name of ['', 't', ...awkwardNames, 'x'.repeat(200), 'y'.repeat(70_000)]) {
        for (const kind of ['topic', 'filter'] as const) {
          const n = numbers[i++ % numbers.length]!;
          yield {
            queue: { kind, name },
            shard: Math.min(n, 0xffff_ffff),
            endOffset: Number.MAX_SAFE_INTEGER - n,
            timestampMs: i % 3 === 0 && n > 0 ? -n : n,
          };
        }
      }
    }

    it('writes the bytes protobufjs writes, and reads what protobufjs writes', () => {
      for (const event of samples()) {
        const wire = {
          queue: {
            kind: event.queue.kind === 'topic' ? 'QUEUE_KIND_TOPIC' : 'QUEUE_KIND_FILTER',
            name: event.queue.name,
          },
          endOffset: event.endOffset,
          shard: event.shard,
          storeTimestampMs: event.timestampMs,
        } as const;
        const reference = Buffer.from(arrivalEventCodec.encode(wire));
        expect(Buffer.from(encodeArrivalEvent(event)).equals(reference)).toBe(true);
        expect(decodeArrivalEvent(reference)).toEqual(event);
      }
    });

    it('skips unknown fields of every wire type, and the last value of a repeated field wins', () => {
      const event: ArrivalEvent = {
        queue: { kind: 'topic', name: 'a' },
        shard: 1,
        endOffset: 9,
        timestampMs: 5,
      };
      const extra = Buffer.from(
        '28ac02' + // 5 varint 300
          '31' +
          '0102030405060708' + // 6 fixed64
          '3a03616263' + // 7 bytes "abc"
          '45' +
          '01020304' + // 8 fixed32
          '1004', // 2 end_offset again: 4 replaces 9
        'hex',
      );
      const bytes = Buffer.concat([Buffer.from(encodeArrivalEvent(event)), extra]);
      expect(decodeArrivalEvent(bytes)).toEqual({ ...event, endOffset: 4 });
      const fromProtobufjs = arrivalEventCodec.decode(bytes);
      expect(fromProtobufjs.endOffset).toBe(4);
    });

    it('refuses what protobufjs would refuse: groups and lengths past the end', () => {
      const good = Buffer.from(encodeArrivalEvent(golden));
      expect(decodeArrivalEvent(Buffer.concat([good, Buffer.from('2b', 'hex')]))).toBeUndefined(); // start group
      expect(decodeArrivalEvent(Buffer.concat([good, Buffer.from('3a05ab', 'hex')]))).toBeUndefined();
      expect(decodeArrivalEvent(Buffer.from('0a0808021203612f2b', 'hex'))).toBeUndefined(); // queue length 8 > 7
    });
  });

  it('copies an event as its wire form decodes (the in-process bus), lone surrogates included', () => {
    for (const name of [...awkwardNames, 'a\ud800b', '\udfff', 'x\ud83d']) {
      const event: ArrivalEvent = {
        queue: { kind: 'filter', name },
        shard: 5,
        endOffset: 9,
        timestampMs: -3,
      };
      const copy = copyArrivalEvent(event);
      expect(copy).toEqual(decodeArrivalEvent(encodeArrivalEvent(event)));
      expect(copy).not.toBe(event);
      expect(copy.queue).not.toBe(event.queue);
    }
  });
});
