import { composeKey, stringPart, tagPart } from '../../../src/state/key-codec';
import { openStateDatabase, META_SCHEMA_VERSION, SCHEMA_VERSION } from '../../../src/state/state-database';
import { useStateFixture } from './state-fixture';

describe('state layout upgrade 1 → 2', () => {
  const fixture = useStateFixture();

  it('indexes holds by holder, keeps seen epochs and offsets only for remote clients that hold a filter', async () => {
    const f = fixture();
    f.remoteClients.add('remote-1');
    f.remoteClients.add('gone-1');
    await f.store.close();

    // What layout 1 left: an epoch per client ever opened, holds without the holder index.
    const db = openStateDatabase(f.dir);
    const longFilter = `${'x'.repeat(600)}/+`; // hashed in keys: the text must come from the filters row
    for (const [filter, holderId] of [
      ['+/status', 'remote-1'],
      [longFilter, 'remote-1'],
      ['a/b', 'home-1'],
    ] as const) {
      db.filters.putSync(stringPart(filter), { filter, holderCount: 1 });
      db.holders.putSync(composeKey(stringPart(filter), stringPart(holderId)), {
        holderId,
        leaseExpiresAtMs: 0,
      });
    }
    db.sessions.putSync(stringPart('home-1'), {
      clientId: 'home-1',
      ownerId: 'gw',
      epoch: 3,
      subscriptions: [],
      sessionExpiryIntervalSeconds: 60,
      disconnectedAtMs: 0,
    });
    for (const [clientId, epoch] of [
      ['home-1', 3],
      ['gone-1', 2],
      ['remote-1', 7],
    ] as const) {
      db.epochs.putSync(stringPart(clientId), epoch);
    }
    const offsetKey = (consumerTag: number, id: string, name: string) =>
      composeKey(tagPart(consumerTag), stringPart(id), tagPart(2), stringPart(name));
    db.offsets.putSync(offsetKey(1, 'remote-1', '+/status'), { kind: 'filter', name: '+/status', offset: 4 });
    db.offsets.putSync(offsetKey(1, 'gone-1', '+/status'), { kind: 'filter', name: '+/status', offset: 9 });
    db.offsets.putSync(offsetKey(2, 'billing', 'orders'), { kind: 'topic', name: 'orders', offset: 1 });
    db.meta.putSync(META_SCHEMA_VERSION, 1);
    await db.env.close();

    await f.reopen();
    expect(await f.recordCounts()).toMatchObject({ holders: 3, holdings: 3, epochs: 1, offsets: 2 });
    expect(f.store.offsets.fetch({ kind: 'session', id: 'remote-1' })).toEqual([
      { queue: { kind: 'filter', name: '+/status' }, offset: 4 },
    ]);
    // The remote client's epoch still fences, and goes with its last hold.
    await expect(
      f.store.offsets.commit({ kind: 'session', id: 'remote-1' }, 6, [
        { queue: { kind: 'filter', name: '+/status' }, offset: 5 },
      ]),
    ).resolves.toEqual({ status: 'stale-epoch', currentEpoch: 7 });
    await f.store.filters.unregister('+/status', 'remote-1');
    await f.store.filters.unregister(longFilter, 'remote-1');
    expect(await f.recordCounts()).toMatchObject({ holdings: 1, epochs: 0, offsets: 1 });

    await f.store.close();
    const after = openStateDatabase(f.dir);
    expect(after.layoutVersion).toBe(SCHEMA_VERSION);
    await after.env.close();
    await f.reopen();
  });
});
