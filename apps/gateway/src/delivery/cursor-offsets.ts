/**
 * The offsets of one cursor (one subscription on one queue) and the offset it may commit.
 *
 * Committed offset rule (ADR 0004): the lowest offset still in flight (QoS 1 awaiting PUBACK, QoS 2 awaiting
 * PUBREC), or the next offset to read when nothing is in flight. So a committed offset is never ahead of what
 * the client acknowledged, and a reconnect redelivers from the first unacknowledged message.
 *
 * A commit also carries the queue's in-flight state (ADR 0014), which changes without the offset moving (a
 * second message sent, a PUBREC): `changed()` counts those too, so that a commit is due after any of them.
 */
export class CursorOffsets {
  /**
   * Offsets sent and not yet acknowledged. A cursor sends in increasing offset order, and a Set iterates in
   * insertion order, so the first element is always the lowest: O(1) to add, acknowledge and read the lowest.
   */
  private readonly unacknowledged = new Set<number>();
  private next: number;
  private committed: number | undefined;
  /** Changes of what a commit carries, and their count at the last commit. */
  private changes = 0;
  private committedChanges = 0;

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
    if (offset > this.next) {
      this.next = offset;
      this.changes += 1;
    }
  }

  /** The queue's in-flight state changed without an offset moving (a PUBREC, a PUBCOMP). */
  changed(): void {
    this.changes += 1;
  }

  /**
   * The queue was created anew (a lapsed registration): reading continues at `offset` of the new queue, even
   * backwards. Offsets in flight belong to the old queue; their acknowledgements no longer move this cursor.
   */
  restart(offset: number): void {
    this.unacknowledged.clear();
    this.next = offset;
    this.committed = undefined;
    this.changes += 1;
  }

  /** PUBACK / PUBREC for the message at `offset`; unknown offsets are ignored. */
  acknowledged(offset: number): void {
    if (this.unacknowledged.delete(offset)) this.changes += 1;
  }

  /** The offset a commit would store now. */
  committable(): number {
    for (const lowest of this.unacknowledged) return Math.min(lowest, this.next);
    return this.next;
  }

  /**
   * The value to commit, and the change count it reflects, when the offset or the in-flight state changed
   * since the last `markCommitted`; else undefined.
   */
  pendingCommit(): { readonly offset: number; readonly changes: number } | undefined {
    const offset = this.committable();
    if (offset === this.committed && this.changes === this.committedChanges) return undefined;
    return { offset, changes: this.changes };
  }

  markCommitted(offset: number, changes: number = this.changes): void {
    this.committed = offset;
    this.committedChanges = changes;
  }

  /** Sets the last committed value without a commit (the start offset came from the store). */
  assumeCommitted(offset: number): void {
    this.committed = offset;
  }
}
