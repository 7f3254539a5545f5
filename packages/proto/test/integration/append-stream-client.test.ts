// AppendStreamClient against a real grpc-js server on an ephemeral port. The AppendStream handler is scripted
// by each test (packages/proto does not depend on the store): it checks the client's side of the contract in
// store.proto (batch ids, refusals, stream failures, deadlines, half-close), not the store.
import * as grpc from '@grpc/grpc-js';
import {
  AppendStreamClient,
  createStoreClient,
  storeServiceDefinition,
  type AppendStreamRequestOutput,
  type AppendStreamResponse,
  type Message,
  type StoreServiceClient,
  type StoreServiceHandlers,
} from '../../src';

type AppendStreamCall = grpc.ServerDuplexStream<AppendStreamRequestOutput, AppendStreamResponse>;

/** Rejects when `promise` has not settled within `ms`: no test waits unbounded. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: grpc.ServiceError };

/** How `promise` settles, within `ms`. */
function settled<T>(promise: Promise<T>, ms = 5_000, what = 'append'): Promise<Settled<T>> {
  return within(
    promise.then(
      (value): Settled<T> => ({ ok: true, value }),
      (error: grpc.ServiceError): Settled<T> => ({ ok: false, error }),
    ),
    ms,
    what,
  );
}

/** Resolves once `condition()` holds, polling; rejects after `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A batch whose one message carries `tag` as its topic and payload, so the server can tell batches apart. */
const batch = (tag: string): Message[] => [{ topic: tag, payload: Buffer.from(tag) }];

/** The positions the scripted server gives a batch: derived from its topic, so each batch's are its own. */
const positionsOf = (request: AppendStreamRequestOutput): number[] =>
  request.messages.map((m, index) => 2 ** 40 + Number(m.topic.replace(/\D/g, '') || 0) * 1000 + index);

const success = (request: AppendStreamRequestOutput): AppendStreamResponse => ({
  positions: positionsOf(request),
  shard: 2,
  batchId: request.batchId,
});

const expectServiceError = (
  result: Settled<unknown>,
  code: grpc.status,
  details?: string | RegExp,
): grpc.ServiceError => {
  expect(result.ok).toBe(false);
  const error = (result as { error: grpc.ServiceError }).error;
  expect(error).toBeInstanceOf(Error);
  expect(error.code).toBe(code);
  if (details !== undefined) expect(error.details).toMatch(details);
  expect(error.metadata).toBeInstanceOf(grpc.Metadata);
  return error;
};

describe('AppendStreamClient against a real grpc-js server', () => {
  let server: grpc.Server | undefined;
  let storeClient: StoreServiceClient | undefined;
  let client: AppendStreamClient | undefined;
  /** Every AppendStream call the server got, in order. */
  let calls: AppendStreamCall[];
  /** What the handler does with each call; set by each test. */
  let script: (call: AppendStreamCall, invocation: number) => void;

  async function start(timeoutMs: number): Promise<AppendStreamClient> {
    calls = [];
    const handlers: Pick<StoreServiceHandlers, 'AppendStream'> = {
      AppendStream(call) {
        calls.push(call);
        script(call, calls.length);
      },
    };
    server = new grpc.Server();
    server.addService(storeServiceDefinition(), handlers);
    const port = await within(
      new Promise<number>((resolve, reject) => {
        server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error === null ? resolve(bound) : reject(error),
        );
      }),
      5_000,
      'bind',
    );
    storeClient = createStoreClient(`127.0.0.1:${port}`);
    client = new AppendStreamClient(storeClient, timeoutMs);
    return client;
  }

  afterEach(() => {
    server?.forceShutdown();
    storeClient?.close();
    server = undefined;
    storeClient = undefined;
    client = undefined;
  });

  test('resolves each batch with its own positions by batch id, whatever order the answers come in', async () => {
    const received: AppendStreamRequestOutput[] = [];
    script = (call) => {
      call.on('data', (request: AppendStreamRequestOutput) => {
        received.push(request);
        // Answer once all three are in, last first, then the first, then the second.
        if (received.length === 3) {
          for (const r of [received[2]!, received[0]!, received[1]!]) call.write(success(r));
        }
      });
    };
    const appender = await start(5_000);

    const pending = [
      appender.append(batch('t1')),
      appender.append(batch('t2')),
      appender.append(batch('t3')),
    ];
    expect(appender.inFlight).toBe(3);
    const results = await Promise.all(pending.map((p) => settled(p)));

    expect(results).toEqual([
      { ok: true, value: { positions: [2 ** 40 + 1000], shard: 2 } },
      { ok: true, value: { positions: [2 ** 40 + 2000], shard: 2 } },
      { ok: true, value: { positions: [2 ** 40 + 3000], shard: 2 } },
    ]);
    expect(appender.inFlight).toBe(0);
    // One stream, three distinct non-zero batch ids, the batches in sending order.
    expect(calls).toHaveLength(1);
    expect(received.map((r) => r.messages[0]!.topic)).toEqual(['t1', 't2', 't3']);
    const ids = received.map((r) => r.batchId);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id > 0)).toBe(true);
  });

  test('a refused batch rejects alone with the refusal as a ServiceError; the stream goes on', async () => {
    script = (call) => {
      call.on('data', (request: AppendStreamRequestOutput) => {
        if (request.messages[0]!.topic.startsWith('bad')) {
          call.write({
            batchId: request.batchId,
            code: grpc.status.INVALID_ARGUMENT,
            details: 'topic must not contain wildcards',
            reason: 'invalid-topic',
          });
        } else call.write(success(request));
      });
    };
    const appender = await start(5_000);

    const [before, refused, after] = await Promise.all(
      [appender.append(batch('t1')), appender.append(batch('bad2')), appender.append(batch('t3'))].map((p) =>
        settled(p),
      ),
    );

    expect(before).toEqual({ ok: true, value: { positions: [2 ** 40 + 1000], shard: 2 } });
    expect(after).toEqual({ ok: true, value: { positions: [2 ** 40 + 3000], shard: 2 } });
    const error = expectServiceError(
      refused!,
      grpc.status.INVALID_ARGUMENT,
      'topic must not contain wildcards',
    );
    expect(error.details).toBe('topic must not contain wildcards');
    expect(error.metadata.get('starling-reason')).toEqual(['invalid-topic']);
    // Later batches still go on the same stream.
    await expect(settled(appender.append(batch('t4')))).resolves.toEqual({
      ok: true,
      value: { positions: [2 ** 40 + 4000], shard: 2 },
    });
    expect(calls).toHaveLength(1);
    expect(appender.inFlight).toBe(0);
  });

  test('a stream that ends with an error status rejects every waiting batch; the next append opens another', async () => {
    script = (call, invocation) => {
      if (invocation === 1) {
        let seen = 0;
        call.on('data', () => {
          if (++seen < 2) return;
          const metadata = new grpc.Metadata();
          metadata.set('starling-reason', 'malformed-request');
          call.emit('error', {
            code: grpc.status.INVALID_ARGUMENT,
            details: 'AppendStreamRequest: truncated',
            metadata,
          });
        });
      } else call.on('data', (request: AppendStreamRequestOutput) => call.write(success(request)));
    };
    const appender = await start(5_000);

    const results = await Promise.all(
      [appender.append(batch('t1')), appender.append(batch('t2'))].map((p) => settled(p)),
    );

    for (const result of results) {
      const error = expectServiceError(
        result,
        grpc.status.INVALID_ARGUMENT,
        'AppendStreamRequest: truncated',
      );
      expect(error.metadata.get('starling-reason')).toEqual(['malformed-request']);
    }
    expect(appender.inFlight).toBe(0);
    expect(calls).toHaveLength(1);

    await expect(settled(appender.append(batch('t3')))).resolves.toEqual({
      ok: true,
      value: { positions: [2 ** 40 + 3000], shard: 2 },
    });
    expect(calls).toHaveLength(2);
  });

  test('a stream the server ends OK before the client half-closed rejects what waits at once, not at its deadline', async () => {
    script = (call, invocation) => {
      if (invocation === 1) call.once('data', () => call.end());
      else call.on('data', (request: AppendStreamRequestOutput) => call.write(success(request)));
    };
    const appender = await start(30_000);
    const started = Date.now();

    const result = await settled(appender.append(batch('t1')), 5_000);

    expectServiceError(result, grpc.status.UNAVAILABLE, 'the append stream ended before answering');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(appender.inFlight).toBe(0);
    await expect(settled(appender.append(batch('t2')))).resolves.toEqual({
      ok: true,
      value: { positions: [2 ** 40 + 2000], shard: 2 },
    });
    expect(calls).toHaveLength(2);
  });

  test('a stream that stops answering fails with DEADLINE_EXCEEDED after timeoutMs; the next append opens another', async () => {
    let cancelled = false;
    script = (call, invocation) => {
      if (invocation === 1) {
        call.on('cancelled', () => (cancelled = true));
        return; // reads nothing, answers nothing
      }
      call.on('data', (request: AppendStreamRequestOutput) => call.write(success(request)));
    };
    const appender = await start(200);

    const started = Date.now();
    const first = appender.append(batch('t1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = appender.append(batch('t2'));
    const [a, b] = await Promise.all([settled(first, 3_000), settled(second, 3_000)]);
    const elapsed = Date.now() - started;

    // The oldest batch's deadline fails the whole stream: the second batch too, although younger.
    expectServiceError(a, grpc.status.DEADLINE_EXCEEDED, /200 ms/);
    expectServiceError(b, grpc.status.DEADLINE_EXCEEDED, /200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
    expect(appender.inFlight).toBe(0);
    // The client cancelled the dead stream.
    await until(() => cancelled, 3_000, 'server sees the first stream cancelled');

    await expect(settled(appender.append(batch('t3')))).resolves.toEqual({
      ok: true,
      value: { positions: [2 ** 40 + 3000], shard: 2 },
    });
    expect(calls).toHaveLength(2);
  });

  test('close() half-closes, waits for the outstanding answers, then refuses appends with UNAVAILABLE', async () => {
    const events: string[] = [];
    script = (call) => {
      const received: AppendStreamRequestOutput[] = [];
      call.on('data', (request: AppendStreamRequestOutput) => {
        events.push(`data ${request.messages[0]!.topic}`);
        received.push(request);
      });
      // Answers nothing until the client half-closes; then, a little later, everything, and ends with OK.
      call.on('end', () => {
        events.push('half-close');
        setTimeout(() => {
          for (const request of received) call.write(success(request));
          events.push('answered');
          call.end();
        }, 100);
      });
    };
    const appender = await start(5_000);

    const first = settled(appender.append(batch('t1')));
    const second = settled(appender.append(batch('t2')));
    let closed = false;
    const closing = appender.close().then(() => {
      closed = true;
      events.push('closed');
    });
    // Refused at once while closing.
    const during = await settled(appender.append(batch('t3')), 1_000);
    expectServiceError(during, grpc.status.UNAVAILABLE);
    expect(closed).toBe(false);

    await within(closing, 5_000, 'close()');
    expect(await first).toEqual({ ok: true, value: { positions: [2 ** 40 + 1000], shard: 2 } });
    expect(await second).toEqual({ ok: true, value: { positions: [2 ** 40 + 2000], shard: 2 } });
    expect(events).toEqual(['data t1', 'data t2', 'half-close', 'answered', 'closed']);
    expect(appender.inFlight).toBe(0);

    const later = await settled(appender.append(batch('t4')), 1_000);
    expectServiceError(later, grpc.status.UNAVAILABLE, 'the append stream is closed');
    expect(calls).toHaveLength(1);
    // close() again is the same finished close.
    await within(appender.close(), 1_000, 'second close()');
  });

  test('an unreachable store rejects the append with UNAVAILABLE', async () => {
    script = () => undefined;
    await start(5_000);
    // Learn a port nothing listens on any more: the test server's, shut down.
    const port = Number(storeClient!.getChannel().getTarget().replace(/^.*:/, ''));
    await within(
      new Promise<void>((resolve) => server!.tryShutdown(() => resolve())),
      5_000,
      'server shutdown',
    );
    storeClient!.close();
    storeClient = createStoreClient(`127.0.0.1:${port}`);
    const appender = new AppendStreamClient(storeClient, 5_000);

    const result = await settled(appender.append(batch('t1')), 5_000);

    expectServiceError(result, grpc.status.UNAVAILABLE);
    expect(appender.inFlight).toBe(0);
    expect(calls).toHaveLength(0);
  });
});
