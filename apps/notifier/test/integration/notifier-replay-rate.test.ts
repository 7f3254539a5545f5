import { performance } from 'node:perf_hooks';
import {
  eventually,
  startNatsServer,
  startServiceProcess,
  type NatsServerHandle,
  type ProcessHandle,
  type ServicePorts,
} from '@starling/test-harness';
import type { ArrivalEvent } from '@starling/event-bus';
import type { PullMessagesRequest, PullMessagesResponseOutput } from '@starling/proto';
import { connectFirehose, type Firehose } from '../support/bus';
import { startTestNotifier, type TestNotifier } from '../support/notifier';
import { call, startStoreProcess, type StoreProcess } from '../support/store-process';

/** Non-empty queues on the shard, one first-level topic each: `rr-0` … `rr-19999`. */
const QUEUES = 20_000;
const RATE = 5_000;
const BURST = 500;
const isReplayQueue = (name: string): boolean => name.startsWith('rr-');

/** The most timestamps (sorted, ms) that fall within any interval of `windowMs`. */
function maxInWindow(sortedMs: readonly number[], windowMs: number): number {
  let most = 0;
  let j = 0;
  for (let i = 0; i < sortedMs.length; i++) {
    while (sortedMs[i]! - sortedMs[j]! > windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * The replay rate limit (ADR 0009) against a real store process holding 20,000 non-empty queues, a real
 * nats-server and a raw NATS subscriber to every arrival subject: what the notifier offers the whole cluster.
 */
describe('notifier: replayed end offsets are paced, live arrivals are not', () => {
  let nats: NatsServerHandle;
  let store: StoreProcess;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
    store = await startStoreProcess();
    for (let i = 0; i < QUEUES; i += 1000) {
      await store.append(Array.from({ length: 1000 }, (_, j) => `rr-${i + j}/m`));
    }
    // Dispatch follows the acknowledgement; the last queue ending at 1 means every queue is in the index.
    await eventually(async () => {
      const r = await call<PullMessagesRequest, PullMessagesResponseOutput>(
        store.client,
        store.client.pullMessages,
        {
          queue: { kind: 'QUEUE_KIND_TOPIC', name: `rr-${QUEUES - 1}` },
          fromOffset: 0,
          maxMessages: 1,
        },
      );
      return r.endOffset === 1;
    });
  }, 60_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await store.destroy();
    await nats.stop();
  });

  async function firehose(): Promise<Firehose> {
    const f = await connectFirehose(nats.url);
    cleanups.push(() => f.close());
    return f;
  }
  async function notifier(onPublished?: (event: ArrivalEvent) => void): Promise<TestNotifier> {
    const n = await startTestNotifier({
      stores: [store.address],
      natsUrl: nats.url,
      replayEventsPerSecond: RATE,
      replayBurstEvents: BURST,
      ...(onPublished ? { onPublished } : {}),
    });
    cleanups.push(() => n.close());
    return n;
  }
  const replayedSince = (f: Firehose, sinceMs = 0) =>
    f.received.filter((r) => r.atMs >= sinceMs && isReplayQueue(r.event.queue.name));

  it('replayed end offsets reach NATS at no more than the rate plus the burst, and every queue is announced', async () => {
    const f = await firehose();
    const publishedAt: number[] = [];
    const n = await notifier((e) => {
      if (isReplayQueue(e.queue.name)) publishedAt.push(performance.now());
    });
    await eventually(() => new Set(replayedSince(f).map((r) => r.event.queue.name)).size === QUEUES, {
      timeoutMs: 15_000,
    });
    const received = replayedSince(f).map((r) => r.atMs);
    const spanMs = received[received.length - 1]! - received[0]!;
    const observedPerSecond = ((received.length - BURST) * 1000) / spanMs;
    const most = {
      published100ms: maxInWindow(publishedAt, 100),
      published1s: maxInWindow(publishedAt, 1000),
      received100ms: maxInWindow(received, 100),
      received1s: maxInWindow(received, 1000),
    };
    process.stdout.write(
      `replay of ${received.length} end offsets at ${RATE}/s (burst ${BURST}): ${Math.round(spanMs)} ms at the ` +
        `subscriber, ${Math.round(observedPerSecond)}/s; most in any 100 ms / 1 s: published ` +
        `${most.published100ms} / ${most.published1s}, received ${most.received100ms} / ${most.received1s}\n`,
    );
    expect(received).toHaveLength(QUEUES);
    // The budget: BURST at once, then RATE per second. Where the notifier publishes, it holds exactly (a few
    // events of slack for timestamps taken after the publish); at the subscriber NATS and a busy event loop
    // bunch deliveries up, so it holds there with a margin of 10 %.
    expect(most.published100ms).toBeLessThanOrEqual(BURST + RATE * 0.1 + 5);
    expect(most.published1s).toBeLessThanOrEqual(BURST + RATE + 5);
    expect(most.received1s).toBeLessThanOrEqual((BURST + RATE) * 1.1);
    expect(observedPerSecond).toBeLessThanOrEqual(RATE * 1.1);
    // And the limit is a limit, not a brake: the replay runs close to the rate.
    expect(observedPerSecond).toBeGreaterThan(RATE * 0.7);

    await eventually(() => n.notifier.replaysInProgress === 0);
    expect(await n.value('replayedEventsPublished')).toBeGreaterThanOrEqual(QUEUES);
    expect(await n.value('replayThrottled')).toBeGreaterThan(((QUEUES - BURST) / RATE) * 0.7);
    expect(await n.value('replaysInProgress')).toBe(0);
    // Every arrival read is accounted for.
    const [arrivals, published, coalesced, failed, skipped, discarded] = await Promise.all([
      n.value('arrivalsReceived'),
      n.value('eventsPublished'),
      n.value('eventsCoalesced'),
      n.value('publishFailures'),
      n.value('arrivalsSkipped'),
      n.value('replayedArrivalsDiscarded'),
    ]);
    expect(published + coalesced + failed + skipped + discarded).toBe(arrivals);
  });

  it('a live append during the replay is published at once, long before the replay ends', async () => {
    const f = await firehose();
    const n = await notifier();
    await eventually(() => replayedSince(f).length >= 2_000, { timeoutMs: 5_000, intervalMs: 5 });
    expect(n.notifier.replaysInProgress).toBe(1);

    // A new queue, and a queue whose replayed end offset has not gone out yet (the replay is in creation order).
    const sentAt = performance.now();
    await store.append(['live-during-replay/x', `rr-${QUEUES - 1}/live`]);
    const liveEvents = () => [
      f.received.find((r) => r.event.queue.name === 'live-during-replay'),
      f.received.find((r) => r.event.queue.name === `rr-${QUEUES - 1}` && r.event.endOffset === 2),
    ];
    await eventually(() => liveEvents().every((r) => r !== undefined), { timeoutMs: 2_000, intervalMs: 1 });
    const latencyMs = Math.max(...liveEvents().map((r) => r!.atMs)) - sentAt;
    const replayedBy = replayedSince(f).length;
    process.stdout.write(
      `live append during the replay: published ${latencyMs.toFixed(1)} ms after it was sent, ` +
        `with ${replayedBy} of ${QUEUES} end offsets replayed\n`,
    );
    expect(latencyMs).toBeLessThan(500);
    expect(replayedBy).toBeLessThan(QUEUES - 5_000);
    expect(n.notifier.replaysInProgress).toBe(1);

    // The replay still announces every queue; the older end offset of the queue written meanwhile goes out
    // after the live one (a hint a gateway ignores: it already knows a newer end offset).
    await eventually(() => new Set(replayedSince(f).map((r) => r.event.queue.name)).size === QUEUES, {
      timeoutMs: 15_000,
    });
    const last = f.received
      .filter((r) => r.event.queue.name === `rr-${QUEUES - 1}`)
      .map((r) => r.event.endOffset);
    expect(last).toEqual([2, 1]);
  });

  it('a store restart mid-replay discards the pending replay, stops the store promptly, and replays again', async () => {
    const f = await firehose();
    const n = await notifier();
    await eventually(() => replayedSince(f).length >= 2_000, { timeoutMs: 5_000, intervalMs: 5 });
    expect(n.notifier.replaysInProgress).toBe(1);

    // The paused replay stream must not hold up the store's graceful shutdown (SIGTERM, exit code 0).
    const stopAt = performance.now();
    await store.stop();
    const stopMs = performance.now() - stopAt;
    process.stdout.write(`store stopped ${Math.round(stopMs)} ms after SIGTERM during a paused replay\n`);
    expect(stopMs).toBeLessThan(3_000);
    await eventually(() => n.notifier.replaysInProgress === 0);
    expect(await n.value('replayedArrivalsDiscarded')).toBeGreaterThan(0);

    const restartedAt = performance.now();
    await store.restart();
    await eventually(
      () => new Set(replayedSince(f, restartedAt).map((r) => r.event.queue.name)).size === QUEUES,
      { timeoutMs: 15_000 },
    );
    expect(await n.value('streamReconnects')).toBeGreaterThanOrEqual(1);
    await eventually(() => n.notifier.replaysInProgress === 0);
  });

  it('the notifier process exits at once on SIGTERM while its replay is throttled', async () => {
    let proc: ProcessHandle<ServicePorts> | undefined = await startServiceProcess('notifier', {
      env: {
        NOTIFIER_STORE_ADDRESSES: store.address,
        NATS_URL: nats.url,
        NOTIFIER_OPS_PORT: '0',
        NOTIFIER_REPLAY_RATE: '1000',
        NOTIFIER_REPLAY_BURST: '100',
        LOG_LEVEL: 'info',
      },
    });
    cleanups.push(async () => void (await proc?.kill('SIGKILL')));
    const ops = proc.ready['ops']!;
    const metric = async (name: string): Promise<number> => {
      const body = await (await fetch(`http://127.0.0.1:${ops}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(body)?.[1] ?? NaN);
    };
    await eventually(
      async () =>
        (await metric('starling_notifier_replays_in_progress')) === 1 &&
        (await metric('starling_notifier_replay_throttled_seconds_total')) > 0.2,
      { timeoutMs: 10_000 },
    );
    const stopAt = performance.now();
    const exit = await proc.stop();
    const stopMs = performance.now() - stopAt;
    const lines = proc.lines.join('\n');
    proc = undefined;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(2_000);
    expect(lines).toMatch(/"code":0,"msg":"shut down"/);
  });
});
