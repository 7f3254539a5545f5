import { InvalidTopicFilterError, TopicMatcher } from '../../src/index';

const sorted = (items: readonly string[]): string[] => [...items].sort();

describe('TopicMatcher', () => {
  it('returns every registered filter that matches, exact and wildcard alike, each once', () => {
    const matcher = new TopicMatcher();
    for (const filter of [
      'devices/42/cmd',
      'devices/+/cmd',
      'devices/#',
      '#',
      '+/42/+',
      'devices/43/cmd',
      'telemetry/#',
    ]) {
      matcher.add(filter);
    }
    expect(sorted(matcher.match('devices/42/cmd'))).toEqual(
      sorted(['devices/42/cmd', 'devices/+/cmd', 'devices/#', '#', '+/42/+']),
    );
    expect(sorted(matcher.match('telemetry'))).toEqual(['#', 'telemetry/#']);
    expect(matcher.match('$SYS/x')).toEqual([]);
  });

  it('counts references: add returns the count, remove the references left [DESIGN §2]', () => {
    const matcher = new TopicMatcher();
    expect(matcher.add('devices/+/cmd')).toBe(1);
    expect(matcher.add('devices/+/cmd')).toBe(2);
    expect(matcher.add('a/b')).toBe(1);
    expect(matcher.add('a/b')).toBe(2);
    expect(matcher.add('a/#')).toBe(1);
    expect(matcher.size).toBe(3);
    expect(matcher.refCount('devices/+/cmd')).toBe(2);
    expect(matcher.refCount('a/b')).toBe(2);
    expect(matcher.refCount('a/#')).toBe(1);

    expect(matcher.remove('devices/+/cmd')).toBe(1);
    expect(matcher.match('devices/1/cmd')).toEqual(['devices/+/cmd']);
    expect(matcher.remove('devices/+/cmd')).toBe(0);
    expect(matcher.match('devices/1/cmd')).toEqual([]);
    expect(matcher.remove('a/b')).toBe(1);
    expect(matcher.remove('a/b')).toBe(0);
    expect(matcher.match('a/b')).toEqual(['a/#']);
    expect(matcher.remove('a/#')).toBe(0);
    expect(matcher.size).toBe(0);
    expect(matcher.match('a/b')).toEqual([]);
  });

  it('removing what is not registered, or is not a filter, returns 0 and changes nothing', () => {
    const matcher = new TopicMatcher();
    matcher.add('a/+/c');
    matcher.add('a/b/#');
    for (const filter of ['a/+/d', 'a/+', 'a/+/c/d', 'x/y', 'a/b/c/#', 'a/#', '#', 'a+/c', '']) {
      expect(matcher.remove(filter)).toBe(0);
      expect(matcher.refCount(filter)).toBe(0);
    }
    expect(sorted(matcher.match('a/b/c'))).toEqual(['a/+/c', 'a/b/#']);
    expect(matcher.size).toBe(2);
  });

  it('keeps sibling filters when one is removed, and prunes emptied branches', () => {
    const matcher = new TopicMatcher();
    const filters = ['a/b/+', 'a/c/+', 'a/d/+', 'a/+/x', 'a/b/+/#', 'a/b'];
    for (const filter of filters) matcher.add(filter);
    expect(sorted(matcher.match('a/b/x'))).toEqual(['a/+/x', 'a/b/+', 'a/b/+/#']);
    matcher.remove('a/c/+');
    matcher.remove('a/d/+');
    // 'a' is left with one literal child again.
    expect(sorted(matcher.match('a/b/x'))).toEqual(['a/+/x', 'a/b/+', 'a/b/+/#']);
    expect(matcher.match('a/c/x')).toEqual(['a/+/x']);
    matcher.remove('a/b/+');
    expect(sorted(matcher.match('a/b/x'))).toEqual(['a/+/x', 'a/b/+/#']);
    matcher.remove('a/b/+/#');
    matcher.remove('a/+/x');
    expect(matcher.match('a/b/x')).toEqual([]);
    expect(matcher.match('a/b')).toEqual(['a/b']);
    expect(matcher.size).toBe(1);
    // Re-adding after pruning works.
    matcher.add('a/b/+');
    expect(matcher.match('a/b/x')).toEqual(['a/b/+']);
  });

  it('refuses an invalid filter with a typed error, since validation comes first', () => {
    const matcher = new TopicMatcher();
    for (const filter of ['', 'a/#/b', 'a+', 'a\u0000']) {
      expect(() => matcher.add(filter)).toThrow(InvalidTopicFilterError);
    }
    try {
      matcher.add('sport/tennis#');
      throw new Error('expected add to throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTopicFilterError);
      expect(error).toMatchObject({
        code: 'MQTT_TOPIC_FILTER_INVALID',
        reason: 'misplaced-multi-level-wildcard',
      });
    }
    expect(matcher.size).toBe(0);
  });

  it('appends to a caller-supplied array and counts matches through forEachMatch', () => {
    const matcher = new TopicMatcher();
    matcher.add('a/b');
    matcher.add('a/+');
    const into = ['earlier'];
    expect(sorted(matcher.match('a/b', into))).toEqual(['a/+', 'a/b', 'earlier']);
    const seen: string[] = [];
    expect(matcher.forEachMatch('a/b', (filter) => seen.push(filter))).toBe(2);
    expect(sorted(seen)).toEqual(['a/+', 'a/b']);
    expect(matcher.forEachMatch('b', () => undefined)).toBe(0);
  });

  it('refuses re-entry from a callback and stays usable afterwards', () => {
    const matcher = new TopicMatcher();
    matcher.add('a/+');
    expect(() => matcher.forEachMatch('a/b', () => matcher.match('a/c'))).toThrow(/must not call back/);
    expect(matcher.match('a/c')).toEqual(['a/+']);
    expect(() =>
      matcher.forEachMatch('a/b', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(matcher.match('a/c')).toEqual(['a/+']);
  });

  it('walks filters far deeper than the call stack could recurse', () => {
    const matcher = new TopicMatcher();
    const levels = 20_000;
    matcher.add(Array.from({ length: levels }, () => '+').join('/'));
    matcher.add(`${Array.from({ length: levels - 1 }, () => 'x').join('/')}/#`);
    const topic = Array.from({ length: levels }, () => 'x').join('/');
    expect(matcher.match(topic)).toHaveLength(2);
  });

  it('handles many children under one level (table growth, lookup and shrinking)', () => {
    const matcher = new TopicMatcher();
    const count = 5_000;
    for (let i = 0; i < count; i++) matcher.add(`sensors/site-${i}/#`);
    for (let i = 0; i < count; i += 7)
      expect(matcher.match(`sensors/site-${i}/t`)).toEqual([`sensors/site-${i}/#`]);
    expect(matcher.match(`sensors/site-${count}/t`)).toEqual([]);
    for (let i = 0; i < count - 1; i++) expect(matcher.remove(`sensors/site-${i}/#`)).toBe(0);
    expect(matcher.match(`sensors/site-${count - 1}`)).toEqual([`sensors/site-${count - 1}/#`]);
    expect(matcher.match('sensors/site-0/t')).toEqual([]);
    expect(matcher.size).toBe(1);
  });

  it('keeps long levels correct (levels of 13+ characters are copied, not sliced)', () => {
    const matcher = new TopicMatcher();
    const long = 'a-fairly-long-level-name';
    matcher.add(`${long}/+/${long}-2/#`);
    matcher.add(`${long}/x`);
    expect(matcher.match(`${long}/q/${long}-2/z`)).toEqual([`${long}/+/${long}-2/#`]);
    expect(matcher.match(`${long}/q/${long}-3`)).toEqual([]);
  });
});
