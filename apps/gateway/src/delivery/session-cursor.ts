import type { QoS, QueuedMessage, ShardQueue } from '../types';
import { CursorOffsets } from './cursor-offsets';
import type { ReaderCursor } from './queue-reader';

/** A subscription of one session: its filter, granted QoS and one cursor per queue it reads. */
export interface Subscription {
  readonly filter: string;
  qos: QoS;
  readonly cursors: SessionCursor[];
}

/** What a cursor needs from its session. */
export interface CursorOwner {
  canTake(): boolean;
  deliver(cursor: SessionCursor, message: QueuedMessage, dup: boolean): void;
  skipped(cursor: SessionCursor, reason: 'offline-qos0'): void;
  retentionSkipped(cursor: SessionCursor): void;
}

export interface ResumeBoundary {
  /** Pulls the reader had started when the cursor was added: a later pull tells the end at resume. */
  readonly afterPull: number;
  /** Skip QoS 0 messages below the end at resume (`GATEWAY_OFFLINE_QOS0=false`). */
  readonly skipOfflineQos0: boolean;
}

/**
 * One subscription's position in one queue. Resumed cursors first learn the queue's end at resume time: below
 * it, QoS > 0 messages are sent with DUP=1 (they may have been sent on the previous connection) and, when
 * offline QoS 0 is off, QoS 0 messages are skipped.
 */
export class SessionCursor implements ReaderCursor {
  readonly offsets: CursorOffsets;
  private boundary: ResumeBoundary | undefined;
  /** Messages below this offset may have been sent before (persistent session resumed): DUP=1. */
  private dupBelow = 0;
  private offlineQos0Below = 0;
  stopped = false;

  constructor(
    readonly queue: ShardQueue,
    readonly subscription: Subscription,
    private readonly owner: CursorOwner,
    startOffset: number,
    boundary?: ResumeBoundary,
  ) {
    this.offsets = new CursorOffsets(startOffset);
    this.boundary = boundary;
  }

  get nextOffset(): number {
    return this.offsets.nextOffset;
  }

  get awaitingEndAfterPull(): number | undefined {
    return this.boundary?.afterPull;
  }

  canTake(): boolean {
    return !this.stopped && this.boundary === undefined && this.owner.canTake();
  }

  learnEnd(endOffset: number): void {
    if (this.boundary === undefined) return;
    this.dupBelow = endOffset;
    if (this.boundary.skipOfflineQos0) this.offlineQos0Below = endOffset;
    this.boundary = undefined;
  }

  deliver(message: QueuedMessage): void {
    if (this.stopped) return;
    const qos = Math.min(message.qos, this.subscription.qos) as QoS;
    if (qos === 0 && message.offset < this.offlineQos0Below) {
      this.offsets.advanceTo(message.offset + 1);
      this.owner.skipped(this, 'offline-qos0');
      return;
    }
    this.owner.deliver(this, message, qos > 0 && message.offset < this.dupBelow);
  }

  advanceTo(offset: number): void {
    this.offsets.advanceTo(offset);
  }

  restartAt(offset: number): void {
    this.offsets.restart(offset);
  }

  skipToLowOffset(lowOffset: number): number {
    const lost = lowOffset - this.offsets.nextOffset;
    if (lost <= 0) return 0;
    this.offsets.advanceTo(lowOffset);
    this.owner.retentionSkipped(this);
    return lost;
  }
}
