/**
 * CPU cost per message of the store's write path, per thread: robust to a shared machine where
 * wall-clock rates swing with other people's load. `node dist-bench/bench/cpu-probe.js [async|sync|grpc|grpc-sync]`
 * runs a workload of `store.bench.ts` (async: 8 x 1000-message appends in flight; sync: 32 appenders x
 * 1 message; grpc: the gRPC batched scenario, 8 AppendMessages of 500 in flight from a worker-thread client;
 * grpc-sync: 32 AppendMessages of 1 message in flight against a `sync` store; with PROBE_STREAM=1 the gRPC
 * modes send their batches on one AppendStream instead) and prints, per thread (from
 * /proc/self/task), the CPU microseconds spent per dispatched message. The main thread and lmdb-js's write
 * thread run on separate cores, so the larger of the two bounds the rate an idle 2-core machine could reach.
 * In the gRPC modes the client's thread is reported as `client` (the thread that appeared with the worker and
 * spent the most), and the store's threads apart from it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createLogger } from '@starling/observability';
import { startStoreServer } from '../src/store-server';
import { grpcLoad } from './grpc-load';
import {
  benchConfig,
  benchDir,
  deviceWorkload,
  openBenchStore,
  registerFilters,
  removeDir,
  runBatchedLoad,
  runSingleAppenders,
} from './store-load';

const CLK_TCK = 100;
const MODES = ['async', 'sync', 'grpc', 'grpc-sync'] as const;
const mode = MODES.find((m) => m === process.argv[2]) ?? 'async';
const durationMs = Number(process.env.BENCH_SCENARIO_MS ?? 5000);

function threadTimes(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const name = tid === String(process.pid) ? 'main' : comm;
    out.set(`${name}#${tid}`, ticks);
  }
  return out;
}

interface Probe {
  msgsPerSec: number;
  verified: boolean;
  messages: number;
  calls?: number;
  before: Map<string, number>;
  after: Map<string, number>;
  /** Threads that appeared with the gRPC client's worker. */
  workerThreads: ReadonlySet<string>;
}

async function probeInProcess(dir: string, workload: ReturnType<typeof deviceWorkload>): Promise<Probe> {
  const store = await openBenchStore(dir, mode === 'sync' ? 'sync' : 'async');
  try {
    await registerFilters(store, workload.matchedFilters);
    const run = (ms: number) =>
      mode === 'async'
        ? runBatchedLoad(store, workload, { batchMessages: 1000, lanes: 8, durationMs: ms })
        : runSingleAppenders(store, workload, { appenders: 32, durationMs: ms });
    await run(1000);
    const before = threadTimes();
    const r = await run(durationMs);
    return { ...r, before, after: threadTimes(), workerThreads: new Set() };
  } finally {
    await store.close();
  }
}

async function probeGrpc(dir: string, workload: ReturnType<typeof deviceWorkload>): Promise<Probe> {
  const server = await startStoreServer({
    config: benchConfig(dir, mode === 'grpc' ? 'async' : 'sync'),
    logger: createLogger({ service: 'store', level: 'silent' }),
  });
  try {
    await registerFilters(server.store, workload.matchedFilters);
    const existing = new Set(threadTimes().keys());
    const workerThreads = new Set<string>();
    let before = new Map<string, number>();
    let clientDone = new Map<string, number>();
    const r = await grpcLoad(
      server.store,
      workload,
      {
        address: `127.0.0.1:${server.grpcPort}`,
        messagesPerCall: mode === 'grpc' ? 500 : 1,
        stream: process.env['PROBE_STREAM'] === '1',
        lanes: mode === 'grpc' ? 8 : 32,
        channels: 1,
        durationMs,
      },
      {
        onWorkerStarted: () => {
          for (const key of threadTimes().keys()) if (!existing.has(key)) workerThreads.add(key);
        },
        onMeasureStart: () => {
          before = threadTimes();
        },
        onClientDone: () => {
          clientDone = threadTimes();
        },
      },
    );
    // The client's threads end with it: their time is read when it is done, the store's once dispatch is.
    const after = threadTimes();
    for (const key of workerThreads) after.set(key, clientDone.get(key) ?? 0);
    return { ...r, before, after, workerThreads };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const dir = benchDir(os.tmpdir(), `cpu-probe-${mode}`);
  const workload = deviceWorkload(10, 100);
  try {
    const r =
      mode === 'grpc' || mode === 'grpc-sync'
        ? await probeGrpc(dir, workload)
        : await probeInProcess(dir, workload);
    const { before, after } = r;
    const usPerMsg = (ticks: number): number =>
      Math.round((((ticks / CLK_TCK) * 1e6) / r.messages) * 100) / 100;
    const deltas = new Map<string, number>();
    for (const [key, ticks] of after) {
      const delta = ticks - (before.get(key) ?? 0);
      if (delta > 0) deltas.set(key, delta);
    }
    // The client's event loop: of the worker's threads, the one that spent the most.
    let client: string | undefined;
    for (const key of r.workerThreads)
      if ((deltas.get(key) ?? 0) > (client === undefined ? 0 : (deltas.get(client) ?? 0))) client = key;
    const grouped = new Map<string, number>();
    let total = 0;
    for (const [key, delta] of deltas) {
      const name = key === client ? 'client' : key.split('#')[0]!;
      grouped.set(name, (grouped.get(name) ?? 0) + delta);
      total += delta;
    }
    const perThread: Record<string, number> = {};
    for (const [name, ticks] of grouped) perThread[name] = usPerMsg(ticks);
    const threads: Record<string, number> = {};
    if (process.env.CPU_PROBE_THREADS === '1')
      for (const [key, ticks] of deltas) threads[key] = usPerMsg(ticks);
    const clientTicks = client === undefined ? 0 : (deltas.get(client) ?? 0);
    console.log(
      JSON.stringify({
        mode,
        msgsPerSec: Math.round(r.msgsPerSec),
        verified: r.verified,
        messages: r.messages,
        ...(r.calls === undefined ? {} : { calls: r.calls }),
        cpuUsPerMsg: perThread,
        ...(process.env.CPU_PROBE_THREADS === '1' ? { threads } : {}),
        totalCpuUsPerMsg: usPerMsg(total),
        storeCpuUsPerMsg: usPerMsg(total - clientTicks),
        load: os.loadavg().map((l) => Math.round(l * 100) / 100),
      }),
    );
  } finally {
    await removeDir(dir);
  }
}

void main();
