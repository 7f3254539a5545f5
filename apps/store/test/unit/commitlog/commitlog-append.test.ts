import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommitlogError, type CommitlogMetrics, type DurableBatch } from '../../../src/commitlog';
import { okPositions, record, segmentFiles, useLogs, useTempDir } from './helpers';

describe('commitlog append', () => {
  const tempDir = useTempDir();
  const openLog = useLogs();

  it('starts an empty directory at position 0 with one empty segment', async () => {
    const log = await openLog({ dir: tempDir() });
    expect(log.lowPosition).toBe(0);
    expect(log.endPosition).toBe(0);
    expect(segmentFiles(tempDir())).toEqual(['00000000000000000000.log']);
    expect(log.recovery).toMatchObject({ clean: true, truncatedBytes: 0 }); // nothing to recover in a new directory
  });

  it('assigns each record its byte position and reads it back', async () => {
    const log = await openLog({ dir: tempDir() });
    const positions = await okPositions(log.append([record(1), record(2, 100)]));
    const third = await okPositions(log.append([record(3)]));
    const size1 = 28 + 3 + 16;
    expect(positions).toEqual([0, size1]);
    expect(third).toEqual([size1 + 28 + 3 + 100]);
    expect(log.endPosition).toBe(third[0]! + size1);
    const read = await log.read(positions[1]!);
    expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(2);
    expect(read.status === 'ok' && read.size).toBe(28 + 3 + 100);
  });

  it('rolls to a new segment, named by its base position, when the next batch would not fit', async () => {
    const dir = tempDir();
    const log = await openLog({ dir, segmentBytes: 1024, maxRecordBytes: 1024 });
    const size = 28 + 3 + 300; // 331: three fit in 1024 (993), a fourth does not
    const positions: number[] = [];
    for (let i = 0; i < 4; i++) positions.push(...(await okPositions(log.append([record(i, 300)]))));
    expect(positions).toEqual([0, size, 2 * size, 3 * size]);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log', '00000000000000000993.log']);
    expect(fs.statSync(path.join(dir, '00000000000000000000.log')).size).toBe(993);
    expect(log.segments().map((s) => [s.basePosition, s.sizeBytes, s.active])).toEqual([
      [0, 993, false],
      [993, 331, true],
    ]);
    for (const [i, p] of positions.entries()) {
      const read = await log.read(p);
      expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(i);
    }
  });

  it('fills a segment exactly to segmentBytes without rolling', async () => {
    const dir = tempDir();
    // 4 records of 256 bytes = 1024 exactly
    const log = await openLog({ dir, segmentBytes: 1024, maxRecordBytes: 1024 });
    for (let i = 0; i < 4; i++) await log.append([record(i, 256 - 31)]);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log']);
    await log.append([record(4, 4)]);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log', '00000000000000001024.log']);
  });

  it('splits one append larger than a segment at record boundaries, each record whole', async () => {
    const dir = tempDir();
    const log = await openLog({ dir, segmentBytes: 1024, maxRecordBytes: 1024 });
    const batch = Array.from({ length: 10 }, (_, i) => record(i, 300 - 31)); // 10 × 300 bytes
    const positions = await okPositions(log.append(batch));
    expect(positions).toEqual(Array.from({ length: 10 }, (_, i) => i * 300));
    expect(log.segments().map((s) => [s.basePosition, s.sizeBytes])).toEqual([
      [0, 900],
      [900, 900],
      [1800, 900],
      [2700, 300],
    ]);
    for (const [i, p] of positions.entries()) {
      const read = await log.read(p);
      expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(i);
    }
  });

  it('splits a batch spanning several arena chunks over several segments, every record intact', async () => {
    const log = await openLog({
      dir: tempDir(),
      segmentBytes: 256 * 1024,
      maxRecordBytes: 128 * 1024,
      cacheBytes: 0,
    });
    // 40 appends of 2 × 30 KiB queued at once: ~2.4 MiB in one batch, beyond the 1 MiB arena.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        okPositions(log.append([record(2 * i, 30_000), record(2 * i + 1, 30_000)])),
      ),
    );
    const positions = results.flat();
    expect(positions).toEqual(Array.from({ length: 80 }, (_, i) => i * 30_031));
    const segments = log.segments();
    expect(segments.length).toBe(10); // 8 records of 30 031 bytes per 256 KiB segment
    for (const s of segments) expect(s.sizeBytes % 30_031).toBe(0);
    for (const [i, p] of positions.entries()) {
      const read = await log.read(p);
      expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(i);
    }
  });

  it('batches concurrent appends: 32 concurrent appenders, fewer batches than appends', async () => {
    const batches: number[] = [];
    const metrics: CommitlogMetrics = { observeBatch: (records) => batches.push(records) };
    const log = await openLog({ dir: tempDir(), metrics });
    const appenders = Array.from({ length: 32 }, async (_, a) => {
      const positions: number[] = [];
      for (let i = 0; i < 10; i++) positions.push(...(await okPositions(log.append([record(a * 100 + i)]))));
      return positions;
    });
    const all = (await Promise.all(appenders)).flat();
    expect(new Set(all).size).toBe(320);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(320);
    expect(batches.length).toBeLessThan(320);
    expect(Math.max(...batches)).toBeGreaterThan(1);
  });

  it('tells onDurable listeners each batch once, in order, before the appenders resolve', async () => {
    const log = await openLog({ dir: tempDir() });
    const seen: DurableBatch[] = [];
    const unsubscribe = log.onDurable((batch) => seen.push(batch));
    let resolvedBeforeListener = false;
    const appends = Array.from({ length: 8 }, (_, i) =>
      log.append([record(i), { topic: 'x', payload: Buffer.from('y') }]).then((r) => {
        if (!seen.some((b) => r.status === 'ok' && b.positions.includes(r.positions[0]!)))
          resolvedBeforeListener = true;
        return r;
      }),
    );
    const results = await Promise.all(appends);
    expect(resolvedBeforeListener).toBe(false);
    const positions = seen.flatMap((b) => b.positions);
    expect(positions).toEqual(results.flatMap((r) => (r.status === 'ok' ? r.positions : [])));
    const first = seen[0]!;
    expect(first.records[0]!.topic).toBe('t/0');
    expect(first.sizes[0]).toBe(28 + 3 + 16);
    expect(first.timestampsMs[0]).toBe(1_700_000_000_000);
    expect(Math.abs(first.timestampsMs[1]! - Date.now())).toBeLessThan(60_000); // defaulted
    expect(seen[seen.length - 1]!.endPosition).toBe(log.endPosition);
    unsubscribe();
    await log.append([record(99)]);
    expect(seen.flatMap((b) => b.positions)).toHaveLength(16);
  });

  it('rejects a record above maxRecordBytes with too-large and writes nothing of that append', async () => {
    const dir = tempDir();
    const log = await openLog({ dir, maxRecordBytes: 1000 });
    await log.append([record(1)]);
    const end = log.endPosition;
    const result = await log.append([record(2, 10), record(3, 1000)]);
    expect(result).toEqual({ status: 'too-large', index: 1, sizeBytes: 28 + 3 + 1000, maxRecordBytes: 1000 });
    expect(log.endPosition).toBe(end);
    const next = await okPositions(log.append([record(4)]));
    expect(next).toEqual([end]);
    await log.close();
    expect(fs.statSync(path.join(dir, segmentFiles(dir)[0]!)).size).toBe(end + 28 + 3 + 16);
  });

  it('sync mode fdatasyncs every batch before acknowledging; async mode acknowledges first and syncs on the interval', async () => {
    const syncFsyncs: number[] = [];
    const sync = await openLog({
      dir: path.join(tempDir(), 's'),
      fsync: 'sync',
      metrics: { observeFsyncSeconds: (s) => syncFsyncs.push(s) },
    });
    await sync.append([record(1)]);
    expect(syncFsyncs).toHaveLength(1);
    await sync.append([record(2)]);
    expect(syncFsyncs).toHaveLength(2);

    const asyncFsyncs: number[] = [];
    const log = await openLog({
      dir: path.join(tempDir(), 'a'),
      fsync: 'async',
      flushIntervalMs: 20,
      metrics: { observeFsyncSeconds: (s) => asyncFsyncs.push(s) },
    });
    await log.append([record(1)]);
    expect(asyncFsyncs).toHaveLength(0); // acknowledged from the page cache
    const read = await log.read(0);
    expect(read.status).toBe('ok'); // and already readable: it survives a process crash
    await eventually(() => expect(asyncFsyncs.length).toBeGreaterThanOrEqual(1));
  });

  it('async mode: acknowledged means in the file (written on the event loop), in a rolled segment and after a reopen too', async () => {
    const dir = tempDir();
    const log = await openLog({ dir, fsync: 'async', segmentBytes: 1024, maxRecordBytes: 1024 });
    for (let i = 0; i < 4; i++) await log.append([record(i, 300)]); // the fourth rolls to a new segment
    const sizes = () => segmentFiles(dir).map((f) => fs.readFileSync(path.join(dir, f)).length);
    expect(segmentFiles(dir)).toEqual(['00000000000000000000.log', '00000000000000000993.log']);
    expect(sizes()).toEqual([993, 331]);
    await log.close();

    const reopened = await openLog({ dir, fsync: 'async', segmentBytes: 1024, maxRecordBytes: 1024 });
    const [position] = await okPositions(reopened.append([record(4, 300)]));
    expect(position).toBe(993 + 331);
    expect(sizes()).toEqual([993, 662]);
    const read = await reopened.read(position!);
    expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(4);
  });

  it('reports metrics: batch bytes, append latency, segment count', async () => {
    const calls = { append: 0, bytes: 0, segments: [] as number[] };
    const log = await openLog({
      dir: tempDir(),
      segmentBytes: 1024,
      metrics: {
        observeAppendSeconds: (s) => {
          expect(s).toBeGreaterThanOrEqual(0);
          calls.append++;
        },
        observeBatch: (_records, bytes) => (calls.bytes += bytes),
        setSegments: (count) => calls.segments.push(count),
      },
    });
    for (let i = 0; i < 5; i++) await log.append([record(i, 300)]);
    expect(calls.append).toBe(5);
    expect(calls.bytes).toBe(5 * 331);
    expect(calls.segments).toEqual([1, 2]);
  });

  it('refuses appends after close with STORE_CLOSED, and close waits for queued appends', async () => {
    const log = await openLog({ dir: tempDir() });
    const queued = log.append([record(1)]);
    const closed = log.close();
    await expect(queued).resolves.toMatchObject({ status: 'ok' });
    await closed;
    await expect(log.append([record(2)])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(log.append([record(2)])).rejects.toBeInstanceOf(CommitlogError);
  });

  it('rejects bad options with STORE_CONFIG', async () => {
    await expect(openLog({ dir: tempDir(), segmentBytes: 4096, maxRecordBytes: 8192 })).rejects.toMatchObject(
      {
        code: 'STORE_CONFIG',
      },
    );
  });
});

async function eventually(fn: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fn();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
