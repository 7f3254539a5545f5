/**
 * Commitlog benchmark: `pnpm --filter @starling/store bench:commitlog` (optional arg: a directory on
 * the filesystem to measure; default os.tmpdir()). Everything is measured in this run, on the same
 * filesystem: first the raw sequential write bandwidth as the denominator, then the commitlog.
 * Prints one JSON line per scenario, then a table. Data lives in a temp dir removed at the end.
 * `store.bench.ts` (the `bench` script) reuses the raw-disk and 16 KiB scenarios exported here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCommitlog, type CommitlogOptions, type RecordInput } from '../src/commitlog';
import { percentile, printTable, report, round } from './bench-report';

const KiB = 1024;
const MiB = 1024 * KiB;
const SCENARIO_MS = Number(process.env.BENCH_SCENARIO_MS ?? 5000);

// ---- raw filesystem denominators ------------------------------------------------------------

function writeAt(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fs.write(fd, buf, 0, buf.length, position, (err) => (err ? reject(err) : resolve())),
  );
}
function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Plain sequential fs.write of 16 KiB chunks; with `syncEveryChunks`, an fdatasync after each such group. */
export async function rawWrite(
  dir: string,
  syncEveryChunks: number | undefined,
): Promise<{ mbPerSec: number; fsyncP50Ms?: number }> {
  const file = path.join(dir, `raw-${syncEveryChunks ?? 'nosync'}.bin`);
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(16 * KiB, 0x5a);
  const syncs: number[] = [];
  let written = 0;
  let chunks = 0;
  const started = performance.now();
  const deadline = started + SCENARIO_MS * 0.6;
  while (performance.now() < deadline) {
    await writeAt(fd, chunk, written);
    written += chunk.length;
    chunks++;
    if (syncEveryChunks !== undefined && chunks % syncEveryChunks === 0) {
      const t = performance.now();
      await fdatasync(fd);
      syncs.push(performance.now() - t);
    }
  }
  const elapsedS = (performance.now() - started) / 1000;
  fs.closeSync(fd);
  fs.rmSync(file);
  syncs.sort((a, b) => a - b);
  return {
    mbPerSec: written / MiB / elapsedS,
    ...(syncs.length > 0 ? { fsyncP50Ms: syncs[Math.floor(syncs.length / 2)]! } : {}),
  };
}

/** Latency of one small write + fdatasync: the floor under a `sync` append. */
export async function fsyncLatency(dir: string): Promise<{ p50Ms: number; p99Ms: number; meanMs: number }> {
  const file = path.join(dir, 'fsync-probe.bin');
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(8 * KiB, 1);
  const samples: number[] = [];
  const deadline = performance.now() + 1500;
  let at = 0;
  while (performance.now() < deadline && samples.length < 2000) {
    const t = performance.now();
    await writeAt(fd, buf, at);
    await fdatasync(fd);
    samples.push(performance.now() - t);
    at += buf.length;
  }
  fs.closeSync(fd);
  fs.rmSync(file);
  const sorted = Float64Array.from(samples).sort();
  const meanMs = samples.reduce((sum, ms) => sum + ms, 0) / Math.max(1, samples.length);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), meanMs };
}

// ---- commitlog scenarios ------------------------------------------------------------------

export interface LoadOptions {
  log: Omit<CommitlogOptions, 'dir'>;
  payloadBytes: number;
  /** Concurrent appenders, each awaiting its own appends. */
  appenders: number;
  /** Appends each appender keeps in flight (1 = await each before the next). */
  inFlightPerAppender: number;
  recordsPerAppend: number;
}

export interface LoadFigures {
  msgsPerSec: number;
  payloadMbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  batches: number;
  recordsPerBatch: number;
}

export async function runLoad(dir: string, name: string, o: LoadOptions): Promise<LoadFigures> {
  let batches = 0;
  let batchRecords = 0;
  const log = await openCommitlog({
    dir: path.join(dir, name),
    segmentBytes: 256 * MiB,
    ...o.log,
    metrics: {
      observeBatch: (records) => {
        batches++;
        batchRecords += records;
      },
    },
  });
  const payload = Buffer.alloc(o.payloadBytes, 0x42);
  const records: RecordInput[] = Array.from({ length: o.recordsPerAppend }, (_, i) => ({
    topic: `bench/device-${i}/temp`,
    payload,
    qos: 1,
  }));
  const latencies = new Float64Array(4_000_000);
  let samples = 0;
  let acked = 0;
  const started = performance.now();
  const deadline = started + SCENARIO_MS;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const result = await log.append(records);
      if (result.status !== 'ok') throw new Error(`append: ${result.status}`);
      acked += o.recordsPerAppend;
      if (samples < latencies.length) latencies[samples++] = performance.now() - t;
    }
  };
  const lanes: Promise<void>[] = [];
  for (let a = 0; a < o.appenders * o.inFlightPerAppender; a++) lanes.push(lane());
  await Promise.all(lanes);
  const elapsedS = (performance.now() - started) / 1000;
  await log.close();
  await fs.promises.rm(path.join(dir, name), { recursive: true, force: true });
  const sorted = latencies.subarray(0, samples).sort();
  return {
    msgsPerSec: acked / elapsedS,
    payloadMbPerSec: (acked * o.payloadBytes) / MiB / elapsedS,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    batches,
    recordsPerBatch: batchRecords / Math.max(1, batches),
  };
}

export interface RawDisk {
  noFsyncMBps: number;
  /** Median latency of one 8 KiB write + fdatasync: the floor under a `sync` append. */
  fdatasyncP50Ms: number;
  /** Its mean: what a steady stream of such writes averages, tail included. */
  fdatasyncMeanMs: number;
}

/** The denominators, on the filesystem of `dir`, reported as one line. */
export async function measureRawDisk(dir: string): Promise<RawDisk> {
  const rawNoSync = await rawWrite(dir, undefined);
  const rawSync = await rawWrite(dir, 64); // fdatasync per 1 MiB
  const probe = await fsyncLatency(dir);
  report({
    scenario: 'raw-sequential-write-16KiB',
    noFsyncMBps: round(rawNoSync.mbPerSec),
    fsyncPer1MiBMBps: round(rawSync.mbPerSec),
    fsyncPer1MiBP50Ms: round(rawSync.fsyncP50Ms ?? NaN, 2),
    write8KiBPlusFdatasyncP50Ms: round(probe.p50Ms, 2),
    write8KiBPlusFdatasyncP99Ms: round(probe.p99Ms, 2),
    write8KiBPlusFdatasyncMeanMs: round(probe.meanMs, 2),
    notes: 'denominators: plain fs.write of 16 KiB chunks, without and with fdatasync per 1 MiB',
  });
  return { noFsyncMBps: rawNoSync.mbPerSec, fdatasyncP50Ms: probe.p50Ms, fdatasyncMeanMs: probe.meanMs };
}

/** (a) 16 KiB payloads, async: commitlog MB/s against the raw page-cache write rate. */
export async function runAsync16KiB(dir: string, raw: RawDisk): Promise<void> {
  const a = await runLoad(dir, 'a', {
    log: { fsync: 'async' },
    payloadBytes: 16 * KiB,
    appenders: 1,
    inFlightPerAppender: 64,
    recordsPerAppend: 1,
  });
  const ratio = a.payloadMbPerSec / raw.noFsyncMBps;
  report({
    scenario: 'a-async-16KiB',
    payloadMBps: round(a.payloadMbPerSec),
    rawNoFsyncMBps: round(raw.noFsyncMBps),
    ratioToRaw: round(ratio, 2),
    recordsPerBatch: round(a.recordsPerBatch),
    target: 'ratioToRaw >= 0.60',
    pass: ratio >= 0.6,
  });
}

async function main(): Promise<void> {
  const base = process.argv[2] ?? os.tmpdir();
  const dir = await fs.promises.mkdtemp(path.join(base, 'starling-commitlog-bench-'));
  const benchStarted = performance.now();
  try {
    // Denominators, same filesystem, same run.
    const raw = await measureRawDisk(dir);
    const probe = { p50Ms: raw.fdatasyncP50Ms };
    await runAsync16KiB(dir, raw);

    // (b) sync, 32 concurrent appenders each awaiting its append, 256 B payloads.
    const b = await runLoad(dir, 'b', {
      log: { fsync: 'sync' },
      payloadBytes: 256,
      appenders: 32,
      inFlightPerAppender: 1,
      recordsPerAppend: 1,
    });
    report({
      scenario: 'b-sync-32-appenders-256B',
      msgsPerSec: Math.round(b.msgsPerSec),
      p50Ms: round(b.p50Ms, 2),
      p99Ms: round(b.p99Ms, 2),
      recordsPerBatch: round(b.recordsPerBatch),
      // Little's law: 32 appenders that each wait for an fdatasync cannot exceed 32 / fsync latency.
      boundMsgsPerSec: Math.round(32 / (probe.p50Ms / 1000)),
      target: 'msgsPerSec >= 50000',
      pass: b.msgsPerSec >= 50_000,
    });

    // (b') the same with 8 appends in flight per appender (a gateway pipelines its connections' publishes).
    const b2 = await runLoad(dir, 'b2', {
      log: { fsync: 'sync' },
      payloadBytes: 256,
      appenders: 32,
      inFlightPerAppender: 8,
      recordsPerAppend: 1,
    });
    report({
      scenario: 'b-sync-32-appenders-x8-in-flight-256B',
      msgsPerSec: Math.round(b2.msgsPerSec),
      p50Ms: round(b2.p50Ms, 2),
      p99Ms: round(b2.p99Ms, 2),
      recordsPerBatch: round(b2.recordsPerBatch),
      target: 'msgsPerSec >= 50000',
      pass: b2.msgsPerSec >= 50_000,
    });

    // (c) 256 B, async, one writer pipelining single-record appends (up to 1024 in flight).
    const c = await runLoad(dir, 'c', {
      log: { fsync: 'async' },
      payloadBytes: 256,
      appenders: 1,
      inFlightPerAppender: 1024,
      recordsPerAppend: 1,
    });
    report({
      scenario: 'c-async-single-writer-256B',
      msgsPerSec: Math.round(c.msgsPerSec),
      p50Ms: round(c.p50Ms, 2),
      p99Ms: round(c.p99Ms, 2),
      recordsPerBatch: round(c.recordsPerBatch),
      target: 'msgsPerSec >= 400000 (2x the store-wide 200k/s)',
      pass: c.msgsPerSec >= 400_000,
    });

    // (c') one writer appending 64 records per call (how AppendMessages batches arrive), awaiting each.
    const c2 = await runLoad(dir, 'c2', {
      log: { fsync: 'async' },
      payloadBytes: 256,
      appenders: 1,
      inFlightPerAppender: 1,
      recordsPerAppend: 64,
    });
    report({
      scenario: 'c-async-single-writer-64-per-append-256B',
      msgsPerSec: Math.round(c2.msgsPerSec),
      p50Ms: round(c2.p50Ms, 2),
      recordsPerBatch: round(c2.recordsPerBatch),
      target: 'msgsPerSec >= 400000',
      pass: c2.msgsPerSec >= 400_000,
    });
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  printTable((performance.now() - benchStarted) / 1000, 'shared box: figures are noisy');
}

// Run directly (the `bench:commitlog` script), not when store.bench.ts imports the scenarios.
if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
