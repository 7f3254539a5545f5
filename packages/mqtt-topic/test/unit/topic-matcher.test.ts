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

  describe('leaves (a filter standing in for a child in a wide node)', () => {
    it('counts references on a leaf, and a leaf becomes a node when another filter goes through its level', () => {
      const matcher = new TopicMatcher();
      // Two children under 'devices/+', so 'cmd1' and 'cmd2' are leaves in a table.
      expect(matcher.add('devices/+/cmd1')).toBe(1);
      expect(matcher.add('devices/+/cmd2')).toBe(1);
      expect(matcher.add('devices/+/cmd2')).toBe(2);
      expect(matcher.refCount('devices/+/cmd2')).toBe(2);
      expect(matcher.match('devices/7/cmd2')).toEqual(['devices/+/cmd2']);
      expect(matcher.match('devices/7/cmd2/x')).toEqual([]);
      expect(matcher.match('devices/7/cmd')).toEqual([]);
      // Through the leaf's level: 'cmd2' becomes a node that keeps the leaf's filter and count.
      expect(matcher.add('devices/+/cmd2/#')).toBe(1);
      expect(matcher.add('devices/+/cmd2/+')).toBe(1);
      expect(matcher.refCount('devices/+/cmd2')).toBe(2);
      expect(sorted(matcher.match('devices/7/cmd2'))).toEqual(['devices/+/cmd2', 'devices/+/cmd2/#']);
      expect(sorted(matcher.match('devices/7/cmd2/x'))).toEqual(['devices/+/cmd2/#', 'devices/+/cmd2/+']);
      expect(matcher.size).toBe(4);
      expect(matcher.remove('devices/+/cmd2')).toBe(1);
      expect(matcher.remove('devices/+/cmd2')).toBe(0);
      expect(matcher.remove('devices/+/cmd2')).toBe(0);
      expect(sorted(matcher.match('devices/7/cmd2'))).toEqual(['devices/+/cmd2/#']);
      expect(matcher.remove('devices/+/cmd2/#')).toBe(0);
      expect(matcher.remove('devices/+/cmd2/+')).toBe(0);
      expect(matcher.match('devices/7/cmd2/x')).toEqual([]);
      expect(matcher.match('devices/7/cmd1')).toEqual(['devices/+/cmd1']);
      expect(matcher.size).toBe(1);
    });

    it('a `<level>/#` leaf matches its level and everything below (§4.7.1.2), not a longer level', () => {
      const matcher = new TopicMatcher();
      matcher.add('sensors/1/#');
      matcher.add('sensors/2/#');
      matcher.add('sensors/12/#');
      expect(matcher.match('sensors/1')).toEqual(['sensors/1/#']);
      expect(matcher.match('sensors/1/')).toEqual(['sensors/1/#']);
      expect(matcher.match('sensors/1/a/b')).toEqual(['sensors/1/#']);
      expect(matcher.match('sensors/12/a')).toEqual(['sensors/12/#']);
      expect(matcher.match('sensors/2x/a')).toEqual([]);
      expect(matcher.match('sensors')).toEqual([]);
      // Not a filter that is registered: the leaf's own string is the only filter at its level.
      expect(matcher.refCount('sensors/1/+')).toBe(0);
      expect(matcher.remove('sensors/1/+')).toBe(0);
      expect(matcher.remove('sensors/1')).toBe(0);
      expect(matcher.refCount('sensors/1/#')).toBe(1);
    });

    it('empty levels and `$` levels are leaves like any other [MQTT-4.7.2-1]', () => {
      const matcher = new TopicMatcher();
      for (const filter of ['+/', '+/a', '+//#', '$SYS/#', '$other/#', '#', '+/+']) matcher.add(filter);
      expect(sorted(matcher.match('x/'))).toEqual(['#', '+/', '+/+', '+//#']);
      expect(sorted(matcher.match('x//y'))).toEqual(['#', '+//#']);
      expect(sorted(matcher.match('$SYS/broker'))).toEqual(['$SYS/#']);
      expect(sorted(matcher.match('$SYS'))).toEqual(['$SYS/#']);
      expect(matcher.match('$other/')).toEqual(['$other/#']);
    });

    it('a wide node that shrinks to one child turns that child (leaf or node) back into a node', () => {
      const matcher = new TopicMatcher();
      for (let i = 0; i < 100; i++) matcher.add(`t/+/l${i}`);
      matcher.add('t/+/l5/deeper/+');
      for (let i = 0; i < 100; i++) if (i !== 7) matcher.remove(`t/+/l${i}`);
      expect(matcher.match('q/x/l7')).toEqual([]);
      expect(matcher.match('t/x/l7')).toEqual(['t/+/l7']);
      expect(matcher.match('t/x/l5/deeper/z')).toEqual(['t/+/l5/deeper/+']);
      matcher.remove('t/+/l5/deeper/+');
      expect(matcher.match('t/x/l7')).toEqual(['t/+/l7']);
      expect(matcher.refCount('t/+/l7')).toBe(1);
      matcher.add('t/+/l7/#');
      expect(sorted(matcher.match('t/x/l7'))).toEqual(['t/+/l7', 't/+/l7/#']);
      matcher.remove('t/+/l7');
      matcher.remove('t/+/l7/#');
      expect(matcher.size).toBe(0);
      expect(matcher.match('t/x/l7')).toEqual([]);
    });
  });
});
