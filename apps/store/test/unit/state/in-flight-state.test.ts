import { type ConsumerRef, type SubscriptionOptions } from '../../../src/state';
import { useStateFixture } from './state-fixture';

const session: ConsumerRef = { kind: 'session', id: 'c1' };
const persistent = { ownerId: 'gw-1', cleanStart: false, sessionExpiryIntervalSeconds: 3_600 };
const queueA = { kind: 'filter', name: 'a' } as const;

function subscription(filter: string): SubscriptionOptions {
  return {
    filter,
    qos: 2,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionIdentifier: 0,
  };
}

const inFlight = [
  { offset: 3, packetId: 7, qos: 2, pubrelSent: true },
  { offset: 5, packetId: 9, qos: 1, pubrelSent: false },
] as const;

describe('in-flight state of sessions (ADR 0014)', () => {
  const fixture = useStateFixture();

  async function openSubscribed(): Promise<number> {
    const f = fixture();
    const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
    await f.store.sessions.update({ clientId: 'c1', epoch, addSubscriptions: [subscription('a')] });
    return epoch;
  }

  it('stores a queue’s in-flight messages and sent-below with its offset, in the session view and FetchOffsets, across a restart', async () => {
    const f = fixture();
    const epoch = await openSubscribed();
    await expect(
      f.store.offsets.commit(session, epoch, [{ queue: queueA, offset: 5, sentBelow: 6, inFlight }], {
        pendingPubrels: [12],
        inboundQos2Ids: [4, 2],
      }),
    ).resolves.toEqual({ status: 'ok' });
    await f.reopen();
    expect(f.store.offsets.fetch(session, [queueA])).toEqual([
      { queue: queueA, offset: 5, sentBelow: 6, inFlight },
    ]);
    const view = f.store.sessions.get('c1');
    expect(view?.subscriptions[0]).toMatchObject({ committedOffset: 5, sentBelow: 6, inFlight });
    expect(view?.pendingPubrels).toEqual([12]);
    expect(view?.inboundQos2Ids).toEqual([4, 2]);
  });

  it('each commit replaces a queue’s in-flight entries; the identifiers only when sent', async () => {
    const f = fixture();
    const epoch = await openSubscribed();
    await f.store.offsets.commit(session, epoch, [{ queue: queueA, offset: 5, sentBelow: 6, inFlight }], {
      pendingPubrels: [12],
      inboundQos2Ids: [4],
    });
    // A commit without identifiers keeps the stored ones; a queue committed without entries has none left.
    await f.store.offsets.commit(session, epoch, [{ queue: queueA, offset: 8, sentBelow: 8 }]);
    let view = f.store.sessions.get('c1');
    expect(view?.subscriptions[0]).toEqual({ ...subscription('a'), committedOffset: 8, sentBelow: 8 });
    expect(view?.pendingPubrels).toEqual([12]);
    await f.store.offsets.commit(session, epoch, [], { pendingPubrels: [], inboundQos2Ids: [6] });
    view = f.store.sessions.get('c1');
    expect(view?.pendingPubrels).toEqual([]);
    expect(view?.inboundQos2Ids).toEqual([6]);
  });

  it('refuses in-flight state from a stale epoch [MQTT-3.1.4-2] and changes nothing', async () => {
    const f = fixture();
    const old = await openSubscribed();
    await f.store.offsets.commit(session, old, [{ queue: queueA, offset: 2, sentBelow: 4, inFlight }], {
      pendingPubrels: [1],
      inboundQos2Ids: [1],
    });
    const current = await f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-2' });
    await expect(
      f.store.offsets.commit(session, old, [{ queue: queueA, offset: 9, sentBelow: 9 }], {
        pendingPubrels: [],
        inboundQos2Ids: [],
      }),
    ).resolves.toEqual({ status: 'stale-epoch', currentEpoch: current.epoch });
    expect(current.session.subscriptions[0]).toMatchObject({ committedOffset: 2, sentBelow: 4, inFlight });
    expect(current.session.pendingPubrels).toEqual([1]);
    expect(current.session.inboundQos2Ids).toEqual([1]);
    expect(f.store.sessions.get('c1')?.pendingPubrels).toEqual([1]);
  });

  it('keeps the identifiers across close, owner lapse and resume; a clean start drops them [MQTT-3.1.2-4]', async () => {
    const f = fixture();
    const epoch = await openSubscribed();
    await f.store.offsets.commit(session, epoch, [{ queue: queueA, offset: 2, sentBelow: 4, inFlight }], {
      pendingPubrels: [3],
      inboundQos2Ids: [5],
    });
    await f.store.sessions.close({
      clientId: 'c1',
      epoch,
      disconnectedAtMs: 0,
      discard: false,
      publishWill: false,
    });
    const resumed = await f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-2' });
    expect(resumed.session.pendingPubrels).toEqual([3]);
    expect(resumed.session.inboundQos2Ids).toEqual([5]);
    await f.store.sessions.releaseOwner('gw-2', f.nowMs);
    const afterLapse = await f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-3' });
    expect(afterLapse.session.inboundQos2Ids).toEqual([5]);
    expect(afterLapse.session.subscriptions[0]).toMatchObject({ inFlight });
    const clean = await f.store.sessions.open({ clientId: 'c1', ...persistent, cleanStart: true });
    expect(clean.session).toMatchObject({ subscriptions: [], pendingPubrels: [], inboundQos2Ids: [] });
  });

  it('a shard that is not the session’s home keeps in-flight entries of the filters the client holds', async () => {
    const f = fixture();
    f.remoteClients.add('c1');
    await f.store.filters.register('a', 'c1', 0);
    await f.store.offsets.commit(session, 4, [{ queue: queueA, offset: 2, sentBelow: 3, inFlight }], {
      pendingPubrels: [1],
      inboundQos2Ids: [1],
    });
    expect(f.store.offsets.fetch(session, [queueA])).toEqual([
      { queue: queueA, offset: 2, sentBelow: 3, inFlight },
    ]);
    await expect(f.store.offsets.commit(session, 3, [{ queue: queueA, offset: 9 }])).resolves.toEqual({
      status: 'stale-epoch',
      currentEpoch: 4,
    });
  });

  it('refuses bad packet identifiers and QoS, and keeps no in-flight state for groups', async () => {
    const f = fixture();
    const epoch = await openSubscribed();
    for (const bad of [
      [{ offset: 1, packetId: 0, qos: 1, pubrelSent: false }],
      [{ offset: 1, packetId: 65_536, qos: 1, pubrelSent: false }],
      [{ offset: 1, packetId: 1, qos: 1, pubrelSent: true }],
    ] as const) {
      await expect(
        f.store.offsets.commit(session, epoch, [{ queue: queueA, offset: 1, inFlight: bad }]),
      ).rejects.toMatchObject({ code: 'STORE_STATE_INVALID_ARGUMENT' });
    }
    await expect(
      f.store.offsets.commit(session, epoch, [], { pendingPubrels: [0], inboundQos2Ids: [] }),
    ).rejects.toMatchObject({ code: 'STORE_STATE_INVALID_ARGUMENT' });
    const group: ConsumerRef = { kind: 'group', id: 'g' };
    await f.store.offsets.commit(group, 0, [{ queue: { kind: 'topic', name: 't' }, offset: 3, inFlight }]);
    expect(f.store.offsets.fetch(group)).toEqual([{ queue: { kind: 'topic', name: 't' }, offset: 3 }]);
  });
});
