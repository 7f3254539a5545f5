import { NO_RUN, StagedEntries } from '../../../src/queues/staged-entries';

/** Stages `count` entries of one run after `lastRun`; entry k of it has position base + k. */
function stage(s: StagedEntries, firstOffset: number, count: number, base: number, lastRun = NO_RUN): number {
  const first = s.takeEntries(count);
  for (let k = 0; k < count; k++) s.writeEntry(first + k, base + k, 10 + k, 1_700_000_000_000 + base + k);
  return s.addRun(firstOffset, first, count, lastRun);
}

function positions(s: StagedEntries, run: number): number[] {
  const out: number[] = [];
  for (let r = run; r !== NO_RUN; r = s.next(r)) {
    for (let i = 0; i < s.count(r); i++) out.push(s.position(s.entryOf(r, i)));
  }
  return out;
}

describe('StagedEntries', () => {
  it('keeps runs of entries as a list per queue, readable field by field', () => {
    const s = new StagedEntries();
    const a1 = stage(s, 0, 3, 100);
    const b1 = stage(s, 0, 2, 200);
    const a2 = stage(s, 3, 2, 300, a1);
    expect(positions(s, a1)).toEqual([100, 101, 102, 300, 301]);
    expect(positions(s, b1)).toEqual([200, 201]);
    expect(s.firstOffset(a2)).toBe(3);
    const e = s.entryOf(a2, 1);
    expect([s.size(e), s.timestampMs(e)]).toEqual([11, 1_700_000_000_301]);
    expect(s.entryCount).toBe(7);
  });

  it('copies a run out in the LMDB value layout', () => {
    const s = new StagedEntries();
    const run = stage(s, 0, 2, 2 ** 40);
    const out = Buffer.alloc(40);
    s.copyOut(run, 0, 2, out, 0);
    expect(out.readUInt32BE(0) * 2 ** 32 + out.readUInt32BE(4)).toBe(2 ** 40);
    expect(out.readUInt32BE(28)).toBe(11);
  });

  it('wraps around and grows without renumbering what is live', () => {
    const s = new StagedEntries();
    let base = 0;
    // A queue whose list always holds the last few runs, released behind it, across several wraps.
    const live: Array<{ run: number; base: number; count: number }> = [];
    let last = NO_RUN;
    for (let round = 0; round < 400; round++) {
      const count = 1 + (round % 97);
      last = stage(s, base, count, base, last);
      live.push({ run: last, base, count });
      base += count;
      if (live.length > 3 + (round % 5)) {
        // What the next commit leaves: the last three runs.
        while (live.length > 3) live.shift();
        s.release({ entries: s.entryOf(live[0]!.run, 0), runs: live[0]!.run });
      }
      // Every 50 rounds, a burst that forces the rings to grow while entries are live.
      if (round % 50 === 49) {
        // Entries first (40 runs of 500), then runs (5,000 of one entry), past both initial capacities.
        for (let k = 0; k < 5_040; k++) {
          const count = k < 40 ? 500 : 1;
          last = stage(s, base, count, base, last);
          live.push({ run: last, base, count });
          base += count;
        }
      }
      const expected = live.flatMap((l) => Array.from({ length: l.count }, (_, k) => l.base + k));
      expect(positions(s, live[0]!.run)).toEqual(expected);
      const out = Buffer.alloc(live[0]!.count * 20);
      s.copyOut(live[0]!.run, 0, live[0]!.count, out, 0);
      expect(out.readUInt32BE(4)).toBe(live[0]!.base);
    }
  });
});
