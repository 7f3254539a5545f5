import { type ConsumerRef } from '../../../src/state';
import { useStateFixture } from './state-fixture';

const group: ConsumerRef = { kind: 'group', id: 'billing' };
const session: ConsumerRef = { kind: 'session', id: 'c1' };
const persistent = { ownerId: 'gw-1', cleanStart: false, sessionExpiryIntervalSeconds: 3_600 };

describe('offset store', () => {
  const fixture = useStateFixture();

  it('stores group offsets per queue; the last commit wins, rewinds included', async () => {
    const f = fixture();
    const { offsets } = f.store;
    await expect(
      offsets.commit(group, 0, [
        { queue: { kind: 'topic', name: 'telemetry' }, offset: 10 },
        { queue: { kind: 'topic', name: 'orders' }, offset: 4 },
        { queue: { kind: 'topic', name: 'telemetry' }, offset: 12 },
      ]),
    ).resolves.toEqual({ status: 'ok' });
    await offsets.commit(group, 0, [{ queue: { kind: 'topic', name: 'orders' }, offset: 1 }]);
    expect(offsets.fetch(group)).toEqual(
      expect.arrayContaining([
        { queue: { kind: 'topic', name: 'telemetry' }, offset: 12 },
        { queue: { kind: 'topic', name: 'orders' }, offset: 1 },
      ]),
    );
    expect(offsets.fetch(group)).toHaveLength(2);
  });

  it('fetches the asked queues in order and omits queues without a commit', async () => {
    const f = fixture();
    await f.store.offsets.commit(group, 0, [
      { queue: { kind: 'topic', name: 'a' }, offset: 1 },
      { queue: { kind: 'topic', name: 'b' }, offset: 2 },
    ]);
    expect(
      f.store.offsets.fetch(group, [
        { kind: 'topic', name: 'b' },
        { kind: 'topic', name: 'missing' },
        { kind: 'filter', name: 'a' },
        { kind: 'topic', name: 'a' },
      ]),
    ).toEqual([
      { queue: { kind: 'topic', name: 'b' }, offset: 2 },
      { queue: { kind: 'topic', name: 'a' }, offset: 1 },
    ]);
  });

  it('keeps consumers apart: a group and a session with the same id, and ids sharing a prefix', async () => {
    const f = fixture();
    await f.store.offsets.commit({ kind: 'group', id: 'c1' }, 0, [
      { queue: { kind: 'topic', name: 't' }, offset: 1 },
    ]);
    await f.store.offsets.commit({ kind: 'group', id: 'c10' }, 0, [
      { queue: { kind: 'topic', name: 't' }, offset: 2 },
    ]);
    expect(f.store.offsets.fetch({ kind: 'group', id: 'c1' })).toEqual([
      { queue: { kind: 'topic', name: 't' }, offset: 1 },
    ]);
    expect(f.store.offsets.fetch(session)).toEqual([]);
  });

  it('rejects a session commit from a stale epoch and changes nothing', async () => {
    const f = fixture();
    const old = await f.store.sessions.open({ clientId: 'c1', ...persistent });
    await f.store.sessions.update({
      clientId: 'c1',
      epoch: old.epoch,
      addSubscriptions: [
        {
          filter: 'a',
          qos: 1,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
          subscriptionIdentifier: 0,
        },
      ],
    });
    await f.store.offsets.commit(session, old.epoch, [{ queue: { kind: 'filter', name: 'a' }, offset: 5 }]);
    const current = await f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-2' });

    await expect(
      f.store.offsets.commit(session, old.epoch, [
        { queue: { kind: 'filter', name: 'a' }, offset: 9 },
        { queue: { kind: 'topic', name: 'a' }, offset: 9 },
      ]),
    ).resolves.toEqual({ status: 'stale-epoch', currentEpoch: current.epoch });
    expect(f.store.offsets.fetch(session)).toEqual([{ queue: { kind: 'filter', name: 'a' }, offset: 5 }]);

    await expect(
      f.store.offsets.commit(session, current.epoch, [{ queue: { kind: 'filter', name: 'a' }, offset: 6 }]),
    ).resolves.toEqual({
      status: 'ok',
    });
    // The session record reads its offsets from the offset store: one source of truth.
    expect(f.store.sessions.get('c1')!.subscriptions[0]!.committedOffset).toBe(6);
  });

  it('fences a session whose home is another shard by the highest epoch seen here', async () => {
    const f = fixture();
    f.remoteClients.add('c1');
    const queue = { kind: 'filter', name: '+/status' } as const;
    await f.store.filters.register('+/status', 'c1'); // the gateway registers this shard's copy first
    await expect(f.store.offsets.commit(session, 7, [{ queue, offset: 1 }])).resolves.toEqual({
      status: 'ok',
    });
    await expect(f.store.offsets.commit(session, 9, [{ queue, offset: 2 }])).resolves.toEqual({
      status: 'ok',
    });
    await expect(f.store.offsets.commit(session, 8, [{ queue, offset: 3 }])).resolves.toEqual({
      status: 'stale-epoch',
      currentEpoch: 9,
    });
    await f.reopen();
    await expect(f.store.offsets.commit(session, 8, [{ queue, offset: 3 }])).resolves.toEqual({
      status: 'stale-epoch',
      currentEpoch: 9,
    });
    expect(f.store.offsets.fetch(session)).toEqual([{ queue, offset: 2 }]);
  });

  it('keeps a remote session offsets only for the filters it holds here, and drops them with its holds', async () => {
    const f = fixture();
    f.remoteClients.add('c1');
    const held = { kind: 'filter', name: '+/status' } as const;
    const other = { kind: 'filter', name: '#' } as const;
    await f.store.filters.register('+/status', 'c1');
    await f.store.filters.register('#', 'someone-else');
    await expect(
      f.store.offsets.commit(session, 4, [
        { queue: held, offset: 3 },
        { queue: other, offset: 9 }, // not held by c1 here (unsubscribed meanwhile): not kept
        { queue: { kind: 'topic', name: 'status' }, offset: 9 },
      ]),
    ).resolves.toEqual({ status: 'ok' });
    expect(f.store.offsets.fetch(session)).toEqual([{ queue: held, offset: 3 }]);

    // The last hold goes (UnregisterFilter from the gateway, or the sweep): the offsets and the epoch go too.
    await f.store.filters.unregister('+/status', 'c1');
    expect(f.store.offsets.fetch(session)).toEqual([]);
    expect(await f.recordCounts()).toMatchObject({ epochs: 0, offsets: 0, holdings: 1 });
    // A late commit of the gone owner is accepted and changes nothing: it holds nothing here.
    await expect(f.store.offsets.commit(session, 4, [{ queue: held, offset: 5 }])).resolves.toEqual({
      status: 'ok',
    });
    expect(await f.recordCounts()).toMatchObject({ epochs: 0, offsets: 0 });
  });

  it('refuses every commit of a session its home shard no longer stores', async () => {
    const f = fixture();
    const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
    await f.store.sessions.close({
      clientId: 'c1',
      epoch,
      disconnectedAtMs: f.nowMs,
      discard: true,
      publishWill: false,
    });
    await expect(
      f.store.offsets.commit(session, epoch, [{ queue: { kind: 'filter', name: 'a' }, offset: 3 }]),
    ).resolves.toEqual({ status: 'stale-epoch', currentEpoch: epoch });
    expect(await f.recordCounts()).toMatchObject({ sessions: 0, epochs: 0, offsets: 0 });
  });

  it('does not let a stale owner of a deleted session leave offsets for the next session', async () => {
    const f = fixture();
    const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
    await f.store.sessions.delete('c1', 0);
    await f.store.offsets.commit(session, epoch, [{ queue: { kind: 'filter', name: 'a' }, offset: 3 }]);
    f.endOffsets.set('a', 40);
    const next = await f.store.sessions.open({ clientId: 'c1', ...persistent });
    const updated = await f.store.sessions.update({
      clientId: 'c1',
      epoch: next.epoch,
      addSubscriptions: [
        {
          filter: 'a',
          qos: 0,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
          subscriptionIdentifier: 0,
        },
      ],
    });
    expect(updated.status === 'ok' && updated.session.subscriptions[0]!.committedOffset).toBe(40);
  });

  it('refuses a negative or fractional offset as a caller bug and commits none of the batch', async () => {
    const f = fixture();
    await expect(
      f.store.offsets.commit(group, 0, [
        { queue: { kind: 'topic', name: 'a' }, offset: 1 },
        { queue: { kind: 'topic', name: 'b' }, offset: -1 },
      ]),
    ).rejects.toMatchObject({ code: 'STORE_STATE_INVALID_ARGUMENT' });
    await expect(
      f.store.offsets.commit(group, 0, [{ queue: { kind: 'topic', name: 'a' }, offset: 1.5 }]),
    ).rejects.toMatchObject({
      code: 'STORE_STATE_INVALID_ARGUMENT',
    });
    expect(f.store.offsets.fetch(group)).toEqual([]);
  });

  it('survives close and reopen', async () => {
    const f = fixture();
    await f.store.offsets.commit(group, 0, [
      { queue: { kind: 'topic', name: 'telemetry' }, offset: 2 ** 40 },
    ]);
    await f.reopen();
    expect(f.store.offsets.fetch(group)).toEqual([
      { queue: { kind: 'topic', name: 'telemetry' }, offset: 2 ** 40 },
    ]);
  });
});
