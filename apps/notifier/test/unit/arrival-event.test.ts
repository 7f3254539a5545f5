import { toArrivalEvent } from '../../src/arrival-event';

describe('toArrivalEvent', () => {
  it('maps store queue kinds to bus kinds and keeps every field', () => {
    expect(
      toArrivalEvent({
        queue: { kind: 'QUEUE_KIND_FILTER', name: 'devices/+/cmd' },
        endOffset: 42,
        shard: 3,
        timestampMs: 1_700_000_000_000,
      }),
    ).toEqual({
      queue: { kind: 'filter', name: 'devices/+/cmd' },
      endOffset: 42,
      shard: 3,
      timestampMs: 1_700_000_000_000,
    });
    expect(
      toArrivalEvent({
        queue: { kind: 'QUEUE_KIND_TOPIC', name: '' },
        endOffset: 1,
        shard: 0,
        timestampMs: 1,
      })?.queue,
    ).toEqual({ kind: 'topic', name: '' });
  });

  it('skips arrivals without a usable queue', () => {
    expect(toArrivalEvent({ queue: null, endOffset: 1, shard: 0, timestampMs: 1 })).toBeUndefined();
    expect(
      toArrivalEvent({
        queue: { kind: 'QUEUE_KIND_UNSPECIFIED', name: 'a' },
        endOffset: 1,
        shard: 0,
        timestampMs: 1,
      }),
    ).toBeUndefined();
  });
});
