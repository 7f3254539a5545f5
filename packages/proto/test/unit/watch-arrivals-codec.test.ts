import { prng } from '@starling/test-harness';
import type { MessageTypeDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { installHandCodecs } from '../../src/hand-codecs';
import { loadPackageDefinition } from '../../src/load';
import type { WatchArrivalsResponse, WatchArrivalsResponseOutput } from '../../src/types';
import {
  encodeWatchArrivalsResponse,
  type ArrivalFields,
  type EncodedWatchArrivalsResponse,
} from '../../src/watch-arrivals-codec';

/** protobufjs, as proto-loader configures it for every Starling process: the reference. */
const responseType = loadPackageDefinition()[
  'starling.store.v1.WatchArrivalsResponse'
] as unknown as MessageTypeDefinition<WatchArrivalsResponse, WatchArrivalsResponseOutput>;

interface TestQueue {
  kind: 'topic' | 'filter';
  name: string;
}
type TestArrival = ArrivalFields<TestQueue>;
const kindValue = (q: TestQueue): number => (q.kind === 'topic' ? 1 : 2);

/** What the store wrote through protobufjs before: one response object per batch. */
function pbEncode(arrivals: readonly TestArrival[], shard: number): Buffer {
  return responseType.serialize({
    arrivals: arrivals.map((a) => ({
      queue: {
        kind: a.queue.kind === 'topic' ? 'QUEUE_KIND_TOPIC' : 'QUEUE_KIND_FILTER',
        name: a.queue.name,
      },
      endOffset: a.endOffset,
      shard,
      timestampMs: a.timestampMs,
    })),
  });
}

const encode = (arrivals: readonly TestArrival[], shard: number): EncodedWatchArrivalsResponse =>
  encodeWatchArrivalsResponse(arrivals, shard, kindValue);

function randomArrivals(random: () => number): TestArrival[] {
  const int = (n: number): number => Math.floor(random() * n);
  const alphabet = ['a', 'Z', '/', '+', '#', '0', ' ', 'é', '€', '中', '😀', '\u0000', '\uffff'];
  const name = (): string => {
    const length = random() < 0.1 ? 100 + int(300) : int(40);
    let s = '';
    for (let i = 0; i < length; i++)
      s += random() < 0.7 ? 'abcxyz/'[int(7)]! : alphabet[int(alphabet.length)]!;
    return s;
  };
  // Offsets and times across every varint length, up to 2^53 - 1.
  const wide = (): number => {
    const bits = int(54);
    return Math.min(Number.MAX_SAFE_INTEGER, Math.floor(random() * 2 ** bits));
  };
  const count = random() < 0.05 ? 0 : 1 + int(random() < 0.2 ? 1000 : 20);
  const arrivals: TestArrival[] = [];
  for (let i = 0; i < count; i++) {
    arrivals.push({
      queue: { kind: random() < 0.5 ? 'topic' : 'filter', name: name() },
      endOffset: wide(),
      timestampMs: random() < 0.05 ? -wide() : wide(),
    });
  }
  return arrivals;
}

describe('WatchArrivalsResponse encoder', () => {
  it('writes golden bytes: field numbers, enum values, uint64 and int64 varints', () => {
    const bytes = encode(
      [
        { queue: { kind: 'topic', name: 'ab' }, endOffset: 300, timestampMs: 1_700_000_000_000 },
        { queue: { kind: 'filter', name: '' }, endOffset: 0, timestampMs: -5 },
      ],
      2,
    );
    const golden = Buffer.from(
      [
        // arrivals[0]: 20 bytes
        '0a 14',
        '0a 06 08 01 12 02 61 62', // queue: kind 1 (QUEUE_KIND_TOPIC), name "ab"
        '10 ac 02', // end_offset 300
        '18 02', // shard 2
        '20 80 d0 95 ff bc 31', // timestamp_ms 1700000000000
        // arrivals[1]: 21 bytes; zero values are written, as protobufjs writes every set field
        '0a 15',
        '0a 04 08 02 12 00', // queue: kind 2 (QUEUE_KIND_FILTER), name ""
        '10 00', // end_offset 0
        '18 02', // shard 2
        '20 fb ff ff ff ff ff ff ff ff 01', // timestamp_ms -5, two's complement in ten bytes
      ]
        .join(' ')
        .replace(/ /g, ''),
      'hex',
    );
    expect(bytes.toString('hex')).toBe(golden.toString('hex'));
    expect(
      pbEncode(
        [
          { queue: { kind: 'topic', name: 'ab' }, endOffset: 300, timestampMs: 1_700_000_000_000 },
          { queue: { kind: 'filter', name: '' }, endOffset: 0, timestampMs: -5 },
        ],
        2,
      ).toString('hex'),
    ).toBe(golden.toString('hex'));
    expect(responseType.deserialize(bytes)).toEqual({
      arrivals: [
        {
          queue: { kind: 'QUEUE_KIND_TOPIC', name: 'ab' },
          endOffset: 300,
          shard: 2,
          timestampMs: 1_700_000_000_000,
        },
        { queue: { kind: 'QUEUE_KIND_FILTER', name: '' }, endOffset: 0, shard: 2, timestampMs: -5 },
      ],
    });
  });

  it('an empty batch is an empty response', () => {
    expect(encode([], 0)).toEqual(Buffer.alloc(0));
    expect(pbEncode([], 0)).toEqual(Buffer.alloc(0));
  });

  it('writes the bytes protobufjs writes, for 500 random batches', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = prng(seed);
      const arrivals = randomArrivals(random);
      const shard = random() < 0.5 ? Math.floor(random() * 4) : Math.floor(random() * 2 ** 32);
      const mine = encode(arrivals, shard);
      const theirs = pbEncode(arrivals, shard);
      if (!mine.equals(theirs)) throw new Error(`seed ${seed}: bytes differ`);
    }
  });

  it.each([
    [
      'a lone surrogate in a name',
      { queue: { kind: 'topic', name: 'a\ud800b' }, endOffset: 1, timestampMs: 1 },
    ],
    ['an offset above 2^53', { queue: { kind: 'topic', name: 'a' }, endOffset: 2 ** 60, timestampMs: 1 }],
    ['a fractional time', { queue: { kind: 'filter', name: 'a/#' }, endOffset: 1, timestampMs: 1.5 }],
  ] as const)('hands %s to protobufjs, and writes its bytes', (_, arrival) => {
    const arrivals: TestArrival[] = [
      { queue: { ...arrival.queue }, endOffset: arrival.endOffset, timestampMs: arrival.timestampMs },
    ];
    expect(encode(arrivals, 1).toString('hex')).toBe(pbEncode(arrivals, 1).toString('hex'));
  });
});

describe('WatchArrivals server serializer', () => {
  const service = installHandCodecs(loadPackageDefinition())[
    'starling.store.v1.StoreService'
  ] as ServiceDefinition;
  const method = service['WatchArrivals']!;

  it('passes encoded bytes through as they are (one Buffer shared by every watcher)', () => {
    const bytes = encode([{ queue: { kind: 'topic', name: 'x' }, endOffset: 7, timestampMs: 9 }], 3);
    expect(method.responseSerialize(bytes)).toBe(bytes);
  });

  it('still serializes a response object with protobufjs (other servers of the definition)', () => {
    const response = {
      arrivals: [
        { queue: { kind: 'QUEUE_KIND_FILTER', name: '+/s' }, endOffset: 6, shard: 2, timestampMs: 4 },
      ],
    };
    expect(method.responseSerialize(response)).toEqual(
      responseType.serialize(response as WatchArrivalsResponse),
    );
    expect(method.responseDeserialize(method.responseSerialize(response))).toEqual(response);
  });
});
