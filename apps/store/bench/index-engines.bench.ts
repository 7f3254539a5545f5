// Chooses the queue-index engine (docs/adr/0003-queue-index-engine.md).
// No other embedded ordered KV (leveldb, rocksdb, sqlite) is installed in the
// workspace and we add no dependencies, so LMDB (through the real QueueIndex)
// is compared with the two designs the issue warns against: an append-only
// file per queue, and an in-process sorted array per queue with a JSON
// snapshot per batch. Prints one JSON line per scenario, then a table.
// Bounded: every scenario has a size or a time cap; temp dirs are removed.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { open } from 'lmdb';

import { openQueueIndex, type IndexDurability, type IndexEntryInput, type QueueRef } from '../src/queues';

interface Result {
  scenario: string;
  engine: string;
  value: number;
  unit: string;
  note?: string;
}

const results: Result[] = [];
const tempDirs: string[] = [];
const BATCH_MESSAGES = 1_000;
const APPEND_MESSAGES = 200_000;
const TIME_CAP_MS = 6_000;

function report(result: Result): void {
  results.push(result);
  console.log(JSON.stringify(result));
}

function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `starling-bench-${label}-`));
  tempDirs.push(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Deterministic pseudo-random queue choice, so every engine sees the same workload. */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s % n;
  };
}

function queueName(i: number): QueueRef {
  return { kind: 'filter', name: `devices/${i}/cmd` };
}

/** Batches of BATCH_MESSAGES messages, each dispatched to 2 queues chosen among `queueCount`. */
function* workload(
  queueCount: number,
  messages: number,
  batchMessages = BATCH_MESSAGES,
): Generator<IndexEntryInput[]> {
  const pick = rng(42);
  const names =
    queueCount <= 100_000 ? Array.from({ length: queueCount }, (_, i) => queueName(i)) : undefined;
  for (let base = 0; base < messages; base += batchMessages) {
    const batch: IndexEntryInput[] = [];
    for (let m = base; m < base + batchMessages; m++) {
      const position = m * 200;
      for (let j = 0; j < 2; j++) {
        const q = pick(queueCount);
        batch.push({
          queue: names?.[q] ?? queueName(q),
          position,
          size: 200,
          timestampMs: 1_700_000_000_000 + m,
        });
      }
    }
    yield batch;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    total += name.isDirectory() ? dirBytes(path) : statSync(path).blocks * 512;
  }
  return total + statSync(dir).blocks * 512;
}

// ---------------------------------------------------------------- LMDB

async function lmdbAppend(
  queueCount: number,
  durability: IndexDurability,
  batchMessages = BATCH_MESSAGES,
): Promise<void> {
  const dir = tempDir('lmdb');
  const index = openQueueIndex({ dir, durability });
  const started = performance.now();
  let entries = 0;
  let messages = 0;
  for (const batch of workload(queueCount, APPEND_MESSAGES, batchMessages)) {
    index.appendBatch(batch, batch[batch.length - 1]!.position);
    await index.flushed();
    entries += batch.length;
    messages += batchMessages;
    if (performance.now() - started > TIME_CAP_MS) break;
  }
  const seconds = (performance.now() - started) / 1000;
  report({
    scenario: `append 2 queues/msg, ${queueCount} queues`,
    engine: `lmdb (${durability})`,
    value: Math.round(entries / seconds),
    unit: 'entries/s',
    note: `${messages} msgs, batch ${batchMessages} msgs`,
  });
  void index.close().then(() => removeDir(dir));
}

async function lmdbReadLatency(): Promise<void> {
  const dir = tempDir('lmdb-read');
  const index = openQueueIndex({ dir, durability: 'none' });
  for (const batch of workload(1_000, APPEND_MESSAGES))
    index.appendBatch(batch, batch[batch.length - 1]!.position);
  await index.flushed();
  const pick = rng(7);
  const samples: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const queue = queueName(pick(1_000));
    const t = performance.now();
    const result = index.read(queue, 100, 100);
    samples.push(performance.now() - t);
    if (result.status !== 'ok' || result.entries.length !== 100) throw new Error('short read');
  }
  samples.sort((a, b) => a - b);
  report({
    scenario: 'read 100 entries, random queue',
    engine: 'lmdb',
    value: round(percentile(samples, 0.5) * 1000),
    unit: 'µs p50',
    note: `p99 ${round(percentile(samples, 0.99) * 1000)} µs`,
  });
  void index.close().then(() => removeDir(dir));
}

async function lmdbOneEntryQueues(queueCount: number): Promise<void> {
  const dir = tempDir('lmdb-many');
  const index = openQueueIndex({ dir, durability: 'none', maxCachedQueues: 50_000 });
  const started = performance.now();
  for (let base = 0; base < queueCount; base += 10_000) {
    const batch: IndexEntryInput[] = [];
    for (let i = base; i < base + 10_000; i++)
      batch.push({ queue: queueName(i), position: i, size: 200, timestampMs: i });
    index.appendBatch(batch, base + 9_999);
    await index.flushed();
  }
  const createSeconds = (performance.now() - started) / 1000;
  await index.close();
  const bytes = statSync(join(dir, 'data.mdb')).blocks * 512;
  report({
    scenario: `disk per queue, ${queueCount} queues x 1 entry`,
    engine: 'lmdb',
    value: Math.round(bytes / queueCount),
    unit: 'bytes/queue',
    note: `created at ${Math.round(queueCount / createSeconds)} queues/s`,
  });

  const t = performance.now();
  const reopened = openQueueIndex({ dir });
  const checkpoint = reopened.checkpoint();
  const range = reopened.range(queueName(queueCount - 1));
  const ms = performance.now() - t;
  if (checkpoint !== queueCount - 1 || range?.high !== 1) throw new Error('reopen lost data');
  report({
    scenario: `open/recovery, ${queueCount} queues`,
    engine: 'lmdb',
    value: round(ms),
    unit: 'ms',
    note: 'open + checkpoint + first range',
  });

  const trimStarted = performance.now();
  const trimmed = await reopened.trimBefore(queueCount / 2);
  report({
    scenario: `trimBefore half of ${queueCount} queues`,
    engine: 'lmdb',
    value: Math.round(trimmed.queuesTrimmed / ((performance.now() - trimStarted) / 1000)),
    unit: 'queues/s',
  });
  await reopened.close();
  removeDir(dir);
}

/** Key encodings for the same 12-byte (queueId, offset) key: raw putSync, 400k entries in batches of 2,000. */
function lmdbKeyEncodings(): void {
  const variants = ['binary (scratch Buffer)', 'ordered-binary [id, offset]'] as const;
  for (const variant of variants) {
    const dir = tempDir('lmdb-keys');
    const env = open({ path: dir, noSync: true, maxDbs: 2 });
    const db = env.openDB<Buffer, Buffer | number[]>(
      'entries',
      variant.startsWith('binary') ? { keyEncoding: 'binary', encoding: 'binary' } : { encoding: 'binary' },
    );
    const key = Buffer.alloc(12);
    const value = Buffer.alloc(20);
    const high = new Uint32Array(1_000);
    const pick = rng(3);
    const started = performance.now();
    for (let b = 0; b < 200; b++) {
      env.transactionSync(() => {
        for (let i = 0; i < 2_000; i++) {
          const q = pick(1_000);
          const offset = high[q]!++;
          if (variant.startsWith('binary')) {
            key.writeUInt32BE(q, 0);
            key.writeUInt32BE(offset, 8);
            db.putSync(key, value);
          } else db.putSync([q, offset], value);
        }
      });
    }
    report({
      scenario: 'raw key encoding, 1000 queues',
      engine: `lmdb ${variant}`,
      value: Math.round(400_000 / ((performance.now() - started) / 1000)),
      unit: 'entries/s',
    });
    void env.close().then(() => removeDir(dir));
  }
}

// ---------------------------------------------------------------- file per queue

/**
 * One append-only file per queue (20-byte records), a bounded cache of open
 * descriptors, and a checkpoint file rewritten per batch. It cannot make a
 * batch and its checkpoint atomic at all: this measures its best case.
 */
function filePerQueueAppend(queueCount: number): void {
  const dir = tempDir('files');
  const fds = new Map<string, number>();
  const record = Buffer.alloc(20);
  const started = performance.now();
  let entries = 0;
  let messages = 0;
  for (const batch of workload(queueCount, APPEND_MESSAGES)) {
    for (const entry of batch) {
      let fd = fds.get(entry.queue.name);
      if (fd === undefined) {
        if (fds.size >= 1_000) {
          const [oldest, oldFd] = fds.entries().next().value!;
          closeSync(oldFd);
          fds.delete(oldest);
        }
        fd = openSync(join(dir, encodeURIComponent(entry.queue.name)), 'a');
        fds.set(entry.queue.name, fd);
      }
      record.writeUInt32BE(entry.position, 4);
      writeSync(fd, record);
    }
    writeFileSync(join(dir, 'checkpoint'), String(batch[batch.length - 1]!.position));
    entries += batch.length;
    messages += BATCH_MESSAGES;
    if (performance.now() - started > TIME_CAP_MS) break;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const fd of fds.values()) closeSync(fd);
  report({
    scenario: `append 2 queues/msg, ${queueCount} queues`,
    engine: 'file per queue',
    value: Math.round(entries / seconds),
    unit: 'entries/s',
    note: `${messages} msgs (time cap ${TIME_CAP_MS} ms), no fsync, not atomic`,
  });

  if (queueCount === 1_000) {
    const pick = rng(7);
    const samples: number[] = [];
    const buffer = Buffer.alloc(2_000);
    for (let i = 0; i < 2_000; i++) {
      const t = performance.now();
      const fd = openSync(join(dir, encodeURIComponent(queueName(pick(1_000)).name)), 'r');
      readSync(fd, buffer, 0, 2_000, 100 * 20);
      closeSync(fd);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    report({
      scenario: 'read 100 entries, random queue',
      engine: 'file per queue',
      value: round(percentile(samples, 0.5) * 1000),
      unit: 'µs p50',
      note: `p99 ${round(percentile(samples, 0.99) * 1000)} µs`,
    });
  }
  removeDir(dir);
}

/** Measured on `sample` one-entry queues (creating a million files is itself the problem) and reported per queue. */
function filePerQueueOneEntry(sample: number, queueCount: number): void {
  const dir = tempDir('files-many');
  mkdirSync(join(dir, 'q'));
  const record = Buffer.alloc(20);
  const started = performance.now();
  for (let i = 0; i < sample; i++) writeFileSync(join(dir, 'q', String(i)), record);
  const createSeconds = (performance.now() - started) / 1000;
  report({
    scenario: `disk per queue, ${queueCount} queues x 1 entry`,
    engine: 'file per queue',
    value: Math.round(dirBytes(dir) / sample),
    unit: 'bytes/queue',
    note: `measured on ${sample} files, created at ${Math.round(sample / createSeconds)} queues/s`,
  });

  const t = performance.now();
  let highs = 0;
  for (const name of readdirSync(join(dir, 'q'))) highs += statSync(join(dir, 'q', name)).size / 20;
  const ms = ((performance.now() - t) * queueCount) / sample;
  if (highs !== sample) throw new Error('lost files');
  report({
    scenario: `open/recovery, ${queueCount} queues`,
    engine: 'file per queue',
    value: round(ms),
    unit: 'ms',
    note: `readdir + stat, extrapolated from ${sample}`,
  });
  removeDir(dir);
}

// ---------------------------------------------------------------- sorted arrays + JSON snapshot

/** Every queue an in-memory array; the batch + checkpoint become durable only by rewriting the whole snapshot. */
function jsonSnapshotAppend(queueCount: number): void {
  const dir = tempDir('json');
  const queues = new Map<string, number[]>();
  const started = performance.now();
  let entries = 0;
  let messages = 0;
  for (const batch of workload(queueCount, APPEND_MESSAGES)) {
    for (const entry of batch) {
      let list = queues.get(entry.queue.name);
      if (list === undefined) queues.set(entry.queue.name, (list = []));
      list.push(entry.position, entry.size, entry.timestampMs);
    }
    writeFileSync(
      join(dir, 'snapshot.json'),
      JSON.stringify({ checkpoint: batch[batch.length - 1]!.position, queues: [...queues] }),
    );
    entries += batch.length;
    messages += BATCH_MESSAGES;
    if (performance.now() - started > TIME_CAP_MS) break;
  }
  const seconds = (performance.now() - started) / 1000;
  report({
    scenario: `append 2 queues/msg, ${queueCount} queues`,
    engine: 'sorted array + JSON snapshot',
    value: Math.round(entries / seconds),
    unit: 'entries/s',
    note: `${messages} msgs (time cap ${TIME_CAP_MS} ms); snapshot per batch grows with total size`,
  });

  if (queueCount === 1_000) {
    const pick = rng(7);
    const samples: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t = performance.now();
      const slice = queues.get(queueName(pick(1_000)).name)!.slice(300, 600);
      samples.push(performance.now() - t);
      if (slice.length === 0) throw new Error('short read');
    }
    samples.sort((a, b) => a - b);
    report({
      scenario: 'read 100 entries, random queue',
      engine: 'sorted array + JSON snapshot',
      value: round(percentile(samples, 0.5) * 1000),
      unit: 'µs p50',
      note: `p99 ${round(percentile(samples, 0.99) * 1000)} µs (in memory)`,
    });
  }
  removeDir(dir);
}

function jsonSnapshotOneEntry(queueCount: number): void {
  const dir = tempDir('json-many');
  const queues: Array<[string, number[]]> = [];
  for (let i = 0; i < queueCount; i++) queues.push([queueName(i).name, [i, 200, i]]);
  const path = join(dir, 'snapshot.json');
  const started = performance.now();
  writeFileSync(path, JSON.stringify({ checkpoint: queueCount - 1, queues }));
  const writeMs = performance.now() - started;
  report({
    scenario: `disk per queue, ${queueCount} queues x 1 entry`,
    engine: 'sorted array + JSON snapshot',
    value: Math.round(statSync(path).size / queueCount),
    unit: 'bytes/queue',
    note: `one snapshot write takes ${round(writeMs)} ms`,
  });

  const heapBefore = process.memoryUsage().heapUsed;
  const t = performance.now();
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { queues: Array<[string, number[]]> };
  const map = new Map(parsed.queues);
  const ms = performance.now() - t;
  if (map.size !== queueCount) throw new Error('lost queues');
  report({
    scenario: `open/recovery, ${queueCount} queues`,
    engine: 'sorted array + JSON snapshot',
    value: round(ms),
    unit: 'ms',
    note: `parse + Map; heap +${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)} MB resident`,
  });
  removeDir(dir);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function printTable(): void {
  const rows = results.map((r) => [
    r.scenario,
    r.engine,
    `${r.value.toLocaleString('en-US')} ${r.unit}`,
    r.note ?? '',
  ]);
  const header = ['scenario', 'engine', 'result', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const started = performance.now();
  try {
    lmdbKeyEncodings();
    for (const queueCount of [1_000, 1_000_000]) {
      for (const durability of ['overlapping', 'sync', 'none'] as const)
        await lmdbAppend(queueCount, durability);
      await lmdbAppend(queueCount, 'overlapping', 10_000);
      filePerQueueAppend(queueCount);
      jsonSnapshotAppend(queueCount);
    }
    await lmdbReadLatency();
    await lmdbOneEntryQueues(1_000_000);
    filePerQueueOneEntry(50_000, 1_000_000);
    jsonSnapshotOneEntry(1_000_000);
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const dir of tempDirs) removeDir(dir);
  }
  printTable();
  console.log(`\ntotal ${round((performance.now() - started) / 1000)} s`);
}

void main();
