import type { AppendOutcome } from '../types';

interface AckEntry {
  ready: boolean;
  outcome: AppendOutcome | undefined;
  readonly send: (outcome: AppendOutcome | undefined) => void;
  /** Set while the connection waits for this acknowledgement before it reads on (back-pressure). */
  release: (() => void) | undefined;
}

/**
 * PUBACK, PUBREC and PUBCOMP leave in the order their packets arrived [MQTT-4.6.0-2, -3], whatever order
 * the appends behind them finish in (several batches in flight, several shards). One queue per connection:
 * an entry is sent once its append settled and every earlier entry was sent. No promise per
 * acknowledgement: an append's outcome marks its entry ready, and the ready entries at the head go out.
 */
export class AckQueue {
  private entries: AckEntry[] = [];
  private head = 0;
  private draining = false;

  constructor(
    /** More acknowledgements pending than this: `push` returns a promise, and the connection stops reading. */
    private readonly maxPending: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Acknowledgements queued and not sent yet. */
  get pending(): number {
    return this.entries.length - this.head;
  }

  /**
   * Queues `send` after every acknowledgement queued before it, once `appended` settles (at once without
   * one). `appended` never rejects (appends report failures as outcomes). Returns a promise, which resolves
   * once this acknowledgement is sent, only when too many are pending: back-pressure on a client that
   * outruns the store.
   */
  push(
    appended: Promise<AppendOutcome> | undefined,
    send: (outcome: AppendOutcome | undefined) => void,
  ): void | Promise<void> {
    const entry: AckEntry = { ready: appended === undefined, outcome: undefined, send, release: undefined };
    this.entries.push(entry);
    if (appended !== undefined) {
      void appended.then((outcome) => {
        entry.outcome = outcome;
        entry.ready = true;
        this.drain();
      });
    } else {
      this.drain();
    }
    // Over the bound, this entry is still queued (sending it would have sent every earlier one).
    if (this.pending <= this.maxPending) return undefined;
    return new Promise<void>((resolve) => {
      entry.release = resolve;
    });
  }

  private drain(): void {
    // A send that queues another acknowledgement (none does today) must not run the queue twice over.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.head < this.entries.length) {
        const entry = this.entries[this.head]!;
        if (!entry.ready) break;
        this.head += 1;
        try {
          entry.send(entry.outcome);
        } catch (err) {
          this.onError(err);
        }
        entry.release?.();
      }
      if (this.head === this.entries.length) {
        this.entries.length = 0;
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.draining = false;
    }
  }
}
