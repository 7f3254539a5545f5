import * as fs from 'node:fs';
import * as path from 'node:path';
import { okPositions, record, segmentFiles, useLogs, useTempDir } from './helpers';

// Records of 100 bytes (28 + 3 + 69), 10 per 1000-byte segment.
const opts = { segmentBytes: 1000, maxRecordBytes: 1000 };

describe('commitlog retention', () => {
  const tempDir = useTempDir();
  const openLog = useLogs();

  async function fill(count: number): Promise<Awaited<ReturnType<typeof openLog>>> {
    const log = await openLog({ dir: tempDir(), ...opts });
    for (let i = 0; i < count; i++) await okPositions(log.append([record(i, 69)]));
    return log;
  }

  it('deleteSegmentsBefore deletes whole segments below the position only', async () => {
    const log = await fill(35); // segments at 0, 1000, 2000, 3000 (active, 500 bytes)
    const result = await log.deleteSegmentsBefore(2500);
    expect(result.deletedSegments.map((s) => s.basePosition)).toEqual([0, 1000]);
    expect(result.newLowPosition).toBe(2000);
    expect(log.lowPosition).toBe(2000);
    expect(segmentFiles(tempDir())).toEqual(['00000000000000002000.log', '00000000000000003000.log']);
    expect((await log.read(1900)).status).toBe('out-of-range');
    const read = await log.read(2500);
    expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(25);
  });

  it('never deletes the active segment, even when asked to delete everything', async () => {
    const log = await fill(25);
    const result = await log.deleteSegmentsBefore(Number.MAX_SAFE_INTEGER);
    expect(result.newLowPosition).toBe(2000);
    expect(log.segments()).toEqual([expect.objectContaining({ basePosition: 2000, active: true })]);
    // the log still works
    expect(await okPositions(log.append([record(99, 69)]))).toEqual([2500]);
  });

  it('applyRetention by bytes deletes the oldest segments until the log fits', async () => {
    const log = await fill(45); // 4 full + 500 bytes
    const result = await log.applyRetention({ maxBytes: 2600 });
    expect(result.deletedSegments.map((s) => s.basePosition)).toEqual([0, 1000]);
    expect(log.segments().reduce((sum, s) => sum + s.sizeBytes, 0)).toBe(2500);
  });

  it('applyRetention by age deletes segments older than maxAgeMs, oldest first, and stops at a young one', async () => {
    const log = await fill(35);
    const now = Date.now();
    const old = new Date(now - 3_600_000);
    fs.utimesSync(path.join(tempDir(), '00000000000000000000.log'), old, old);
    // lastModifiedMs is what the log knows: reopen to pick the mtimes up from disk.
    await log.close();
    const reopened = await openLog({ dir: tempDir(), ...opts });
    const result = await reopened.applyRetention({ maxAgeMs: 60_000, nowMs: now });
    expect(result.deletedSegments.map((s) => s.basePosition)).toEqual([0]);
    const all = await reopened.applyRetention({ maxAgeMs: 0, nowMs: now + 10_000 });
    expect(all.deletedSegments.map((s) => s.basePosition)).toEqual([1000, 2000]);
    expect(reopened.segments().map((s) => s.active)).toEqual([true]);
  });

  it('lists segments with base position, size, end and last-modified time', async () => {
    const log = await fill(12);
    const segments = log.segments();
    expect(segments).toEqual([
      expect.objectContaining({ basePosition: 0, sizeBytes: 1000, endPosition: 1000, active: false }),
      expect.objectContaining({ basePosition: 1000, sizeBytes: 200, endPosition: 1200, active: true }),
    ]);
    for (const s of segments) expect(Math.abs(s.lastModifiedMs - Date.now())).toBeLessThan(60_000);
  });
});
