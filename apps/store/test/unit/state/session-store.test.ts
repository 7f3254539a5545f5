import { type SubscriptionOptions, type Will } from '../../../src/state';
import { useStateFixture } from './state-fixture';

function subscription(filter: string, overrides: Partial<SubscriptionOptions> = {}): SubscriptionOptions {
  return {
    filter,
    qos: 1,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionIdentifier: 0,
    ...overrides,
  };
}

function will(overrides: Partial<Will> = {}): Will {
  return {
    topic: 'clients/c1/status',
    payload: Buffer.from('gone'),
    qos: 1,
    retain: false,
    willDelayIntervalSeconds: 0,
    ...overrides,
  };
}

const persistent = { ownerId: 'gw-1', cleanStart: false, sessionExpiryIntervalSeconds: 3_600 };

describe('session store', () => {
  const fixture = useStateFixture();

  describe('open', () => {
    it('issues a strictly higher epoch on every open, across clean start, delete and restart', async () => {
      const f = fixture();
      const { sessions } = f.store;
      const epochs: number[] = [];
      epochs.push((await sessions.open({ clientId: 'c1', ...persistent })).epoch);
      epochs.push((await sessions.open({ clientId: 'c1', ...persistent })).epoch);
      epochs.push((await sessions.open({ clientId: 'c1', ...persistent, cleanStart: true })).epoch);
      await sessions.delete('c1', 0);
      epochs.push((await sessions.open({ clientId: 'c1', ...persistent })).epoch);
      await f.reopen();
      epochs.push((await f.store.sessions.open({ clientId: 'c1', ...persistent })).epoch);
      for (let i = 1; i < epochs.length; i++) expect(epochs[i]!).toBeGreaterThan(epochs[i - 1]!);
    });

    it('gives concurrent opens of one client id distinct epochs; only the last one may write', async () => {
      const f = fixture();
      const [first, second] = await Promise.all([
        f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-1' }),
        f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-2' }),
      ]);
      expect(second.epoch).toBeGreaterThan(first.epoch);
      expect(f.store.sessions.get('c1')).toMatchObject({ ownerId: 'gw-2', epoch: second.epoch });
      await expect(f.store.sessions.update({ clientId: 'c1', epoch: first.epoch })).resolves.toEqual({
        status: 'stale-epoch',
        currentEpoch: second.epoch,
      });
    });

    it('reports no session present for a new session and resumes a stored one [MQTT-3.2.2-2] [MQTT-3.2.2-3]', async () => {
      const f = fixture();
      const opened = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      expect(opened).toMatchObject({
        sessionPresent: false,
        session: { clientId: 'c1', subscriptions: [], disconnectedAtMs: 0 },
      });
      expect(opened.session.will).toBeUndefined();
      await f.store.sessions.update({
        clientId: 'c1',
        epoch: opened.epoch,
        addSubscriptions: [subscription('a/+')],
      });
      await f.store.sessions.close({
        clientId: 'c1',
        epoch: opened.epoch,
        disconnectedAtMs: f.nowMs,
        discard: false,
        publishWill: false,
      });

      const resumed = await f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-2' });
      expect(resumed.sessionPresent).toBe(true);
      expect(resumed.session).toMatchObject({ ownerId: 'gw-2', epoch: resumed.epoch, disconnectedAtMs: 0 });
      expect(resumed.session.subscriptions.map((s) => s.filter)).toEqual(['a/+']);
    });

    it('discards subscriptions, offsets and will on clean start and unregisters their filters [MQTT-3.1.2-4]', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        addSubscriptions: [subscription('a/+'), subscription('b/#')],
        updateWill: true,
        will: will(),
      });
      await f.store.offsets.commit({ kind: 'session', id: 'c1' }, epoch, [
        { queue: { kind: 'topic', name: 'a' }, offset: 9 },
      ]);
      await f.store.filters.register('b/#', 'gw-1'); // another holder keeps b/# alive

      const clean = await f.store.sessions.open({ clientId: 'c1', ...persistent, cleanStart: true });
      expect(clean.sessionPresent).toBe(false);
      expect(clean.session.subscriptions).toEqual([]);
      expect(clean.session.will).toBeUndefined();
      expect(f.store.offsets.fetch({ kind: 'session', id: 'c1' })).toEqual([]);
      expect(f.store.filters.holderCount('a/+')).toBe(0);
      expect(f.store.filters.holders('b/#')).toEqual([{ holderId: 'gw-1' }]);
      expect(f.hookLog).toEqual(['+a/+', '+b/#', '-a/+']);
    });

    it('refuses an empty client id or owner as a caller bug', async () => {
      const f = fixture();
      await expect(f.store.sessions.open({ clientId: '', ...persistent })).rejects.toMatchObject({
        code: 'STORE_STATE_INVALID_ARGUMENT',
      });
      await expect(
        f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: '' }),
      ).rejects.toMatchObject({
        code: 'STORE_STATE_INVALID_ARGUMENT',
      });
    });
  });

  describe('update', () => {
    it('starts a new subscription at the queue end offset and registers its filter with the client id', async () => {
      const f = fixture();
      f.endOffsets.set('devices/+/cmd', 120);
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      const updated = await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        addSubscriptions: [subscription('devices/+/cmd', { qos: 2 })],
      });
      expect(updated.status).toBe('ok');
      expect(updated.status === 'ok' && updated.session.subscriptions).toEqual([
        { ...subscription('devices/+/cmd', { qos: 2 }), committedOffset: 120 },
      ]);
      expect(f.store.filters.holders('devices/+/cmd')).toEqual([{ holderId: 'c1' }]);
      expect(f.store.offsets.fetch({ kind: 'session', id: 'c1' })).toEqual([
        { queue: { kind: 'filter', name: 'devices/+/cmd' }, offset: 120 },
      ]);
      expect(f.hookLog).toEqual(['+devices/+/cmd']);
    });

    it('replaces a subscription in place and keeps its committed offset [MQTT-3.8.4-3]', async () => {
      const f = fixture();
      f.endOffsets.set('a', 5);
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        addSubscriptions: [subscription('a'), subscription('b'), subscription('c')],
      });
      await f.store.offsets.commit({ kind: 'session', id: 'c1' }, epoch, [
        { queue: { kind: 'filter', name: 'a' }, offset: 17 },
      ]);
      f.endOffsets.set('a', 99);

      const replaced = await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        addSubscriptions: [subscription('a', { qos: 0, noLocal: true, subscriptionIdentifier: 7 })],
      });
      expect(replaced.status).toBe('ok');
      const subscriptions = f.store.sessions.get('c1')!.subscriptions;
      expect(subscriptions.map((s) => s.filter)).toEqual(['a', 'b', 'c']);
      expect(subscriptions[0]).toEqual({
        ...subscription('a', { qos: 0, noLocal: true, subscriptionIdentifier: 7 }),
        committedOffset: 17,
      });
      expect(f.store.filters.holderCount('a')).toBe(1);
    });

    it('applies removals before additions: unsubscribe and subscribe again starts at the current end', async () => {
      const f = fixture();
      f.endOffsets.set('a', 3);
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        addSubscriptions: [subscription('a'), subscription('b')],
      });
      f.endOffsets.set('a', 50);
      const result = await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        removeFilters: ['a', 'unknown'],
        addSubscriptions: [subscription('a')],
      });
      expect(result.status === 'ok' && result.session.subscriptions).toEqual([
        { ...subscription('b'), committedOffset: 0 },
        { ...subscription('a'), committedOffset: 50 },
      ]);
      // Removing and re-adding within one update is no change for the dispatcher.
      expect(f.hookLog).toEqual(['+a', '+b']);
    });

    it('unsubscribing drops the filter hold and the offset', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({ clientId: 'c1', epoch, addSubscriptions: [subscription('a/#')] });
      await f.store.sessions.update({ clientId: 'c1', epoch, removeFilters: ['a/#'] });
      expect(f.store.sessions.get('c1')!.subscriptions).toEqual([]);
      expect(f.store.filters.holderCount('a/#')).toBe(0);
      expect(f.store.offsets.fetch({ kind: 'session', id: 'c1' })).toEqual([]);
      expect(f.hookLog).toEqual(['+a/#', '-a/#']);
    });

    it('replaces or clears the will and changes the expiry interval', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        updateWill: true,
        will: will({ retain: true }),
      });
      expect(f.store.sessions.get('c1')!.will).toEqual(will({ retain: true }));
      await f.store.sessions.update({ clientId: 'c1', epoch, sessionExpiryIntervalSeconds: 10 });
      expect(f.store.sessions.get('c1')).toMatchObject({
        will: will({ retain: true }),
        sessionExpiryIntervalSeconds: 10,
      });
      await f.store.sessions.update({ clientId: 'c1', epoch, updateWill: true });
      expect(f.store.sessions.get('c1')!.will).toBeUndefined();
    });

    it('answers not-found for an unknown session', async () => {
      const f = fixture();
      await expect(f.store.sessions.update({ clientId: 'nobody', epoch: 1 })).resolves.toEqual({
        status: 'not-found',
      });
      await expect(
        f.store.sessions.close({
          clientId: 'nobody',
          epoch: 1,
          disconnectedAtMs: f.nowMs,
          discard: false,
          publishWill: false,
        }),
      ).resolves.toEqual({ status: 'not-found' });
      await expect(f.store.sessions.delete('nobody', 0)).resolves.toEqual({ status: 'not-found' });
      expect(f.store.sessions.get('nobody')).toBeUndefined();
    });
  });

  describe('fencing', () => {
    it('rejects update, close and delete from a stale epoch and changes nothing', async () => {
      const f = fixture();
      const old = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({
        clientId: 'c1',
        epoch: old.epoch,
        addSubscriptions: [subscription('a')],
      });
      const current = await f.store.sessions.open({ clientId: 'c1', ...persistent, ownerId: 'gw-2' });
      const before = f.store.sessions.get('c1');
      const stale = { status: 'stale-epoch', currentEpoch: current.epoch };

      await expect(
        f.store.sessions.update({
          clientId: 'c1',
          epoch: old.epoch,
          addSubscriptions: [subscription('b')],
          removeFilters: ['a'],
          updateWill: true,
          will: will(),
        }),
      ).resolves.toEqual(stale);
      await expect(
        f.store.sessions.close({
          clientId: 'c1',
          epoch: old.epoch,
          disconnectedAtMs: f.nowMs,
          discard: true,
          publishWill: true,
        }),
      ).resolves.toEqual(stale);
      await expect(f.store.sessions.delete('c1', old.epoch)).resolves.toEqual(stale);

      expect(f.store.sessions.get('c1')).toEqual(before);
      expect([...f.store.filters.filters()]).toEqual(['a']);
      expect(f.store.sessions.nextDeadline()).toBeUndefined();
      expect(f.hookLog).toEqual(['+a']);
    });

    it('lets an administrative delete (epoch 0) through', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({ clientId: 'c1', epoch, addSubscriptions: [subscription('a')] });
      await expect(f.store.sessions.delete('c1', 0)).resolves.toEqual({ status: 'ok' });
      expect(f.store.sessions.get('c1')).toBeUndefined();
      expect(f.store.filters.holderCount('a')).toBe(0);
      expect(f.store.offsets.fetch({ kind: 'session', id: 'c1' })).toEqual([]);
    });
  });

  describe('expiry', () => {
    it('deletes a session after its expiry interval, unregisters its filters and reports it', async () => {
      const f = fixture();
      const t0 = f.nowMs;
      const { epoch } = await f.store.sessions.open({
        clientId: 'c1',
        ...persistent,
        sessionExpiryIntervalSeconds: 60,
      });
      await f.store.sessions.update({ clientId: 'c1', epoch, addSubscriptions: [subscription('a/+')] });
      await f.store.sessions.open({ clientId: 'c2', ...persistent, sessionExpiryIntervalSeconds: 120 });
      expect(f.store.sessions.nextDeadline()).toBeUndefined(); // connected sessions do not expire
      await f.store.sessions.close({
        clientId: 'c1',
        epoch,
        disconnectedAtMs: t0,
        discard: false,
        publishWill: false,
      });
      expect(f.store.sessions.nextDeadline()).toBe(t0 + 60_000);

      await expect(f.store.sessions.expire(t0 + 59_999)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
      await expect(f.store.sessions.expire(t0 + 60_000)).resolves.toEqual({
        expiredClientIds: ['c1'],
        willsDue: [],
      });
      expect(f.store.sessions.get('c1')).toBeUndefined();
      expect(f.store.sessions.get('c2')).toBeDefined();
      expect(f.store.filters.holderCount('a/+')).toBe(0);
      expect(f.store.offsets.fetch({ kind: 'session', id: 'c1' })).toEqual([]);
      expect(f.hookLog).toEqual(['+a/+', '-a/+']);
      expect(f.store.sessions.nextDeadline()).toBeUndefined();
    });

    it('never expires a session with interval 0xFFFFFFFF', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({
        clientId: 'c1',
        ...persistent,
        sessionExpiryIntervalSeconds: 0xffffffff,
      });
      await f.store.sessions.close({
        clientId: 'c1',
        epoch,
        disconnectedAtMs: f.nowMs,
        discard: false,
        publishWill: false,
      });
      expect(f.store.sessions.nextDeadline()).toBeUndefined();
      await expect(f.store.sessions.expire(Number.MAX_SAFE_INTEGER - 1)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
      expect(f.store.sessions.get('c1')).toBeDefined();
    });

    it('reopening before expiry keeps the session', async () => {
      const f = fixture();
      const t0 = f.nowMs;
      const { epoch } = await f.store.sessions.open({
        clientId: 'c1',
        ...persistent,
        sessionExpiryIntervalSeconds: 60,
      });
      await f.store.sessions.close({
        clientId: 'c1',
        epoch,
        disconnectedAtMs: t0,
        discard: false,
        publishWill: false,
      });
      await f.store.sessions.open({ clientId: 'c1', ...persistent, sessionExpiryIntervalSeconds: 60 });
      await expect(f.store.sessions.expire(t0 + 120_000)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
      expect(f.store.sessions.get('c1')).toBeDefined();
    });

    it('discards the state at once when closed with discard (session expiry 0)', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({
        clientId: 'c1',
        ...persistent,
        sessionExpiryIntervalSeconds: 0,
      });
      await f.store.sessions.update({ clientId: 'c1', epoch, addSubscriptions: [subscription('x')] });
      await f.store.sessions.close({
        clientId: 'c1',
        epoch,
        disconnectedAtMs: f.nowMs,
        discard: true,
        publishWill: false,
      });
      expect(f.store.sessions.get('c1')).toBeUndefined();
      expect(f.store.filters.holderCount('x')).toBe(0);
    });
  });

  describe('will', () => {
    async function closedWithWill(
      f: ReturnType<typeof fixture>,
      options: { willDelaySeconds: number; sessionExpirySeconds: number; discard?: boolean },
    ): Promise<number> {
      const { epoch } = await f.store.sessions.open({
        clientId: 'c1',
        ...persistent,
        sessionExpiryIntervalSeconds: options.sessionExpirySeconds,
      });
      await f.store.sessions.update({
        clientId: 'c1',
        epoch,
        updateWill: true,
        will: will({ willDelayIntervalSeconds: options.willDelaySeconds }),
      });
      await f.store.sessions.close({
        clientId: 'c1',
        epoch,
        disconnectedAtMs: f.nowMs,
        discard: options.discard ?? false,
        publishWill: true,
      });
      return f.nowMs;
    }

    it('is due after the will delay, once removed it is gone [MQTT-3.1.3-9]', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 30, sessionExpirySeconds: 3_600 });
      expect(f.store.sessions.nextDeadline()).toBe(t0 + 30_000);
      expect(f.store.sessions.get('c1')!.will).toBeUndefined(); // moved out of the session [MQTT-3.1.2-10]
      await expect(f.store.sessions.expire(t0 + 29_999)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
      const due = await f.store.sessions.expire(t0 + 30_000);
      expect(due).toEqual({
        expiredClientIds: [],
        willsDue: [
          { clientId: 'c1', will: will({ willDelayIntervalSeconds: 30 }), epoch: 1, dueAtMs: t0 + 30_000 },
        ],
      });
      await expect(f.store.sessions.removeWill(due.willsDue[0]!)).resolves.toBe(true);
      await expect(f.store.sessions.removeWill(due.willsDue[0]!)).resolves.toBe(false);
      await expect(f.store.sessions.expire(t0 + 31_000)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
      expect(f.store.sessions.pendingWill('c1')).toBeUndefined();
      expect(f.store.sessions.nextDeadline()).toBe(t0 + 3_600_000); // only the session's end is left
      expect(f.store.sessions.get('c1')).toBeDefined();
    });

    it('stays stored and due until removed: a crash before it is published loses nothing', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 0, sessionExpirySeconds: 3_600 });
      const first = await f.store.sessions.expire(t0);
      expect(first.willsDue).toHaveLength(1);
      // Not removed (the process "crashed" before the append finished): still there, also after a restart.
      await f.reopen();
      expect(f.store.sessions.pendingWill('c1')).toEqual({ will: will(), dueAtMs: t0 });
      expect(f.store.sessions.nextDeadline()).toBe(t0);
      const again = await f.store.sessions.expire(t0 + 5_000);
      expect(again.willsDue).toEqual(first.willsDue);
      await expect(f.store.sessions.removeWill(again.willsDue[0]!)).resolves.toBe(true);
      expect(f.store.sessions.pendingWill('c1')).toBeUndefined();
    });

    it('a will left by a newer connection is not removed with the one taken before it', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 0, sessionExpirySeconds: 3_600 });
      const taken = (await f.store.sessions.expire(t0)).willsDue[0]!;
      // The client reconnects (cancelling the will [MQTT-3.1.2-8]) and drops again, leaving a new will.
      f.nowMs = t0 + 1_000;
      const t1 = await closedWithWill(f, { willDelaySeconds: 60, sessionExpirySeconds: 3_600 });
      await expect(f.store.sessions.removeWill(taken)).resolves.toBe(false);
      expect(f.store.sessions.pendingWill('c1')).toEqual({
        will: will({ willDelayIntervalSeconds: 60 }),
        dueAtMs: t1 + 60_000,
      });
    });

    it('is suppressed when the client reconnects within the will delay [MQTT-3.1.2-8]', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 30, sessionExpirySeconds: 3_600 });
      await f.store.sessions.open({ clientId: 'c1', ...persistent });
      expect(f.store.sessions.pendingWill('c1')).toBeUndefined();
      await expect(f.store.sessions.expire(t0 + 60_000)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
    });

    it('is due when the session ends, if that is sooner than the will delay', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 300, sessionExpirySeconds: 10 });
      expect(f.store.sessions.pendingWill('c1')?.dueAtMs).toBe(t0 + 10_000);
      await expect(f.store.sessions.expire(t0 + 10_000)).resolves.toEqual({
        expiredClientIds: ['c1'],
        willsDue: [
          { clientId: 'c1', will: will({ willDelayIntervalSeconds: 300 }), epoch: 1, dueAtMs: t0 + 10_000 },
        ],
      });
    });

    it('is due at once when the session is discarded at close', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 300, sessionExpirySeconds: 0, discard: true });
      expect(f.store.sessions.get('c1')).toBeUndefined();
      expect(f.store.sessions.nextDeadline()).toBe(t0);
      await expect(f.store.sessions.expire(t0)).resolves.toMatchObject({ willsDue: [{ clientId: 'c1' }] });
    });

    it('is dropped on a normal disconnect [MQTT-3.1.2-10]', async () => {
      const f = fixture();
      const { epoch } = await f.store.sessions.open({ clientId: 'c1', ...persistent });
      await f.store.sessions.update({ clientId: 'c1', epoch, updateWill: true, will: will() });
      await f.store.sessions.close({
        clientId: 'c1',
        epoch,
        disconnectedAtMs: f.nowMs,
        discard: false,
        publishWill: false,
      });
      expect(f.store.sessions.get('c1')!.will).toBeUndefined();
      expect(f.store.sessions.pendingWill('c1')).toBeUndefined();
    });

    it('is cancelled without publication by a delete', async () => {
      const f = fixture();
      const t0 = await closedWithWill(f, { willDelaySeconds: 30, sessionExpirySeconds: 3_600 });
      await expect(f.store.sessions.delete('c1', 0)).resolves.toEqual({ status: 'ok' });
      await expect(f.store.sessions.expire(t0 + 3_600_000)).resolves.toEqual({
        expiredClientIds: [],
        willsDue: [],
      });
    });
  });

  describe('per-client records', () => {
    it('none remain after clients connect and disconnect cleanly, or their sessions expire', async () => {
      const f = fixture();
      for (let i = 0; i < 20; i++) {
        const clientId = `clean-${i}`;
        const { epoch } = await f.store.sessions.open({
          clientId,
          ...persistent,
          cleanStart: true,
          sessionExpiryIntervalSeconds: 0,
        });
        await f.store.sessions.update({ clientId, epoch, addSubscriptions: [subscription(`t/${i}`)] });
        await f.store.offsets.commit({ kind: 'session', id: clientId }, epoch, [
          { queue: { kind: 'filter', name: `t/${i}` }, offset: 1 },
        ]);
        await f.store.sessions.close({
          clientId,
          epoch,
          disconnectedAtMs: f.nowMs,
          discard: true,
          publishWill: false,
        });
      }
      for (let i = 0; i < 5; i++) {
        const clientId = `persistent-${i}`;
        const { epoch } = await f.store.sessions.open({
          clientId,
          ...persistent,
          sessionExpiryIntervalSeconds: 10,
        });
        await f.store.sessions.update({ clientId, epoch, addSubscriptions: [subscription('p/+')] });
        await f.store.sessions.close({
          clientId,
          epoch,
          disconnectedAtMs: f.nowMs,
          discard: false,
          publishWill: false,
        });
      }
      await f.store.sessions.expire(f.nowMs + 10_000);
      expect(await f.recordCounts()).toEqual({
        sessions: 0,
        epochs: 0,
        wills: 0,
        deadlines: 0,
        offsets: 0,
        holders: 0,
        holdings: 0,
        filters: 0,
      });
      // Epochs still only grow (the shard-wide counter), so fencing needs no per-client record.
      expect((await f.store.sessions.open({ clientId: 'clean-0', ...persistent })).epoch).toBe(26);
    });
  });

  it('survives close and reopen: sessions, subscriptions with offsets, pending wills and deadlines', async () => {
    const f = fixture();
    const t0 = f.nowMs;
    f.endOffsets.set('a/+', 7);
    const { epoch } = await f.store.sessions.open({
      clientId: 'c1',
      ...persistent,
      sessionExpiryIntervalSeconds: 100,
    });
    await f.store.sessions.update({
      clientId: 'c1',
      epoch,
      addSubscriptions: [subscription('a/+', { retainHandling: 2 }), subscription('b')],
      updateWill: true,
      will: will({
        willDelayIntervalSeconds: 5,
        properties: { contentType: 'text/plain', userProperties: [{ key: 'k', value: 'v' }] },
      }),
    });
    await f.store.sessions.close({
      clientId: 'c1',
      epoch,
      disconnectedAtMs: t0,
      discard: false,
      publishWill: true,
    });
    const before = f.store.sessions.get('c1');
    await f.reopen();

    expect(f.store.sessions.get('c1')).toEqual(before);
    expect(before!.subscriptions[0]).toMatchObject({ filter: 'a/+', retainHandling: 2, committedOffset: 7 });
    expect(f.store.sessions.nextDeadline()).toBe(t0 + 5_000);
    const due = await f.store.sessions.expire(t0 + 100_000);
    expect(due.expiredClientIds).toEqual(['c1']);
    expect(due.willsDue[0]!.will.properties).toEqual({
      contentType: 'text/plain',
      userProperties: [{ key: 'k', value: 'v' }],
    });
    expect(Buffer.from(due.willsDue[0]!.will.payload).toString()).toBe('gone');
    await expect(f.store.sessions.update({ clientId: 'c1', epoch })).resolves.toEqual({
      status: 'not-found',
    });
  });
});
