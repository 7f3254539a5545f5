import { backoffDelayMs } from '../../src/backoff';

describe('backoffDelayMs', () => {
  const opts = (r: number) => ({ minMs: 100, maxMs: 5_000, random: () => r });

  it('doubles from the minimum and stops at the maximum', () => {
    expect([0, 1, 2, 3, 10, 1000].map((a) => backoffDelayMs(a, opts(0.999999)))).toEqual([
      100, 200, 400, 800, 5_000, 5_000,
    ]);
  });

  it('jitters between half and all of the ceiling', () => {
    expect(backoffDelayMs(2, opts(0))).toBe(200);
    expect(backoffDelayMs(2, opts(0.5))).toBe(300);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelayMs(5, { minMs: 100, maxMs: 5_000 });
      expect(d).toBeGreaterThanOrEqual(1_600);
      expect(d).toBeLessThanOrEqual(3_200);
    }
  });
});
