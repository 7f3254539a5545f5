/**
 * The gRPC client side of the store bench, in a worker thread so that it has a core of its own, as a
 * gateway (another process) would. Sends batches from `lanes` loops, each awaiting its batch, until
 * `durationMs` is up; posts back what was acknowledged and the batch latencies. A batch is an AppendMessages
 * call, or with `stream` a request on one AppendStream per channel (what a gateway sends).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Metadata } from '@grpc/grpc-js';
import {
  AppendStreamClient,
  createStoreClient,
  type AppendMessagesRequest,
  type Message,
  type StoreServiceClient,
} from '@starling/proto';

export interface GrpcLoadRequest {
  address: string;
  topics: string[];
  payloadBytes: number;
  publisherClientId: string;
  messagesPerCall: number;
  /** Batches go over one AppendStream per channel instead of one AppendMessages call each. */
  stream: boolean;
  lanes: number;
  channels: number;
  /**
   * Time spent running the measured load before the measured run. grpc-js and node:http2 cost about 3x more CPU
   * per call while V8 is still optimizing them (the first 2-3 s on this machine): without a warm-up the
   * figures are those of a cold process, not of a gateway that has been running (ADR 0020).
   */
  warmupMs: number;
  durationMs: number;
}

export interface GrpcLoadResult {
  messages: number;
  calls: number;
  /** Wall-clock (epoch ms, sub-ms) so the main thread can time dispatch from the same origin. */
  startedAtMs: number;
  endedAtMs: number;
  latenciesMs: number[];
}

const now = (): number => performance.timeOrigin + performance.now();

/** Sends one batch; resolves with the number of messages acknowledged. */
type Append = (request: AppendMessagesRequest) => Promise<number>;

function unaryAppend(client: StoreServiceClient): Append {
  return (request) =>
    new Promise((resolve, reject) => {
      client.appendMessages(request, new Metadata(), { deadline: Date.now() + 30_000 }, (err, res) =>
        err || !res ? reject(err ?? new Error('no response')) : resolve(res.positions.length),
      );
    });
}

function streamAppend(stream: AppendStreamClient): Append {
  return (request) => stream.append(request.messages as Message[]).then((b) => b.positions.length);
}

/** `lanes` loops, each awaiting one batch after another on its channel, until `deadline` (epoch ms). */
async function runLanes(
  clients: readonly Append[],
  requests: readonly AppendMessagesRequest[],
  lanes: number,
  deadline: number,
): Promise<{ messages: number; calls: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let messages = 0;
  let calls = 0;
  let next = 0;
  const lane = async (l: number): Promise<void> => {
    const append = clients[l % clients.length]!;
    while (now() < deadline) {
      const t0 = performance.now();
      const acknowledged = await append(requests[next++ % requests.length]!);
      messages += acknowledged;
      latenciesMs.push(performance.now() - t0);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, l) => lane(l)));
  return { messages, calls, latenciesMs };
}

async function run(o: GrpcLoadRequest): Promise<GrpcLoadResult> {
  const channels = Array.from({ length: o.channels }, (_, i) =>
    // A distinct option per client keeps grpc-js from sharing one subchannel among them.
    createStoreClient(o.address, undefined, { 'grpc.primary_user_agent': `bench-${i}` }),
  );
  const streams = o.stream ? channels.map((c) => new AppendStreamClient(c, 30_000)) : [];
  const clients = o.stream ? streams.map(streamAppend) : channels.map(unaryAppend);
  const payload = Buffer.alloc(o.payloadBytes, 0x42);
  const requests: AppendMessagesRequest[] = [];
  let t = 0;
  for (let r = 0; r < 64; r++) {
    requests.push({
      messages: Array.from({ length: o.messagesPerCall }, () => ({
        topic: o.topics[t++ % o.topics.length]!,
        payload,
        qos: 1,
        retain: false,
        timestampMs: 0,
        publisherClientId: o.publisherClientId,
      })),
    });
  }
  // Connect every channel, then run the measured load for `warmupMs` (connection set-up and V8's warm-up are
  // not what is measured), then wait for the go: the main thread reads the index totals in between, so the
  // warm-up messages are not counted.
  await Promise.all(clients.map((append) => append(requests[0]!)));
  await runLanes(clients, requests, o.lanes, now() + o.warmupMs);
  await new Promise<void>((resolve) => {
    parentPort?.once('message', () => resolve());
    parentPort?.postMessage({ ready: true });
  });
  const startedAtMs = now();
  const { messages, calls, latenciesMs } = await runLanes(
    clients,
    requests,
    o.lanes,
    startedAtMs + o.durationMs,
  );
  const endedAtMs = now();
  await Promise.all(streams.map((s) => s.close()));
  for (const c of channels) c.close();
  return { messages, calls, startedAtMs, endedAtMs, latenciesMs };
}

run(workerData as GrpcLoadRequest).then(
  // The thread stays until the main thread has read its CPU time (cpu-probe) and says so.
  (result) => {
    parentPort?.once('message', () => parentPort?.close());
    parentPort?.postMessage({ result });
  },
  (err: unknown) => {
    throw err;
  },
);
