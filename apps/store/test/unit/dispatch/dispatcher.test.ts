import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TopicMatcher } from '@starling/mqtt-topic';

import type { ArrivalNotice } from '../../../src/arrival-hub';
import type { DurableBatch } from '../../../src/commitlog';
import { Dispatcher } from '../../../src/dispatch/dispatcher';
import { openQueueIndex, type QueueIndex, type QueueRef } from '../../../src/queues';

const RECORD_BYTES = 50;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function setup(options: { commitIntervalMs?: number; maxUncommittedEntries?: number } = {}): {
  index: QueueIndex;
  matcher: TopicMatcher;
  dispatcher: Dispatcher;
  errors: unknown[];
  arrivals: ArrivalNotice[];
} {
  const dir = mkdtempSync(join(tmpdir(), 'starling-dispatcher-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const index = openQueueIndex({ dir, commitIntervalMs: options.commitIntervalMs ?? 0 });
  cleanups.push(() => index.close());
  const matcher = new TopicMatcher();
  const errors: unknown[] = [];
  const arrivals: ArrivalNotice[] = [];
  const dispatcher = new Dispatcher({
    index,
    matcher,
    applyRetained: () => Promise.resolve(),
    publishArrivals: (batch) => arrivals.push(...batch),
    onError: (err) => errors.push(err),
    ...(options.maxUncommittedEntries !== undefined
      ? { maxUncommittedEntries: options.maxUncommittedEntries }
      : {}),
  });
  return { index, matcher, dispatcher, errors, arrivals };
}

/** A durable batch of `topics`, one record each, starting at `from`. */
function batch(from: number, topics: string[]): DurableBatch {
  return {
    records: topics.map((topic) => ({ topic, payload: Buffer.from(topic) })),
    positions: topics.map((_, i) => from + i * RECORD_BYTES),
    sizes: topics.map(() => RECORD_BYTES),
    timestampsMs: topics.map(() => 1_700_000_000_000),
    endPosition: from + topics.length * RECORD_BYTES,
  };
}

function positionsIn(index: QueueIndex, queue: QueueRef): number[] {
  const result = index.read(queue, 0, 1_000);
  if (result.status !== 'ok') throw new Error(`no queue ${queue.name}`);
  return result.entries.map((e) => e.position);
}

describe('Dispatcher', () => {
  it('indexes every record into its first-level queue and every matching filter queue', async () => {
    const { index, matcher, dispatcher, errors } = setup();
    matcher.add('t/+');
    matcher.add('t/#');
    dispatcher.onDurable(batch(0, ['t/a', 'u/b', 't/c/d']));
    await dispatcher.drain();
    expect(errors).toEqual([]);
    expect(positionsIn(index, { kind: 'topic', name: 't' })).toEqual([0, 100]);
    expect(positionsIn(index, { kind: 'topic', name: 'u' })).toEqual([50]);
    expect(positionsIn(index, { kind: 'filter', name: 't/+' })).toEqual([0]);
    expect(positionsIn(index, { kind: 'filter', name: 't/#' })).toEqual([0, 100]);
    expect(index.checkpoint()).toBe(150);
  });

  it('reached(position) resolves once the records before position are in the index, and at once when nothing is pending', async () => {
    const { index, dispatcher } = setup();
    dispatcher.onDurable(batch(0, ['t/a', 't/b']));
    await dispatcher.reached(100);
    expect(positionsIn(index, { kind: 'topic', name: 't' })).toEqual([0, 50]);
    // Nothing is pending: a position past the log's end resolves at once instead of waiting forever.
    await dispatcher.reached(10_000);
    await dispatcher.drain();
    expect(index.checkpoint()).toBe(100);
  });

  it('publishes arrivals once the entries are readable, without waiting for the index commit', async () => {
    const { index, dispatcher, arrivals } = setup({ commitIntervalMs: 60_000 });
    dispatcher.onDurable(batch(0, ['t/a']));
    await dispatcher.drain(); // the first commit goes out at once
    dispatcher.onDurable(batch(50, ['t/b', 'u/c']));
    await dispatcher.reached(150);
    expect(arrivals.map((a) => [a.queue.name, a.endOffset])).toEqual([
      ['t', 1],
      ['t', 2],
      ['u', 1],
    ]);
    expect(positionsIn(index, { kind: 'topic', name: 't' })).toEqual([0, 50]);
    // The interval holds the commit back; drain commits.
    expect(index.checkpoint()).toBe(50);
    await dispatcher.drain();
    expect(index.checkpoint()).toBe(150);
  });

  it('waits for a commit once too many entries are uncommitted', async () => {
    const { index, dispatcher } = setup({ commitIntervalMs: 60_000, maxUncommittedEntries: 1 });
    dispatcher.onDurable(batch(0, ['t/a']));
    await dispatcher.drain();
    dispatcher.onDurable(batch(50, ['t/b', 't/c']));
    await dispatcher.reached(150);
    // Two entries staged, over the bound: dispatch committed them instead of waiting for the interval.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(index.checkpoint()).toBe(150);
    expect(index.uncommittedEntries()).toBe(0);
  });
});
