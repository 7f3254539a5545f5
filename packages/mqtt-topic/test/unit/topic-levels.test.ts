import { filterFirstLevelIsWildcard, firstLevel, isWildcardFilter } from '../../src/index';

describe('firstLevel', () => {
  it('names the first-level topic queue [DESIGN §2]', () => {
    expect(firstLevel('telemetry/dev42/temp')).toBe('telemetry');
    expect(firstLevel('telemetry')).toBe('telemetry');
    expect(firstLevel('$SYS/broker')).toBe('$SYS');
    expect(firstLevel('telemetry/')).toBe('telemetry');
  });

  it('is the empty string for a topic starting with / — an empty level is a real level (§4.7.3)', () => {
    expect(firstLevel('/a/b')).toBe('');
    expect(firstLevel('/')).toBe('');
  });

  it('works on filters too', () => {
    expect(firstLevel('+/a')).toBe('+');
    expect(firstLevel('#')).toBe('#');
    expect(firstLevel('devices/+/cmd')).toBe('devices');
  });
});

describe('isWildcardFilter', () => {
  it('is true when a level is + or #', () => {
    for (const filter of ['+', '#', 'a/+', 'a/#', '+/a', 'a/+/b'])
      expect(isWildcardFilter(filter)).toBe(true);
    for (const filter of ['a', 'a/b', '/', '$SYS/x', 'a//b']) expect(isWildcardFilter(filter)).toBe(false);
  });
});

describe('filterFirstLevelIsWildcard', () => {
  it('is true only when the whole first level is a wildcard [MQTT-4.7.2-1]', () => {
    for (const filter of ['+', '#', '+/a', '#', '+/+/#'])
      expect(filterFirstLevelIsWildcard(filter)).toBe(true);
    for (const filter of ['a/+', 'a/#', '/+', '$SYS/#', 'devices'])
      expect(filterFirstLevelIsWildcard(filter)).toBe(false);
  });
});
