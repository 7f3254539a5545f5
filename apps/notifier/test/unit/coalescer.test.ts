import type { ArrivalEvent } from '@starling/event-bus';
import { Coalescer, type CoalescerOptions } from '../../src/coalescer';

const arrival = (name: string, endOffset: number, timestampMs = endOffset, shard = 0): ArrivalEvent => ({
  queue: { kind: 'topic', name },
  shard,
  endOffset,
  timestampMs,
});

interface Emitted {
  event: ArrivalEvent;
  oldestTimestampMs: number;
}

/** A coalescer whose emitted events collect in `out` (`take()` empties it; `takeDue` returns its own). */
function coalescer(windowMs: number, options: Omit<CoalescerOptions, 'emit'> = {}) {
  const out: Emitted[] = [];
  const c = new Coalescer(windowMs, {
    ...options,
    emit: (event, oldestTimestampMs) => out.push({ event, oldestTimestampMs }),
  });
  const offer = (e: ArrivalEvent, nowMs: number) =>
    c.offer(e.shard, e.queue.kind, e.queue.name, e.endOffset, e.timestampMs, nowMs);
  const take = (): Emitted[] => out.splice(0);
  const takeDue = (nowMs: number): Emitted[] => {
    const before = out.length;
    const n = c.takeDue(nowMs);
    expect(out.length - before).toBe(n);
    return out.splice(before);
  };
  return { c, offer, take, takeDue };
}

describe('Coalescer (fake clock)', () => {
  it('publishes the first arrival of a quiet queue at once', () => {
    const { c, offer, take } = coalescer(2);
    expect(offer(arrival('a', 1), 100)).toBe('publish');
    expect(take()).toEqual([{ event: arrival('a', 1), oldestTimestampMs: 1 }]);
    expect(c.size).toBe(1);
    expect(c.nextDeadlineMs()).toBe(102);
  });

  it('merges a burst into one event with the newest end offset at the end of the window', () => {
    const { offer, take, takeDue } = coalescer(2);
    offer(arrival('a', 1), 100);
    take();
    expect(offer(arrival('a', 2, 50), 100.5)).toBe('held');
    expect(offer(arrival('a', 3, 60), 101)).toBe('merged');
    expect(offer(arrival('a', 4, 70), 101.9)).toBe('merged');
    expect(take()).toEqual([]);
    expect(takeDue(101.99)).toEqual([]);
    expect(takeDue(102)).toEqual([{ event: arrival('a', 4, 70), oldestTimestampMs: 50 }]);
  });

  it('a queue written continuously gets at most one event per window', () => {
    const { offer, take, takeDue } = coalescer(2);
    let published = 0;
    let now = 0;
    // 50,000 arrivals/s for one simulated second: one every 20 µs, timer checked every 0.1 ms.
    for (let i = 0; i < 50_000; i++) {
      now = i * 0.02;
      offer(arrival('hot', i + 1), now);
      published += take().length;
      if (i % 5 === 0) published += takeDue(now).length;
    }
    published += takeDue(now + 2).length;
    expect(published).toBeLessThanOrEqual(1 + Math.ceil(1000 / 2));
    expect(published).toBeGreaterThan(400);
  });

  it('closes a window with nothing held, so the next arrival goes out at once again', () => {
    const { c, offer, takeDue } = coalescer(2);
    offer(arrival('a', 1), 0);
    expect(takeDue(2)).toEqual([]);
    expect(c.size).toBe(0);
    expect(offer(arrival('a', 2), 3)).toBe('publish');
  });

  it('renews the window after a trailing event: the queue is still busy', () => {
    const { c, offer, take, takeDue } = coalescer(2);
    offer(arrival('a', 1), 0);
    offer(arrival('a', 2), 1);
    take();
    expect(takeDue(2)).toHaveLength(1);
    expect(c.size).toBe(1);
    expect(c.nextDeadlineMs()).toBe(4);
    expect(offer(arrival('a', 3), 2.5)).toBe('held');
    expect(takeDue(4)).toEqual([{ event: arrival('a', 3), oldestTimestampMs: 3 }]);
    expect(takeDue(6)).toEqual([]);
    expect(c.size).toBe(0);
  });

  it('keeps queues apart by kind, name and shard', () => {
    const { c, offer } = coalescer(2);
    expect(offer(arrival('a', 1, 1, 0), 0)).toBe('publish');
    expect(offer(arrival('a', 1, 1, 1), 0)).toBe('publish');
    expect(offer({ ...arrival('a', 1), queue: { kind: 'filter', name: 'a' } }, 0)).toBe('publish');
    expect(offer(arrival('b', 1), 0)).toBe('publish');
    expect(c.size).toBe(4);
  });

  it('expires windows in deadline order and reports the earliest deadline', () => {
    const { c, offer, takeDue } = coalescer(10);
    offer(arrival('a', 1), 0);
    offer(arrival('b', 1), 3);
    offer(arrival('a', 2), 4);
    offer(arrival('b', 2), 5);
    expect(c.nextDeadlineMs()).toBe(10);
    expect(takeDue(10).map((d) => d.event.queue.name)).toEqual(['a']);
    // a's window was renewed to 20, after b's 13.
    expect(c.nextDeadlineMs()).toBe(13);
    expect(takeDue(13).map((d) => d.event.queue.name)).toEqual(['b']);
    expect(c.nextDeadlineMs()).toBe(20);
  });

  it('holds windows only for queues active within the last window', () => {
    const { c, offer, takeDue } = coalescer(2);
    for (let i = 0; i < 10_000; i++) offer(arrival(`q${i}`, 1), i * 0.001);
    expect(c.size).toBe(10_000);
    takeDue(100);
    expect(c.size).toBe(0);
    expect(c.nextDeadlineMs()).toBeUndefined();
  });

  it('forgets idle queues past maxIdleQueues, and a forgotten queue starts over', () => {
    const { c, offer, take, takeDue } = coalescer(2, { maxIdleQueues: 4 });
    for (let i = 0; i < 4; i++) offer(arrival(`q${i}`, 1), 0);
    takeDue(2);
    // Four idle queues are remembered; the fifth new queue forgets them.
    expect(offer(arrival('q4', 1), 3)).toBe('publish');
    expect(offer(arrival('q0', 2), 3)).toBe('publish');
    expect(offer(arrival('q4', 2), 3.5)).toBe('held');
    expect(take().map((d) => d.event.queue.name)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q0']);
    expect(takeDue(5)).toEqual([{ event: arrival('q4', 2), oldestTimestampMs: 2 }]);
    expect(c.size).toBe(1);
  });

  it('reuses slots across many windows without mixing queues up', () => {
    const { offer, take, takeDue } = coalescer(1, { maxIdleQueues: 8 });
    let now = 0;
    for (let round = 1; round <= 50; round++) {
      for (let q = 0; q < 20; q++) offer(arrival(`q${(q * round) % 37}`, round), now);
      for (const e of take()) expect(e.event.endOffset).toBe(round);
      now += 0.5;
      for (const e of takeDue(now)) expect(e.event.endOffset).toBe(round);
      now += 1;
      for (const e of takeDue(now)) expect(e.event.endOffset).toBe(round);
    }
  });

  it('drain emits every held event and empties', () => {
    const { c, offer, take } = coalescer(2);
    offer(arrival('a', 1), 0);
    offer(arrival('a', 2), 1);
    offer(arrival('b', 1), 1);
    take();
    expect(c.drain()).toBe(1);
    expect(take()).toEqual([{ event: arrival('a', 2), oldestTimestampMs: 2 }]);
    expect(c.size).toBe(0);
    expect(offer(arrival('a', 3), 1)).toBe('publish');
  });

  describe('replayed end offsets: the newest end offset wins', () => {
    it('a queue with no open window: published by the caller, and no window opens for it', () => {
      const { c, offer } = coalescer(2);
      expect(c.offerReplayed(arrival('a', 5))).toBe('absent');
      expect(c.size).toBe(0);
      // So a live arrival right after it still goes out at once.
      expect(offer(arrival('a', 6), 0)).toBe('publish');
    });

    it('an end offset the window already published, or an older one, is superseded', () => {
      const { c, offer, takeDue } = coalescer(2);
      offer(arrival('a', 7), 0);
      expect(c.offerReplayed(arrival('a', 7))).toBe('superseded');
      expect(c.offerReplayed(arrival('a', 3))).toBe('superseded');
      expect(takeDue(2)).toEqual([]);
    });

    it('an end offset older than the held one is superseded; the held one goes out', () => {
      const { c, offer, take, takeDue } = coalescer(2);
      offer(arrival('a', 7), 0);
      offer(arrival('a', 9, 1), 1);
      take();
      expect(c.offerReplayed(arrival('a', 8))).toBe('superseded');
      expect(takeDue(2)).toEqual([{ event: arrival('a', 9, 1), oldestTimestampMs: 1 }]);
    });

    it('a newer end offset is held, or replaces the held one, and goes out at the window end', () => {
      const { c, offer, take, takeDue } = coalescer(2);
      offer(arrival('a', 7), 0);
      take();
      expect(c.offerReplayed(arrival('a', 8, 5))).toBe('held');
      expect(c.offerReplayed(arrival('a', 12, 6))).toBe('merged');
      expect(takeDue(2)).toEqual([{ event: arrival('a', 12, 6), oldestTimestampMs: 5 }]);
      // The renewed window remembers what it published.
      expect(c.offerReplayed(arrival('a', 12))).toBe('superseded');
    });

    it('with a zero window every replayed end offset is published', () => {
      const { c, offer } = coalescer(0);
      offer(arrival('a', 7), 0);
      expect(c.offerReplayed(arrival('a', 3))).toBe('absent');
    });
  });

  it('a zero window publishes everything', () => {
    const { c, offer, take } = coalescer(0);
    expect(offer(arrival('a', 1), 0)).toBe('publish');
    expect(offer(arrival('a', 2), 0)).toBe('publish');
    expect(take()).toHaveLength(2);
    expect(c.size).toBe(0);
  });
});
