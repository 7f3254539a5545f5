import { status } from '@grpc/grpc-js';
import {
  AppendStreamClient,
  type AppendMessagesResponseOutput,
  type AppendedBatch,
  type Message,
} from '@starling/proto';
import type { Logger } from '@starling/observability';
import type { GatewayMetrics } from '../metrics';
import type { AppendOutcome } from '../types';
import type { StoreClient } from './store-client';
import { isServiceError, reasonOf, unary } from './grpc-call';

/**
 * Sends one batch to a store shard: resolves once the store acknowledged it (durable under its fsync policy),
 * rejects with the gRPC ServiceError the store answered or the transport failed with. `close` waits for the
 * batches sent and releases what the sender holds.
 */
export interface BatchSender {
  send(messages: readonly Message[]): Promise<AppendedBatch>;
  close(): Promise<void>;
}

/**
 * The sender for one shard's client: over StoreService.AppendStream when the client has it (a gRPC client: one
 * long-lived stream instead of an HTTP/2 stream per batch, see store.proto), otherwise one AppendMessages call
 * per batch (the store's in-process client in standalone, where a call costs no more than a stream message).
 */
export function batchSender(
  client: Pick<StoreClient, 'AppendMessages' | 'AppendStream'>,
  deadlineMs: number,
): BatchSender {
  if (client.AppendStream !== undefined) {
    const stream = new AppendStreamClient({ AppendStream: client.AppendStream.bind(client) }, deadlineMs);
    return { send: (messages) => stream.append(messages), close: () => stream.close() };
  }
  return {
    send: (messages) =>
      unary<AppendMessagesResponseOutput>(
        (o, cb) => client.AppendMessages({ messages: messages as Message[] }, o, cb),
        deadlineMs,
      ),
    close: () => Promise.resolve(),
  };
}

export interface AppenderOptions {
  readonly shard: number;
  readonly sender: BatchSender;
  /** Messages per batch (GATEWAY_APPEND_MAX_BATCH). */
  readonly maxBatchMessages: number;
  /** Estimated bytes per batch: keeps a batch under the store's gRPC receive limit (4 MiB by default). */
  readonly maxBatchBytes: number;
  readonly logger: Logger;
  readonly metrics?: GatewayMetrics | undefined;
}

interface Pending {
  readonly message: Message;
  readonly bytes: number;
  readonly resolve: (outcome: AppendOutcome) => void;
}

/** Status codes that mean "this request is wrong" (store.proto): the message is refused, not retried. */
const REJECTING = new Set<number>([
  status.INVALID_ARGUMENT,
  status.RESOURCE_EXHAUSTED,
  status.FAILED_PRECONDITION,
]);

/**
 * Batches the appends of one shard: every message handed over in the same event-loop turn (up to the size
 * bounds) goes out as ONE batch (an AppendStream request, or an AppendMessages call in process), sent from
 * `setImmediate` so that every PUBLISH parsed from the sockets' data in this turn joins it. Several batches may
 * be in flight at once; each caller's promise resolves with its own position once its batch is acknowledged,
 * which the store sends only when the batch is durable under its fsync policy. Never rejects: failures are
 * outcomes.
 */
export class Appender {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: AppenderOptions) {}

  /** Batches in flight (tests, metrics). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  append(message: Message, bytes: number): Promise<AppendOutcome> {
    if (this.closed) {
      return Promise.resolve({ status: 'unavailable', message: 'the gateway is shutting down' });
    }
    return new Promise<AppendOutcome>((resolve) => {
      // A message that would push the batch over its byte bound starts the next one.
      if (this.pending.length > 0 && this.pendingBytes + bytes > this.options.maxBatchBytes) this.flush();
      this.pending.push({ message, bytes, resolve });
      this.pendingBytes += bytes;
      if (this.pending.length >= this.options.maxBatchMessages) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Sends what is pending now, without waiting for the end of the turn. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const sending = this.send(batch).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Sends what is pending and waits for every batch in flight; later appends are 'unavailable'. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await this.options.sender.close();
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    const { sender, shard } = this.options;
    this.options.metrics?.appendBatchSize.observe(batch.length);
    let response: AppendedBatch;
    try {
      response = await sender.send(batch.map((p) => p.message));
    } catch (e) {
      const outcome = outcomeOfError(e);
      if (outcome.status === 'rejected' && batch.length > 1) {
        // The store validates a batch all-or-nothing: one bad message refused all of them. Send them one by
        // one, in order, so only the offending publisher is refused. (Rare: the gateway validates topic,
        // QoS and size before a message joins a batch.)
        this.options.logger.warn(
          { shard, messages: batch.length, reason: outcome.reason },
          'append batch refused, retrying its messages one by one',
        );
        for (const p of batch) await this.send([p]);
        return;
      }
      for (const p of batch) p.resolve(outcome);
      return;
    }
    batch.forEach((p, i) => {
      const position = response.positions[i];
      p.resolve(
        position === undefined
          ? { status: 'unavailable', message: `the store returned no position for message ${i}` }
          : { status: 'ok', shard, position },
      );
    });
  }
}

export function outcomeOfError(e: unknown): Exclude<AppendOutcome, { status: 'ok' }> {
  if (!isServiceError(e)) {
    return { status: 'unavailable', message: e instanceof Error ? e.message : String(e) };
  }
  if (REJECTING.has(e.code)) {
    return { status: 'rejected', reason: reasonOf(e) || status[e.code] || 'rejected', message: e.details };
  }
  // UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL and anything else: not acknowledged, the client retries.
  return { status: 'unavailable', message: `${status[e.code] ?? e.code}: ${e.details}` };
}
