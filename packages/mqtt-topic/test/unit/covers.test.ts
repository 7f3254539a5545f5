import { covers, matches } from '../../src/index';

describe('covers(outer, inner): outer matches every topic inner matches', () => {
  it.each([
    ['#', '#', true],
    ['#', 'a/b/c', true],
    ['#', '+/x', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/broker/load', true],
    ['$SYS/+', '$SYS/#', false],
    ['telemetry/#', 'telemetry/+/temp', true],
    ['telemetry/#', 'telemetry', true],
    ['telemetry/#', 'telemetry/#', true],
    ['telemetry/+', 'telemetry/#', false],
    ['telemetry/+', 'telemetry/dev1', true],
    ['telemetry/+', 'telemetry/+', true],
    ['telemetry/+', 'telemetry/dev1/temp', false],
    ['telemetry/dev1', 'telemetry/+', false],
    ['telemetry/dev1', 'telemetry/dev1', true],
    ['telemetry/dev1', 'telemetry/dev2', false],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/+/+', false],
    ['a', 'a/#', false],
    ['a/b', 'a', false],
    ['a/', 'a/+', false],
    ['a/+', 'a/', true],
    ['+', '', true],
    ['/#', '/a', true],
    ['+/#', '$x', false],
  ])('covers(%j, %j) is %j', (outer, inner, expected) => {
    expect(covers(outer, inner)).toBe(expected);
  });

  // Against the definition, on a universe rich enough to tell any two of the generated filters apart: every
  // name the filters use, one they never use, the empty level, a `$` name, and one level more than the
  // deepest filter.
  const NAMES = ['a', 'b', '', 'z', '$s'];
  const topics: string[] = [];
  const grow = (prefix: string[], depth: number): void => {
    if (prefix.length > 0 && prefix.join('/') !== '') topics.push(prefix.join('/'));
    if (depth === 0) return;
    for (const n of NAMES) grow([...prefix, n], depth - 1);
  };
  grow([], 4);
  const filters: string[] = [];
  const levels = ['a', 'b', '', '+', '$s'];
  const build = (prefix: string[], depth: number): void => {
    // A filter is at least one character: a lone empty level is not one.
    if (prefix.length > 0 && prefix.join('/') !== '') filters.push(prefix.join('/'));
    filters.push([...prefix, '#'].join('/'));
    if (depth === 0) return;
    for (const l of levels) build([...prefix, l], depth - 1);
  };
  build([], 3);

  it(`agrees with matching every topic of a ${topics.length}-topic universe (${filters.length} filters, sampled pairs)`, () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let coveredPairs = 0;
    for (let i = 0; i < 4000; i++) {
      const outer = filters[random(filters.length)]!;
      const inner = i % 4 === 0 ? outer : filters[random(filters.length)]!;
      const expected = topics.every((t) => !matches(inner, t) || matches(outer, t));
      if (covers(outer, inner) !== expected) {
        throw new Error(`covers(${JSON.stringify(outer)}, ${JSON.stringify(inner)}) should be ${expected}`);
      }
      if (expected) coveredPairs++;
    }
    // The sample holds both outcomes in numbers (a check that could not fail would prove nothing).
    expect(coveredPairs).toBeGreaterThan(1000);
    expect(coveredPairs).toBeLessThan(3900);
  });
});
