/**
 * One benchmark scenario's load generator and subscriber, in a worker thread so that neither competes with
 * the notifier's event loop: it appends to the store at a target rate (or as fast as it can), subscribes to
 * every queue it writes through its own NATS connection (a gateway stand-in), and measures, per append, the
 * time from sending the append to receiving the first event whose end offset covers it. Send and receive
 * times come from the same thread's clock.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { connectNatsEventBus } from '@starling/event-bus';
import { AppendStreamClient, createStoreClient } from '@starling/proto';

export interface LoadScenario {
  storeAddress: string;
  natsUrl: string;
  /** Queue names are `<prefix><i>` (first-level topic queues); fresh per scenario so offsets start at 0. */
  prefix: string;
  queueCount: number;
  /** Appends per second; 0 means as fast as the store takes them. */
  ratePerSec: number;
  durationMs: number;
  /**
   * Load at the same rate over the same queues before `durationMs`, not measured: the processes' code is
   * compiled and every queue exists when measuring starts (its figures are reported apart). When it ends the
   * worker posts `{ warmedUp: true }` and goes on loading, unmeasured, until the parent posts
   * `{ measure: true }`: the parent reads its "before" counters in between, so that reading (the store's
   * /metrics page is rendered on its event loop) never falls inside the measured load.
   */
  warmupMs?: number;
  maxBatchMessages: number;
  maxInFlight: number;
  drainTimeoutMs: number;
}

export interface LoadResult {
  appendsSent: number;
  appendsAcked: number;
  appendErrors: number;
  loadMs: number;
  eventsReceived: number;
  /** From the first append to the event that covered the last one. */
  deliveryMs: number;
  /** Appends never covered by an event within the drain timeout. */
  uncovered: number;
  /** Append-to-event latency in ms, one per covered append, sorted. */
  latenciesMs: number[];
  maxEventsPerQueue: number;
  /**
   * Store dispatch to event received, in ms, one per event, sorted: the notifier's share (gRPC stream,
   * coalescing, NATS). From the store's whole-millisecond dispatch timestamp, so +-1 ms.
   */
  dispatchLatenciesMs: number[];
  /** Append send-to-acknowledgement latency in ms, one per batch, sorted. */
  ackLatenciesMs: number[];
  /** p99 append-to-event latency (ms) of the appends sent in each second of the load, in order. */
  p99BySecondMs: number[];
  /** The warm-up's append-to-event latency (ms) p50 / p99, when there was one. */
  warmupP50Ms?: number;
  warmupP99Ms?: number;
}

/**
 * A growable column of numbers. The subscriber records one time per append and one per event: as typed
 * arrays (off the JS heap) rather than growing JS arrays, so the measuring thread's own scavenges, which
 * delay the events it timestamps, copy nothing of its bookkeeping.
 */
class Column {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  at(i: number): number {
    return this.values[i]!;
  }

  /** A sorted plain array (for the result message). */
  sorted(): number[] {
    return Array.from(this.values.subarray(0, this.length).sort());
  }
}

/** Set by `run`: starts the measured load (the parent's `measure` message). */
let startMeasuring = (): void => {};

async function run(s: LoadScenario): Promise<LoadResult> {
  const names = Array.from({ length: s.queueCount }, (_, i) => `${s.prefix}${i}`);
  const topics = names.map((n) => `${n}/m`);
  /**
   * Send time of every append, by its global number: appends go round-robin over the queues, so the c-th
   * append to queue q is number c * queueCount + q.
   */
  const sendTimes = new Column();
  const sentTo = (q: number): number => Math.floor((sendTimes.length - q + s.queueCount - 1) / s.queueCount);
  const covered = new Int32Array(s.queueCount);
  const eventsPerQueue = new Int32Array(s.queueCount);
  const latencies = new Column();
  /** The second (of the load) each measured latency's append was sent in. */
  const latencySeconds = new Column();
  const dispatchLatencies = new Column();
  let eventsReceived = 0;
  let lastCoverAt = 0;
  let start = performance.now();
  const warmupMs = s.warmupMs ?? 0;
  /** Appends sent before this are the warm-up's; set when the parent says `measure` (see `LoadScenario`). */
  let measureFrom = Infinity;
  startMeasuring = () => {
    measureFrom = performance.now();
  };
  const warmupLatencies = new Column();

  const bus = await connectNatsEventBus({ servers: s.natsUrl, name: `bench-subscriber-${s.prefix}` });
  names.forEach((name, q) => {
    bus.subscribeArrivals({ kind: 'topic', name }, (e) => {
      const now = performance.now();
      if (now >= measureFrom) {
        eventsReceived++;
        dispatchLatencies.push(Date.now() - e.timestampMs);
      }
      eventsPerQueue[q] = eventsPerQueue[q]! + 1;
      let c = covered[q]!;
      const upTo = Math.min(e.endOffset, sentTo(q));
      if (c >= upTo) return;
      for (; c < upTo; c++) {
        const sentAt = sendTimes.at(c * s.queueCount + q);
        if (sentAt < measureFrom) {
          warmupLatencies.push(now - sentAt);
          continue;
        }
        latencies.push(now - sentAt);
        latencySeconds.push(Math.floor((sentAt - measureFrom) / 1000));
      }
      covered[q] = c;
      lastCoverAt = now;
    });
  });
  await bus.flush();

  const client = createStoreClient(s.storeAddress);
  // Batches go over one AppendStream, as a gateway sends them (one per event-loop turn).
  const appender = new AppendStreamClient(client, 30_000);
  const payload = Buffer.alloc(16, 0x61);
  let sent = 0;
  let acked = 0;
  /** Appends of the measured phase acknowledged (the warm-up's are not counted). */
  let measuredAcked = 0;
  let errors = 0;
  let inFlight = 0;
  let next = 0; // round-robin cursor over queues
  const ackLatencies: number[] = [];
  start = performance.now();
  const sendBatch = (n: number): void => {
    const now = performance.now();
    const messages = new Array<{ topic: string; payload: Buffer; qos: number }>(n);
    for (let i = 0; i < n; i++) {
      const q = next;
      next = next + 1 === s.queueCount ? 0 : next + 1;
      sendTimes.push(now);
      messages[i] = { topic: topics[q]!, payload, qos: 1 };
    }
    sent += n;
    inFlight++;
    const measured = now >= measureFrom;
    const done = (ok: boolean): void => {
      inFlight--;
      if (measured) ackLatencies.push(performance.now() - now);
      if (!ok) errors += n;
      else {
        acked += n;
        if (measured) measuredAcked += n;
      }
    };
    appender.append(messages).then(
      () => done(true),
      () => done(false),
    );
  };
  let announced = false;
  for (;;) {
    const now = performance.now();
    const elapsed = now - start;
    if (now >= measureFrom + s.durationMs) break;
    if (!announced && elapsed >= warmupMs) {
      announced = true;
      if (parentPort) parentPort.postMessage({ warmedUp: true });
      else measureFrom = now;
    }
    const target = s.ratePerSec > 0 ? Math.floor((s.ratePerSec * elapsed) / 1000) : Number.MAX_SAFE_INTEGER;
    while (sent < target && inFlight < s.maxInFlight) sendBatch(Math.min(target - sent, s.maxBatchMessages));
    // Yield to I/O: acknowledgements and events arrive between ticks (~1 ms at these rates).
    await new Promise((r) => setImmediate(r));
    if (s.ratePerSec > 0) await new Promise((r) => setTimeout(r, 0));
  }
  const loadMs = performance.now() - measureFrom;
  const drainDeadline = performance.now() + s.drainTimeoutMs;
  while (
    (inFlight > 0 || latencies.length + warmupLatencies.length < acked) &&
    performance.now() < drainDeadline
  ) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await appender.close();
  client.close();
  await bus.close();
  const sortedWarmup = warmupLatencies.sorted();
  const at = (l: number[], p: number) =>
    Number((l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN).toFixed(2));
  const bySecond: number[][] = [];
  for (let i = 0; i < latencies.length; i++) (bySecond[latencySeconds.at(i)] ??= []).push(latencies.at(i));
  return {
    ...(warmupMs > 0 ? { warmupP50Ms: at(sortedWarmup, 0.5), warmupP99Ms: at(sortedWarmup, 0.99) } : {}),
    appendsSent: sent,
    appendsAcked: measuredAcked,
    appendErrors: errors,
    loadMs,
    eventsReceived,
    deliveryMs: lastCoverAt - measureFrom,
    uncovered: measuredAcked - latencies.length,
    latenciesMs: latencies.sorted(),
    maxEventsPerQueue: Math.max(0, ...eventsPerQueue),
    dispatchLatenciesMs: dispatchLatencies.sorted(),
    ackLatenciesMs: ackLatencies.sort((a, b) => a - b),
    p99BySecondMs: Array.from(bySecond, (l = []) => {
      l.sort((a, b) => a - b);
      return Number((l[Math.min(l.length - 1, Math.floor(0.99 * l.length))] ?? NaN).toFixed(1));
    }),
  };
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (m: { measure?: true }) => {
    if (m.measure) startMeasuring();
  });
  run(workerData as LoadScenario).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? err.stack : String(err) }),
  );
}
