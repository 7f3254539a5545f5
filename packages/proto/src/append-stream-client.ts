import { Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { StoreServiceClient } from './generated/starling/store/v1/StoreService';
import type { AppendStreamRequest, AppendStreamResponseOutput, Message } from './types';

/** What an acknowledged batch gets back: its messages' commitlog positions, in order, and the shard. */
export interface AppendedBatch {
  readonly positions: readonly number[];
  readonly shard: number;
}

interface PendingBatch {
  readonly resolve: (batch: AppendedBatch) => void;
  readonly reject: (err: ServiceError) => void;
  /** When it fails, on the Date.now() clock. */
  readonly deadline: number;
}

/** A ServiceError as grpc-js makes it for a failed call, with the store's `starling-reason` when it gave one. */
export function appendStreamError(code: status, details: string, reason = ''): ServiceError {
  const metadata = new Metadata();
  if (reason !== '') metadata.set('starling-reason', reason);
  return Object.assign(new Error(`${code} ${status[code] ?? 'UNKNOWN'}: ${details}`), {
    code,
    details,
    metadata,
  });
}

/**
 * Appends batches to one store shard over StoreService.AppendStream: one long-lived stream instead of one
 * AppendMessages call per batch (store.proto). `append` behaves like an AppendMessages call: it resolves with
 * the batch's positions once the store has made it durable, and rejects with the ServiceError AppendMessages
 * would have failed with (code, details, `starling-reason` metadata) when the store refused it.
 *
 * The stream is opened on the first append and again after it fails. When it fails, every batch still waiting
 * is rejected with its status (UNAVAILABLE when the store went away): those batches may or may not have been
 * appended, as with a unary call that fails in flight. A batch not answered within `timeoutMs` fails the
 * whole stream with DEADLINE_EXCEEDED, since a stream that stops answering one batch answers none after it.
 */
export class AppendStreamClient {
  private stream: ClientDuplexStream<AppendStreamRequest, AppendStreamResponseOutput> | undefined;
  private readonly pending = new Map<number, PendingBatch>();
  private nextBatchId = 1;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: Pick<StoreServiceClient, 'AppendStream'>,
    private readonly timeoutMs: number,
  ) {}

  /** Batches sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  append(messages: readonly Message[]): Promise<AppendedBatch> {
    if (this.closing !== undefined) {
      return Promise.reject(appendStreamError(status.UNAVAILABLE, 'the append stream is closed'));
    }
    const batchId = this.nextBatchId++;
    const stream = (this.stream ??= this.open());
    return new Promise<AppendedBatch>((resolve, reject) => {
      this.pending.set(batchId, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.timer ??= setTimeout(() => this.checkDeadlines(), this.timeoutMs).unref();
      stream.write({ messages: messages as Message[], batchId });
    });
  }

  /** Half-closes the stream and waits for the answers to every batch sent; later appends are refused. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const stream = this.stream;
      if (stream === undefined) {
        resolve();
        return;
      }
      // The store answers what it received, then ends the stream (OK); `close` fails whatever it did not answer.
      stream.once('status', () => resolve());
      stream.once('close', () => resolve());
      stream.end();
    });
    return this.closing;
  }

  private open(): ClientDuplexStream<AppendStreamRequest, AppendStreamResponseOutput> {
    const stream = this.client.AppendStream();
    stream.on('data', (r: AppendStreamResponseOutput) => {
      const batch = this.pending.get(r.batchId);
      if (batch === undefined) return; // answered after its stream timed out: that batch was already failed
      this.pending.delete(r.batchId);
      if (r.code === 0) batch.resolve({ positions: r.positions, shard: r.shard });
      else batch.reject(appendStreamError(r.code, r.details, r.reason));
    });
    stream.on('error', (err: ServiceError) => {
      if (this.stream === stream) this.fail(err);
    });
    // A stream that ends with OK while this side still writes (the store only does so after a half-close) emits
    // no 'close' until then: its end is taken from the status.
    const ended = (): void => {
      if (this.stream !== stream) return;
      this.fail(appendStreamError(status.UNAVAILABLE, 'the append stream ended before answering'));
    };
    stream.on('status', ended);
    stream.on('close', ended);
    return stream;
  }

  /** Ends the current stream, rejecting every batch still waiting with `err`. */
  private fail(err: ServiceError): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const batch of waiting) batch.reject(err);
    this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One timer for every batch: it wakes for the oldest one's deadline (Map keeps sending order). */
  private checkDeadlines(): void {
    this.timer = undefined;
    const oldest = this.pending.values().next();
    if (oldest.done) return;
    const left = oldest.value.deadline - Date.now();
    if (left <= 0) {
      this.fail(
        appendStreamError(status.DEADLINE_EXCEEDED, `no answer from the store within ${this.timeoutMs} ms`),
      );
      return;
    }
    this.timer = setTimeout(() => this.checkDeadlines(), left).unref();
  }
}
