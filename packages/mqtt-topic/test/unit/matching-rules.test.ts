import { TopicMatcher, matches } from '../../src/index';

// One contract, one suite: every rule is checked against the standalone `matches` and against a
// TopicMatcher holding the filter (alone, and among unrelated filters, so both the exact table and
// the trie paths are exercised).
type Case = readonly [filter: string, topic: string, expected: boolean];

const NOISE = ['sport/tennis/player2', 'sport/+/player2', 'x/#', 'a/b/c/d/e', '+/nothing/here', '$SYS/other'];

function viaMatcher(filter: string, topic: string, noise: boolean): boolean {
  const matcher = new TopicMatcher();
  matcher.add(filter);
  if (noise) for (const other of NOISE) if (other !== filter) matcher.add(other);
  return matcher.match(topic).includes(filter);
}

function check(cases: readonly Case[]): void {
  for (const [filter, topic, expected] of cases) {
    const outcome = {
      matches: matches(filter, topic),
      matcher: viaMatcher(filter, topic, false),
      matcherAmongOthers: viaMatcher(filter, topic, true),
    };
    expect({ filter, topic, ...outcome }).toEqual({
      filter,
      topic,
      matches: expected,
      matcher: expected,
      matcherAmongOthers: expected,
    });
  }
}

describe('topic matching (§4.7, MQTT 3.1.1 and 5.0)', () => {
  it('# matches the parent and any number of child levels (§4.7.1.2 non-normative example)', () => {
    check([
      ['sport/tennis/player1/#', 'sport/tennis/player1', true],
      ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
      ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
      ['sport/tennis/player1/#', 'sport/tennis/player2', false],
      ['sport/tennis/player1/#', 'sport/tennis', false],
      ['sport/#', 'sport', true],
      ['sport/#', 'sport/', true],
      ['sport/#', 'sports', false],
      ['#', 'sport/tennis/player1', true],
      ['#', '/', true],
      ['#', 'a', true],
      ['sport/tennis/#', 'sport/tennis', true],
    ]);
  });

  it('+ matches exactly one level (§4.7.1.3 non-normative example)', () => {
    check([
      ['sport/tennis/+', 'sport/tennis/player1', true],
      ['sport/tennis/+', 'sport/tennis/player2', true],
      ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
      ['sport/tennis/+', 'sport/tennis', false],
      ['sport/+', 'sport', false],
      ['sport/+', 'sport/', true],
      ['+', 'sport', true],
      ['+', 'sport/', false],
      ['sport/+/player1', 'sport/tennis/player1', true],
      ['sport/+/player1', 'sport//player1', true],
      ['+/tennis/#', 'sport/tennis', true],
      ['+/tennis/#', 'sport/tennis/player1/ranking', true],
      ['+/tennis/#', 'sport/golf', false],
    ]);
  });

  it('empty levels are real levels: /finance matches +/+ and /+ but not + (§4.7.1.3 example)', () => {
    check([
      ['+/+', '/finance', true],
      ['/+', '/finance', true],
      ['+', '/finance', false],
      ['+', '/', false],
      ['+/+', '/', true],
      ['+/+/+', 'a//b', true],
      ['a//b', 'a//b', true],
      ['a/b', 'a//b', false],
      ['a/+/b', 'a//b', true],
      ['a/+', 'a/', true],
      ['/', '/', true],
      ['//', '/', false],
      ['+/#', '/', true],
    ]);
  });

  it('filters starting with a wildcard never match topics starting with $ [MQTT-4.7.2-1]', () => {
    check([
      ['#', '$SYS/broker/uptime', false],
      ['#', '$', false],
      ['+/monitor/Clients', '$SYS/monitor/Clients', false],
      ['+/#', '$SYS/monitor', false],
      ['+', '$SYS', false],
      ['$SYS/#', '$SYS/monitor/Clients', true],
      ['$SYS/#', '$SYS', true],
      ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
      ['$SYS/+/Clients', '$SYS/monitor/Clients', true],
      // '$' only matters as the first character of the topic.
      ['#', 'a/$SYS', true],
      ['+/$x', 'a/$x', true],
      ['a/+', 'a/$x', true],
    ]);
  });

  it('matching performs no normalisation and is case-sensitive [MQTT-4.7.3-4]', () => {
    check([
      ['ACCOUNTS', 'Accounts', false],
      ['Accounts payable', 'Accounts payable', true],
      ['caf\u00e9', 'cafe\u0301', false],
      ['cafe\u0301', 'cafe\u0301', true],
      ['/finance', 'finance', false],
      ['finance/', 'finance', false],
      ['\ufeffa', 'a', false],
      ['\ufeffa', '\ufeffa', true],
      ['😀/+', '😀/x', true],
      ['+/😀', 'x/😀', true],
    ]);
  });

  it('a filter without wildcards matches only the identical topic name', () => {
    check([
      ['a/b', 'a/b', true],
      ['a/b', 'a/b/c', false],
      ['a/b', 'a', false],
      ['a/b', 'a/bc', false],
      ['a/bc', 'a/b', false],
      ['a', 'A', false],
    ]);
  });

  it('mixes + and # (§4.7.1)', () => {
    check([
      ['+/+/#', 'a', false],
      ['+/+/#', 'a/b', true],
      ['+/+/#', 'a/b/c/d', true],
      ['a/+/c/#', 'a/b/c', true],
      ['a/+/c/#', 'a/b/d', false],
      ['+/#', 'a', true],
    ]);
  });
});
