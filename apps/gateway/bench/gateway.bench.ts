/**
 * Gateway benchmark: `pnpm --filter @starling/gateway bench`. In ONE run, against each target:
 *   - starling-standalone    store + notifier + gateway in this process (in-process event bus);
 *   - starling-multi-process nats-server, store, notifier and gateway processes (when dist/ and
 *                            nats-server exist);
 *   - aedes                  Aedes in this process on a net server (in-memory persistence);
 * runs fan-in (20 publishers -> 1 wildcard subscriber), fan-out (1 -> 100 subscribers), point-to-point
 * (50 pairs), each at QoS 0 and 1, in BENCH_ROUNDS rounds (default 3) where the targets take turns, then
 * 10,000 idle connections. Every client runs in a child process (load-clients.ts, idle-clients.ts) so that the
 * in-process servers keep their CPU and memory; point-to-point and fan-in in two, started together (see
 * P2P_CLIENT_PROCESSES). Prints one JSON line per scenario and round: delivered msgs/s, end-to-end latency
 * p50/p99, loss, duplicates, memory per idle connection; then medians over the rounds, the standalone-vs-Aedes
 * comparison of the QoS 1 flows, and a table. Only 127.0.0.1; every scenario is bounded in time and
 * count.
 *
 * BENCH_SCENARIO_MS (default 1000) load per scenario, after BENCH_WARMUP_MS (default 1000) of every flow per target; BENCH_QOS0_RATE (default 20000) offered QoS 0 msgs/s; BENCH_IDLE_CONNECTIONS (default 10000);
 * BENCH_TARGETS (default all) e.g. "standalone,aedes"; BENCH_SCENARIOS (default all) e.g. "fan-in,idle";
 * BENCH_QOS (default "0,1"); BENCH_AT_REST_QUIET_MS (default 12000, see memoryAtRest); BENCH_GATEWAY_ALLOCATOR
 * (default jemalloc, as the image; glibc to compare); BENCH_GATEWAY_ACL_FILE (an ACL for the Starling gateways);
 * BENCH_STORE_FSYNC (default async: Aedes keeps nothing on disk either; 'sync' measures the product default).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Aedes } from 'aedes';
import { cpuShare, loadedAllocator, readCpuTimes, workspaceRoot } from '@starling/test-harness';
import { memorySample, type MemorySample } from './gc-probe';
import type { LoadSpec } from './load-clients';
import { startMultiProcessShape, startStandaloneShape } from '../test/support/system-shapes';

const SCENARIO_MS = Number(process.env['BENCH_SCENARIO_MS'] ?? 1_000);
/**
 * Each target first runs every selected flow for this long, unmeasured (BENCH_WARMUP_MS, default 1000; 0: off):
 * both brokers run compiled code when measured, and the first scenario is not the one that pays for the JIT.
 */
const WARMUP_MS = Number(process.env['BENCH_WARMUP_MS'] ?? 1_000);
/** Rounds of every flow per target (BENCH_ROUNDS, default 3): the summary reports medians over them. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const DRAIN_MS = 2_000;
const IDLE_CONNECTIONS = Number(process.env['BENCH_IDLE_CONNECTIONS'] ?? 10_000);
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'standalone,multi-process,aedes').split(',');
const FSYNC = process.env['BENCH_STORE_FSYNC'] ?? 'async';
/**
 * QoS 0 has no flow control: an open-loop flood only measures queueing collapse (and overflows Aedes'
 * stack). QoS 0 publishers share this offered rate (messages/s), sent in 10 ms ticks.
 */
const QOS0_OFFERED_PER_SEC = Number(process.env['BENCH_QOS0_RATE'] ?? 20_000);
/** Extra Node options for the load clients' processes (profiling: `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const CLIENT_NODE_ARGS = (process.env['BENCH_CLIENT_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
/**
 * Client processes of point-to-point (BENCH_P2P_CLIENT_PROCESSES, default 2), each with its share of the 50
 * pairs, and of fan-in (BENCH_FAN_IN_CLIENT_PROCESSES, default 2), each with its share of the 20 publishers
 * (the subscriber in the first). One process of mqtt.js clients saturates its thread first: with one, the rate
 * was 1 / (client CPU per message) against both brokers, and said nothing about the broker. Fan-out runs in one
 * process.
 */
const P2P_CLIENT_PROCESSES = Math.max(1, Number(process.env['BENCH_P2P_CLIENT_PROCESSES'] ?? 2));
const FAN_IN_CLIENT_PROCESSES = Math.max(1, Number(process.env['BENCH_FAN_IN_CLIENT_PROCESSES'] ?? 2));
/** An ACL file for the Starling targets' gateways (GATEWAY_ACL_FILE): what topic authorization costs. */
const ACL_FILE = process.env['BENCH_GATEWAY_ACL_FILE'];
const aclEnv = (): Record<string, string> => (ACL_FILE === undefined ? {} : { GATEWAY_ACL_FILE: ACL_FILE });
/** `glibc` runs the multi-process gateway on glibc's malloc instead of the image's jemalloc (ADR 0025). */
const GATEWAY_ALLOCATOR = process.env['BENCH_GATEWAY_ALLOCATOR'] ?? 'jemalloc';
/** Quiet time before each at-rest sample (see `memoryAtRest`). */
const AT_REST_QUIET_MS = Number(process.env['BENCH_AT_REST_QUIET_MS'] ?? 12_000);
/** Whole-run guard: the bench never runs longer than this. */
const RUN_LIMIT_MS = 900_000;
/** BENCH_SCENARIOS (default all): e.g. "fan-in,point-to-point,idle"; BENCH_QOS (default "0,1"). */
const ONLY = (process.env['BENCH_SCENARIOS'] ?? 'fan-in,fan-out,point-to-point,idle').split(',');
const SCENARIOS = (['fan-in', 'fan-out', 'point-to-point'] as const).filter((s) => ONLY.includes(s));
const QOS_LEVELS = (process.env['BENCH_QOS'] ?? '0,1').split(',').map(Number) as QoS[];

type QoS = 0 | 1;

interface Target {
  name: string;
  url: string;
  port: number;
  /** Server-side memory after a full GC: of the gateway process, or of this process when in-process. */
  memory(): MemorySample | Promise<MemorySample>;
  /** The process whose memory `memory()` samples. */
  memoryPid: number;
  /** CPU seconds (user + system, every thread) used so far by the server side: this process or the services. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** This process's CPU time, every thread included (the store's LMDB write thread too). */
function inProcessCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds of other processes, from /proc/<pid>/stat (utime + stime in clock ticks of 1/100 s). */
function processesCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return NaN; // not Linux, or the process is gone
    }
  }
  return ticks / 100;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Voluntary context switches of this process's main thread: the times its event loop blocked waiting. */
function mainThreadSleeps(): number {
  const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

function inProcessMemory(): MemorySample {
  return memorySample();
}

/** Memory of the gateway process after a full GC (gc-probe.ts answers SIGUSR2). */
async function gatewayProcessMemory(pid: number, file: string): Promise<MemorySample> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  // A full GC of a gateway still busy with the last scenario can take a while: up to 10 s.
  for (let i = 0; i < 500 && !existsSync(file); i++) await sleep(20);
  if (!existsSync(file)) throw new Error(`the gateway process ${pid} did not answer the memory probe`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as MemorySample;
  rmSync(file, { force: true });
  return m;
}

async function startAedes(): Promise<Target> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    name: 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    memory: inProcessMemory,
    memoryPid: process.pid,
    cpuSeconds: inProcessCpuSeconds,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startStandaloneTarget(): Promise<Target> {
  const shape = await startStandaloneShape({ storeEnv: { STORE_FSYNC: FSYNC }, gatewayEnv: aclEnv() });
  const url = shape.mqttUrl(0);
  return {
    name: 'starling-standalone',
    url,
    port: Number(new URL(url).port),
    memory: inProcessMemory,
    memoryPid: process.pid,
    cpuSeconds: inProcessCpuSeconds,
    stop: () => shape.stop(),
  };
}

async function startMultiProcessTarget(): Promise<Target | undefined> {
  const root = workspaceRoot();
  for (const app of ['store', 'notifier', 'gateway']) {
    if (!existsSync(join(root, 'apps', app, 'dist', 'main.js'))) {
      process.stderr.write(`skipping multi-process: apps/${app}/dist/main.js missing (pnpm build)\n`);
      return undefined;
    }
  }
  // The gateway process gets a GC probe: SIGUSR2 runs a full GC and writes its memoryUsage() to a file.
  const memoryFile = join(tmpdir(), `starling-bench-gateway-memory-${process.pid}.json`);
  const shape = await startMultiProcessShape({
    storeEnv: { STORE_FSYNC: FSYNC },
    gatewayEnv: {
      NODE_OPTIONS: `--expose-gc --require ${join(__dirname, 'gc-probe.js')}`,
      BENCH_MEMORY_FILE: memoryFile,
      ...aclEnv(),
      // The gateway runs on the image's allocator (ADR 0025); `BENCH_GATEWAY_ALLOCATOR=glibc` compares.
      ...(GATEWAY_ALLOCATOR === 'glibc' ? { LD_PRELOAD: '' } : {}),
    },
    logLevel: 'info',
  }).catch((e: unknown) => {
    process.stderr.write(`skipping multi-process: ${e instanceof Error ? e.message : String(e)}\n`);
    return undefined;
  });
  if (shape === undefined) return undefined;
  const url = shape.mqttUrl(0);
  const gatewayPid = shape.gateways[0]!.pid;
  return {
    name: 'starling-multi-process',
    url,
    port: Number(new URL(url).port),
    memory: () => gatewayProcessMemory(gatewayPid, memoryFile),
    memoryPid: gatewayPid,
    // Every service of the topology, nats-server included.
    cpuSeconds: () =>
      processesCpuSeconds([
        ...shape.stores.map((s) => s.pid),
        shape.notifier.pid,
        ...shape.gateways.map((g) => g.pid),
        shape.nats.pid,
      ]),
    stop: () => shape.stop(),
  };
}

/** One flow's result line (load-clients.ts) with the server side's CPU. */
interface FlowResult extends Record<string, unknown> {
  target: string;
  scenario: string;
  deliveredPerSec?: number;
  serverCpuUsPerMessage?: number | null;
  serverSleepsPerMessage?: number | null;
  /** Share of the VM's CPU time the hypervisor withheld during the flow (`/proc/stat`), when readable. */
  stealPct?: number;
}

/** A load-clients result line; `partCounts` and `partLatenciesMs` only when it ran a part of its flow. */
interface PartResult extends Record<string, unknown> {
  scenario: string;
  sent: number;
  expected: number;
  delivered: number;
  partCounts?: {
    received: number;
    cpuUs: number;
    reads: number;
    writes: number;
    elapsedMs: number;
    sendMs: number;
    packets: Record<string, number>;
  };
  partLatenciesMs?: number[];
}

/** One flow's result from its parts: counts added up, rates over the longest part, percentiles of all latencies. */
function mergeParts(parts: readonly PartResult[]): PartResult {
  const counts = parts.map((p) => {
    if (!p.partCounts || !p.partLatenciesMs) throw new Error('load clients: a part without its counts');
    return p.partCounts;
  });
  const sum = (f: (c: (typeof counts)[number]) => number): number => counts.reduce((t, c) => t + f(c), 0);
  const sent = parts.reduce((t, p) => t + p.sent, 0);
  const expected = parts.reduce((t, p) => t + p.expected, 0);
  const delivered = parts.reduce((t, p) => t + p.delivered, 0);
  const latencies = parts.flatMap((p) => p.partLatenciesMs!).sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const perMessage = (n: number, digits: number): number | null =>
    delivered > 0 ? round(n / delivered, digits) : null;
  const packets = new Map<string, number>();
  for (const c of counts)
    for (const [cmd, n] of Object.entries(c.packets)) packets.set(cmd, (packets.get(cmd) ?? 0) + n);
  const { partCounts: _counts, partLatenciesMs: _latencies, ...first } = parts[0]!;
  return {
    ...first,
    sent,
    expected,
    delivered,
    deliveredPerSec: round((delivered / Math.max(...counts.map((c) => c.elapsedMs))) * 1000, 0),
    publishedPerSec: round((sent / Math.max(...counts.map((c) => c.sendMs))) * 1000, 0),
    latencyP50Ms: round(at(0.5)),
    latencyP99Ms: round(at(0.99)),
    loss: expected - delivered,
    duplicates: sum((c) => c.received) - delivered,
    clientCpuUsPerMessage: perMessage(
      sum((c) => c.cpuUs),
      1,
    ),
    clientReadsPerMessage: perMessage(
      sum((c) => c.reads),
      2,
    ),
    clientWritesPerMessage: perMessage(
      sum((c) => c.writes),
      2,
    ),
    clientPacketsInPerMessage: Object.fromEntries([...packets].map(([cmd, n]) => [cmd, perMessage(n, 3)])),
  };
}

let runCounter = 0;

/** Runs one scenario's clients in a child process (`load-clients.ts`) and returns its result line. */
async function runFlow(
  target: Target,
  scenario: LoadSpec['scenario'],
  qos: QoS,
  scenarioMs = SCENARIO_MS,
): Promise<FlowResult> {
  const spec: LoadSpec = {
    url: target.url,
    scenario,
    qos,
    run: `${process.pid}x${runCounter++}`,
    scenarioMs,
    drainMs: DRAIN_MS,
    qos0OfferedPerSec: QOS0_OFFERED_PER_SEC,
  };
  const parts =
    scenario === 'point-to-point'
      ? P2P_CLIENT_PROCESSES
      : scenario === 'fan-in'
        ? FAN_IN_CLIENT_PROCESSES
        : 1;
  const cpuBefore = target.cpuSeconds();
  const sleepsBefore = mainThreadSleeps();
  const children = Array.from({ length: parts }, (_, part) =>
    spawn(
      process.execPath,
      [
        ...CLIENT_NODE_ARGS,
        join(__dirname, 'load-clients.js'),
        JSON.stringify(parts > 1 ? { ...spec, part, parts } : spec),
      ],
      { stdio: [parts > 1 ? 'pipe' : 'ignore', 'pipe', 'inherit'] },
    ),
  );
  const deadline = setTimeout(
    () => {
      for (const child of children) child.kill('SIGKILL');
    },
    scenarioMs + DRAIN_MS + 30_000,
  );
  try {
    // Each child's stdout, line by line (readline's iterator buffers a line that comes before it is asked for).
    const lines = children.map((child) => {
      const it = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      return async (): Promise<string> => {
        const next = await it.next();
        if (next.done) throw new Error(`load clients exited with ${child.exitCode ?? child.signalCode}`);
        return next.value;
      };
    });
    if (parts > 1) {
      // Every part connected and subscribed, then all start at once.
      for (const line of await Promise.all(lines.map((next) => next()))) {
        if (line !== 'ready') throw new Error(`load clients: expected ready, got ${line.slice(0, 100)}`);
      }
      for (const child of children) child.stdin!.write('go\n');
      if (scenario === 'fan-in') {
        // Each part's `sent <n>` once its publishers are done; the subscriber's part waits for their total.
        let total = 0;
        for (const line of await Promise.all(lines.map((next) => next()))) {
          const sent = /^sent (\d+)$/.exec(line);
          if (!sent) throw new Error(`load clients: expected sent, got ${line.slice(0, 100)}`);
          total += Number(sent[1]);
        }
        for (const child of children) child.stdin!.write(`total ${total}\n`);
      }
      for (const child of children) child.stdin!.end();
    }
    const results = (await Promise.all(lines.map((next) => next()))).map(
      (line) => JSON.parse(line) as PartResult,
    );
    const result = parts > 1 ? mergeParts(results) : results[0]!;
    const cpu = target.cpuSeconds() - cpuBefore;
    // What the server side spends per message, whatever the machine's other load: the fairest comparison
    // between targets on a busy 2-core machine, where throughput also depends on who gets the CPU.
    const serverCpuUsPerMessage =
      typeof result.delivered === 'number' && result.delivered > 0 && Number.isFinite(cpu)
        ? round((cpu * 1e6) / result.delivered, 1)
        : null;
    // For the servers in this process: how often their event loop ran out of work and slept per message.
    // Every sleep costs a wake-up when the next packet arrives, which this VM charges to the sender too.
    const sleeps = mainThreadSleeps() - sleepsBefore;
    const serverSleepsPerMessage =
      target.name !== 'starling-multi-process' && typeof result.delivered === 'number' && result.delivered > 0
        ? round(sleeps / result.delivered, 3)
        : null;
    return {
      target: target.name,
      ...result,
      clientProcesses: parts,
      serverCpuSeconds: round(cpu, 2),
      serverCpuUsPerMessage,
      serverSleepsPerMessage,
    };
  } finally {
    clearTimeout(deadline);
  }
}

/** Opens `IDLE_CONNECTIONS` idle clients in a child process (idle-clients.ts); `close()` ends them all. */
async function openIdleClients(
  target: Target,
  prefix: string,
): Promise<{ connected: number; connectMs: number; close(): Promise<void> }> {
  const entry = join(__dirname, 'idle-clients.js');
  const child = spawn(process.execPath, [entry, String(target.port), String(IDLE_CONNECTIONS), prefix], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const started = performance.now();
  const connected = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('idle clients did not report in 60 s')), 60_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { connected: number }).connected);
    });
    child.once('exit', (code) => reject(new Error(`idle clients exited with ${code}`)));
  });
  const connectMs = performance.now() - started;
  return {
    connected,
    connectMs,
    async close() {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * Memory once it stopped moving. After a burst of connects or closes the server has work in flight (a
 * multi-process gateway discards each clean session in the store, one call per connection), and V8 gives
 * committed heap pages back only seconds after the allocation rate drops: a sample taken at once holds the
 * burst, not the connections. Samples (after GC) every second until heap used and RSS both move less than
 * 1 MB between two of them (100 bytes per connection at 10,000), for at most 30 s.
 */
async function settledMemory(target: Target): Promise<MemorySample> {
  let previous = await target.memory();
  for (let i = 0; i < 30; i++) {
    await sleep(1_000);
    const now = await target.memory();
    const still = (a: number, b: number) => Math.abs(a - b) < 1 << 20;
    if (still(now.heapUsed, previous.heapUsed) && still(now.rss, previous.rss)) return now;
    previous = now;
  }
  return previous;
}

/**
 * Memory once the process has been quiet long enough for V8 to give back what a burst grew. After a burst
 * the young generation keeps its grown semispaces and old space keeps emptied pages committed until V8's
 * memory reducer runs, about 8 s after the last full GC if the process is quiet; the forced GCs of
 * `settledMemory`, a second apart, keep putting it off. So: `AT_REST_QUIET_MS` with no probe, then a sample;
 * again until two samples are within 1 MB of each other (at most three).
 */
async function memoryAtRest(target: Target): Promise<MemorySample> {
  let previous: MemorySample | undefined;
  for (let i = 0; i < 3; i++) {
    await sleep(AT_REST_QUIET_MS);
    const now = await target.memory();
    if (previous !== undefined && Math.abs(now.rss - previous.rss) < 1 << 20) return now;
    previous = now;
  }
  return previous!;
}

/**
 * Memory per idle connection, three ways (ADR 0008, ADR 0025). `cold`: (with N connections − before any
 * connection) / N, the before-sample taken just after the first at-rest one; it also holds what V8 and malloc
 * grow once for any burst (young generation, old-space pages, allocator arenas) and keep after GC. `warm`:
 * the same after one connect and disconnect cycle of N clients, so those one-off growths are in the
 * before-sample: the steady cost of holding N more connections. `atRest`: (with N connections − before any), both samples taken once the
 * process has been quiet for a while (`memoryAtRest`): what a gateway holding N idle devices keeps once
 * the connect storm is over. `residue` (after the cycle − before it) / N shows what a closed connection
 * leaves behind.
 */
async function runIdle(target: Target): Promise<Record<string, unknown>> {
  const restBefore = await memoryAtRest(target);
  const cold = await settledMemory(target);
  const warmUp = await openIdleClients(target, `idle-warm-${process.pid}`);
  await warmUp.close();
  const warm = await settledMemory(target);
  const clients = await openIdleClients(target, `idle-${process.pid}`);
  const after = await settledMemory(target);
  const restAfter = await memoryAtRest(target);
  await clients.close();
  const { connected } = clients;
  const perConnection = (a: number, b: number) =>
    connected === 0 || Number.isNaN(a - b) ? null : round((a - b) / connected, 0);
  const breakdown = (to: MemorySample, from: MemorySample) => {
    const spaces: Record<string, number | null> = {};
    for (const [space, bytes] of Object.entries(to.spaces))
      if (bytes !== (from.spaces[space] ?? 0)) spaces[space] = perConnection(bytes, from.spaces[space] ?? 0);
    return {
      rss: perConnection(to.rss, from.rss),
      heapUsed: perConnection(to.heapUsed, from.heapUsed),
      // Where the RSS goes: V8 heap committed (used + free pages V8 keeps), off-heap Buffers, anonymous pages.
      heapCommitted: perConnection(to.heapTotal, from.heapTotal),
      external: perConnection(to.external, from.external),
      anonymous: perConnection(to.anonymous, from.anonymous),
      heapSpacesCommitted: spaces,
    };
  };
  return {
    target: target.name,
    scenario: 'idle-connections',
    requested: IDLE_CONNECTIONS,
    connected,
    connectPerSec: round((connected / clients.connectMs) * 1000, 0),
    rssBytesPerConnection: perConnection(after.rss, cold.rss),
    heapBytesPerConnection: perConnection(after.heapUsed, cold.heapUsed),
    warmRssBytesPerConnection: perConnection(after.rss, warm.rss),
    warmHeapBytesPerConnection: perConnection(after.heapUsed, warm.heapUsed),
    atRestRssBytesPerConnection: perConnection(restAfter.rss, restBefore.rss),
    atRestHeapBytesPerConnection: perConnection(restAfter.heapUsed, restBefore.heapUsed),
    bytesPerConnection: {
      cold: breakdown(after, cold),
      warm: breakdown(after, warm),
      atRest: breakdown(restAfter, restBefore),
      residue: breakdown(warm, cold),
    },
    // The multi-process gateway runs as the image runs it (on jemalloc when installed, ADR 0025); the
    // in-process targets on whatever allocator this process was started with (glibc's by default).
    allocator: loadedAllocator(target.memoryPid),
    memoryOf:
      target.name === 'starling-multi-process'
        ? 'gateway process, after GC'
        : 'this process, after GC (server side only: clients run in child processes)',
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Per target and scenario, the median over the rounds; and for each QoS 1 flow the issue compares (fan-in,
 * point-to-point), the standalone's median against Aedes' median of the same rounds.
 */
function summarize(flows: readonly FlowResult[]): Array<Record<string, unknown>> {
  const groups = new Map<string, FlowResult[]>();
  for (const flow of flows) {
    const key = `${flow.target} ${flow.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), flow]);
  }
  const medians = new Map<string, { deliveredPerSec: number; cpuUs: number }>();
  const lines: Array<Record<string, unknown>> = [];
  for (const [key, group] of groups) {
    const rates = group.map((g) => g.deliveredPerSec ?? 0);
    const cpu = group.map((g) => g.serverCpuUsPerMessage ?? NaN).filter(Number.isFinite);
    const steals = group.map((g) => g.stealPct ?? NaN).filter(Number.isFinite);
    const m = { deliveredPerSec: median(rates), cpuUs: cpu.length > 0 ? median(cpu) : NaN };
    medians.set(key, m);
    lines.push({
      summary: 'median-over-rounds',
      target: group[0]!.target,
      scenario: group[0]!.scenario,
      rounds: group.length,
      deliveredPerSec: Math.round(m.deliveredPerSec),
      deliveredPerSecMin: Math.min(...rates),
      deliveredPerSecMax: Math.max(...rates),
      serverCpuUsPerMessage: Number.isFinite(m.cpuUs) ? round(m.cpuUs, 1) : null,
      ...(steals.length > 0 ? { stealPctMin: Math.min(...steals), stealPctMax: Math.max(...steals) } : {}),
    });
  }
  for (const scenario of ['fan-in-qos1', 'point-to-point-qos1']) {
    const ours = medians.get(`starling-standalone ${scenario}`);
    const theirs = medians.get(`aedes ${scenario}`);
    if (ours === undefined || theirs === undefined) continue;
    const ratio = ours.deliveredPerSec / theirs.deliveredPerSec;
    lines.push({
      summary: 'standalone-vs-aedes',
      scenario,
      standaloneDeliveredPerSec: Math.round(ours.deliveredPerSec),
      aedesDeliveredPerSec: Math.round(theirs.deliveredPerSec),
      ratio: round(ratio, 2),
      standaloneCpuUsPerMessage: round(ours.cpuUs, 1),
      aedesCpuUsPerMessage: round(theirs.cpuUs, 1),
      target: 'ratio >= 1.00 (medians over the same rounds; every Starling message in the commitlog)',
      pass: ratio >= 1,
    });
  }
  return lines;
}

function printTable(lines: ReadonlyArray<Record<string, unknown>>): void {
  const rows = lines.map((l) =>
    l.summary === 'standalone-vs-aedes'
      ? [
          `${String(l.scenario)} standalone/aedes`,
          `${String(l.standaloneDeliveredPerSec)} / ${String(l.aedesDeliveredPerSec)}`,
          `ratio ${String(l.ratio)}`,
          `${String(l.standaloneCpuUsPerMessage)} / ${String(l.aedesCpuUsPerMessage)} us`,
          l.pass === true ? 'PASS' : 'MISS',
        ]
      : [
          `${String(l.target)} ${String(l.scenario)}`,
          `${String(l.deliveredPerSec)} msg/s`,
          `${String(l.deliveredPerSecMin)}..${String(l.deliveredPerSecMax)}`,
          `${String(l.serverCpuUsPerMessage)} us/msg`,
          typeof l.stealPctMax === 'number' ? `steal ${String(l.stealPctMin)}..${l.stealPctMax}%` : '',
        ],
  );
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  for (const row of rows) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
}

async function main(): Promise<void> {
  const guard = setTimeout(() => {
    process.stderr.write(`bench: over ${RUN_LIMIT_MS} ms, stopping\n`);
    process.exit(3);
  }, RUN_LIMIT_MS);
  guard.unref();
  const starters: Record<string, () => Promise<Target | undefined>> = {
    standalone: startStandaloneTarget,
    'multi-process': startMultiProcessTarget,
    aedes: startAedes,
  };
  // Every target runs for the whole bench (idle while another is measured), so that rounds can alternate.
  const targets: Target[] = [];
  try {
    for (const name of TARGETS) {
      const start = starters[name];
      if (start === undefined) throw new Error(`unknown target ${name}`);
      const target = await start();
      if (target !== undefined) targets.push(target);
    }
    if (WARMUP_MS > 0) {
      for (const target of targets)
        for (const scenario of SCENARIOS)
          for (const qos of QOS_LEVELS) await runFlow(target, scenario, qos, WARMUP_MS);
    }
    // The machine's speed drifts over a run (a shared virtual machine): the targets take turns, in the
    // opposite order every other round, and the summary compares medians over the same rounds.
    const flows: FlowResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? targets : [...targets].reverse();
      for (const target of order) {
        for (const scenario of SCENARIOS) {
          for (const qos of QOS_LEVELS) {
            const cpuBefore = readCpuTimes();
            const flow = await runFlow(target, scenario, qos);
            const cpu = cpuShare(cpuBefore, readCpuTimes());
            const r: FlowResult = {
              ...flow,
              fsync: target.name === 'aedes' ? 'none' : FSYNC,
              round,
              // The machine over the flow: all CPUs' busy share, and the share the host withheld (steal).
              ...(cpu !== undefined ? { machineBusyPct: cpu.busyPct, stealPct: cpu.stealPct } : {}),
            };
            flows.push(r);
            process.stdout.write(`${JSON.stringify(r)}\n`);
          }
        }
      }
    }
    if (ONLY.includes('idle')) {
      for (const target of targets) process.stdout.write(`${JSON.stringify(await runIdle(target))}\n`);
    }
    const summary = summarize(flows);
    for (const line of summary) process.stdout.write(`${JSON.stringify(line)}\n`);
    printTable(summary);
  } finally {
    for (const target of targets) await target.stop();
  }
  clearTimeout(guard);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
