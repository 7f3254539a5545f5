/**
 * In-process load on a real `Store`: the append path the gRPC handler calls (validation, record
 * properties, commitlog, group commit), then dispatch into the LMDB queue index. Throughput is counted
 * until `store.dispatched()` resolves after the last append, and checked against the index's end
 * offsets, so a figure never counts a message that is not readable from its queues.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstLevel } from '@starling/mqtt-topic';
import { createLogger } from '@starling/observability';
import { loadStoreConfig, type FsyncPolicy, type StoreConfig } from '../src/config';
import { Store, type AppendInput } from '../src/store';
import { percentile } from './bench-report';

export const PAYLOAD_BYTES = 256;
/** Gateways stamp every message with its publisher; the bench pays for that record property too. */
export const PUBLISHER_CLIENT_ID = 'bench-publisher';

/** Topics to publish to and the one registered filter each of them matches. */
export interface Workload {
  topics: string[];
  /** Every filter some topic matches: the filter queues the verification sums. */
  matchedFilters: string[];
}

/** `t<k>/dev<i>/x` with an exact filter per topic: each message lands in `t<k>` and in its filter's queue. */
export function deviceWorkload(firstLevels: number, devices: number): Workload {
  const topics: string[] = [];
  for (let i = 0; i < devices; i++) for (let k = 0; k < firstLevels; k++) topics.push(`t${k}/dev${i}/x`);
  return { topics, matchedFilters: topics };
}

export function benchConfig(
  dataDir: string,
  fsync: FsyncPolicy,
  env: Record<string, string> = {},
): StoreConfig {
  return loadStoreConfig({
    STORE_DATA_DIR: dataDir,
    STORE_FSYNC: fsync,
    STORE_GRPC_HOST: '127.0.0.1',
    STORE_GRPC_PORT: '0',
    STORE_OPS_PORT: '0',
    LOG_LEVEL: 'silent',
    // Experiments: BENCH_STORE_INDEX_COMMIT_INTERVAL=0 sets STORE_INDEX_COMMIT_INTERVAL, and so on.
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter(([k, v]) => k.startsWith('BENCH_STORE_') && v !== undefined)
        .map(([k, v]) => [k.slice('BENCH_'.length), v!]),
    ),
    ...env,
  }).config;
}

export async function openBenchStore(dataDir: string, fsync: FsyncPolicy): Promise<Store> {
  const config = benchConfig(dataDir, fsync);
  return Store.open({ ...config, logger: createLogger({ service: 'store', level: 'silent' }) });
}

export async function removeDir(dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true });
}

export function benchDir(base: string, name: string): string {
  return fs.mkdtempSync(path.join(base, `${name}-`));
}

/** Registers with up to `concurrency` calls in flight (the state store commits those of one turn together). */
export async function registerFilters(
  store: Store,
  filters: readonly string[],
  concurrency = 1000,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < filters.length; i += concurrency) {
    const outcomes = await Promise.all(
      filters.slice(i, i + concurrency).map((f) => store.registerFilter(f, 'bench-holder', 0)),
    );
    for (const o of outcomes) if (o.status !== 'ok') throw new Error(`registerFilter: ${o.status}`);
  }
  return performance.now() - started;
}

/** `count` batches of `size` messages over the workload's topics, stepping through them in order. */
export function buildBatches(topics: readonly string[], size: number, count: number): AppendInput[][] {
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x42);
  const batches: AppendInput[][] = [];
  let t = 0;
  for (let b = 0; b < count; b++) {
    const batch: AppendInput[] = [];
    for (let i = 0; i < size; i++) {
      batch.push({
        topic: topics[t++ % topics.length]!,
        payload,
        qos: 1,
        retain: false,
        timestampMs: 0,
        publisherClientId: PUBLISHER_CLIENT_ID,
        properties: undefined,
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Entries in the workload's queues: its first-level topic queues and its filter queues, summed apart. */
export function indexTotals(
  store: Store,
  workload: Workload,
): { topicEntries: number; filterEntries: number } {
  const levels = new Set(workload.topics.map((t) => firstLevel(t)));
  let topicEntries = 0;
  for (const name of levels) topicEntries += store.index.range({ kind: 'topic', name })?.high ?? 0;
  let filterEntries = 0;
  for (const name of workload.matchedFilters)
    filterEntries += store.index.range({ kind: 'filter', name })?.high ?? 0;
  return { topicEntries, filterEntries };
}

/** True when `messages` new messages each added one entry to a topic queue and one to a filter queue. */
export function verifyDispatch(
  before: ReturnType<typeof indexTotals>,
  after: ReturnType<typeof indexTotals>,
  messages: number,
): boolean {
  return (
    after.topicEntries - before.topicEntries === messages &&
    after.filterEntries - before.filterEntries === messages
  );
}

export interface ThroughputFigures {
  messages: number;
  /** Messages per second from the first append until every one of them is in the index. */
  msgsPerSec: number;
  /** Messages per second acknowledged by `append` (dispatch may still be catching up). */
  ackedMsgsPerSec: number;
  /** How long dispatch ran on after the last append was acknowledged. */
  dispatchTailMs: number;
  verified: boolean;
}

/**
 * `lanes` loops, each appending one pre-built batch and awaiting it, until `durationMs` is up; then
 * waits for dispatch. Batches rotate, so every lane publishes over the whole topic set.
 */
export async function runBatchedLoad(
  store: Store,
  workload: Workload,
  options: { batchMessages: number; lanes: number; durationMs: number },
): Promise<ThroughputFigures> {
  const batches = buildBatches(workload.topics, options.batchMessages, 64);
  await store.dispatched();
  const before = indexTotals(store, workload);
  let messages = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const batch = batches[next++ % batches.length]!;
      const outcome = await store.append(batch);
      if (outcome.status !== 'ok') throw new Error(`append: ${outcome.status}`);
      messages += batch.length;
    }
  };
  await Promise.all(Array.from({ length: options.lanes }, lane));
  const acked = performance.now();
  await store.dispatched();
  const done = performance.now();
  const after = indexTotals(store, workload);
  return {
    messages,
    msgsPerSec: messages / ((done - started) / 1000),
    ackedMsgsPerSec: messages / ((acked - started) / 1000),
    dispatchTailMs: done - acked,
    verified: verifyDispatch(before, after, messages),
  };
}

export interface LatencyFigures extends ThroughputFigures {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** `appenders` loops, each appending ONE message and awaiting it before the next (MQTT QoS 1, one in flight). */
export async function runSingleAppenders(
  store: Store,
  workload: Workload,
  options: { appenders: number; durationMs: number },
): Promise<LatencyFigures> {
  const singles = buildBatches(workload.topics, 1, workload.topics.length);
  await store.dispatched();
  const before = indexTotals(store, workload);
  const latencies = new Float64Array(2_000_000);
  let samples = 0;
  let messages = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const appender = async (a: number): Promise<void> => {
    let i = a;
    while (performance.now() < deadline) {
      const t = performance.now();
      const outcome = await store.append(singles[i % singles.length]!);
      if (outcome.status !== 'ok') throw new Error(`append: ${outcome.status}`);
      if (samples < latencies.length) latencies[samples++] = performance.now() - t;
      messages++;
      i += options.appenders;
    }
  };
  await Promise.all(Array.from({ length: options.appenders }, (_, a) => appender(a)));
  const acked = performance.now();
  await store.dispatched();
  const done = performance.now();
  const after = indexTotals(store, workload);
  const sorted = latencies.subarray(0, samples).sort();
  return {
    messages,
    msgsPerSec: messages / ((done - started) / 1000),
    ackedMsgsPerSec: messages / ((acked - started) / 1000),
    dispatchTailMs: done - acked,
    verified: verifyDispatch(before, after, messages),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
  };
}
