/**
 * The offsets of one cursor (one subscription on one queue) and the offset it may commit.
 *
 * Committed offset rule (ADR 0004): the lowest offset still in flight (QoS 1 awaiting PUBACK, QoS 2 awaiting
 * PUBREC), or the next offset to read when nothing is in flight. So a committed offset is never ahead of what
 * the client acknowledged, and a reconnect redelivers from the first unacknowledged message.
 */
export class CursorOffsets {
  /**
   * Offsets sent and not yet acknowledged. A cursor sends in increasing offset order, and a Set iterates in
   * insertion order, so the first element is always the lowest: O(1) to add, acknowledge and read the lowest.
   */
  private readonly unacknowledged = new Set<number>();
  private next: number;
  private committed: number | undefined;

  constructor(startOffset: number) {
    this.next = startOffset;
  }

  /** The next offset to read. */
  get nextOffset(): number {
    return this.next;
  }

  get inflightCount(): number {
    return this.unacknowledged.size;
  }

  /** A message at `offset` was handed to the session (acknowledged at once for QoS 0). */
  sent(offset: number, awaitingAck: boolean): void {
    if (awaitingAck) this.unacknowledged.add(offset);
    this.advanceTo(offset + 1);
  }

  /** Nothing to deliver below `offset` (a gap, the end of a pulled range, retention). Never moves back. */
  advanceTo(offset: number): void {
    if (offset > this.next) this.next = offset;
  }

  /**
   * The queue was created anew (a lapsed registration): reading continues at `offset` of the new queue, even
   * backwards. Offsets in flight belong to the old queue; their acknowledgements no longer move this cursor.
   */
  restart(offset: number): void {
    this.unacknowledged.clear();
    this.next = offset;
    this.committed = undefined;
  }

  /** PUBACK / PUBREC for the message at `offset`; unknown offsets are ignored. */
  acknowledged(offset: number): void {
    this.unacknowledged.delete(offset);
  }

  /** The offset a commit would store now. */
  committable(): number {
    for (const lowest of this.unacknowledged) return Math.min(lowest, this.next);
    return this.next;
  }

  /** The value to commit when it changed since the last `markCommitted`, else undefined. */
  pendingCommit(): number | undefined {
    const offset = this.committable();
    return offset === this.committed ? undefined : offset;
  }

  markCommitted(offset: number): void {
    this.committed = offset;
  }

  /** Sets the last committed value without a commit (the start offset came from the store). */
  assumeCommitted(offset: number): void {
    this.committed = offset;
  }
}
