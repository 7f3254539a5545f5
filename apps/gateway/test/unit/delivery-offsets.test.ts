import { CursorOffsets } from '../../src/delivery';

describe('CursorOffsets: the committed offset never passes an unacknowledged message', () => {
  it('is the next offset to read when nothing is in flight', () => {
    const offsets = new CursorOffsets(10);
    expect(offsets.committable()).toBe(10);
    offsets.sent(10, false); // QoS 0: acknowledged once written
    offsets.sent(11, false);
    expect(offsets.committable()).toBe(12);
  });

  it('is the lowest offset still awaiting PUBACK / PUBREC', () => {
    const offsets = new CursorOffsets(0);
    for (const offset of [0, 1, 2, 3]) offsets.sent(offset, true);
    expect(offsets.committable()).toBe(0);
    offsets.acknowledged(1);
    offsets.acknowledged(3);
    expect(offsets.committable()).toBe(0);
    offsets.acknowledged(0);
    expect(offsets.committable()).toBe(2);
    offsets.acknowledged(2);
    expect(offsets.committable()).toBe(4);
  });

  it('mixes QoS 0 and QoS 1 messages in one queue', () => {
    const offsets = new CursorOffsets(5);
    offsets.sent(5, false);
    offsets.sent(6, true);
    offsets.sent(7, false);
    expect(offsets.committable()).toBe(6);
    offsets.acknowledged(6);
    expect(offsets.committable()).toBe(8);
  });

  it('ignores acknowledgements of offsets not in flight', () => {
    const offsets = new CursorOffsets(0);
    offsets.sent(0, true);
    offsets.acknowledged(7);
    expect(offsets.committable()).toBe(0);
    expect(offsets.inflightCount).toBe(1);
  });

  it('moves past gaps and retention but never backwards', () => {
    const offsets = new CursorOffsets(3);
    offsets.advanceTo(9);
    expect(offsets.nextOffset).toBe(9);
    offsets.advanceTo(4);
    expect(offsets.nextOffset).toBe(9);
  });

  it('reports a commit when the offset or the in-flight state changed, and only then (ADR 0014)', () => {
    const offsets = new CursorOffsets(0);
    offsets.assumeCommitted(0);
    expect(offsets.pendingCommit()).toBeUndefined();
    offsets.sent(0, true);
    // The offset stays at 0, but a message is in flight now: the commit carries it.
    expect(offsets.pendingCommit()).toEqual({ offset: 0, changes: 1 });
    offsets.markCommitted(0, 1);
    expect(offsets.pendingCommit()).toBeUndefined();
    offsets.changed(); // a PUBREC: the same offset, another in-flight state
    const pending = offsets.pendingCommit();
    expect(pending?.offset).toBe(0);
    offsets.acknowledged(0);
    // Committed what `pending` saw; the acknowledgement since is still due.
    offsets.markCommitted(pending!.offset, pending!.changes);
    expect(offsets.pendingCommit()?.offset).toBe(1);
    offsets.markCommitted(1);
    expect(offsets.pendingCommit()).toBeUndefined();
    offsets.acknowledged(7); // unknown: nothing changed
    expect(offsets.pendingCommit()).toBeUndefined();
  });
});
