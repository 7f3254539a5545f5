import { loadPackageDefinition } from '@starling/proto';
import {
  encodeWatchArrivalsRequest,
  forEachArrival,
  WatchArrivalsMalformedError,
  type ArrivalKind,
} from '../../src/watch-arrivals-codec';

interface MethodDefinition {
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: unknown): Buffer;
}
const watchArrivals = (
  loadPackageDefinition()['starling.store.v1.StoreService'] as unknown as Record<string, MethodDefinition>
)['WatchArrivals']!;

type Visited = [ArrivalKind, string, number, number, number];
function visitAll(bytes: Buffer): Visited[] {
  const out: Visited[] = [];
  const n = forEachArrival(bytes, (...args) => out.push(args));
  expect(n).toBe(out.length);
  return out;
}

describe('WatchArrivals, read by hand', () => {
  it('reads what protobufjs writes, field by field', () => {
    const bytes = watchArrivals.responseSerialize({
      arrivals: [
        {
          queue: { kind: 'QUEUE_KIND_TOPIC', name: 'devices' },
          endOffset: 42,
          shard: 3,
          timestampMs: 1_700_000_000_123,
        },
        {
          queue: { kind: 'QUEUE_KIND_FILTER', name: 'a/+/é #' },
          endOffset: 2 ** 40 + 5,
          shard: 0,
          timestampMs: -5,
        },
        { queue: { kind: 'QUEUE_KIND_TOPIC', name: '' }, endOffset: 0, shard: 4_000_000_000, timestampMs: 0 },
      ],
    });
    expect(visitAll(bytes)).toEqual([
      ['topic', 'devices', 42, 3, 1_700_000_000_123],
      ['filter', 'a/+/é #', 2 ** 40 + 5, 0, -5],
      ['topic', '', 0, 4_000_000_000, 0],
    ]);
  });

  it('an empty response has no arrivals', () => {
    expect(visitAll(watchArrivals.responseSerialize({ arrivals: [] }))).toEqual([]);
  });

  it('an arrival without a queue, or of an unknown kind, is visited with kind undefined', () => {
    const bytes = watchArrivals.responseSerialize({
      arrivals: [
        { endOffset: 1, shard: 0, timestampMs: 1 },
        { queue: { kind: 'QUEUE_KIND_UNSPECIFIED', name: 'x' }, endOffset: 2, shard: 0, timestampMs: 1 },
        { queue: { kind: 7, name: 'y' }, endOffset: 3, shard: 0, timestampMs: 1 },
      ],
    });
    expect(visitAll(bytes).map((v) => [v[0], v[2]])).toEqual([
      [undefined, 1],
      [undefined, 2],
      [undefined, 3],
    ]);
  });

  it('skips unknown fields at every level (a newer store)', () => {
    const known = watchArrivals.responseSerialize({
      arrivals: [{ queue: { kind: 'QUEUE_KIND_TOPIC', name: 'q' }, endOffset: 9, shard: 1, timestampMs: 2 }],
    });
    // Field 15 (varint) and field 9 (fixed64) inside the arrival; field 7 (bytes) at the top level.
    const arrival = known.subarray(2);
    const extended = Buffer.concat([
      arrival,
      Buffer.from([0x78, 0x96, 0x01]),
      Buffer.from([0x49, 1, 2, 3, 4, 5, 6, 7, 8]),
    ]);
    const bytes = Buffer.concat([Buffer.from([0x3a, 2, 0xaa, 0xbb, 0x0a, extended.length]), extended]);
    expect(visitAll(bytes)).toEqual([['topic', 'q', 9, 1, 2]]);
  });

  it('throws on truncated or overrunning bytes, whatever the cut', () => {
    const bytes = watchArrivals.responseSerialize({
      arrivals: [
        { queue: { kind: 'QUEUE_KIND_TOPIC', name: 'queue' }, endOffset: 300, shard: 1, timestampMs: 1e12 },
      ],
    });
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => forEachArrival(bytes.subarray(0, cut), () => undefined)).toThrow(
        WatchArrivalsMalformedError,
      );
    }
  });

  it('never crashes on random bytes (throws the typed error or visits)', () => {
    let seed = 7;
    // An LCG's high bits (its low bits repeat with short periods).
    const next = () => Math.floor((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 16);
    for (let i = 0; i < 2_000; i++) {
      const bytes = Buffer.from(Array.from({ length: next() % 40 }, () => next() % 256));
      try {
        forEachArrival(bytes, () => undefined);
      } catch (err) {
        expect(err).toBeInstanceOf(WatchArrivalsMalformedError);
      }
    }
  });

  it('writes a request the store reads as sent (false fields omitted, as proto3 allows)', () => {
    for (const [replayEndOffsets, replayOnly] of [
      [false, false],
      [true, false],
      [true, true],
    ] as const) {
      expect(
        watchArrivals.requestDeserialize(encodeWatchArrivalsRequest({ replayEndOffsets, replayOnly })),
      ).toEqual({ replayEndOffsets, replayOnly });
    }
    expect(encodeWatchArrivalsRequest({ replayEndOffsets: false })).toHaveLength(0);
  });
});
