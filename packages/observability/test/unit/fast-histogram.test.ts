import { Histogram, Registry } from 'prom-client';
import { FastHistogram } from '../../src';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** The exposition of one histogram per registry, under a shared name. */
async function exposition(registry: Registry): Promise<string> {
  return registry.metrics();
}

/**
 * Both expositions, line by line: identical, except that the sums may differ in the last bits (the fast one
 * adds its pending observations together before adding them to the total: another order of float additions).
 */
async function expectSameExposition(fast: Registry, plain: Registry): Promise<void> {
  const a = (await exposition(fast)).split('\n');
  const b = (await exposition(plain)).split('\n');
  const isSum = (line: string) => /_sum /.test(line);
  expect(a.filter((l) => !isSum(l))).toEqual(b.filter((l) => !isSum(l)));
  const sums = (lines: string[]) => lines.filter(isSum).map((l) => Number(l.split(' ')[1]));
  const [fastSums, plainSums] = [sums(a), sums(b)];
  expect(fastSums).toHaveLength(plainSums.length);
  fastSums.forEach((sum, i) => expect(sum).toBeCloseTo(plainSums[i]!, 9));
}

function pair(buckets?: number[]): {
  fast: FastHistogram;
  plain: Histogram;
  registries: [Registry, Registry];
} {
  const a = new Registry();
  const b = new Registry();
  const config = { name: 'latency_seconds', help: 'h', ...(buckets ? { buckets } : {}) };
  return {
    fast: new FastHistogram({ ...config, registers: [a] }),
    plain: new Histogram({ ...config, registers: [b] }),
    registries: [a, b],
  };
}

describe('FastHistogram', () => {
  it('exposes exactly what a prom-client Histogram exposes for the same observations, across scrapes', async () => {
    const { fast, plain, registries } = pair(BUCKETS);
    await expectSameExposition(...registries);
    const values = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 1, 3, 42, 0.01];
    for (const v of values) {
      fast.observe(v);
      plain.observe(v);
    }
    await expectSameExposition(...registries);
    // Observations after a scrape add to what was already exported.
    for (const v of [0.003, 5, 0.0001]) {
      fast.observe(v);
      plain.observe(v);
    }
    await expectSameExposition(...registries);
    const text = await exposition(registries[0]);
    expect(text).toContain('latency_seconds_count 14');
    expect(text).toContain('latency_seconds_bucket{le="0.001"} 4');
  });

  it('uses prom-client default buckets when none are given, and get() agrees too', async () => {
    const { fast, plain, registries } = pair();
    for (const v of [0.004, 0.25, 7, 12]) {
      fast.observe(v);
      plain.observe(v);
    }
    await expectSameExposition(...registries);
    expect(await fast.get()).toEqual(await plain.get());
  });

  it('takes labelled (empty) and timer observations through prom-client, into the same series', async () => {
    const { fast, plain, registries } = pair(BUCKETS);
    fast.observe({}, 0.05);
    plain.observe({}, 0.05);
    fast.observe(0.5);
    plain.observe(0.5);
    await expectSameExposition(...registries);
    expect(await exposition(registries[0])).toContain('latency_seconds_count 2');
  });

  it('reset() clears both what was exported and what was pending', async () => {
    const { fast, registries } = pair(BUCKETS);
    fast.observe(0.5);
    await exposition(registries[0]);
    fast.observe(0.5);
    fast.reset();
    fast.observe(2);
    const text = await exposition(registries[0]);
    expect(text).toContain('latency_seconds_count 1');
    expect(text).toContain('latency_seconds_sum 2');
  });

  it('refuses a value that is not a number, as prom-client does', () => {
    const { fast } = pair(BUCKETS);
    expect(() => fast.observe(Number.NaN)).toThrow(TypeError);
  });
});
