/**
 * CPU cost per message of the store's write path, per thread: robust to a shared machine where
 * wall-clock rates swing with other people's load. `node dist-bench/bench/cpu-probe.js [async|sync]`
 * runs the in-process workload of `store.bench.ts` (async: 8 x 1000-message appends in flight;
 * sync: 32 appenders x 1 message) and prints, per thread (from /proc/self/task), the CPU
 * microseconds spent per dispatched message. The main thread and lmdb-js's write thread run on
 * separate cores, so the larger of the two bounds the rate an idle 2-core machine could reach.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import {
  benchDir,
  deviceWorkload,
  openBenchStore,
  registerFilters,
  removeDir,
  runBatchedLoad,
  runSingleAppenders,
} from './store-load';

const CLK_TCK = 100;
const mode = process.argv[2] === 'sync' ? 'sync' : 'async';
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

async function main(): Promise<void> {
  const dir = benchDir(os.tmpdir(), `cpu-probe-${mode}`);
  const store = await openBenchStore(dir, mode);
  const workload = deviceWorkload(10, 100);
  try {
    await registerFilters(store, workload.matchedFilters);
    const run = (ms: number) =>
      mode === 'async'
        ? runBatchedLoad(store, workload, { batchMessages: 1000, lanes: 8, durationMs: ms })
        : runSingleAppenders(store, workload, { appenders: 32, durationMs: ms });
    await run(1000);
    const before = threadTimes();
    const r = await run(durationMs);
    const after = threadTimes();
    const perThread: Record<string, number> = {};
    let total = 0;
    const grouped = new Map<string, number>();
    for (const [key, ticks] of after) {
      const delta = ticks - (before.get(key) ?? 0);
      if (delta <= 0) continue;
      const name = key.split('#')[0]!;
      grouped.set(name, (grouped.get(name) ?? 0) + delta);
      total += delta;
    }
    const busiest: Record<string, number> = {};
    if (process.env.CPU_PROBE_THREADS === '1') {
      for (const [key, ticks] of after) {
        const delta = ticks - (before.get(key) ?? 0);
        if (delta > 0) busiest[key] = Math.round((((delta / CLK_TCK) * 1e6) / r.messages) * 100) / 100;
      }
    }
    for (const [name, ticks] of grouped)
      perThread[name] = Math.round((((ticks / CLK_TCK) * 1e6) / r.messages) * 100) / 100;
    console.log(
      JSON.stringify({
        mode,
        msgsPerSec: Math.round(r.msgsPerSec),
        verified: r.verified,
        messages: r.messages,
        cpuUsPerMsg: perThread,
        ...(process.env.CPU_PROBE_THREADS === '1' ? { threads: busiest } : {}),
        totalCpuUsPerMsg: Math.round((((total / CLK_TCK) * 1e6) / r.messages) * 100) / 100,
        load: os.loadavg().map((l) => Math.round(l * 100) / 100),
      }),
    );
  } finally {
    await store.close();
    await removeDir(dir);
  }
}

void main();
