import { createLogger } from '@starling/observability';
import { OwnerLeases } from '../../src/owner-leases';
import { useStateFixture } from './state/state-fixture';

const logger = createLogger({ service: 'store', level: 'silent' });
const will = {
  topic: 'wills/a',
  payload: Buffer.from('gone'),
  qos: 1 as const,
  retain: false,
  willDelayIntervalSeconds: 0,
};

describe('owner leases (ADR 0013, real LMDB state)', () => {
  const fixture = useStateFixture();
  const started: OwnerLeases[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((l) => l.close()));
  });

  function start(): { leases: OwnerLeases; housekeepingRuns: () => number } {
    const f = fixture();
    let runs = 0;
    const leases = OwnerLeases.start({
      state: f.store,
      logger,
      publishDueWills: () => {
        runs += 1;
        return Promise.resolve();
      },
      checkIntervalMs: 60_000,
      now: () => f.nowMs,
    });
    started.push(leases);
    return { leases, housekeepingRuns: () => runs };
  }

  it('a lapsed owner releases its connected sessions at the lapse time: expiry starts, clean ones go, wills pending [MQTT-3.1.2-8]', async () => {
    const f = fixture();
    const { leases, housekeepingRuns } = start();
    expect(await leases.renew('gw-a~1', 'gw-a', 1_000)).toEqual({ lapsed: false });
    const { sessions } = f.store;
    await sessions.open({
      clientId: 'p',
      ownerId: 'gw-a~1',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
      will,
    });
    await sessions.open({
      clientId: 'c',
      ownerId: 'gw-a~1',
      cleanStart: true,
      sessionExpiryIntervalSeconds: 0,
      will,
    });
    await sessions.open({
      clientId: 'other',
      ownerId: 'gw-b~1',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    expect(sessions.connectedCount()).toBe(3);
    const lapseAt = f.nowMs + 1_000;

    f.nowMs += 900;
    await leases.check();
    expect(sessions.get('p')?.disconnectedAtMs).toBe(0);

    f.nowMs += 200;
    await leases.check();
    expect(sessions.get('p')).toMatchObject({ disconnectedAtMs: lapseAt });
    expect(sessions.get('p')?.will).toBeUndefined();
    expect(sessions.get('c')).toBeUndefined();
    expect(sessions.get('other')?.disconnectedAtMs).toBe(0); // another owner's
    expect(sessions.pendingWill('p')).toEqual({ will, dueAtMs: lapseAt });
    expect(sessions.pendingWill('c')).toEqual({ will, dueAtMs: lapseAt });
    expect(sessions.connectedCount()).toBe(1);
    expect(housekeepingRuns()).toBe(1);
    expect(leases.size).toBe(0);

    // The owner was alive after all (a partition): told so at its next renewal, then leased again.
    expect(await leases.renew('gw-a~1', 'gw-a', 1_000)).toEqual({ lapsed: true });
    expect(await leases.renew('gw-a~1', 'gw-a', 1_000)).toEqual({ lapsed: false });
  });

  it('a session taken over by another owner is not released with its old owner', async () => {
    const f = fixture();
    const { leases } = start();
    await leases.renew('gw-a~1', 'gw-a', 1_000);
    await f.store.sessions.open({
      clientId: 'moved',
      ownerId: 'gw-a~1',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    await f.store.sessions.open({
      clientId: 'moved',
      ownerId: 'gw-b~1',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    f.nowMs += 2_000;
    await leases.check();
    expect(f.store.sessions.get('moved')).toMatchObject({ ownerId: 'gw-b~1', disconnectedAtMs: 0 });
  });

  it('a gateway restarted under the same name ends its older incarnation at once', async () => {
    const f = fixture();
    const { leases } = start();
    await leases.renew('gw-a~old', 'gw-a', 30_000);
    await f.store.sessions.open({
      clientId: 's',
      ownerId: 'gw-a~old',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
      will,
    });
    f.nowMs += 5;
    expect(await leases.renew('gw-a~new', 'gw-a', 30_000)).toEqual({ lapsed: false });
    expect(f.store.sessions.get('s')?.disconnectedAtMs).toBe(f.nowMs);
    expect(f.store.sessions.pendingWill('s')).toBeDefined();
  });

  it('a restarted store gives every stored owner a full lease from its start, then lets the silent ones lapse', async () => {
    const f = fixture();
    const first = start().leases;
    await first.renew('gw-a~1', 'gw-a', 1_000);
    await f.store.sessions.open({
      clientId: 's',
      ownerId: 'gw-a~1',
      cleanStart: false,
      sessionExpiryIntervalSeconds: 60,
    });
    await first.close();
    started.splice(0);
    await f.reopen();
    f.nowMs += 10_000; // the store was down for longer than the lease
    const { leases } = start();
    await leases.check();
    expect(f.store.sessions.get('s')?.disconnectedAtMs).toBe(0);
    const restartedAt = f.nowMs;
    f.nowMs += 1_001;
    await leases.check();
    expect(f.store.sessions.get('s')?.disconnectedAtMs).toBe(restartedAt + 1_000);
  });
});
