import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLEAN_CHECKPOINT_FILE,
  OPEN_MARKER_FILE,
  openCommitlog,
  type Commitlog,
  type CommitlogLogger,
} from '../../../src/commitlog';
import { fileSize, okPositions, record, segmentFiles, useLogs, useTempDir } from './helpers';

const RECORD_BYTES = 28 + 3 + 100;

describe('commitlog recovery', () => {
  const tempDir = useTempDir();
  const openLog = useLogs();

  /** Writes `count` records of RECORD_BYTES and returns their positions; `close` chooses a clean or crashed end. */
  async function writeLog(count: number, opts: { close: boolean; segmentBytes?: number }): Promise<number[]> {
    const log = await openCommitlog({
      dir: tempDir(),
      segmentBytes: opts.segmentBytes ?? 1 << 20,
      maxRecordBytes: Math.min(1024, opts.segmentBytes ?? 1024),
    });
    const positions: number[] = [];
    for (let i = 0; i < count; i++) positions.push(...(await okPositions(log.append([record(i, 100)]))));
    if (opts.close) await log.close();
    else await abandon(log);
    return positions;
  }

  function lastSegment(): string {
    const files = segmentFiles(tempDir());
    return path.join(tempDir(), files[files.length - 1]!);
  }

  it('trusts a clean shutdown: marker removed, checkpoint verified, nothing scanned or truncated', async () => {
    const positions = await writeLog(10, { close: true });
    expect(fs.existsSync(path.join(tempDir(), OPEN_MARKER_FILE))).toBe(false);
    expect(fs.existsSync(path.join(tempDir(), CLEAN_CHECKPOINT_FILE))).toBe(true);
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ clean: true, truncatedBytes: 0 });
    expect(log.endPosition).toBe(10 * RECORD_BYTES);
    expect(log.lastRecordPosition).toBe(positions[9]);
    expect(fs.existsSync(path.join(tempDir(), OPEN_MARKER_FILE))).toBe(true);
  });

  it('after an unclean shutdown (marker left behind) scans the tail and keeps every whole record', async () => {
    const positions = await writeLog(10, { close: false });
    expect(fs.existsSync(path.join(tempDir(), OPEN_MARKER_FILE))).toBe(true);
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ clean: false, truncatedBytes: 0 });
    expect(log.endPosition).toBe(10 * RECORD_BYTES);
    expect(log.lastRecordPosition).toBe(positions[9]);
    // and appends continue right after
    expect(await okPositions(log.append([record(10, 100)]))).toEqual([10 * RECORD_BYTES]);
  });

  it('treats a missing marker without a checkpoint as unclean', async () => {
    await writeLog(3, { close: false });
    fs.rmSync(path.join(tempDir(), OPEN_MARKER_FILE));
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ clean: false, truncatedBytes: 0 });
    expect(log.endPosition).toBe(3 * RECORD_BYTES);
  });

  it('falls back to a scan when a clean checkpoint does not match the files', async () => {
    await writeLog(3, { close: true });
    fs.appendFileSync(lastSegment(), Buffer.from('garbage after a clean close'));
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ clean: false, truncatedBytes: 27 });
    expect(log.endPosition).toBe(3 * RECORD_BYTES);
  });

  it('truncates a torn tail (file cut mid-record) at the last whole record', async () => {
    const positions = await writeLog(5, { close: false });
    fs.truncateSync(lastSegment(), 4 * RECORD_BYTES + 50);
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ clean: false, truncatedBytes: 50 });
    expect(log.recovery.truncationReason).toMatch(/torn record: 50 of 131 bytes/);
    expect(log.endPosition).toBe(4 * RECORD_BYTES);
    expect(fs.statSync(lastSegment()).size).toBe(4 * RECORD_BYTES);
    expect(log.lastRecordPosition).toBe(positions[3]);
    expect(await okPositions(log.append([record(9, 100)]))).toEqual([4 * RECORD_BYTES]);
  });

  it('truncates a torn header fragment (fewer than 5 bytes of the last record)', async () => {
    await writeLog(2, { close: false });
    fs.truncateSync(lastSegment(), RECORD_BYTES + 3);
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery.truncatedBytes).toBe(3);
    expect(log.endPosition).toBe(RECORD_BYTES);
  });

  it('truncates a corrupt last record (one flipped byte in its payload)', async () => {
    await writeLog(5, { close: false });
    const fd = fs.openSync(lastSegment(), 'r+');
    const at = 4 * RECORD_BYTES + 100;
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    fs.writeSync(fd, byte, 0, 1, at);
    fs.closeSync(fd);
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ truncatedBytes: RECORD_BYTES });
    expect(log.recovery.truncationReason).toMatch(/crc mismatch/);
    expect(log.endPosition).toBe(4 * RECORD_BYTES);
  });

  it('truncates garbage appended after the last record', async () => {
    await writeLog(4, { close: false });
    fs.appendFileSync(lastSegment(), Buffer.from([0x5a, 0x00, 0x07, 0x13, 0x00, 0x00, 0x00]));
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ truncatedBytes: 7, clean: false });
    expect(log.recovery.truncationReason).toMatch(/bad magic 0x5a/);
    expect(log.endPosition).toBe(4 * RECORD_BYTES);
  });

  it("cuts off zeros after the last record (the sync writer's runway) without counting them as damage", async () => {
    await writeLog(4, { close: false });
    fs.appendFileSync(lastSegment(), Buffer.alloc(777, 0)); // the runway, or a zero-filled extent after a crash
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ truncatedBytes: 0, clean: false });
    expect(log.recovery.truncationReason).toBeUndefined();
    expect(log.endPosition).toBe(4 * RECORD_BYTES);
    expect(fs.statSync(lastSegment()).size).toBe(4 * RECORD_BYTES);
  });

  it('counts a torn record before the runway, not the runway', async () => {
    await writeLog(4, { close: false });
    const torn = Buffer.from([0xa1, 0x00, 0x00, 0x01, 0x00, 0x42, 0x42]); // a 256-byte record cut after 7 bytes
    fs.appendFileSync(lastSegment(), Buffer.concat([torn, Buffer.alloc(64 * 1024, 0)]));
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery).toMatchObject({ truncatedBytes: 7, clean: false });
    // The zeros complete the claimed length: it reads as a whole record with a bad checksum.
    expect(log.recovery.truncationReason).toMatch(/crc mismatch/);
    expect(log.endPosition).toBe(4 * RECORD_BYTES);
  });

  it('handles a zero-length last segment (crash right after a roll) and a torn tail in the one before', async () => {
    // 7 records per 1000-byte segment
    const positions = await writeLog(7, { close: false, segmentBytes: 1000 });
    const first = path.join(tempDir(), '00000000000000000000.log');
    fs.truncateSync(first, 7 * RECORD_BYTES - 10);
    fs.writeFileSync(path.join(tempDir(), '00000000000000000917.log'), Buffer.alloc(0));
    const log = await openLog({ dir: tempDir(), segmentBytes: 1000, maxRecordBytes: 1000 });
    expect(log.recovery).toMatchObject({ truncatedBytes: RECORD_BYTES - 10, deletedSegments: 1 });
    expect(segmentFiles(tempDir())).toEqual(['00000000000000000000.log']);
    expect(log.endPosition).toBe(positions[6]);
  });

  it('opens a zero-length last segment that continues the log as the active segment', async () => {
    await writeLog(7, { close: false, segmentBytes: 1000 });
    fs.writeFileSync(path.join(tempDir(), '00000000000000000917.log'), Buffer.alloc(0));
    const log = await openLog({ dir: tempDir(), segmentBytes: 1000, maxRecordBytes: 1000 });
    expect(log.recovery.truncatedBytes).toBe(0);
    expect(log.segments().map((s) => [s.basePosition, s.active])).toEqual([
      [0, false],
      [917, true],
    ]);
    expect(await okPositions(log.append([record(1, 100)]))).toEqual([917]);
  });

  it('deletes a segment that does not start where the previous one ends (near the tail)', async () => {
    await writeLog(3, { close: false, segmentBytes: 1000 });
    fs.writeFileSync(path.join(tempDir(), '00000000000000005000.log'), Buffer.alloc(10, 1));
    const log = await openLog({ dir: tempDir(), segmentBytes: 1000, maxRecordBytes: 1000 });
    expect(log.recovery).toMatchObject({ deletedSegments: 1, truncatedBytes: 10 });
    expect(segmentFiles(tempDir())).toEqual(['00000000000000000000.log']);
  });

  it('refuses a gap between segments deep in the log with STORE_SEGMENT_CORRUPT', async () => {
    await writeLog(30, { close: false, segmentBytes: 1000 }); // 5 segments
    fs.truncateSync(path.join(tempDir(), '00000000000000000000.log'), 100);
    await expect(
      openCommitlog({ dir: tempDir(), segmentBytes: 1000, maxRecordBytes: 1000 }),
    ).rejects.toMatchObject({
      code: 'STORE_SEGMENT_CORRUPT',
    });
  });

  it('ignores unrelated files with a warning but refuses a misnamed .log file', async () => {
    await writeLog(1, { close: true });
    fs.writeFileSync(path.join(tempDir(), 'notes.txt'), 'hello');
    const warnings: string[] = [];
    const logger: CommitlogLogger = {
      info: () => undefined,
      warn: (_o, m) => warnings.push(m),
      error: () => undefined,
    };
    const log = await openLog({ dir: tempDir(), logger });
    expect(log.recovery.ignoredFiles).toEqual(['notes.txt']);
    expect(warnings).toContain('ignoring a file that is not part of the commitlog');
    await log.close();

    fs.writeFileSync(path.join(tempDir(), '42.log'), 'x');
    await expect(openCommitlog({ dir: tempDir() })).rejects.toMatchObject({ code: 'STORE_SEGMENT_NAME' });
  });

  it('creates a missing directory', async () => {
    const log = await openLog({ dir: path.join(tempDir(), 'a', 'b') });
    expect(log.endPosition).toBe(0);
  });

  it('keeps positions when every segment file was removed after a clean close', async () => {
    await writeLog(3, { close: true });
    for (const f of segmentFiles(tempDir())) fs.rmSync(path.join(tempDir(), f));
    const log = await openLog({ dir: tempDir() });
    expect(log.lowPosition).toBe(3 * RECORD_BYTES);
    expect(await okPositions(log.append([record(1)]))).toEqual([3 * RECORD_BYTES]);
  });

  it('records recovery duration', async () => {
    await writeLog(2, { close: false });
    const log = await openLog({ dir: tempDir() });
    expect(log.recovery.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('commitlog runway (sync mode: zeros kept on disk ahead of the active segment)', () => {
  const tempDir = useTempDir();
  const openLog = useLogs();

  function sizes(): number[] {
    return segmentFiles(tempDir()).map((f) => fileSize(path.join(tempDir(), f)));
  }

  /** Waits until the active segment's file is longer than its records (the fill landed). */
  async function runwayLaid(log: Commitlog): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const active = log.segments().at(-1)!;
      if (sizes().at(-1)! > active.sizeBytes) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no runway after 2 s');
  }

  it('lays zeros past the end, overwrites them with records, and a clean close cuts them off', async () => {
    const log = await openLog({
      dir: tempDir(),
      fsync: 'sync',
      segmentBytes: 64 << 20,
      maxRecordBytes: 1024,
    });
    for (let i = 0; i < 20; i++) await okPositions(log.append([record(i, 100)]));
    await runwayLaid(log);
    const end = log.endPosition;
    expect(sizes()[0]).toBeGreaterThan(end + 1024 * 1024); // a megabyte clear of the end, then zeros
    expect(sizes()[0]).toBeLessThanOrEqual(end + 8 * 1024 * 1024);
    for (let i = 20; i < 40; i++) await okPositions(log.append([record(i, 100)]));
    await log.close();
    expect(sizes()).toEqual([log.endPosition]);
    const reopened = await openLog({ dir: tempDir() });
    expect(reopened.recovery).toMatchObject({ clean: true, truncatedBytes: 0 });
    expect(reopened.endPosition).toBe(40 * RECORD_BYTES);
  });

  it('seals a segment at its records, and a crash keeps every record whole, zeros never over data', async () => {
    const segmentBytes = 2 << 20;
    const log = await openCommitlog({
      dir: tempDir(),
      fsync: 'sync',
      segmentBytes,
      maxRecordBytes: 64 * 1024,
    });
    const written = new Map<number, number>(); // position -> record index
    // 8 appenders of 60 KiB records: fills and writes overlap in time across three rolls.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 120) {
          const i = next++;
          const [position] = await okPositions(log.append([record(i, 60 * 1024)]));
          written.set(position!, i);
        }
      }),
    );
    await runwayLaid(log);
    const segments = log.segments();
    expect(segments.length).toBeGreaterThanOrEqual(3);
    // Sealed segments end exactly at their records; only the active one is longer.
    const onDisk = sizes();
    segments.slice(0, -1).forEach((s, i) => expect(onDisk[i]).toBe(s.sizeBytes));
    expect(onDisk.at(-1)).toBeGreaterThan(segments.at(-1)!.sizeBytes);
    const end = log.endPosition;
    await abandon(log);

    const reopened = await openLog({ dir: tempDir() });
    expect(reopened.recovery).toMatchObject({ clean: false, truncatedBytes: 0 });
    expect(reopened.endPosition).toBe(end);
    for (const [position, i] of written) {
      const read = await reopened.read(position);
      expect(read.status).toBe('ok');
      if (read.status === 'ok') expect(read.record.payload.equals(record(i, 60 * 1024).payload)).toBe(true);
    }
  });
});

/** Simulates a crash: drop the log without close(), so the open marker stays and no checkpoint is written. */
async function abandon(log: { segments(): unknown }): Promise<void> {
  // Descriptors are closed by the process at exit; the test only needs the files as a crash leaves them.
  void log;
  await Promise.resolve();
}
