import { status } from '@grpc/grpc-js';
import type { AppendMessagesResponseOutput, Message } from '@starling/proto';
import type { Logger } from '@starling/observability';
import type { GatewayMetrics } from '../metrics';
import type { AppendOutcome } from '../types';
import type { StoreClient } from './store-client';
import { isServiceError, reasonOf, unary } from './grpc-call';

export interface AppenderOptions {
  readonly shard: number;
  readonly client: Pick<StoreClient, 'AppendMessages'>;
  /** Messages per AppendMessages call (GATEWAY_APPEND_MAX_BATCH). */
  readonly maxBatchMessages: number;
  /** Estimated bytes per call: keeps a batch under the store's gRPC receive limit (4 MiB by default). */
  readonly maxBatchBytes: number;
  readonly deadlineMs: number;
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
 * bounds) goes out in ONE AppendMessages call, sent from `setImmediate` so that every PUBLISH parsed from
 * the sockets' data in this turn joins it. Several batches may be in flight at once; each caller's promise
 * resolves with its own position once its batch is acknowledged, which the store sends only when the batch
 * is durable under its fsync policy. Never rejects: failures are outcomes.
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
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    const { client, shard, deadlineMs } = this.options;
    this.options.metrics?.appendBatchSize.observe(batch.length);
    const request = { messages: batch.map((p) => p.message) };
    let response: AppendMessagesResponseOutput;
    try {
      response = await unary<AppendMessagesResponseOutput>(
        (o, cb) => client.AppendMessages(request, o, cb),
        deadlineMs,
      );
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
