// Child process of the gateway benchmark: the MQTT load generator of one scenario. Runs the clients of one
// flow against 127.0.0.1 (publishers, subscribers), prints one JSON result line on stdout and exits. A separate
// process so that the server under test (in the benchmark's process for standalone and Aedes) does not share its
// event loop and CPU time with the clients, and its memory holds only the server side.
//
// Point-to-point and fan-in may run in several such processes (`parts`): one Node process of mqtt.js clients
// saturates its thread before either broker does, so with one process the rate measures the clients. A
// point-to-point part runs its share of the pairs; a fan-in part runs its share of the publishers, and part 0
// also the subscriber. Each part prints `ready` once connected and subscribed, and starts publishing when the
// parent writes `go` on its stdin, so the parts load the server at the same time. A fan-in part then prints
// `sent <n>` once its publishing is done, and the parent answers `total <n>` with what every part sent: the
// subscriber's part drains until it has seen them all.
//
// argv[2]: JSON `LoadSpec`. Bounded: at most MAX_PER_PUBLISHER messages per publisher, SCENARIO_MS of load and
// DRAIN_MS of drain; the parent kills the process after a deadline.
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { connectAsync, type MqttClient } from 'mqtt';

export interface LoadSpec {
  readonly url: string;
  readonly scenario: 'fan-in' | 'fan-out' | 'point-to-point';
  readonly qos: 0 | 1;
  /** Unique per run: topics and client ids. */
  readonly run: string;
  readonly scenarioMs: number;
  readonly drainMs: number;
  /** Offered QoS 0 messages/s, shared by the publishers (10 ms ticks). */
  readonly qos0OfferedPerSec: number;
  /** This process runs the pairs `i` with `i % parts === part` (point-to-point only; default 0 of 1). */
  readonly part?: number;
  readonly parts?: number;
}

/** Outstanding QoS 1 publishes per publisher, and per-publisher message cap (bounds QoS 0 bursts). */
const QOS1_WINDOW = 32;
const MAX_PER_PUBLISHER = 50_000;

interface Flow {
  topicOf(p: number): string;
  filterOf(s: number): string;
  publishers: number;
  subscribers: number;
  receiversPerMessage: number;
}

const FLOWS: Record<LoadSpec['scenario'], (run: string) => Flow> = {
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

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects one client per index, 20 at a time; client ids are `<prefix>-<index>`. */
async function connectMany(url: string, indexes: readonly number[], prefix: string): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < indexes.length; i += 20) {
    const batch = await Promise.all(
      indexes.slice(i, i + 20).map((index) =>
        connectAsync(url, {
          clientId: `${prefix}-${index}`,
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

async function runFlow(spec: LoadSpec): Promise<Record<string, unknown>> {
  const { run, qos } = spec;
  const flow = FLOWS[spec.scenario](run);
  const part = spec.part ?? 0;
  const parts = spec.parts ?? 1;
  if (parts > 1 && spec.scenario === 'fan-out') throw new Error('fan-out runs in one process');
  // Client i of each kind belongs to part i % parts: pair i (publisher i, subscriber i) of point-to-point, the
  // fan-in publishers in turn (its one subscriber in part 0). One part runs every client of fan-out.
  const mine = (count: number): number[] =>
    Array.from({ length: count }, (_, i) => i).filter((i) => i % parts === part);
  const subIndexes = mine(flow.subscribers);
  const pubIndexes = mine(flow.publishers);
  const subs = await connectMany(spec.url, subIndexes, `sub-${run}`);
  const pubs = await connectMany(spec.url, pubIndexes, `pub-${run}`);
  const latencies: number[] = [];
  const seen = new Set<string>();
  let received = 0;
  subs.forEach((client, i) => {
    const s = subIndexes[i]!;
    client.on('message', (_topic, payload) => {
      received++;
      const sentAt = payload.readDoubleLE(0);
      latencies.push(now() - sentAt);
      seen.add(`${s}:${payload.readUInt32LE(8)}:${payload.readUInt32LE(12)}`);
    });
  });
  await Promise.all(subs.map((c, i) => c.subscribeAsync(flow.filterOf(subIndexes[i]!), { qos })));
  await sleep(100); // subscriptions registered everywhere before the first publish
  // The parent's lines on stdin (`go`, then for fan-in `total <n>`), when this is one of several parts.
  const fromParent =
    parts > 1 ? createInterface({ input: process.stdin })[Symbol.asyncIterator]() : undefined;
  const nextFromParent = async (): Promise<string> => {
    const next = await fromParent!.next();
    if (next.done) throw new Error('load clients: the parent closed stdin');
    return next.value;
  };
  if (parts > 1) {
    // Every part connected and subscribed: the parent says when all of them start.
    process.stdout.write('ready\n');
    await nextFromParent();
  }

  // Socket reads the clients make during the load: a server that sends each packet in its own segment makes
  // its clients read (and parse) more often for the same messages, which costs them CPU on this shared machine.
  let reads = 0;
  let writes = 0;
  const packets = new Map<string, number>();
  for (const c of [...subs, ...pubs]) {
    c.on('packetreceive', (packet) => packets.set(packet.cmd, (packets.get(packet.cmd) ?? 0) + 1));
    c.stream.on('data', () => reads++);
    // Socket writes (one syscall each): the clients' own batching, which the server's pacing can change.
    const socket = c.stream as unknown as {
      _write: (...a: unknown[]) => void;
      _writev?: (...a: unknown[]) => void;
    };
    const write = socket._write.bind(socket);
    socket._write = (...a: unknown[]) => {
      writes++;
      write(...a);
    };
    const writev = socket._writev?.bind(socket);
    if (writev) {
      socket._writev = (...a: unknown[]) => {
        writes++;
        writev(...a);
      };
    }
  }

  let sent = 0;
  const cpuAtStart = process.cpuUsage();
  const stopAt = performance.now() + spec.scenarioMs;
  const started = performance.now();
  const message = (p: number, seq: number): Buffer => {
    const b = Buffer.alloc(64);
    b.writeDoubleLE(now(), 0);
    b.writeUInt32LE(p, 8);
    b.writeUInt32LE(seq, 12);
    return b;
  };
  await Promise.all(
    pubs.map(async (client, i) => {
      const p = pubIndexes[i]!;
      const topic = flow.topicOf(p);
      let seq = 0;
      if (qos === 1) {
        // A window of QOS1_WINDOW unacknowledged publishes, at O(1) per message: a callback per PUBACK and one
        // waiter when the window is full (racing every outstanding promise would cost the clients O(window)
        // per message, more so against a broker whose PUBACKs take longer).
        let inFlight = 0;
        let wake: (() => void) | undefined;
        const acked = (): void => {
          inFlight--;
          const w = wake;
          wake = undefined;
          w?.();
        };
        while (performance.now() < stopAt && seq < MAX_PER_PUBLISHER) {
          inFlight++;
          sent++;
          client.publish(topic, message(p, seq++), { qos: 1 }, acked);
          if (inFlight >= QOS1_WINDOW) await new Promise<void>((resolve) => (wake = resolve));
        }
        while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
      } else {
        const perTick = Math.max(1, Math.round(spec.qos0OfferedPerSec / flow.publishers / 100));
        while (performance.now() < stopAt && seq < MAX_PER_PUBLISHER) {
          for (let i = 0; i < perTick; i++, seq++, sent++) client.publish(topic, message(p, seq), { qos: 0 });
          await sleep(10);
        }
      }
    }),
  );
  const sendMs = performance.now() - started;
  let expected = sent * flow.receiversPerMessage;
  if (parts > 1 && spec.scenario === 'fan-in') {
    // The subscriber (part 0) receives every part's messages: it needs their total to know when it is done.
    process.stdout.write(`sent ${sent}\n`);
    const total = /^total (\d+)$/.exec(await nextFromParent());
    if (!total) throw new Error('load clients: expected the total sent');
    expected = subs.length > 0 ? Number(total[1]) * flow.receiversPerMessage : 0;
  }
  const drainUntil = performance.now() + spec.drainMs;
  while (seen.size < expected && performance.now() < drainUntil) await sleep(20);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  await Promise.all([...subs, ...pubs].map((c) => c.endAsync(true).catch(() => undefined)));
  latencies.sort((a, b) => a - b);
  const cpuUs = cpu.user + cpu.system;
  return {
    scenario: `${spec.scenario}-qos${qos}`,
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
    drainMs: spec.drainMs,
    duplicates: received - seen.size,
    // The clients share the machine with the server: what they spend per message bounds the rate too.
    clientCpuUsPerMessage: seen.size > 0 ? round((cpu.user + cpu.system) / seen.size, 1) : null,
    clientReadsPerMessage: seen.size > 0 ? round(reads / seen.size, 2) : null,
    clientWritesPerMessage: seen.size > 0 ? round(writes / seen.size, 2) : null,
    // Packets the clients received, by type, per delivered message.
    clientPacketsInPerMessage: Object.fromEntries(
      [...packets].map(([cmd, n]) => [cmd, seen.size > 0 ? round(n / seen.size, 3) : null]),
    ),
    // What the parent needs to merge the parts of one flow (it drops these from the printed line).
    ...(parts > 1
      ? {
          partCounts: {
            received,
            cpuUs,
            reads,
            writes,
            elapsedMs,
            sendMs,
            packets: Object.fromEntries(packets),
          },
          partLatenciesMs: latencies.map((l) => round(l, 1)),
        }
      : {}),
  };
}

runFlow(JSON.parse(process.argv[2] ?? '{}') as LoadSpec).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
  },
  (e: unknown) => {
    process.stderr.write(`load clients failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
