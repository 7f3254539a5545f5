import { useStateFixture } from './state-fixture';

describe('filter registry', () => {
  const fixture = useStateFixture();

  it('creates a filter on its first holder and is idempotent per holder', async () => {
    const f = fixture();
    f.endOffsets.set('devices/+/cmd', 42);
    await expect(f.store.filters.register('devices/+/cmd', 'gw-1')).resolves.toEqual({
      created: true,
      endOffset: 42,
    });
    await expect(f.store.filters.register('devices/+/cmd', 'gw-1')).resolves.toEqual({
      created: false,
      endOffset: 42,
    });
    expect(f.store.filters.holderCount('devices/+/cmd')).toBe(1);
    expect(f.hookLog).toEqual(['+devices/+/cmd']);
  });

  it('reference-counts holders: the filter stays until its last holder leaves', async () => {
    const f = fixture();
    await f.store.filters.register('a/#', 'client-1');
    await expect(f.store.filters.register('a/#', 'gw-1')).resolves.toMatchObject({ created: false });
    expect(f.store.filters.holderCount('a/#')).toBe(2);

    await expect(f.store.filters.unregister('a/#', 'client-1')).resolves.toEqual({ removed: false });
    expect([...f.store.filters.filters()]).toEqual(['a/#']);
    expect(f.store.filters.holders('a/#')).toEqual([{ holderId: 'gw-1' }]);
    expect(f.hookLog).toEqual(['+a/#']);

    await expect(f.store.filters.unregister('a/#', 'gw-1')).resolves.toEqual({ removed: true });
    expect(f.store.filters.holderCount('a/#')).toBe(0);
    expect([...f.store.filters.filters()]).toEqual([]);
    expect(f.hookLog).toEqual(['+a/#', '-a/#']);
  });

  it('treats unknown filters and holders on unregister as no change', async () => {
    const f = fixture();
    await expect(f.store.filters.unregister('nothing/here', 'gw-1')).resolves.toEqual({ removed: true });
    await f.store.filters.register('x', 'gw-1');
    await expect(f.store.filters.unregister('x', 'gw-2')).resolves.toEqual({ removed: false });
    expect(f.store.filters.holderCount('x')).toBe(1);
    expect(f.hookLog).toEqual(['+x']);
  });

  it('calls the hooks in commit order for writes issued in the same event turn', async () => {
    const f = fixture();
    await Promise.all([
      f.store.filters.register('t/1', 'gw-1'),
      f.store.filters.register('t/2', 'gw-1'),
      f.store.filters.unregister('t/2', 'gw-1'),
      f.store.filters.register('t/3', 'gw-1'),
    ]);
    expect(f.hookLog).toEqual(['+t/1', '+t/2', '-t/2', '+t/3']);
  });

  it('does not announce a removal that a later in-flight registration undoes (its end offset stays valid)', async () => {
    const f = fixture();
    f.endOffsets.set('t/1', 30);
    await f.store.filters.register('t/1', 'gw-1');
    const [, , again] = await Promise.all([
      f.store.filters.unregister('t/1', 'gw-1'),
      f.store.filters.unregister('t/1', 'gw-9'),
      f.store.filters.register('t/1', 'gw-2'),
    ]);
    // The queue was never announced as removed, so the end offset read for gw-2 still holds.
    expect(again).toEqual({ created: true, endOffset: 30 });
    expect(f.hookLog).toEqual(['+t/1']);
    expect(f.store.filters.holders('t/1')).toEqual([{ holderId: 'gw-2' }]);
    await f.store.filters.unregister('t/1', 'gw-2');
    expect(f.hookLog).toEqual(['+t/1', '-t/1']);
  });

  it('expires a lease that was not renewed and reports filters that lost their last holder', async () => {
    const f = fixture();
    const t0 = f.nowMs;
    await f.store.filters.register('leased/only', 'gw-1', 1_000, t0);
    await f.store.filters.register('leased/shared', 'gw-1', 1_000, t0);
    await f.store.filters.register('leased/shared', 'client-1', 0, t0);
    expect(f.store.filters.nextLeaseExpiry()).toBe(t0 + 1_000);

    await expect(f.store.filters.expireLeases(t0 + 999)).resolves.toEqual([]);
    await expect(f.store.filters.expireLeases(t0 + 1_000)).resolves.toEqual(['leased/only']);
    expect(f.store.filters.holders('leased/shared')).toEqual([{ holderId: 'client-1' }]);
    expect([...f.store.filters.filters()].sort()).toEqual(['leased/shared']);
    expect(f.hookLog).toEqual(['+leased/only', '+leased/shared', '-leased/only']);
    expect(f.store.filters.nextLeaseExpiry()).toBeUndefined();
  });

  it('renewing a lease moves its expiry; registering with lease 0 holds until unregistered', async () => {
    const f = fixture();
    const t0 = f.nowMs;
    await f.store.filters.register('r', 'gw-1', 1_000, t0);
    await f.store.filters.register('r', 'gw-1', 1_000, t0 + 800);
    await expect(f.store.filters.expireLeases(t0 + 1_500)).resolves.toEqual([]);
    expect(f.store.filters.holders('r')).toEqual([{ holderId: 'gw-1', leaseExpiresAtMs: t0 + 1_800 }]);
    await f.store.filters.register('r', 'gw-1', 0, t0 + 1_600);
    await expect(f.store.filters.expireLeases(t0 + 10_000_000)).resolves.toEqual([]);
    expect(f.store.filters.holderCount('r')).toBe(1);
  });

  it('survives a restart, and a lease keeps its absolute expiry', async () => {
    const f = fixture();
    const t0 = f.nowMs;
    await f.store.filters.register('p/+', 'client-1');
    await f.store.filters.register('p/+', 'gw-1', 5_000, t0);
    await f.store.filters.register('q/#', 'gw-1', 2_000, t0);
    await f.reopen();
    expect([...f.store.filters.filters()].sort()).toEqual(['p/+', 'q/#']);
    expect(f.store.filters.holderCount('p/+')).toBe(2);
    expect(f.store.filters.nextLeaseExpiry()).toBe(t0 + 2_000);
    await expect(f.store.filters.expireLeases(t0 + 5_000)).resolves.toEqual(['q/#']);
    expect(f.store.filters.holders('p/+')).toEqual([{ holderId: 'client-1' }]);
  });

  it('keeps filters and holders apart that only differ around U+001E or in length beyond the key limit', async () => {
    const f = fixture();
    const long = `${'x'.repeat(3_000)}/+`;
    const longer = `${'x'.repeat(3_000)}/y/+`;
    await f.store.filters.register('a\u001eb', 'h');
    await f.store.filters.register('a', 'b\u001eh');
    await f.store.filters.register(long, 'h'.repeat(1_000));
    await f.store.filters.register(longer, 'h'.repeat(1_000));
    expect([...f.store.filters.filters()].sort()).toEqual(['a', 'a\u001eb', long, longer].sort());
    expect(f.store.filters.holders(long)).toEqual([{ holderId: 'h'.repeat(1_000) }]);
    await expect(f.store.filters.unregister(long, 'h'.repeat(1_000))).resolves.toEqual({ removed: true });
    expect(f.store.filters.holderCount(longer)).toBe(1);
  });

  it('refuses an invalid filter or an empty holder as a caller bug [MQTT-4.7.1-2]', async () => {
    const f = fixture();
    await expect(f.store.filters.register('a/#/b', 'gw-1')).rejects.toMatchObject({
      code: 'STORE_STATE_INVALID_ARGUMENT',
    });
    await expect(f.store.filters.register('a', '')).rejects.toMatchObject({
      code: 'STORE_STATE_INVALID_ARGUMENT',
    });
    expect([...f.store.filters.filters()]).toEqual([]);
    expect(f.hookLog).toEqual([]);
  });

  describe('lease-free holds (the sweep of ended sessions)', () => {
    it('pages through lease-free holds by holder, skipping leased holds and holders left out', async () => {
      const f = fixture();
      for (let i = 0; i < 5; i++) {
        await f.store.filters.register('+/x', `c${i}`);
        await f.store.filters.register(`t/${i}`, `c${i}`);
      }
      await f.store.filters.register('+/x', 'gw-1', 60_000); // a gateway's hold: leased
      await f.store.filters.register('+/y', 'local'); // a holder `include` leaves out
      const seen: Array<{ holderId: string; filters: readonly string[] }> = [];
      let after: Buffer | undefined = undefined;
      let pages = 0;
      do {
        const page = f.store.filters.leaseFreeHolds({
          ...(after === undefined ? {} : { after }),
          maxHolders: 2,
          include: (holderId) => holderId !== 'local',
        });
        seen.push(...page.holders);
        after = page.next;
        pages += 1;
      } while (after !== undefined);
      expect(pages).toBe(4); // 7 holders, 2 per page
      expect(seen.map((h) => h.holderId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect(seen.map((h) => [...h.filters].sort())).toEqual([0, 1, 2, 3, 4].map((i) => ['+/x', `t/${i}`]));
    });

    it('drops only holds not registered again since the page was read, nor leased since', async () => {
      const f = fixture();
      await f.store.filters.register('+/x', 'c1');
      await f.store.filters.register('+/x', 'c2');
      await f.store.filters.register('+/x', 'c3');
      const page = f.store.filters.leaseFreeHolds({ maxHolders: 10, include: () => true });
      // Meanwhile c2 subscribes again (a new session registers its hold again) and c3's hold gets a lease.
      await f.store.filters.register('+/x', 'c2');
      await f.store.filters.register('+/x', 'c3', 60_000);
      const drops = ['c1', 'c2', 'c3'].map((holderId) => ({ filter: '+/x', holderId }));
      await expect(f.store.filters.dropHoldsRegisteredUpTo(drops, page.registeredUpTo)).resolves.toBe(1);
      expect(
        f.store.filters
          .holders('+/x')
          .map((h) => h.holderId)
          .sort(),
      ).toEqual(['c2', 'c3']);
      // The registration sequence survives a restart: a hold registered after it is still newer.
      await f.reopen();
      await f.store.filters.register('+/x', 'c1');
      await expect(
        f.store.filters.dropHoldsRegisteredUpTo([{ filter: '+/x', holderId: 'c1' }], page.registeredUpTo),
      ).resolves.toBe(0);
    });
  });
});
