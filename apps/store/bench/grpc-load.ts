/**
 * The gRPC load of the store bench: a client in a worker thread (grpc-append-worker.ts) sends AppendMessages to a
 * store server, and the figures count a message once it is in its queues. Shared by store.bench.ts and
 * cpu-probe.ts.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Store } from '../src/store';
import { percentile } from './bench-report';
import type { GrpcLoadRequest, GrpcLoadResult } from './grpc-append-worker';
import { PAYLOAD_BYTES, PUBLISHER_CLIENT_ID, indexTotals, verifyDispatch, type Workload } from './store-load';

/**
 * The measured load runs this long before every gRPC scenario (`BENCH_GRPC_WARMUP_MS`): grpc-js and node:http2
 * reach their steady CPU cost per call only after 2-3 s of V8 optimization on this machine (ADR 0020).
 */
export const GRPC_WARMUP_MS = Number(process.env.BENCH_GRPC_WARMUP_MS ?? 3000);

/** Runs the gRPC client in a worker thread; `onReady` runs between its warm-up and its measured run. */
function runGrpcWorker(
  request: GrpcLoadRequest,
  onReady: () => Promise<void>,
  onWorkerStarted?: () => void,
  onClientDone?: () => void,
): Promise<GrpcLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'grpc-append-worker.js'), { workerData: request });
    worker.once('online', () => onWorkerStarted?.());
    worker.on('message', (m: { ready?: true; result?: GrpcLoadResult }) => {
      if (m.ready) onReady().then(() => worker.postMessage('go'), reject);
      else if (m.result) {
        onClientDone?.();
        worker.postMessage('exit');
        resolve(m.result);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`gRPC worker exited with ${code}`));
    });
  });
}

export interface GrpcFigures {
  messages: number;
  calls: number;
  msgsPerSec: number;
  ackedMsgsPerSec: number;
  dispatchTailMs: number;
  verified: boolean;
  callP50Ms: number;
  callP99Ms: number;
  callP999Ms: number;
}

export interface GrpcLoadHooks {
  /** The worker thread is running (its threads exist). */
  onWorkerStarted?(): void;
  /** Warm-up is over; the measured run starts next. */
  onMeasureStart?(): void;
  /** The client has sent its last call and got its answer; its thread still exists. */
  onClientDone?(): void;
}

export async function grpcLoad(
  store: Store,
  workload: Workload,
  request: Omit<GrpcLoadRequest, 'topics' | 'payloadBytes' | 'publisherClientId' | 'warmupMs'>,
  hooks: GrpcLoadHooks = {},
): Promise<GrpcFigures> {
  let before = indexTotals(store, workload);
  const result = await runGrpcWorker(
    {
      ...request,
      warmupMs: GRPC_WARMUP_MS,
      topics: workload.topics,
      payloadBytes: PAYLOAD_BYTES,
      publisherClientId: PUBLISHER_CLIENT_ID,
    },
    async () => {
      await store.dispatched();
      before = indexTotals(store, workload);
      hooks.onMeasureStart?.();
    },
    hooks.onWorkerStarted,
    hooks.onClientDone,
  );
  await store.dispatched();
  const doneAtMs = performance.timeOrigin + performance.now();
  const after = indexTotals(store, workload);
  const sorted = Float64Array.from(result.latenciesMs).sort();
  return {
    messages: result.messages,
    calls: result.calls,
    msgsPerSec: result.messages / ((doneAtMs - result.startedAtMs) / 1000),
    ackedMsgsPerSec: result.messages / ((result.endedAtMs - result.startedAtMs) / 1000),
    dispatchTailMs: doneAtMs - result.endedAtMs,
    verified: verifyDispatch(before, after, result.messages),
    callP50Ms: percentile(sorted, 50),
    callP99Ms: percentile(sorted, 99),
    callP999Ms: percentile(sorted, 99.9),
  };
}
