import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  openQueueIndex,
  QueueIndexError,
  type IndexEntryInput,
  type QueueIndex,
  type QueueIndexOptions,
  type QueueRef,
} from '../../../src/queues';

const telemetry: QueueRef = { kind: 'topic', name: 'telemetry' };
const devices: QueueRef = { kind: 'topic', name: 'devices' };
const cmdFilter: QueueRef = { kind: 'filter', name: 'devices/+/cmd' };
const allTelemetry: QueueRef = { kind: 'filter', name: 'telemetry/#' };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'starling-queue-index-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openIndex(dir: string, options: Partial<QueueIndexOptions> = {}): QueueIndex {
  const index = openQueueIndex({ dir, ...options });
  cleanups.push(() => index.close());
  return index;
}

/** One message at `position` dispatched to each of `queues`. */
function message(position: number, queues: QueueRef[], size = 100): IndexEntryInput[] {
  return queues.map((queue) => ({ queue, position, size, timestampMs: 1_700_000_000_000 + position }));
}

function offsetsOf(index: QueueIndex, queue: QueueRef): number[] {
  const result = index.read(queue, 0, 1_000_000);
  if (result.status !== 'ok') throw new Error('unknown queue');
  return result.entries.map((e) => e.offset);
}

function positionsOf(index: QueueIndex, queue: QueueRef, from = 0): number[] {
  const result = index.read(queue, from, 1_000_000);
  if (result.status !== 'ok') throw new Error('unknown queue');
  return result.entries.map((e) => e.position);
}

/** Appends and waits for the LMDB commit (what reopening, retention and checkpoint tests need). */
async function appendCommitted(
  index: QueueIndex,
  entries: readonly IndexEntryInput[],
  checkpoint: number,
): Promise<ReturnType<QueueIndex['appendBatch']>> {
  const ends = index.appendBatch(entries, checkpoint);
  await index.flushed();
  return ends;
}

describe('QueueIndex (LMDB)', () => {
  it('assigns consecutive offsets per queue in input order and returns each touched queue end', async () => {
    const index = openIndex(tempDir());
    const ends = await appendCommitted(
      index,
      [
        ...message(0, [telemetry, allTelemetry]),
        ...message(120, [devices, cmdFilter]),
        ...message(250, [telemetry, allTelemetry]),
      ],
      250,
    );
    expect(ends).toEqual([
      { queue: telemetry, high: 2 },
      { queue: allTelemetry, high: 2 },
      { queue: devices, high: 1 },
      { queue: cmdFilter, high: 1 },
    ]);
    expect(offsetsOf(index, telemetry)).toEqual([0, 1]);
    expect(positionsOf(index, telemetry)).toEqual([0, 250]);

    const next = await appendCommitted(index, message(400, [telemetry]), 400);
    expect(next).toEqual([{ queue: telemetry, high: 3 }]);
    expect(offsetsOf(index, telemetry)).toEqual([0, 1, 2]);
    expect(index.range(allTelemetry)).toEqual({ low: 0, high: 2 });
    expect(index.checkpoint()).toBe(400);

    const read = index.read(telemetry, 2, 10);
    expect(read).toEqual({
      status: 'ok',
      entries: [{ offset: 2, position: 400, size: 100, timestampMs: 1_700_000_000_400 }],
      low: 0,
      high: 3,
      belowLow: false,
    });
  });

  it('keeps a topic queue and a filter queue of the same name apart', async () => {
    const index = openIndex(tempDir());
    const topicA: QueueRef = { kind: 'topic', name: 'a' };
    const filterA: QueueRef = { kind: 'filter', name: 'a' };
    await appendCommitted(index, [...message(1, [topicA]), ...message(2, [topicA, filterA])], 2);
    expect(index.range(topicA)).toEqual({ low: 0, high: 2 });
    expect(index.range(filterA)).toEqual({ low: 0, high: 1 });
    expect(index.queueCount()).toBe(2);
  });

  it('commits a batch and its checkpoint atomically: a failing batch leaves neither', async () => {
    const index = openIndex(tempDir());
    await appendCommitted(index, message(10, [telemetry]), 10);

    // The second entry is after the checkpoint: a caller bug, the transaction aborts.
    const bad = [...message(20, [telemetry, cmdFilter]), ...message(99, [devices])];
    expect(() => index.appendBatch(bad, 50)).toThrow(
      expect.objectContaining({ code: 'STORE_INDEX_ENTRY_AFTER_CHECKPOINT' }) as QueueIndexError,
    );
    expect(index.checkpoint()).toBe(10);
    expect(index.range(telemetry)).toEqual({ low: 0, high: 1 });
    expect(index.range(cmdFilter)).toBeUndefined();
    expect(index.queueCount()).toBe(1);

    // Offsets resume where the committed state ends, with no hole from the aborted batch.
    expect(await appendCommitted(index, message(20, [telemetry, cmdFilter]), 20)).toEqual([
      { queue: telemetry, high: 2 },
      { queue: cmdFilter, high: 1 },
    ]);
    expect(positionsOf(index, telemetry)).toEqual([10, 20]);
  });

  it('rejects a checkpoint that goes backwards', async () => {
    const index = openIndex(tempDir());
    await appendCommitted(index, message(500, [telemetry]), 500);
    expect(() => index.appendBatch(message(400, [telemetry]), 400)).toThrow(QueueIndexError);
    expect(index.checkpoint()).toBe(500);
    expect(index.range(telemetry)).toEqual({ low: 0, high: 1 });
  });

  it('records a checkpoint with no entries', async () => {
    const index = openIndex(tempDir());
    expect(index.checkpoint()).toBeUndefined();
    expect(await appendCommitted(index, [], 77)).toEqual([]);
    expect(index.checkpoint()).toBe(77);
  });

  it('keeps entries, ranges, checkpoint and queue identities across reopen', async () => {
    const dir = tempDir();
    const first = openQueueIndex({ dir });
    await appendCommitted(
      first,
      [...message(0, [telemetry, allTelemetry]), ...message(64, [devices, cmdFilter])],
      64,
    );
    first.ensureQueue({ kind: 'filter', name: 'idle/+' });
    await first.close();

    const index = openIndex(dir);
    expect(index.checkpoint()).toBe(64);
    expect(index.queueCount()).toBe(5);
    expect(index.range(cmdFilter)).toEqual({ low: 0, high: 1 });
    expect(index.read(allTelemetry, 0, 10)).toMatchObject({
      status: 'ok',
      entries: [{ offset: 0, position: 0 }],
    });
    const listed = [...index.listQueues()].map((q) => [q.queue.kind, q.queue.name, q.low, q.high]);
    expect(listed.sort()).toEqual(
      [
        ['filter', 'devices/+/cmd', 0, 1],
        ['filter', 'idle/+', 0, 0],
        ['filter', 'telemetry/#', 0, 1],
        ['topic', 'devices', 0, 1],
        ['topic', 'telemetry', 0, 1],
      ].sort(),
    );
    // Appends continue after the persisted end, and new queues do not reuse ids.
    expect(
      await appendCommitted(index, message(128, [cmdFilter, { kind: 'topic', name: 'new' }]), 128),
    ).toEqual([
      { queue: cmdFilter, high: 2 },
      { queue: { kind: 'topic', name: 'new' }, high: 1 },
    ]);
    expect(index.range(devices)).toEqual({ low: 0, high: 1 });
    expect(index.queueCount()).toBe(6);
  });

  it('limits reads by entry count and by bytes, returning at least one entry', async () => {
    const index = openIndex(tempDir());
    const batch: IndexEntryInput[] = [];
    for (let i = 0; i < 10; i++) batch.push(...message(i * 1000, [telemetry], i === 5 ? 5000 : 100));
    await appendCommitted(index, batch, 9000);

    const byCount = index.read(telemetry, 2, 3);
    expect(byCount.status === 'ok' && byCount.entries.map((e) => e.offset)).toEqual([2, 3, 4]);

    const byBytes = index.read(telemetry, 0, 100, 250);
    expect(byBytes.status === 'ok' && byBytes.entries.map((e) => e.offset)).toEqual([0, 1]);

    // Entry 5 alone is larger than maxBytes: it is still returned so the reader can progress.
    const oversized = index.read(telemetry, 5, 100, 250);
    expect(oversized.status === 'ok' && oversized.entries.map((e) => [e.offset, e.size])).toEqual([
      [5, 5000],
    ]);

    const stopsBeforeOversized = index.read(telemetry, 3, 100, 1000);
    expect(stopsBeforeOversized.status === 'ok' && stopsBeforeOversized.entries.map((e) => e.offset)).toEqual(
      [3, 4],
    );

    expect(index.read(telemetry, 10, 100)).toEqual({
      status: 'ok',
      entries: [],
      low: 0,
      high: 10,
      belowLow: false,
    });
    expect(index.read(telemetry, 0, 0)).toEqual({
      status: 'ok',
      entries: [],
      low: 0,
      high: 10,
      belowLow: false,
    });
  });

  it('answers unknown queues with values, not errors', () => {
    const index = openIndex(tempDir());
    const nobody: QueueRef = { kind: 'filter', name: 'nobody/#' };
    expect(index.read(nobody, 0, 10)).toEqual({ status: 'unknown-queue' });
    expect(index.range(nobody)).toBeUndefined();
    expect(index.deleteQueue(nobody)).toBe(false);
    expect(index.queueCount()).toBe(0);
  });

  it('ensureQueue creates a queue once and returns its end offset', async () => {
    const index = openIndex(tempDir());
    expect(index.ensureQueue(cmdFilter)).toBe(0);
    await appendCommitted(index, [...message(1, [cmdFilter]), ...message(2, [cmdFilter])], 2);
    expect(index.ensureQueue(cmdFilter)).toBe(2);
    expect(index.queueCount()).toBe(1);
  });

  it('stores long and non-ASCII queue names (digest keys)', async () => {
    const dir = tempDir();
    const long: QueueRef = { kind: 'filter', name: `${'level/'.repeat(2000)}#` };
    const unicode: QueueRef = { kind: 'topic', name: 'température' };
    const first = openQueueIndex({ dir });
    await appendCommitted(first, [...message(1, [long, unicode]), ...message(2, [long])], 2);
    await first.close();
    const index = openIndex(dir);
    expect(index.range(long)).toEqual({ low: 0, high: 2 });
    expect(index.range(unicode)).toEqual({ low: 0, high: 1 });
    expect([...index.listQueues()].map((q) => q.queue.name).sort()).toEqual([long.name, unicode.name].sort());
  });

  describe('retention', () => {
    it('trimBefore raises low offsets and reads below low say so', async () => {
      const index = openIndex(tempDir());
      const batch: IndexEntryInput[] = [];
      for (let p = 0; p < 10; p++)
        batch.push(...message(p * 100, p % 2 === 0 ? [telemetry, allTelemetry] : [telemetry]));
      await appendCommitted(index, batch, 900);

      expect(await index.trimBefore(450)).toEqual({ queuesTrimmed: 2, entriesRemoved: 5 + 3 });
      expect(index.range(telemetry)).toEqual({ low: 5, high: 10 });
      expect(index.range(allTelemetry)).toEqual({ low: 3, high: 5 });

      const below = index.read(telemetry, 1, 2);
      expect(below).toMatchObject({ status: 'ok', low: 5, high: 10, belowLow: true });
      expect(below.status === 'ok' && below.entries.map((e) => [e.offset, e.position])).toEqual([
        [5, 500],
        [6, 600],
      ]);
      expect(index.read(telemetry, 5, 1)).toMatchObject({ status: 'ok', belowLow: false });

      // Trimming again at the same position finds nothing to do.
      expect(await index.trimBefore(450)).toEqual({ queuesTrimmed: 0, entriesRemoved: 0 });
    });

    it('empties a queue, keeps its end offset, and trims it again after new appends', async () => {
      const dir = tempDir();
      const index = openIndex(dir, { trimChunkEntries: 3 });
      const batch: IndexEntryInput[] = [];
      for (let p = 0; p < 20; p++) batch.push(...message(p, [telemetry, p < 5 ? cmdFilter : devices]));
      await appendCommitted(index, batch, 19);

      // A chunk of 3 entries per transaction: several chunks, same outcome.
      expect(await index.trimBefore(100)).toEqual({ queuesTrimmed: 3, entriesRemoved: 40 });
      expect(index.range(telemetry)).toEqual({ low: 20, high: 20 });
      expect(index.range(cmdFilter)).toEqual({ low: 5, high: 5 });
      expect(index.read(cmdFilter, 0, 10)).toEqual({
        status: 'ok',
        entries: [],
        low: 5,
        high: 5,
        belowLow: true,
      });

      await appendCommitted(index, [...message(200, [cmdFilter]), ...message(300, [cmdFilter])], 300);
      expect(index.range(cmdFilter)).toEqual({ low: 5, high: 7 });
      expect(await index.trimBefore(250)).toEqual({ queuesTrimmed: 1, entriesRemoved: 1 });
      expect(positionsOf(index, cmdFilter)).toEqual([300]);
      expect(index.range(cmdFilter)).toEqual({ low: 6, high: 7 });
    });

    it('persists low offsets across reopen', async () => {
      const dir = tempDir();
      const first = openQueueIndex({ dir });
      await appendCommitted(
        first,
        [...message(0, [telemetry]), ...message(10, [telemetry]), ...message(20, [telemetry])],
        20,
      );
      await first.trimBefore(15);
      await first.close();
      const index = openIndex(dir);
      expect(index.range(telemetry)).toEqual({ low: 2, high: 3 });
      expect(await index.trimBefore(15)).toEqual({ queuesTrimmed: 0, entriesRemoved: 0 });
      expect(await index.trimBefore(21)).toEqual({ queuesTrimmed: 1, entriesRemoved: 1 });
    });
  });

  it('deleteQueue removes the queue, its entries and its retention row', async () => {
    const index = openIndex(tempDir());
    await appendCommitted(
      index,
      [...message(0, [telemetry, cmdFilter]), ...message(10, [telemetry, cmdFilter])],
      10,
    );
    expect(index.deleteQueue(cmdFilter)).toBe(true);
    // Gone for lookups at once; from LMDB once the removes commit.
    expect(index.range(cmdFilter)).toBeUndefined();
    expect(index.read(cmdFilter, 0, 10)).toEqual({ status: 'unknown-queue' });
    await index.flushed();
    expect(index.queueCount()).toBe(1);
    expect([...index.listQueues()].map((q) => q.queue)).toEqual([telemetry]);

    // Retention no longer sees the deleted queue.
    expect(await index.trimBefore(100)).toEqual({ queuesTrimmed: 1, entriesRemoved: 2 });

    // Registered again later, the filter is a new queue starting at offset 0.
    expect(index.ensureQueue(cmdFilter)).toBe(0);
    await appendCommitted(index, message(20, [cmdFilter]), 20);
    expect(offsetsOf(index, cmdFilter)).toEqual([0]);
    expect(positionsOf(index, cmdFilter)).toEqual([20]);
  });

  it('handles 100,000 queues quickly (smoke test)', async () => {
    const dir = tempDir();
    const index = openIndex(dir, { maxCachedQueues: 10_000 });
    const queues = 100_000;
    const started = performance.now();
    for (let base = 0; base < queues; base += 10_000) {
      const batch: IndexEntryInput[] = [];
      for (let i = base; i < base + 10_000; i++) {
        // Each message: its topic queue (100 topics) and its own exact-filter queue.
        batch.push(
          ...message(i, [
            { kind: 'topic', name: `t${i % 100}` },
            { kind: 'filter', name: `dev/${i}/cmd` },
          ]),
        );
      }
      await appendCommitted(index, batch, base + 9_999);
    }
    expect(index.queueCount()).toBe(queues + 100);
    expect(index.range({ kind: 'filter', name: 'dev/77777/cmd' })).toEqual({ low: 0, high: 1 });
    expect(index.range({ kind: 'topic', name: 't7' })).toEqual({ low: 0, high: 1000 });
    expect(positionsOf(index, { kind: 'filter', name: 'dev/4242/cmd' })).toEqual([4242]);

    const trimmed = await index.trimBefore(50_000);
    expect(trimmed.entriesRemoved).toBe(100_000);
    expect(index.range({ kind: 'filter', name: 'dev/49999/cmd' })).toEqual({ low: 1, high: 1 });
    expect(index.range({ kind: 'filter', name: 'dev/50000/cmd' })).toEqual({ low: 0, high: 1 });
    expect(index.range({ kind: 'topic', name: 't7' })).toEqual({ low: 500, high: 1000 });
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('stores a batch as blocks of entries and reads, trims and deletes across them', async () => {
    const dir = tempDir();
    const first = openQueueIndex({ dir, trimChunkEntries: 50 });
    const batch: IndexEntryInput[] = [];
    for (let p = 0; p < 250; p++) batch.push(...message(p * 10, [telemetry]));
    await appendCommitted(first, batch, 2490);
    await appendCommitted(first, message(2500, [telemetry]), 2500);
    expect(offsetsOf(first, telemetry)).toEqual(Array.from({ length: 251 }, (_, i) => i));
    // Inside a block, and across block boundaries.
    const mid = first.read(telemetry, 100, 5);
    expect(mid.status === 'ok' && mid.entries.map((e) => [e.offset, e.position])).toEqual([
      [100, 1000],
      [101, 1010],
      [102, 1020],
      [103, 1030],
      [104, 1040],
    ]);
    expect(positionsOf(first, telemetry, 94).slice(0, 4)).toEqual([940, 950, 960, 970]);
    expect(positionsOf(first, telemetry, 249)).toEqual([2490, 2500]);
    // Retention in chunks of 50 entries ends inside a block: the entries below low are not read.
    expect(await first.trimBefore(1505)).toEqual({ queuesTrimmed: 1, entriesRemoved: 151 });
    expect(first.range(telemetry)).toEqual({ low: 151, high: 251 });
    const below = first.read(telemetry, 0, 2);
    expect(below.status === 'ok' && [below.belowLow, below.entries.map((e) => e.offset)]).toEqual([
      true,
      [151, 152],
    ]);
    await first.close();

    const index = openIndex(dir);
    expect(index.range(telemetry)).toEqual({ low: 151, high: 251 });
    expect(positionsOf(index, telemetry, 151)[0]).toBe(1510);
    expect(await index.trimBefore(2495)).toEqual({ queuesTrimmed: 1, entriesRemoved: 99 });
    expect(positionsOf(index, telemetry)).toEqual([2500]);
    expect(index.deleteQueue(telemetry)).toBe(true);
    await index.flushed();
    expect(index.queueCount()).toBe(0);
    expect(await index.trimBefore(10_000)).toEqual({ queuesTrimmed: 0, entriesRemoved: 0 });
  });

  describe('entries readable before their commit', () => {
    it('shows entries to readers at once and commits every staged batch later, in one transaction', async () => {
      const commits: number[] = [];
      const index = openIndex(tempDir(), { onCommit: ({ entries }) => commits.push(entries) });
      await appendCommitted(index, message(0, [telemetry]), 0);
      expect(index.appendBatch([...message(10, [telemetry]), ...message(20, [telemetry])], 20)).toEqual([
        { queue: telemetry, high: 3 },
      ]);
      expect(index.appendBatch(message(30, [telemetry, cmdFilter]), 30)).toEqual([
        { queue: telemetry, high: 4 },
        { queue: cmdFilter, high: 1 },
      ]);
      // Readable at once; LMDB has neither batch yet.
      expect(index.checkpoint()).toBe(0);
      expect(index.uncommittedEntries()).toBe(4);
      expect(positionsOf(index, telemetry)).toEqual([0, 10, 20, 30]);
      expect(positionsOf(index, telemetry, 2)).toEqual([20, 30]);
      expect(index.range(cmdFilter)).toEqual({ low: 0, high: 1 });
      // A byte limit across the committed part and the staged part.
      expect(index.read(telemetry, 0, 10, 250)).toMatchObject({
        status: 'ok',
        high: 4,
        entries: [{ offset: 0 }, { offset: 1 }],
      });
      expect([...index.listQueues()].map((q) => [q.queue.name, q.high])).toEqual([
        ['telemetry', 4],
        ['devices/+/cmd', 1],
      ]);
      expect(index.queueCount()).toBe(2);

      await index.flushed();
      expect(commits).toEqual([1, 4]);
      expect(index.checkpoint()).toBe(30);
      expect(index.uncommittedEntries()).toBe(0);
      expect(positionsOf(index, telemetry)).toEqual([0, 10, 20, 30]);
      expect(positionsOf(index, cmdFilter)).toEqual([30]);
    });

    it('reads the same entries staged, being committed and committed, across many commits', async () => {
      // Enough batches for the staged entries' rings to wrap and grow while commits are in flight.
      const dir = tempDir();
      const index = openIndex(dir, { commitIntervalMs: 1, maxQueuesPerCommit: 20 });
      const queues = Array.from({ length: 40 }, (_, i): QueueRef => ({
        kind: i % 3 ? 'topic' : 'filter',
        name: `q${i}`,
      }));
      const model = new Map<string, number[]>(queues.map((q) => [`${q.kind}:${q.name}`, []]));
      let seed = 11;
      // An LCG's high bits (its low bits repeat with short periods).
      const random = (n: number) =>
        Math.floor((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 16) % n;
      let position = 0;
      for (let batch = 0; batch < 400; batch++) {
        const entries: IndexEntryInput[] = [];
        const size = batch % 40 === 39 ? 5_000 : 1 + random(60);
        for (let i = 0; i < size; i++) {
          const queue = queues[random(queues.length)]!;
          entries.push({ queue, position, size: 10, timestampMs: 1_700_000_000_000 + position });
          model.get(`${queue.kind}:${queue.name}`)!.push(position);
          position++;
        }
        index.appendBatch(entries, position);
        const queue = queues[random(queues.length)]!;
        const expected = model.get(`${queue.kind}:${queue.name}`)!;
        const from = random(expected.length + 1);
        if (expected.length > 0) expect(positionsOf(index, queue, from)).toEqual(expected.slice(from));
        if (batch % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
        if (batch % 50 === 0) await index.flushed();
      }
      await index.flushed();
      expect(index.uncommittedEntries()).toBe(0);
      await index.close();
      const reopened = openIndex(dir);
      for (const queue of queues) {
        expect(positionsOf(reopened, queue)).toEqual(model.get(`${queue.kind}:${queue.name}`));
      }
    });

    it('commits at most once per commit interval, and at once when flushed', async () => {
      const commits: number[] = [];
      const index = openIndex(tempDir(), {
        commitIntervalMs: 60_000,
        onCommit: ({ entries }) => commits.push(entries),
      });
      await appendCommitted(index, message(0, [telemetry]), 0);
      index.appendBatch(message(10, [telemetry]), 10);
      await new Promise((resolve) => setTimeout(resolve, 50));
      index.appendBatch(message(20, [telemetry]), 20);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The interval holds the second commit back; readers do not wait for it.
      expect(commits).toEqual([1]);
      expect(index.checkpoint()).toBe(0);
      expect(positionsOf(index, telemetry)).toEqual([0, 10, 20]);
      await index.flushed();
      expect(commits).toEqual([1, 2]);
      expect(index.checkpoint()).toBe(20);
    });

    it('commits a round in slices of bounded queues and entries, the checkpoint with the last', async () => {
      const commits: Array<{ entries: number; queues: number; checkpoint: number | undefined }> = [];
      const index: QueueIndex = openIndex(tempDir(), {
        commitIntervalMs: 60_000,
        maxQueuesPerCommit: 4,
        maxEntriesPerCommit: 100,
        onCommit: ({ entries, queues }) => commits.push({ entries, queues, checkpoint: index.checkpoint() }),
      });
      await appendCommitted(index, message(0, [telemetry]), 0);
      commits.length = 0;
      const queues = Array.from({ length: 10 }, (_, i): QueueRef => ({ kind: 'topic', name: `q${i}` }));
      // Five batches over the same ten queues: each queue is still written once in the round.
      for (let b = 0; b < 5; b++)
        index.appendBatch(
          queues.flatMap((q, i) => message(1 + b * 10 + i, [q])),
          50,
        );
      // One queue with more entries than a slice may hold is not split.
      index.appendBatch(Array.from({ length: 150 }, (_, i) => message(51 + i, [telemetry])).flat(), 200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(commits).toEqual([]); // the interval holds the round back
      await index.flushed();
      expect(commits).toEqual([
        { entries: 20, queues: 4, checkpoint: 0 },
        { entries: 20, queues: 4, checkpoint: 0 },
        { entries: 10, queues: 2, checkpoint: 0 },
        { entries: 150, queues: 1, checkpoint: 200 },
      ]);
      expect(index.uncommittedEntries()).toBe(0);
      expect(positionsOf(index, queues[3]!)).toEqual([4, 14, 24, 34, 44]);
    });

    it('starts a round before the interval once the staged entries pass maxStagedEntries', async () => {
      const commits: number[] = [];
      const index = openIndex(tempDir(), {
        commitIntervalMs: 60_000,
        maxStagedEntries: 100,
        onCommit: ({ entries }) => commits.push(entries),
      });
      await appendCommitted(index, message(0, [telemetry]), 0);
      index.appendBatch(Array.from({ length: 99 }, (_, i) => message(1 + i, [telemetry])).flat(), 99);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(commits).toEqual([1]); // below the bound: the interval holds it
      index.appendBatch(message(100, [devices]), 100);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(commits).toEqual([1, 100]); // at the bound: at once, not in a minute
      expect(index.checkpoint()).toBe(100);
    });

    it('commits entries staged during a round in the next round, and flushed() waits for both', async () => {
      const commits: Array<{ entries: number; queues: number }> = [];
      const dir = tempDir();
      const index = openIndex(dir, {
        commitIntervalMs: 0,
        maxQueuesPerCommit: 1,
        onCommit: ({ entries, queues }) => commits.push({ entries, queues }),
      });
      index.appendBatch([...message(0, [telemetry, devices]), ...message(1, [cmdFilter])], 1);
      await new Promise((resolve) => setImmediate(resolve)); // the round started: its first slice in flight
      index.appendBatch([...message(2, [telemetry]), ...message(3, [cmdFilter])], 3);
      await index.flushed();
      expect(index.checkpoint()).toBe(3);
      expect(index.uncommittedEntries()).toBe(0);
      // telemetry was encoded before its second entry came: that one waits for the next round; cmdFilter's
      // slice came after it, so the round took it along.
      expect(commits).toEqual([
        { entries: 1, queues: 1 },
        { entries: 1, queues: 1 },
        { entries: 2, queues: 1 },
        { entries: 1, queues: 1 },
      ]);
      await index.close();
      const reopened = openIndex(dir);
      expect(reopened.checkpoint()).toBe(3);
      expect(positionsOf(reopened, telemetry)).toEqual([0, 2]);
      expect(positionsOf(reopened, cmdFilter)).toEqual([1, 3]);
      expect(positionsOf(reopened, devices)).toEqual([0]);
    });

    it('drops a queue deleted while its round waits to encode it, and counts its entries out', async () => {
      const dir = tempDir();
      const index = openIndex(dir, { commitIntervalMs: 0, maxQueuesPerCommit: 1 });
      const gone: QueueRef = { kind: 'filter', name: 'gone/#' };
      index.appendBatch([...message(0, [telemetry]), ...message(1, [gone]), ...message(2, [gone])], 2);
      await new Promise((resolve) => setImmediate(resolve)); // the round started: telemetry's slice in flight
      expect(index.deleteQueue(gone)).toBe(true); // its slice comes next
      await index.flushed();
      expect(index.uncommittedEntries()).toBe(0);
      expect(index.checkpoint()).toBe(2);
      await index.close();
      const reopened = openIndex(dir);
      expect(reopened.range(gone)).toBeUndefined();
      expect(positionsOf(reopened, telemetry)).toEqual([0]);
      expect(reopened.queueCount()).toBe(1);
    });

    it('orders ensureQueue and deleteQueue with staged batches and a commit in flight', async () => {
      const dir = tempDir();
      const other: QueueRef = { kind: 'filter', name: 'other/+' };
      const gone: QueueRef = { kind: 'filter', name: 'gone/#' };
      const first = openQueueIndex({ dir });
      await appendCommitted(first, message(0, [cmdFilter, gone]), 0);
      first.appendBatch(message(5, [gone]), 5);
      await new Promise((resolve) => setImmediate(resolve)); // encoded, commit in flight
      expect(first.deleteQueue(gone)).toBe(true);
      first.appendBatch(message(10, [cmdFilter, telemetry]), 10); // staged
      // A registration sees the end readers see; the deletion drops the staged entry too.
      expect(first.ensureQueue(cmdFilter)).toBe(2);
      expect(first.deleteQueue(cmdFilter)).toBe(true);
      expect(first.range(cmdFilter)).toBeUndefined();
      expect(first.ensureQueue(cmdFilter)).toBe(0);
      expect(first.ensureQueue(other)).toBe(0);
      await first.flushed();
      await appendCommitted(first, message(20, [cmdFilter]), 20);
      await first.close();

      const index = openIndex(dir);
      expect(positionsOf(index, cmdFilter)).toEqual([20]);
      expect(positionsOf(index, telemetry)).toEqual([10]);
      expect(index.range(gone)).toBeUndefined();
      expect(index.range(other)).toEqual({ low: 0, high: 0 });
      expect(index.queueCount()).toBe(3);
      expect(index.checkpoint()).toBe(20);
      // Retention rows are consistent: only live queues are trimmed.
      expect(await index.trimBefore(100)).toEqual({ queuesTrimmed: 2, entriesRemoved: 2 });
    });

    it('never evicts a queue whose entries are not committed', async () => {
      const dir = tempDir();
      const first = openQueueIndex({ dir, maxCachedQueues: 10, commitIntervalMs: 60_000 });
      await appendCommitted(first, message(0, [telemetry]), 0);
      const queues = Array.from({ length: 50 }, (_, i): QueueRef => ({ kind: 'topic', name: `q${i}` }));
      first.appendBatch(
        queues.flatMap((q, i) => message(10 + i, [q])),
        60,
      );
      // Reads load evicted queues from LMDB and trigger eviction: the staged ones must stay.
      for (const q of queues) expect(first.range(q)).toEqual({ low: 0, high: 1 });
      expect(positionsOf(first, queues[49]!)).toEqual([59]);
      expect(first.queueCount()).toBe(51);
      await first.close();

      const index = openIndex(dir);
      for (const [i, q] of queues.entries()) expect(positionsOf(index, q)).toEqual([10 + i]);
      expect(index.checkpoint()).toBe(60);
    });

    it('runs retention only between commits', async () => {
      const index = openIndex(tempDir());
      await appendCommitted(index, [...message(0, [telemetry]), ...message(10, [telemetry])], 10);
      index.appendBatch(message(20, [telemetry]), 20);
      expect(await index.trimBefore(15)).toEqual({ queuesTrimmed: 1, entriesRemoved: 2 });
      expect(index.range(telemetry)).toEqual({ low: 2, high: 3 });
      expect(positionsOf(index, telemetry)).toEqual([20]);
      await index.flushed();
      expect(positionsOf(index, telemetry)).toEqual([20]);
    });
  });

  it('refuses calls after close', async () => {
    const index = openQueueIndex({ dir: tempDir() });
    await index.close();
    expect(() => index.range(telemetry)).toThrow(
      expect.objectContaining({ code: 'STORE_INDEX_CLOSED' }) as QueueIndexError,
    );
  });
});
