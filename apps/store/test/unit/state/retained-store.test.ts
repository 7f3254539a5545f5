import { matches, validateTopicFilter } from '@starling/mqtt-topic';
import { type RetainedMessage } from '../../../src/state';
import { useStateFixture } from './state-fixture';

function message(position: number, payload = `m${position}`): Omit<RetainedMessage, 'topic'> {
  return { payload: Buffer.from(payload), qos: 1, timestampMs: 1_700_000_000_000, position };
}

function topicsOf(
  result: ReturnType<ReturnType<ReturnType<typeof useStateFixture>>['store']['retained']['match']>,
): string[] {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${result.status}`);
  return result.messages.map((m) => m.topic);
}

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('retained store', () => {
  const fixture = useStateFixture();

  it('sets, replaces and deletes the retained message of a topic', async () => {
    const f = fixture();
    const { retained } = f.store;
    await retained.set('a/b', message(1));
    await retained.set('a/b', { ...message(2, 'newer'), properties: { contentType: 'text/plain' } });
    expect(retained.get('a/b')).toEqual({
      topic: 'a/b',
      payload: Buffer.from('newer'),
      qos: 1,
      timestampMs: 1_700_000_000_000,
      position: 2,
      properties: { contentType: 'text/plain' },
    });
    expect(retained.count()).toBe(1);
    await expect(retained.delete('a/b')).resolves.toBe(true);
    await expect(retained.delete('a/b')).resolves.toBe(false);
    expect(retained.get('a/b')).toBeUndefined();
    expect(retained.count()).toBe(0);
  });

  it('never stores an empty payload: set with one deletes [MQTT-3.3.1-10]', async () => {
    const f = fixture();
    await f.store.retained.set('a', message(1));
    await f.store.retained.set('a', { ...message(2), payload: Buffer.alloc(0) });
    expect(f.store.retained.get('a')).toBeUndefined();
    expect(f.store.retained.count()).toBe(0);
  });

  describe('match', () => {
    const topics = [
      'a',
      'a/b',
      'a/b/c',
      'a/c',
      'a/',
      'ab',
      'ab/c',
      'b/b',
      '/a',
      '$SYS/info',
      '$SYS/a/b',
      'a/b/c/d',
    ];

    async function seed(f: ReturnType<typeof fixture>): Promise<void> {
      await Promise.all(topics.map((topic, i) => f.store.retained.set(topic, message(i))));
    }

    it('matches an exact filter to its one topic', async () => {
      const f = fixture();
      await seed(f);
      expect(topicsOf(f.store.retained.match('a/b', 100))).toEqual(['a/b']);
      expect(topicsOf(f.store.retained.match('a/x', 100))).toEqual([]);
    });

    it("matches '+' to exactly one level, empty levels included [MQTT-4.7.1-3]", async () => {
      const f = fixture();
      await seed(f);
      expect(topicsOf(f.store.retained.match('a/+', 100))).toEqual(['a/', 'a/b', 'a/c']);
      expect(topicsOf(f.store.retained.match('+/b', 100))).toEqual(['a/b', 'b/b']);
      expect(topicsOf(f.store.retained.match('+/+', 100))).toEqual(['/a', 'a/', 'a/b', 'a/c', 'ab/c', 'b/b']);
    });

    it("matches '#' to the parent and every level below, in topic order [MQTT-4.7.1-2]", async () => {
      const f = fixture();
      await seed(f);
      expect(topicsOf(f.store.retained.match('a/#', 100))).toEqual([
        'a',
        'a/',
        'a/b',
        'a/b/c',
        'a/b/c/d',
        'a/c',
      ]);
      expect(topicsOf(f.store.retained.match('a/b/#', 100))).toEqual(['a/b', 'a/b/c', 'a/b/c/d']);
    });

    it('never matches $ topics with a filter starting with a wildcard [MQTT-4.7.2-1]', async () => {
      const f = fixture();
      await seed(f);
      expect(topicsOf(f.store.retained.match('#', 100))).toEqual(
        topics.filter((t) => !t.startsWith('$')).sort(byUtf8),
      );
      expect(topicsOf(f.store.retained.match('+/info', 100))).toEqual([]);
      expect(topicsOf(f.store.retained.match('$SYS/#', 100))).toEqual(['$SYS/a/b', '$SYS/info']);
    });

    it('answers too-many past the limit', async () => {
      const f = fixture();
      await seed(f);
      expect(f.store.retained.match('a/#', 6).status).toBe('ok');
      expect(f.store.retained.match('a/#', 5)).toEqual({ status: 'too-many' });
    });

    it('leaves out messages whose MQTT 5 expiry has passed', async () => {
      const f = fixture();
      const t0 = 1_700_000_000_000;
      await f.store.retained.set('e/short', {
        ...message(1),
        timestampMs: t0,
        properties: { messageExpiryIntervalSeconds: 10 },
      });
      await f.store.retained.set('e/long', {
        ...message(2),
        timestampMs: t0,
        properties: { messageExpiryIntervalSeconds: 100 },
      });
      expect(topicsOf(f.store.retained.match('e/+', 10, t0 + 9_999))).toEqual(['e/long', 'e/short']);
      expect(topicsOf(f.store.retained.match('e/+', 10, t0 + 10_000))).toEqual(['e/long']);
      expect(f.store.retained.match('e/+', 1, t0 + 10_000).status).toBe('ok'); // expired ones do not count
    });

    it('agrees with a brute-force scan over every topic (prefix scan correctness)', async () => {
      const f = fixture();
      let seed = 42;
      const random = (n: number): number => {
        seed = (seed * 48_271) % 2_147_483_647; // Park–Miller: exact in doubles
        return seed % n;
      };
      const words = ['a', 'b', 'ab', '', '$x', 'é', '\u001e', 'zz'];
      const level = (): string => words[random(words.length)]!;
      const all = new Set<string>();
      while (all.size < 400) {
        const depth = 1 + random(4);
        all.add(Array.from({ length: depth }, level).join('/'));
      }
      all.delete('');
      await Promise.all([...all].map((topic, i) => f.store.retained.set(topic, message(i))));
      const filters = new Set<string>([
        '#',
        '+',
        '+/+',
        '+/#',
        '$x/#',
        'a',
        'a/#',
        'a/+/b',
        '/#',
        '//+',
        'é/+/#',
        '\u001e/#',
      ]);
      while (filters.size < 150) {
        const depth = 1 + random(4);
        const levels = Array.from({ length: depth }, () => (random(4) === 0 ? '+' : level()));
        if (random(3) === 0) levels[depth - 1] = '#';
        const filter = levels.join('/');
        if (validateTopicFilter(filter).ok) filters.add(filter);
      }
      for (const filter of filters) {
        const expected = [...all].filter((topic) => matches(filter, topic)).sort(byUtf8);
        expect({ filter, topics: topicsOf(f.store.retained.match(filter, 10_000)) }).toEqual({
          filter,
          topics: expected,
        });
      }
    });

    it('matches topics longer than the verbatim key limit, in topic order', async () => {
      const f = fixture();
      const base = `long/${'x'.repeat(2_000)}`;
      const long = [`${base}/c`, `${base}/a`, `${base}/b`, `${base}`];
      for (const [i, topic] of long.entries()) await f.store.retained.set(topic, message(i));
      await f.store.retained.set('long/y', message(9));
      expect(topicsOf(f.store.retained.match(`${base}/+`, 10))).toEqual([
        `${base}/a`,
        `${base}/b`,
        `${base}/c`,
      ]);
      expect(topicsOf(f.store.retained.match('long/#', 10))).toEqual([...long].sort(byUtf8).concat('long/y'));
      expect(f.store.retained.get(`${base}/b`)?.position).toBe(2);
    });
  });

  it('lists every retained message in topic order, page by page', async () => {
    const f = fixture();
    const topics = Array.from({ length: 25 }, (_, i) => `t/${String(i).padStart(2, '0')}`);
    await Promise.all(topics.map((topic, i) => f.store.retained.set(topic, message(i))));
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = f.store.retained.list(10, token);
      if (page.status !== 'ok') throw new Error('unexpected invalid token');
      seen.push(...page.messages.map((m) => m.topic));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== '');
    expect(pages).toBe(3);
    expect(seen).toEqual(topics);
    expect(f.store.retained.list(0).status === 'ok' && f.store.retained.list(0)).toMatchObject({
      nextPageToken: '',
    });
    expect(f.store.retained.list(10, '!!not base64url!!')).toEqual({ status: 'invalid-page-token' });
  });

  it('survives close and reopen', async () => {
    const f = fixture();
    await f.store.retained.set('keep/me', {
      ...message(3),
      properties: {
        userProperties: [
          { key: 'k', value: 'v' },
          { key: 'k', value: 'w' },
        ],
      },
    });
    await f.reopen();
    expect(f.store.retained.get('keep/me')).toMatchObject({
      payload: Buffer.from('m3'),
      position: 3,
      properties: {
        userProperties: [
          { key: 'k', value: 'v' },
          { key: 'k', value: 'w' },
        ],
      },
    });
    expect(topicsOf(f.store.retained.match('keep/#', 10))).toEqual(['keep/me']);
    expect(f.store.retained.count()).toBe(1);
  });
});
