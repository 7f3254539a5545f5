import {
  MAX_TOPIC_BYTES,
  type TopicProblem,
  type TopicValidation,
  validateTopicFilter,
  validateTopicName,
} from '../../src/index';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function problemOf(result: TopicValidation): TopicProblem | 'ok' {
  return result.ok ? 'ok' : result.reason;
}

describe('validateTopicName', () => {
  it('accepts plain, multi-level, $-prefixed and non-ASCII names', () => {
    for (const name of [
      'a',
      'sport/tennis/player1',
      '$SYS/broker/uptime',
      'température/salle',
      '日本/東京',
      'emoji/😀',
    ]) {
      expect(validateTopicName(name)).toEqual({ ok: true });
      expect(validateTopicName(utf8(name))).toEqual({ ok: true });
    }
  });

  it('a topic name must be at least one character long [MQTT-4.7.3-1]', () => {
    expect(problemOf(validateTopicName(''))).toBe('empty');
    expect(problemOf(validateTopicName(new Uint8Array(0)))).toBe('empty');
  });

  it('wildcards must not be used within a topic name [MQTT-4.7.1-1] [v5 MQTT-4.7.0-1] [MQTT-3.3.2-2]', () => {
    for (const name of ['+', '#', 'a/+', 'a/#', 'sport/+/player1', 'a+b', 'a#', '+/x']) {
      const result = validateTopicName(name);
      expect(problemOf(result)).toBe('wildcard-in-name');
      expect(result.ok ? '' : result.message).toMatch(/MQTT-4\.7\.1-1/);
    }
  });

  it('topic names must not include U+0000 [MQTT-4.7.3-2] [MQTT-1.5.3-2] [v5 MQTT-1.5.4-2]', () => {
    expect(problemOf(validateTopicName('a\u0000b'))).toBe('null-character');
    expect(problemOf(validateTopicName('\u0000'))).toBe('null-character');
    expect(problemOf(validateTopicName(Uint8Array.of(0x61, 0x00)))).toBe('null-character');
  });

  it('topic names must not encode to more than 65535 bytes [MQTT-4.7.3-3]', () => {
    expect(validateTopicName('a'.repeat(MAX_TOPIC_BYTES)).ok).toBe(true);
    expect(problemOf(validateTopicName('a'.repeat(MAX_TOPIC_BYTES + 1)))).toBe('too-long');
    // The limit is in UTF-8 bytes, not characters: 'é' is 2 bytes, '€' 3, '😀' 4.
    expect(validateTopicName('é'.repeat(32_767)).ok).toBe(true);
    expect(problemOf(validateTopicName('é'.repeat(32_768)))).toBe('too-long');
    expect(validateTopicName('€'.repeat(21_845)).ok).toBe(true);
    expect(problemOf(validateTopicName('€'.repeat(21_846)))).toBe('too-long');
    expect(validateTopicName('😀'.repeat(16_383) + 'abc').ok).toBe(true);
    expect(problemOf(validateTopicName('😀'.repeat(16_384)))).toBe('too-long');
    expect(problemOf(validateTopicName(new Uint8Array(MAX_TOPIC_BYTES + 1).fill(0x61)))).toBe('too-long');
  });

  it('topic names must be well-formed UTF-8, no surrogate code points [MQTT-1.5.3-1] [v5 MQTT-1.5.4-1]', () => {
    // Lone surrogates in a JS string have no UTF-8 encoding.
    expect(problemOf(validateTopicName('a/\ud800'))).toBe('malformed-utf8');
    expect(problemOf(validateTopicName('\udc00/a'))).toBe('malformed-utf8');
    expect(problemOf(validateTopicName('\ude00\ud83d'))).toBe('malformed-utf8'); // pair in the wrong order
    // Raw bytes: an encoded surrogate (ED A0 80), an overlong '/', a truncated sequence, a stray
    // continuation byte, and a code point above U+10FFFF.
    for (const bytes of [
      Uint8Array.of(0x61, 0xed, 0xa0, 0x80),
      Uint8Array.of(0xc0, 0xaf),
      Uint8Array.of(0x61, 0xe2, 0x82),
      Uint8Array.of(0x80),
      Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
    ]) {
      expect(problemOf(validateTopicName(bytes))).toBe('malformed-utf8');
    }
  });

  it('a BOM (EF BB BF) is U+FEFF and is neither refused nor stripped [MQTT-1.5.3-3] [v5 MQTT-1.5.4-3]', () => {
    expect(validateTopicName('\ufeffa/b').ok).toBe(true);
    expect(validateTopicName(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)).ok).toBe(true);
    // Not stripped: with the BOM the name is four bytes long, one more than a limit of three.
    expect(problemOf(validateTopicName(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), { maxTopicBytes: 3 }))).toBe(
      'too-long',
    );
  });

  it('empty levels, a leading or trailing / and a lone / are valid names (§4.7.3)', () => {
    for (const name of ['/', '//', '/finance', 'finance/', 'a//b', ' ', 'Accounts payable']) {
      expect(validateTopicName(name)).toEqual({ ok: true });
    }
  });

  it('applies a configured byte limit, never above 65535', () => {
    expect(validateTopicName('abcd', { maxTopicBytes: 4 }).ok).toBe(true);
    const refused = validateTopicName('abcde', { maxTopicBytes: 4 });
    expect(problemOf(refused)).toBe('too-long');
    expect(refused.ok ? '' : refused.message).toContain('4 bytes');
    expect(problemOf(validateTopicName('€€', { maxTopicBytes: 5 }))).toBe('too-long');
    expect(problemOf(validateTopicName('a'.repeat(MAX_TOPIC_BYTES + 1), { maxTopicBytes: 1e9 }))).toBe(
      'too-long',
    );
  });

  it('applies a configured level limit, counting empty levels', () => {
    expect(validateTopicName('a/b/c', { maxLevels: 3 }).ok).toBe(true);
    expect(problemOf(validateTopicName('a/b/c/d', { maxLevels: 3 }))).toBe('too-many-levels');
    expect(problemOf(validateTopicName('///', { maxLevels: 3 }))).toBe('too-many-levels');
    expect(validateTopicName('//', { maxLevels: 3 }).ok).toBe(true);
  });

  it('performs no normalisation: distinct code points stay distinct names [MQTT-4.7.3-4]', () => {
    // Both spellings are valid, and neither is rewritten (the matcher tests prove they differ).
    expect(validateTopicName('caf\u00e9').ok).toBe(true);
    expect(validateTopicName('cafe\u0301').ok).toBe(true);
  });
});

describe('validateTopicFilter', () => {
  it('accepts the valid filters of the non-normative examples (§4.7.1.2, §4.7.1.3)', () => {
    for (const filter of [
      'sport/tennis/player1/#',
      'sport/#',
      '#',
      'sport/tennis/#',
      '+',
      '+/tennis/#',
      'sport/+/player1',
      '/+',
      '+/+',
      'sport/+',
      '$SYS/#',
      '$SYS/monitor/+',
    ]) {
      expect(validateTopicFilter(filter)).toEqual({ ok: true });
      expect(validateTopicFilter(utf8(filter))).toEqual({ ok: true });
    }
  });

  it('# must be on its own or after /, and the last character [MQTT-4.7.1-2] [v5 MQTT-4.7.1-1]', () => {
    for (const filter of [
      'sport/tennis#',
      'sport/tennis/#/ranking',
      '#/',
      '#/a',
      '##',
      'a/#b',
      'a/b#',
      '#a',
      'a/##',
    ]) {
      const result = validateTopicFilter(filter);
      expect({ filter, problem: problemOf(result) }).toEqual({
        filter,
        problem: 'misplaced-multi-level-wildcard',
      });
      expect(result.ok ? '' : result.message).toMatch(/MQTT-4\.7\.1-2/);
    }
  });

  it('+ must occupy an entire level of the filter [MQTT-4.7.1-3] [v5 MQTT-4.7.1-2]', () => {
    for (const filter of ['sport+', 'sport/+tennis', '+a', 'a+/b', 'a/++', '++', 'a/b+/c']) {
      const result = validateTopicFilter(filter);
      expect({ filter, problem: problemOf(result) }).toEqual({
        filter,
        problem: 'misplaced-single-level-wildcard',
      });
      expect(result.ok ? '' : result.message).toMatch(/MQTT-4\.7\.1-3/);
    }
  });

  it('+ can be used at any level, including the first and last, and more than once (§4.7.1.3)', () => {
    for (const filter of ['+', '+/', '/+', '+/+/+', 'a/+/b/+', '+//+', '+/#']) {
      expect(validateTopicFilter(filter)).toEqual({ ok: true });
    }
  });

  it('a topic filter must be at least one character long [MQTT-4.7.3-1]', () => {
    expect(problemOf(validateTopicFilter(''))).toBe('empty');
  });

  it('topic filters must not include U+0000 [MQTT-4.7.3-2] [MQTT-1.5.3-2] [v5 MQTT-1.5.4-2]', () => {
    expect(problemOf(validateTopicFilter('a/\u0000/#'))).toBe('null-character');
  });

  it('topic filters must not encode to more than 65535 bytes [MQTT-4.7.3-3]', () => {
    expect(validateTopicFilter(`${'a'.repeat(MAX_TOPIC_BYTES - 2)}/#`).ok).toBe(true);
    expect(problemOf(validateTopicFilter(`${'a'.repeat(MAX_TOPIC_BYTES - 1)}/#`))).toBe('too-long');
  });

  it('topic filters must be well-formed UTF-8 [MQTT-1.5.3-1] [v5 MQTT-1.5.4-1]', () => {
    expect(problemOf(validateTopicFilter('+/\udfff'))).toBe('malformed-utf8');
    expect(problemOf(validateTopicFilter(Uint8Array.of(0x2b, 0x2f, 0xff)))).toBe('malformed-utf8');
  });

  it('applies configured limits to filters too', () => {
    expect(problemOf(validateTopicFilter('a/+/c/#', { maxLevels: 3 }))).toBe('too-many-levels');
    expect(problemOf(validateTopicFilter('abc/#', { maxTopicBytes: 4 }))).toBe('too-long');
  });
});
