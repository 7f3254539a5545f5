/**
 * Gateway benchmark: `pnpm --filter @starling/gateway bench`. In ONE run, against each target:
 *   - starling-standalone    store + notifier + gateway in this process (in-process event bus);
 *   - starling-multi-process nats-server, store, notifier and gateway processes (when dist/ and
 *                            nats-server exist);
 *   - aedes                  Aedes in this process on a net server (in-memory persistence);
 * runs fan-in (20 publishers -> 1 wildcard subscriber), fan-out (1 -> 100 subscribers), point-to-point
 * (50 pairs), each at QoS 0 and 1, then 10,000 idle connections (opened by a child process). Prints one JSON
 * line per scenario: delivered msgs/s, end-to-end latency p50/p99, loss, duplicates, memory per idle
 * connection. Only 127.0.0.1; every scenario is bounded in time and count.
 *
 * BENCH_SCENARIO_MS (default 1000) load per scenario; BENCH_QOS0_RATE (default 20000) offered QoS 0 msgs/s; BENCH_IDLE_CONNECTIONS (default 10000);
 * BENCH_TARGETS (default all) e.g. "standalone,aedes"; BENCH_STORE_FSYNC (default async: Aedes keeps
 * nothing on disk either; 'sync' measures the product default).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { workspaceRoot } from '@starling/test-harness';
import { startMultiProcessShape, startStandaloneShape } from '../test/support/system-shapes';

const SCENARIO_MS = Number(process.env['BENCH_SCENARIO_MS'] ?? 1_000);
const DRAIN_MS = 2_000;
const IDLE_CONNECTIONS = Number(process.env['BENCH_IDLE_CONNECTIONS'] ?? 10_000);
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'standalone,multi-process,aedes').split(',');
const FSYNC = process.env['BENCH_STORE_FSYNC'] ?? 'async';
/** Outstanding QoS 1 publishes per publisher, and per-publisher message cap (bounds QoS 0 bursts). */
const QOS1_WINDOW = 32;
const MAX_PER_PUBLISHER = 50_000;
/**
 * QoS 0 has no flow control: an open-loop flood only measures queueing collapse (and overflows Aedes'
 * stack). QoS 0 publishers share this offered rate (messages/s), sent in 10 ms ticks.
 */
const QOS0_OFFERED_PER_SEC = Number(process.env['BENCH_QOS0_RATE'] ?? 20_000);
/** Whole-run guard: the bench never runs longer than this. */
const RUN_LIMIT_MS = 170_000;

type QoS = 0 | 1;

interface Target {
  name: string;
  url: string;
  port: number;
  /** Server-side memory now (bytes); `rss` of the gateway process, or of this process when in-process. */
  memory(): { rssBytes: number; heapBytes: number | undefined };
  stop(): Promise<void>;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inProcessMemory() {
  global.gc?.();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapBytes: m.heapUsed };
}

function processRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
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
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startStandaloneTarget(): Promise<Target> {
  const shape = await startStandaloneShape({ storeEnv: { STORE_FSYNC: FSYNC } });
  const url = shape.mqttUrl(0);
  return {
    name: 'starling-standalone',
    url,
    port: Number(new URL(url).port),
    memory: inProcessMemory,
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
  const shape = await startMultiProcessShape({
    storeEnv: { STORE_FSYNC: FSYNC },
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
    memory: () => ({ rssBytes: processRss(gatewayPid), heapBytes: undefined }),
    stop: () => shape.stop(),
  };
}

async function connectMany(url: string, count: number, prefix: string): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        connectAsync(url, {
          clientId: `${prefix}-${i + j}`,
          protocolVersion: 4,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
        }),
      ),
    );
    clients.push(...batch);
  }
  return clients;
}

interface Flow {
  /** Topic publisher p publishes to. */
  topicOf(p: number): string;
  /** Filters subscriber s subscribes to. */
  filterOf(s: number): string;
  publishers: number;
  subscribers: number;
  /** Subscribers that receive each message of publisher p. */
  receiversPerMessage: number;
}

const FLOWS: Record<string, (run: string) => Flow> = {
  'fan-in': (run) => ({
    publishers: 20,
    subscribers: 1,
    topicOf: (p) => `b${run}/in/${p}`,
    filterOf: () => `b${run}/in/+`,
    receiversPerMessage: 1,
  }),
  'fan-out': (run) => ({
    publishers: 1,
    subscribers: 100,
    topicOf: () => `b${run}/out`,
    filterOf: () => `b${run}/out`,
    receiversPerMessage: 100,
  }),
  'point-to-point': (run) => ({
    publishers: 50,
    subscribers: 50,
    topicOf: (p) => `b${run}/p2p/${p}`,
    filterOf: (s) => `b${run}/p2p/${s}`,
    receiversPerMessage: 1,
  }),
};

let runCounter = 0;

async function runFlow(target: Target, scenario: string, qos: QoS): Promise<Record<string, unknown>> {
  const run = `${process.pid}x${runCounter++}`;
  const flow = FLOWS[scenario]!(run);
  const subs = await connectMany(target.url, flow.subscribers, `sub-${run}`);
  const pubs = await connectMany(target.url, flow.publishers, `pub-${run}`);
  const latencies: number[] = [];
  const seen = new Set<string>();
  let received = 0;
  subs.forEach((client, s) => {
    client.on('message', (_topic, payload) => {
      received++;
      const sentAt = payload.readDoubleLE(0);
      latencies.push(now() - sentAt);
      seen.add(`${s}:${payload.readUInt32LE(8)}:${payload.readUInt32LE(12)}`);
    });
  });
  await Promise.all(subs.map((c, s) => c.subscribeAsync(flow.filterOf(s), { qos })));
  await sleep(100); // subscriptions registered everywhere before the first publish

  let sent = 0;
  const stopAt = performance.now() + SCENARIO_MS;
  const started = performance.now();
  const message = (p: number, seq: number): Buffer => {
    const b = Buffer.alloc(64);
    b.writeDoubleLE(now(), 0);
    b.writeUInt32LE(p, 8);
    b.writeUInt32LE(seq, 12);
    return b;
  };
  await Promise.all(
    pubs.map(async (client, p) => {
      const topic = flow.topicOf(p);
      let seq = 0;
      if (qos === 1) {
        const inFlight = new Set<Promise<unknown>>();
        while (performance.now() < stopAt && seq < MAX_PER_PUBLISHER) {
          const sending = client
            .publishAsync(topic, message(p, seq++), { qos: 1 })
            .finally(() => inFlight.delete(sending));
          inFlight.add(sending);
          sent++;
          if (inFlight.size >= QOS1_WINDOW) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
      } else {
        const perTick = Math.max(1, Math.round(QOS0_OFFERED_PER_SEC / flow.publishers / 100));
        while (performance.now() < stopAt && seq < MAX_PER_PUBLISHER) {
          for (let i = 0; i < perTick; i++, seq++, sent++) client.publish(topic, message(p, seq), { qos: 0 });
          await sleep(10);
        }
      }
    }),
  );
  const sendMs = performance.now() - started;
  const expected = sent * flow.receiversPerMessage;
  const drainUntil = performance.now() + DRAIN_MS;
  while (seen.size < expected && performance.now() < drainUntil) await sleep(20);
  const elapsedMs = performance.now() - started;
  await Promise.all([...subs, ...pubs].map((c) => c.endAsync(true).catch(() => undefined)));
  latencies.sort((a, b) => a - b);
  return {
    target: target.name,
    scenario: `${scenario}-qos${qos}`,
    publishers: flow.publishers,
    subscribers: flow.subscribers,
    sent,
    expected,
    delivered: seen.size,
    deliveredPerSec: round((seen.size / elapsedMs) * 1000, 0),
    publishedPerSec: round((sent / sendMs) * 1000, 0),
    latencyP50Ms: round(percentile(latencies, 50)),
    latencyP99Ms: round(percentile(latencies, 99)),
    // Not delivered within drainMs of the last publish (QoS 0 may also be dropped by design).
    loss: expected - seen.size,
    drainMs: DRAIN_MS,
    duplicates: received - seen.size,
  };
}

async function runIdle(target: Target): Promise<Record<string, unknown>> {
  const before = target.memory();
  const entry = join(__dirname, 'idle-clients.js');
  const child = spawn(
    process.execPath,
    [entry, String(target.port), String(IDLE_CONNECTIONS), `idle-${process.pid}`],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
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
  await sleep(500);
  const after = target.memory();
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  const perConnection = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || connected === 0 ? null : round((a - b) / connected, 0);
  return {
    target: target.name,
    scenario: 'idle-connections',
    requested: IDLE_CONNECTIONS,
    connected,
    connectPerSec: round((connected / connectMs) * 1000, 0),
    rssBytesPerConnection: perConnection(after.rssBytes, before.rssBytes),
    heapBytesPerConnection: perConnection(after.heapBytes, before.heapBytes),
    memoryOf:
      target.name === 'starling-multi-process' ? 'gateway process' : 'this process (server side only)',
  };
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
  const results: Array<Record<string, unknown>> = [];
  for (const name of TARGETS) {
    const start = starters[name];
    if (start === undefined) throw new Error(`unknown target ${name}`);
    const target = await start();
    if (target === undefined) continue;
    try {
      for (const scenario of Object.keys(FLOWS)) {
        for (const qos of [0, 1] as const) {
          const r = {
            ...(await runFlow(target, scenario, qos)),
            fsync: target.name === 'aedes' ? 'none' : FSYNC,
          };
          results.push(r);
          process.stdout.write(`${JSON.stringify(r)}\n`);
        }
      }
      const idle = await runIdle(target);
      results.push(idle);
      process.stdout.write(`${JSON.stringify(idle)}\n`);
    } finally {
      await target.stop();
    }
  }
  clearTimeout(guard);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
