import { TopicMatcher, matches, validateTopicFilter, validateTopicName } from '../../src/index';
import { prng } from '../support/prng';

// A small alphabet makes collisions between filters and topics likely; it includes empty levels,
// '$' levels and non-ASCII.
const LEVELS = ['a', 'b', 'c', '', '$s', 'é', 'ab'];

function randomTopic(random: () => number): string {
  const count = 1 + Math.floor(random() * 5);
  const levels: string[] = [];
  for (let i = 0; i < count; i++) levels.push(LEVELS[Math.floor(random() * LEVELS.length)]!);
  // A single empty level would be the empty string, which is not a topic [MQTT-4.7.3-1].
  return levels.join('/') || '/';
}

function randomFilter(random: () => number): string {
  const count = 1 + Math.floor(random() * 5);
  const levels: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (i === count - 1 && r < 0.2) levels.push('#');
    else if (r < 0.45) levels.push('+');
    else levels.push(LEVELS[Math.floor(random() * LEVELS.length)]!);
  }
  return levels.join('/') || '/';
}

// An independent oracle for `matches`: the rules of §4.7 written as a regular expression.
function oracle(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const escape = (level: string): string => level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const levels = filter.split('/');
  let pattern = '';
  levels.forEach((level, i) => {
    if (level === '#') {
      // '#' takes this level and everything below, or nothing at all (then the '/' before it goes too).
      pattern = i === 0 ? '.*' : `${pattern}(?:/.*)?`;
      return;
    }
    pattern += (i === 0 ? '' : '/') + (level === '+' ? '[^/]*' : escape(level));
  });
  return new RegExp(`^${pattern}$`, 'u').test(topic);
}

describe('property: TopicMatcher agrees with matches() for every registered filter', () => {
  for (const seed of [1, 2, 3, 42, 2024]) {
    it(`random filters and topics, with removals (seed ${seed})`, () => {
      const random = prng(seed);
      const matcher = new TopicMatcher();
      const registered = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const filter = randomFilter(random);
        expect(validateTopicFilter(filter)).toEqual({ ok: true });
        const refs = (registered.get(filter) ?? 0) + 1;
        registered.set(filter, refs);
        expect(matcher.add(filter)).toBe(refs);
      }
      const agree = (): void => {
        expect(matcher.size).toBe(registered.size);
        for (let i = 0; i < 400; i++) {
          const topic = randomTopic(random);
          expect(validateTopicName(topic)).toEqual({ ok: true });
          const expected = [...registered.keys()].filter((filter) => matches(filter, topic)).sort();
          expect({ seed, topic, matched: matcher.match(topic).sort() }).toEqual({
            seed,
            topic,
            matched: expected,
          });
        }
      };
      agree();
      // Drop about half the references (some filters keep one), then check again.
      for (const [filter, refs] of [...registered]) {
        if (random() < 0.5) continue;
        const left = random() < 0.5 ? refs - 1 : 0;
        for (let r = refs; r > left; r--) expect(matcher.remove(filter)).toBe(r - 1);
        if (left === 0) registered.delete(filter);
        else registered.set(filter, left);
      }
      agree();
    });
  }

  for (const seed of [5, 6, 7]) {
    it(`interleaved adds and removes, leaves made and unmade, reference counts kept (seed ${seed})`, () => {
      const random = prng(seed);
      const matcher = new TopicMatcher();
      const registered = new Map<string, number>();
      const filters = Array.from({ length: 60 }, () => randomFilter(random));
      for (let step = 0; step < 4_000; step++) {
        const filter = filters[Math.floor(random() * filters.length)]!;
        const refs = registered.get(filter) ?? 0;
        if (random() < 0.55) {
          expect(matcher.add(filter)).toBe(refs + 1);
          registered.set(filter, refs + 1);
        } else {
          expect(matcher.remove(filter)).toBe(Math.max(0, refs - 1));
          if (refs > 1) registered.set(filter, refs - 1);
          else registered.delete(filter);
        }
        if (step % 50 === 0) {
          expect(matcher.size).toBe(registered.size);
          for (const f of filters)
            expect({ f, refs: matcher.refCount(f) }).toEqual({ f, refs: registered.get(f) ?? 0 });
          const topic = randomTopic(random);
          const expected = [...registered.keys()].filter((f) => matches(f, topic)).sort();
          expect({ seed, step, topic, matched: matcher.match(topic).sort() }).toEqual({
            seed,
            step,
            topic,
            matched: expected,
          });
        }
      }
    });
  }

  it('matches() agrees with an independent regular-expression oracle', () => {
    const random = prng(7);
    for (let i = 0; i < 20_000; i++) {
      const filter = randomFilter(random);
      const topic = randomTopic(random);
      expect({ filter, topic, matches: matches(filter, topic) }).toEqual({
        filter,
        topic,
        matches: oracle(filter, topic),
      });
    }
  });
});
