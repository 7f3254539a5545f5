import { hashRange } from '../../src/topic-hash';

describe('topic hash', () => {
  it('never uses 0 (the empty-slot mark) as a hash', () => {
    for (let i = 0; i < 10_000; i++) expect(hashRange(`k${i}`, 0, `k${i}`.length)).not.toBe(0);
  });

  it('hashes a range of a larger string like the same text on its own', () => {
    const topic = 'devices/dev42/cmd';
    expect(hashRange(topic, 8, 13)).toBe(hashRange('dev42', 0, 5));
    expect(hashRange(topic, 8, 8)).toBe(hashRange('', 0, 0));
  });
});
