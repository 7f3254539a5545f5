import { eventually, uniqueName } from '../../src';

describe('eventually', () => {
  it('resolves with the value once the function stops throwing', async () => {
    let calls = 0;
    const value = await eventually(() => {
      calls += 1;
      if (calls < 3) throw new Error('not yet');
      return 'done';
    });
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });

  it('keeps retrying while the condition is false', async () => {
    let n = 0;
    await eventually(() => ++n >= 4);
    expect(n).toBe(4);
  });

  it('fails with the last reason after the timeout', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('queue still empty');
        },
        { timeoutMs: 50 },
      ),
    ).rejects.toThrow(/still failing after 50 ms: queue still empty/);
  });
});

describe('uniqueName', () => {
  it('derives a slug from the current test title and never repeats', () => {
    const a = uniqueName();
    const b = uniqueName();
    expect(a).toMatch(/^uniquename-derives-a-slug-from-the-curre-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
  });
});
