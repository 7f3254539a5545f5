import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StoredRecord } from '../../../src/commitlog';
import { okPositions, record, useLogs, useTempDir } from './helpers';

describe('commitlog reads', () => {
  const tempDir = useTempDir();
  const openLog = useLogs();

  it('serves recent records from the hot-tail cache without touching the file', async () => {
    const dir = tempDir();
    const log = await openLog({ dir });
    const [p] = await okPositions(log.append([record(7, 64)]));
    // Overwrite the bytes on disk: a cached read must not see it.
    const fd = fs.openSync(path.join(dir, '00000000000000000000.log'), 'r+');
    fs.writeSync(fd, Buffer.alloc(95, 0), 0, 95, 0);
    fs.closeSync(fd);
    const read = await log.read(p!);
    expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(7);
  });

  it('reads older records from disk once they left the cache', async () => {
    const dir = tempDir();
    const log = await openLog({ dir, cacheBytes: 300 }); // about three 95-byte records
    const positions: number[] = [];
    for (let i = 0; i < 10; i++) positions.push(...(await okPositions(log.append([record(i, 64)]))));
    for (const [i, p] of positions.entries()) {
      const read = await log.read(p);
      expect(read.status === 'ok' && read.record.payload.readUInt32BE(0)).toBe(i);
      expect(read.status === 'ok' && read.record.topic).toBe(`t/${i % 7}`);
    }
    // Proof that record 0 came from disk: corrupt it there and the read fails as corrupt.
    const fd = fs.openSync(path.join(dir, '00000000000000000000.log'), 'r+');
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, 50);
    fs.closeSync(fd);
    await expect(log.read(0)).rejects.toMatchObject({ code: 'STORE_SEGMENT_CORRUPT' });
    const last = await log.read(positions[9]!);
    expect(last.status).toBe('ok'); // still cached
  });

  it('serves cached records without a CRC check while a disk read of corrupted bytes still fails', async () => {
    const dir = tempDir();
    const log = await openLog({ dir, cacheBytes: 300, segmentBytes: 1 << 20 }); // the last three 100-byte records
    const positions: number[] = [];
    for (let i = 0; i < 10; i++) positions.push(...(await okPositions(log.append([record(i, 69)]))));
    // Flip one payload byte on disk of record 0 (evicted) and of record 9 (cached).
    const fd = fs.openSync(path.join(dir, '00000000000000000000.log'), 'r+');
    for (const p of [positions[0]!, positions[9]!]) fs.writeSync(fd, Buffer.from([0xee]), 0, 1, p + 99);
    fs.closeSync(fd);
    // From the cache: the bytes the appender encoded and checksummed, unchanged, by read and readFrom alike.
    const cached = await log.read(positions[9]!);
    expect(cached.status === 'ok' && cached.record.payload[68]).toBe(9);
    const page = await log.readFrom(positions[7]!, 1000);
    expect(page.status === 'ok' && page.records.map((r) => r.record.payload[68])).toEqual([7, 8, 9]);
    // From disk: the CRC catches the flipped byte.
    await expect(log.read(positions[0]!)).rejects.toMatchObject({ code: 'STORE_SEGMENT_CORRUPT' });
    await expect(log.readFrom(positions[0]!, 1000)).rejects.toMatchObject({ code: 'STORE_SEGMENT_CORRUPT' });
  });

  it('reads records larger than the read-ahead from disk', async () => {
    const log = await openLog({ dir: tempDir(), cacheBytes: 0 });
    const [p] = await okPositions(log.append([record(1, 100_000)]));
    const read = await log.read(p!);
    expect(read.status === 'ok' && read.record.payload.length).toBe(100_000);
  });

  it('reports positions outside [low, end) as out-of-range and a mid-record position as corrupt', async () => {
    const log = await openLog({ dir: tempDir(), cacheBytes: 0 });
    await log.append([record(1)]);
    expect(await log.read(log.endPosition)).toEqual({
      status: 'out-of-range',
      lowPosition: 0,
      endPosition: 47,
    });
    expect((await log.read(-1)).status).toBe('out-of-range');
    await expect(log.read(5)).rejects.toMatchObject({ code: 'STORE_SEGMENT_CORRUPT' });
  });

  it('readFrom returns whole records within maxBytes (at least one), from cache and from disk alike', async () => {
    for (const cacheBytes of [64 << 20, 0]) {
      const log = await openLog({
        dir: path.join(tempDir(), String(cacheBytes)),
        cacheBytes,
        segmentBytes: 1000,
      });
      const positions: number[] = [];
      for (let i = 0; i < 20; i++) positions.push(...(await okPositions(log.append([record(i, 69)])))); // 100 bytes each
      const page = await log.readFrom(0, 350);
      expect(page.status === 'ok' && page.records.map((r) => r.position)).toEqual([0, 100, 200]);
      expect(page.status === 'ok' && page.nextPosition).toBe(300);
      const tiny = await log.readFrom(300, 1);
      expect(tiny.status === 'ok' && tiny.records.length).toBe(1);
      const tail = await log.readFrom(log.endPosition, 1000);
      expect(tail).toEqual({ status: 'ok', records: [], nextPosition: 2000 });
      expect((await log.readFrom(2001, 10)).status).toBe('out-of-range');
      // Walking with readFrom visits every record once, across segments.
      const seen: number[] = [];
      let next = 0;
      for (;;) {
        const r = await log.readFrom(next, 250);
        if (r.status !== 'ok' || r.records.length === 0) break;
        seen.push(...r.records.map((x) => x.record.payload.readUInt32BE(0)));
        next = r.nextPosition;
      }
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  });

  it('scan replays the whole log in order (recovery replay), after a reopen', async () => {
    const dir = tempDir();
    const first = await openLog({ dir, segmentBytes: 2000 });
    const written: number[] = [];
    for (let i = 0; i < 50; i++) written.push(...(await okPositions(first.append([record(i, 10 + i)]))));
    await first.close();
    const log = await openLog({ dir, segmentBytes: 2000 });
    const seen: StoredRecord[] = [];
    for await (const r of log.scan(0, 300)) seen.push(r);
    expect(seen.map((r) => r.position)).toEqual(written);
    expect(seen.map((r) => r.record.payload.length)).toEqual(written.map((_, i) => 10 + i));
    const fromMiddle: number[] = [];
    for await (const r of log.scan(written[25])) fromMiddle.push(r.position);
    expect(fromMiddle).toEqual(written.slice(25));
  });

  it('scan from below the low position throws STORE_OUT_OF_RANGE', async () => {
    const log = await openLog({ dir: tempDir() });
    const iterator = log.scan(-5);
    await expect(iterator.next()).rejects.toMatchObject({ code: 'STORE_OUT_OF_RANGE' });
  });
});
