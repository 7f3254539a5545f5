import { TokenBucket } from '../../src/token-bucket';

describe('TokenBucket (injected clock)', () => {
  it('starts full: a burst of its capacity at once, then nothing', () => {
    const b = new TokenBucket(1000, 50, 0);
    let taken = 0;
    while (b.tryTake(0)) taken++;
    expect(taken).toBe(50);
    expect(b.available(0)).toBe(0);
  });

  it('refills at the rate, in fractions of a token', () => {
    const b = new TokenBucket(1000, 50, 0);
    while (b.tryTake(0));
    expect(b.tryTake(0.5)).toBe(false);
    expect(b.tryTake(1)).toBe(true);
    expect(b.tryTake(1)).toBe(false);
    expect(b.available(21)).toBe(20);
  });

  it('never holds more than its capacity, however long it was idle', () => {
    const b = new TokenBucket(1000, 50, 0);
    expect(b.available(3_600_000)).toBe(50);
  });

  it('tells how long until a number of tokens is there, capped at the capacity', () => {
    const b = new TokenBucket(5000, 100, 0);
    while (b.tryTake(0));
    expect(b.msUntil(1, 0)).toBeCloseTo(0.2);
    expect(b.msUntil(25, 0)).toBeCloseTo(5);
    expect(b.msUntil(1000, 0)).toBeCloseTo(20);
    expect(b.msUntil(10, 2)).toBe(0);
  });

  it('a clock that steps back adds nothing', () => {
    const b = new TokenBucket(1000, 10, 100);
    while (b.tryTake(100));
    expect(b.tryTake(50)).toBe(false);
    expect(b.tryTake(101)).toBe(true);
  });

  it('over any interval takes at most capacity + rate × time', () => {
    const rate = 5000;
    const capacity = 200;
    const b = new TokenBucket(rate, capacity, 0);
    const takenAt: number[] = [];
    // Greedy taker at irregular instants over 2 simulated seconds.
    let now = 0;
    let seed = 7;
    while (now < 2000) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      now += (seed % 1000) / 250; // 0 to 4 ms
      while (b.tryTake(now)) takenAt.push(now);
    }
    for (const windowMs of [1, 10, 100, 1000]) {
      let j = 0;
      for (let i = 0; i < takenAt.length; i++) {
        while (takenAt[i]! - takenAt[j]! > windowMs) j++;
        expect(i - j + 1).toBeLessThanOrEqual(capacity + (rate * windowMs) / 1000 + 1);
      }
    }
    // And a greedy taker gets the whole budget.
    expect(takenAt.length).toBeGreaterThanOrEqual(capacity + (rate * (now - 4)) / 1000 - 1);
  });

  it('refuses a rate or capacity that cannot work', () => {
    expect(() => new TokenBucket(0, 10, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN, 10, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0.5, 0)).toThrow(RangeError);
  });
});
